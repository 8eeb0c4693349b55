"""Migration by element id, through the migration page: a rename moves every open ticket, a form-key change refuses
the tickets at or past the task with a Chinese reason naming it, a removed task can be mapped to its replacement."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from engine.common.db import transaction
from engine.models import TaskProjection, Ticket
from engine.process.deploy import deploy_version, dry_run
from engine.tickets.lifecycle import complete_task, register
from tests.support.helpers import CITIZEN, REPLY, unit, user

from ..workflow.chinese import assert_chinese
from ..workflow.variants import HOTLINE, files, replace
from .conftest import post, text

NOW = datetime.fromisoformat("2026-11-25T10:00:00+08:00")
RENAMED = replace(replace(replace(HOTLINE, 'name="审核答复" camunda:formKey="review"',
                                  'name="审核答复（复核）" camunda:formKey="review"'),
                          "审核员审核答复是否完整", "审核员复核答复是否完整"),
                  'name="签收或退回" camunda:formKey="sign"', 'name="单位签收" camunda:formKey="sign"')
# the review page replaced by a generated form under a new key, writing the same routing variable
FORM_KEY = replace(replace(HOTLINE, 'name="审核答复" camunda:formKey="review">',
                           'name="审核答复" camunda:formKey="review_v2">'),
                   "否则退回经办人重新办理答复。</bpmn:documentation>",
                   "否则退回经办人重新办理答复。</bpmn:documentation><bpmn:extensionElements><camunda:formData>"
                   '<camunda:formField id="review_decision" label="审核结果" type="enum">'
                   '<camunda:value id="accept" name="通过" /><camunda:value id="back" name="退回修改" />'
                   '</camunda:formField></camunda:formData></bpmn:extensionElements>')
# 审核答复 removed and replaced by 复核答复 (same lane, form and flows)
REPLACED = HOTLINE.replace('id="review"', 'id="recheck"').replace('name="审核答复"', 'name="复核答复"').replace(
    'targetRef="review"', 'targetRef="recheck"').replace('sourceRef="review"', 'sourceRef="recheck"').replace(
    "<bpmn:flowNodeRef>review</bpmn:flowNodeRef>", "<bpmn:flowNodeRef>recheck</bpmn:flowNodeRef>").replace(
    'bpmnElement="review"', 'bpmnElement="recheck"')


def go(db, who, t, task, **data):
    with transaction(db.session):
        return complete_task(db.session, user(db.session, who), t.id, task, data, NOW)


def tickets_at_every_stage(db) -> dict[str, Ticket]:
    out = {}
    for stage in ("dispatching", "signing", "replying", "reviewing", "evaluating"):
        with transaction(db.session):
            t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"}, NOW)
        steps = [("dispatcher", "dispatch", {"lead_unit": unit(db.session, "HY-ZJJ").id}),
                 ("receiver", "sign", {"decision": "sign"}), ("handler", "reply", REPLY),
                 ("reviewer", "review", {"decision": "accept"})]
        for who, task, data in steps[:["dispatching", "signing", "replying", "reviewing", "evaluating"].index(stage)]:
            go(db, who, t, task, **data)
        out[stage] = t
    return out


def deploy(db, hotline: str, note: str):
    skip = [r.code for r in dry_run(files(hotline)) if not r.ok]  # a renamed id is a deliberate change
    with transaction(db.session):
        pv, _ = deploy_version(db.session, files(hotline), "process_owner", note, NOW,
                               override="有意修改" if skip else None, skip=skip)
    return pv


def migrate(owner, pv, **form) -> tuple[int, str]:
    data = {"to": str(pv.version), "from": "", "mode": "dry", **form}
    r = post(owner, "/process/migrate", data, get_url="/process/migrate")
    page = text(r)
    expect = re.findall(r'name="expect" value="([^"]+)"', page)
    if not expect:
        return r.status_code, page
    r = post(owner, "/process/migrate", {**data, "mode": "run", "expect": expect}, get_url="/process/migrate")
    return r.status_code, text(r)


def refused(page: str) -> dict[str, list[str]]:
    body = page.split('class="list refused"', 1)[1].split("</table>", 1)[0] if 'class="list refused"' in page else ""
    return {number: re.findall(r"<p>(.*?)</p>", reasons) for number, reasons in
            re.findall(r'<td class="mono">([^<]+)</td><td class="reason">(.*?)</td>', body, re.S)}


def test_a_rename_moves_every_ticket(owner, db, restore_version):
    tickets = tickets_at_every_stage(db)
    pv = deploy(db, RENAMED, "改名")
    status, page = migrate(owner, pv)
    assert status == 200 and "迁移完成" in page and refused(page) == {}
    db.session.expire_all()
    for stage, t in tickets.items():
        assert db.session.get(Ticket, t.id).process_version_id == pv.id, stage
    # the waiting task keeps its row and clock; only its title follows the new name
    row = db.session.scalar(select(TaskProjection).where(TaskProjection.ticket_id == tickets["reviewing"].id))
    assert row.title == "审核答复（复核）"
    assert [t.bpmn_id for t in go(db, "reviewer", tickets["reviewing"], "review", decision="accept").ready] == [
        "evaluate"]
    assert [t.bpmn_id for t in go(db, "receiver", tickets["signing"], "sign", decision="sign").ready] == ["reply"]


def test_a_form_key_change_refuses_the_tickets_at_or_past_the_task_in_chinese(owner, db, restore_version):
    tickets = tickets_at_every_stage(db)
    pv = deploy(db, FORM_KEY, "审核改用延期审批表单")
    diff = text(owner.get(f"/process/diff?a={restore_version.version}&b={pv.version}"))
    row = diff.split('class="list changed"', 1)[1].split("</table>", 1)[0]
    assert "「审核答复」（review）" in row and "表单键" in row and ">review<" in row and ">review_v2<" in row
    status, page = migrate(owner, pv)
    assert status == 200
    reasons = refused(page)
    assert set(reasons) == {tickets["reviewing"].number, tickets["evaluating"].number}
    for said in reasons.values():
        for reason in said:
            assert_chinese(reason, "「审核答复」（review）")
        assert "新版本把它的表单键由 review 改为 review_v2" in said[0]
    assert reasons[tickets["reviewing"].number][0].startswith("该工单正在等待办理「审核答复」（review）")
    assert reasons[tickets["evaluating"].number][0].startswith("该工单已办理过「审核答复」（review）")
    db.session.expire_all()
    assert db.session.get(Ticket, tickets["dispatching"].id).process_version_id == pv.id
    assert db.session.get(Ticket, tickets["reviewing"].id).process_version_id == restore_version.id


def test_a_removed_task_can_be_mapped_to_its_replacement(owner, db, restore_version):
    tickets = tickets_at_every_stage(db)
    pv = deploy(db, REPLACED, "审核改为复核")
    status, page = migrate(owner, pv)
    reasons = refused(page)
    assert tickets["reviewing"].number in reasons
    assert_chinese(" ".join(reasons[tickets["reviewing"].number]), "「审核答复」（review）在新版本中已删除", "接替")
    form = text(owner.get(f"/process/migrate?to={pv.version}"))
    assert 'name="map:review"' in form and '<option value="recheck">「复核答复」（recheck）</option>' in form
    status, page = migrate(owner, pv, **{"map:review": "recheck"})
    assert status == 200 and "迁移完成" in page and refused(page) == {}
    db.session.expire_all()
    reviewing = db.session.get(Ticket, tickets["reviewing"].id)
    assert reviewing.process_version_id == pv.id
    row = db.session.scalar(select(TaskProjection).where(TaskProjection.ticket_id == reviewing.id))
    assert row.bpmn_id == "recheck"
    assert [t.bpmn_id for t in go(db, "reviewer", reviewing, "recheck", decision="accept").ready] == ["evaluate"]
