"""Deploying through the pages: a diagram that adds an approval step changes the path of new tickets while old
ones finish on theirs; a draft that breaks a standard journey needs a recorded override; the diff shows the new step;
bulk migration shows its dry run first, then moves the eligible tickets (audited) and lists the rest; activating
an older version rolls back."""
from __future__ import annotations

import io
import re
from datetime import datetime

from sqlalchemy import func, select

from engine.common.db import transaction
from engine.models import AuditLog, ProcessVersion, Ticket
from engine.tickets.lifecycle import complete_task, register
from engine.workflow.bundle import MAIN_PROCESS
from tests.support.helpers import CITIZEN, REPLY, unit, user

from ..workflow.variants import HOTLINE, INTAKE_BROKEN, replace, with_leader_approval
from .conftest import login, post, text

NOW = datetime.fromisoformat("2026-11-25T10:00:00+08:00")
BROKEN = replace(HOTLINE, 'review_decision == "back"', 'review_decision == "accept"')


def go(db, who, t, task, **data):
    with transaction(db.session):
        return complete_task(db.session, user(db.session, who), t.id, task, data, NOW)


def ticket_at(db, stage):
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"}, NOW)
    if stage == "dispatching":
        return t
    go(db, "dispatcher", t, "dispatch", lead_unit=unit(db.session, "HY-ZJJ").id)
    go(db, "receiver", t, "sign", decision="sign")
    go(db, "handler", t, "reply", **REPLY)
    if stage == "reviewing":
        return t
    go(db, "reviewer", t, "review", decision="accept")
    return t


def upload_draft(client, hotline: str, name: str) -> int:
    r = post(client, "/process/drafts/upload", {"files": [(io.BytesIO(hotline.encode()), "hotline.bpmn")],
                                                "name": name}, content_type="multipart/form-data")
    assert r.status_code == 302, text(r)[:500]
    return int(r.headers["Location"].split("/")[-2])


def last_number(db) -> int:
    return db.session.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == MAIN_PROCESS))


def active(db) -> ProcessVersion:
    db.session.expire_all()
    return db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == MAIN_PROCESS,
                                                          ProcessVersion.active.is_(True)))


def deploy_leader_approval(client, db) -> ProcessVersion:
    draft_id = upload_draft(client, with_leader_approval(), "增加领导审批")
    assert "没有发现错误" in text(client.get(f"/process/drafts/{draft_id}/validate"))
    dry = text(client.get(f"/process/drafts/{draft_id}/dry-run"))
    assert "全部通过" in dry and 'name="override"' not in dry
    # the new step is marked new; the steps the draft did not change are not
    assert '<span title="leader_approval">领导审批</span><span class="tag ok">新增</span>' in dry
    assert '<span title="review">审核答复</span> →' in dry and dry.count(">新增</span>") == dry.count(
        '<span title="leader_approval">领导审批</span><span class="tag ok">新增</span>')
    r = post(client, f"/process/drafts/{draft_id}/deploy", {"note": "办结前增加领导审批"},
             get_url=f"/process/drafts/{draft_id}/dry-run")
    assert r.status_code == 302, text(r)[:800]
    pv = active(db)
    assert r.headers["Location"].endswith(f"/process/versions/{pv.version}")
    return pv


def test_approval_step_deployed_through_the_pages_applies_to_new_tickets_only(owner, db, restore_version):
    old = ticket_at(db, "reviewing")
    last = last_number(db)
    pv = deploy_leader_approval(owner, db)
    assert pv.version == last + 1 and pv.id != restore_version.id
    assert (pv.author, pv.note) == ("叶振华", "办结前增加领导审批")

    new = ticket_at(db, "reviewing")
    assert db.session.get(Ticket, new.id).process_version_id == pv.id
    step = go(db, "reviewer", new, "review", decision="accept")
    assert [t.bpmn_id for t in step.ready] == ["leader_approval"]
    # the reviewer fills the generated form on its page; the timeline shows the field by its label and 是/否
    login(owner, "reviewer")
    page = text(owner.get(f"/tickets/{new.id}/tasks/leader_approval"))
    assert "同意办结" in page and 'name="approved"' in page
    r = post(owner, f"/tickets/{new.id}/tasks/leader_approval", {"op": "submit", "approved": "y"},
             get_url=f"/tickets/{new.id}/tasks/leader_approval")
    assert r.status_code == 302, text(r)[:2000]
    db.session.expire_all()
    assert db.session.get(Ticket, new.id).status == "evaluating"
    timeline = text(owner.get(f"/tickets/{new.id}")).split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "领导审批" in timeline and "同意办结：是" in timeline and "approved" not in timeline and "True" not in timeline
    login(owner, "process_owner")
    step = go(db, "reviewer", old, "review", decision="accept")  # the old ticket finishes on its version
    assert [t.bpmn_id for t in step.ready] == ["evaluate"]
    assert db.session.get(Ticket, old.id).process_version_id == restore_version.id

    page = text(owner.get("/process/"))
    counts = dict(re.findall(r'data-version="(\d+)">.*?class="counts">([^<]+)<', page, re.S))
    assert counts[str(pv.version)].strip() == "1 / 1" and counts[str(restore_version.version)].startswith("1 /")
    version_page = text(owner.get(f"/process/versions/{pv.version}"))
    assert "当前版本" in version_page and pv.sha256 in version_page

    diff = text(owner.get(f"/process/diff?a={restore_version.version}&b={pv.version}"))
    added = diff.split('class="added"', 1)[1].split("</ul>", 1)[0]
    assert "leader_approval" in added and "diff-added" in diff

    # Roll back: new tickets start on the previous version again.
    r = post(owner, f"/process/versions/{restore_version.version}/activate")
    assert r.status_code == 302 and active(db).id == restore_version.id
    again = ticket_at(db, "reviewing")
    assert [t.bpmn_id for t in go(db, "reviewer", again, "review", decision="accept").ready] == ["evaluate"]


def test_a_broken_journey_needs_each_skipped_journey_and_a_recorded_reason(owner, db, restore_version, dry_run_once):
    draft_id = upload_draft(owner, BROKEN, "审核判断写反")
    dry = text(owner.get(f"/process/drafts/{draft_id}/dry-run"))
    assert "条路径未通过" in dry and 'name="override"' in dry and "强制部署" in dry
    assert re.search(r'data-journey="happy">.*?未通过', dry, re.S)
    offered = re.findall(r'name="skip" value="([^"]+)"', dry)
    assert "happy" in offered and "intake" not in offered and "refused" not in offered
    before = last_number(db)

    r = post(owner, f"/process/drafts/{draft_id}/deploy", {"note": "试验", "override": "  ", "skip": offered})
    assert r.status_code == 400 and "请逐条勾选要跳过的路径并填写强制部署理由" in text(r) and "正常办结" in text(r)
    r = post(owner, f"/process/drafts/{draft_id}/deploy", {"note": "试验", "override": "演练用", "skip": ["happy"]})
    assert r.status_code == 400 and "退回改派" in text(r)
    assert last_number(db) == before
    assert active(db).id == restore_version.id

    r = post(owner, f"/process/drafts/{draft_id}/deploy", {"note": "试验", "override": "演练用，次日回滚",
                                                           "skip": offered})
    assert r.status_code == 302
    pv = active(db)
    assert pv.version == before + 1  # version numbers are 1..n
    assert pv.override_reason == "演练用，次日回滚" and [j["code"] for j in pv.skipped_journeys] == offered
    listing = text(owner.get("/process/"))
    assert "强制部署" in listing and "演练用，次日回滚" in listing and "正常办结" in listing
    page = text(owner.get(f"/process/versions/{pv.version}"))
    assert 'id="override"' in page and "理由：演练用，次日回滚" in page and "正常办结：" in page


def test_a_forced_deploy_whose_intake_fails_is_refused_through_the_page(owner, db, restore_version):
    draft_id = upload_draft(owner, INTAKE_BROKEN, "受理后加配额检查")
    dry = text(owner.get(f"/process/drafts/{draft_id}/dry-run"))
    assert 'id="deploy-blocked"' in dry and 'name="override"' not in dry
    assert re.search(r'data-journey="intake">.*?未通过.*?「配额检查」（quota）', dry, re.S)
    before = last_number(db)
    # even a hand-made form that skips every failing journey with a reason is refused
    failed = re.findall(r'data-journey="([^"]+)"><td>[^<]*(?:<span class="tag">不可跳过</span>)?</td>\s*<td><span '
                        r'class="tag bad">', dry)
    assert "intake" in failed
    r = post(owner, f"/process/drafts/{draft_id}/deploy", {"override": "有意修改", "skip": failed})
    assert r.status_code == 400 and "强制部署也不行" in text(r) and "登记受理至派单" in text(r)
    assert last_number(db) == before and active(db).id == restore_version.id


def test_bulk_migration_shows_a_dry_run_then_moves_the_eligible(owner, db, restore_version):
    waiting = ticket_at(db, "dispatching")
    past = ticket_at(db, "evaluating")
    pv = deploy_leader_approval(owner, db)
    form = {"to": str(pv.version), "from": "", "mode": "dry"}

    r = post(owner, "/process/migrate", form, get_url="/process/migrate")
    page = text(r)
    assert r.status_code == 200 and "试迁移结果" in page and "本次未做任何改动" in page
    moved = page.split('class="mono moved">', 1)[1].split("</p>", 1)[0]
    refused = page.split('class="list refused"', 1)[1].split("</table>", 1)[0]
    assert waiting.number in moved and past.number not in moved
    assert past.number in refused and "「审核通过?」（gw_review）" in refused
    db.session.expire_all()
    assert db.session.get(Ticket, waiting.id).process_version_id == restore_version.id
    expect = re.findall(r'name="expect" value="([^"]+)"', page)
    assert waiting.number in expect

    stale = post(owner, "/process/migrate", {**form, "mode": "run", "expect": ["HY-NOT-A-TICKET"]},
                 get_url="/process/migrate")
    assert stale.status_code == 409 and "已有变化" in text(stale)
    db.session.expire_all()
    assert db.session.get(Ticket, waiting.id).process_version_id == restore_version.id

    r = post(owner, "/process/migrate", {**form, "mode": "run", "expect": expect}, get_url="/process/migrate")
    assert r.status_code == 200 and "迁移完成" in text(r)
    db.session.expire_all()
    assert db.session.get(Ticket, waiting.id).process_version_id == pv.id
    assert db.session.get(Ticket, past.id).process_version_id == restore_version.id
    audit = db.session.scalar(select(AuditLog).where(AuditLog.ticket_id == waiting.id, AuditLog.action == "migrate"))
    assert audit is not None and "叶振华" in audit.actor_label

    go(db, "dispatcher", waiting, "dispatch", lead_unit=unit(db.session, "HY-ZJJ").id)
    go(db, "receiver", waiting, "sign", decision="sign")
    go(db, "handler", waiting, "reply", **REPLY)
    assert [t.bpmn_id for t in go(db, "reviewer", waiting, "review", decision="accept").ready] == ["leader_approval"]


def test_diff_names_each_element_with_its_kind_once(owner, db, restore_version):
    """A version that changes only the condition of 「争议」: the diff table names the flow 顺序流「争议」 once."""
    changed = replace(HOTLINE, "return_count &gt;= 2</bpmn:conditionExpression>",
                      "return_count &gt; 1</bpmn:conditionExpression>")
    draft_id = upload_draft(owner, changed, "改写争议条件")
    r = post(owner, f"/process/drafts/{draft_id}/deploy", {"note": "改写争议条件"},
             get_url=f"/process/drafts/{draft_id}/dry-run")
    assert r.status_code == 302, text(r)[:800]
    diff = text(owner.get(f"/process/diff?a={restore_version.version}&b={active(db).version}"))
    table = diff.split('class="list changed"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-element="([^"]+)"><td rowspan="\d+">([^<]+)<', table)
    assert rows == [("Flow_disputed", "顺序流「争议」（Flow_disputed）")]
    assert re.search(r"<td>条件</td><td class=\"old msg\">return_count &gt;= 2</td>"
                     r"<td class=\"new msg\">return_count &gt; 1</td>", table)
    assert "顺序流顺序流" not in diff and '"diff-changed": ["Flow_disputed"]' in diff.replace("&#34;", '"')


def test_diff_lists_added_tasks_with_their_kind(owner, db, restore_version):
    pv = deploy_leader_approval(owner, db)
    diff = text(owner.get(f"/process/diff?a={restore_version.version}&b={pv.version}"))
    added = re.findall(r'<li data-element="[^"]+">([^<]+)</li>', diff.split('class="added"', 1)[1].split("</ul>")[0])
    assert "用户任务「领导审批」（leader_approval）" in added, added
    assert not any(a.startswith("顺序流从") or "顺序流顺序流" in a for a in added), added


def test_dry_run_names_units_not_their_ids(owner, db):
    """Branch runs that vary a unit variable say which unit they tried, by name, as the unit list shows it."""
    from engine.models import Unit
    from engine.process.dryrun import SAMPLES

    draft_id = upload_draft(owner, HOTLINE.replace('name="签收或退回"', 'name="签收或退回承办"'), "改名")
    dry = text(owner.get(f"/process/drafts/{draft_id}/dry-run"))
    said = re.findall(r"取 ([^<]*?) 时", dry)
    units = {u.id: u.name for u in db.session.scalars(select(Unit))}
    consult = next(s for s in said if s.startswith("征求意见的主管部门="))
    lead = next(s for s in said if s.startswith("审定的主办单位="))
    assert consult == f"征求意见的主管部门={'、'.join(units[i] for i in SAMPLES['units'][1])}"
    assert lead == f"审定的主办单位={units[SAMPLES['unit'][1]]}"
    assert not any(re.search(r"=\[?\d", s) or "单位编号" in s for s in said), said
