"""并单 through the user's door: the dispatcher merges similar tickets on a ticket's page; the matter is dispatched,
handled and answered once; every citizen reads the reply on the tracking page (and by SMS) and evaluates; one
justified 不满意 sends the matter to the office's redo decision; un-merge until the reply; the 工单办理单 of the
main ticket lists its merged tickets."""
from __future__ import annotations

import io
import re

import pypdf
from sqlalchemy import select

from engine.common.db import transaction
from engine.domain.roles import Role
from engine.matching import refresh_stats
from engine.models import Outbox, TaskProjection
from engine.tickets import complete_task
from tests.support.helpers import REPLY, unit_actor
from tests.support.pages import as_user, fresh, post, text, unit_id

WATER = {"address": "源城区新江街道红星路幸福里小区", "category": "公用事业/停水",
         "content": "幸福里小区从早上七点开始停水，到现在还没来水，也没看到任何停水通知。"}
SAID = ("我哋幸福里又冇水用，成个上昼都冇水，几时先有水啊？", "幸福里小区没有水了，水龙头不出水，请尽快恢复供水。")


def _matter(db, clock, tickets):
    a, code_a = tickets.new_with_code(**WATER, scope="accept", citizen_phone="13900000001")
    b, code_b = tickets.new_with_code(**{**WATER, "content": SAID[0]}, scope="accept", citizen_phone="13900000002",
                                      channel="wechat")
    c, code_c = tickets.new_with_code(**{**WATER, "content": SAID[1]}, scope="accept", citizen_phone="13900000003")
    with transaction(db.session):
        refresh_stats(db.session, clock())
    return (a, code_a), (b, code_b), (c, code_c)


def _task(client, ticket_id, task, data, expect=302):
    url = f"/tickets/{ticket_id}/tasks/{task}"
    r = post(client, url, {"op": "submit", **data})
    assert r.status_code == expect, text(r)[:2000]
    return r


def _merge_on_page(client, db, main, children, reason="同一小区停水，同一事项"):
    page = text(client.get(f"/tickets/{main.id}"))
    for child in children:
        assert child.number in page.split('id="similar-tickets"')[1].split("</ul>")[0]
    return post(client, f"/tickets/{main.id}/merge", {"merge-csrf_token": _token(client, main),
                                                      "merge-ticket_ids": [str(c.id) for c in children],
                                                      "merge-reason": reason})


def _token(client, ticket):
    """The merge form's own CSRF token, as the page renders it."""
    return re.search(r'name="merge-csrf_token" type="hidden" value="([^"]+)"',
                     text(client.get(f"/tickets/{ticket.id}"))).group(1)


def _track(client, number, code):
    return text(post(client, "/public/track", {"number": number, "code": code}, get_url="/public/track"))


def test_one_matter_one_reply_every_citizen_evaluates(client, db, clock, tickets):
    (a, _ca), (b, code_b), (c, _cc) = _matter(db, clock, tickets)
    as_user(client, db, "dispatcher")
    page = text(client.get(f"/tickets/{b.id}"))
    hit = page.split('id="similar-tickets"')[1].split("</li>")[0]
    assert a.number in hit and "同一地址" in hit and "内容相近" in hit  # why it matched
    r = _merge_on_page(client, db, a, [b, c])
    assert r.status_code == 302, text(r)[:3000]
    main_page = text(client.get(f"/tickets/{a.id}"))
    assert "本事项共 3 次来电" in main_page and b.number in main_page.split('id="merged-children"')[1]
    child_page = text(client.get(f"/tickets/{b.id}"))
    assert "本单已并入主单" in child_page and a.number in child_page.split('id="merged-into"')[1].split("</p>")[0]
    assert "并单（并入主单）" in child_page and "同一小区停水，同一事项" in child_page  # on its timeline
    queue = text(client.get("/dispatch"))
    assert a.number in queue and b.number not in queue and c.number not in queue  # their own 派单 stopped

    _task(client, a.id, "dispatch", {"mode": "direct", "lead_unit": unit_id(db, "HY-WATER")})
    with transaction(db.session):  # the water company signs and replies (its pages are tested elsewhere)
        complete_task(db.session, unit_actor(db.session, Role.RECEIVER, "HY-WATER"), a.id, "sign",
                      {"decision": "sign"}, clock())
        complete_task(db.session, unit_actor(db.session, Role.HANDLER, "HY-WATER"), a.id, "reply",
                      {**REPLY, "department": "供水管网抢修队", "result": "经查为红星路主管爆裂，已抢修完毕恢复供水。"},
                      clock())
    as_user(client, db, "reviewer")
    _task(client, a.id, "review", {"decision": "accept"})

    # The reply reaches every citizen: an SMS each, and each one's tracking page shows it.
    sms = {o.recipient: o.text for o in db.session.scalars(select(Outbox).where(Outbox.template == "matter.reply"))}
    assert "已抢修完毕恢复供水" in sms["13900000002"] and b.number in sms["13900000002"]
    tracked = _track(client, b.number, code_b)
    assert "已抢修完毕恢复供水" in tracked and 'id="merged-note"' in tracked and 'id="evaluate"' in tracked
    # Citizen b evaluates online, dissatisfied and says why.
    r = post(client, "/public/evaluate", {"number": b.number, "code": code_b, "intake_rating": "satisfied",
                                          "handling_rating": "dissatisfied", "comment": "下午又停水了，没有解决"},
             get_url="/public/track")
    assert r.status_code == 200 and "感谢您的评价" in text(r)
    assert fresh(db, b.id).status == "merged"
    # The agent calls back a and c from their task pages (each its own evaluation).
    as_user(client, db, "agent")
    for t in (a, c):
        page = text(client.get(f"/tickets/{t.id}/tasks/evaluate"))
        assert "已抢修完毕恢复供水" in page  # the reply being rated, c's being the main ticket's
        _task(client, t.id, "evaluate", {"intake_rating": "satisfied", "handling_rating": "satisfied",
                                         "method": "callback"})
    assert fresh(db, a.id).status == "redo_deciding"

    as_user(client, db, "reviewer")
    page = text(client.get(f"/tickets/{a.id}/tasks/redo_decision"))
    table = page.split('id="matter-evaluations"')[1].split("</table>")[0]
    assert b.number in table and "下午又停水了，没有解决" in table and c.number in table
    _task(client, a.id, "redo_decision", {"reasonable": "yes", "reason": "诉求人反映仍停水，理由合理"})
    assert fresh(db, a.id).status == "handling" and fresh(db, a.id).redo_count == 1
    assert fresh(db, b.id).status == "merged"

    # The 工单办理单 of the main ticket lists the merged tickets.
    as_user(client, db, "agent")
    r = post(client, "/documents/issue", {"ticket_no": a.number, "kind": "ticket_record"}, get_url="/documents")
    doc_page = client.get(r.headers["Location"])
    pdf_url = r.headers["Location"].rstrip("/") + "/pdf"
    pdf = client.get(pdf_url).data
    printed = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert doc_page.status_code == 200
    assert "并单工单（本事项共3次来电）" in printed.replace(" ", "") and b.number in printed and c.number in printed


def test_unmerge_on_the_page_until_the_reply(client, db, clock, tickets):
    (a, _ca), (b, _cb), (_c, _cc) = _matter(db, clock, tickets)
    as_user(client, db, "dispatcher")
    assert _merge_on_page(client, db, a, [b]).status_code == 302
    r = post(client, f"/tickets/{b.id}/unmerge", {"unmerge-reason": ""}, get_url=f"/tickets/{b.id}")
    assert r.status_code == 400 and "请写明撤销并单的理由" in text(r)
    r = post(client, f"/tickets/{b.id}/unmerge", {"unmerge-reason": "经核实是另一栋楼的水表问题，不是同一事项"},
             get_url=f"/tickets/{b.id}")
    assert r.status_code == 302
    t = fresh(db, b.id)
    assert (t.status, t.main_ticket_id) == ("dispatching", None)
    assert b.number in text(client.get("/dispatch"))  # back in the queue with its own 派单 task
    page = text(client.get(f"/tickets/{b.id}"))
    assert "撤销并单" in page and "经核实是另一栋楼的水表问题" in page

    assert _merge_on_page(client, db, a, [b]).status_code == 302
    tickets.act("dispatcher", a, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", a, "sign", decision="sign")
    tickets.act("handler", a, "reply", **REPLY)
    tickets.act("reviewer", a, "review", decision="accept")
    page = text(client.get(f"/tickets/{b.id}"))
    assert 'id="unmerge-form"' not in page and "主单已答复，不能再撤销并单" in page
    r = post(client, f"/tickets/{b.id}/unmerge", {"unmerge-reason": "想撤销"}, get_url=f"/tickets/{b.id}")
    assert r.status_code == 400 and "主单已答复，不能再撤销并单" in text(r)


def test_who_may_merge(client, db, clock, tickets):
    (a, _ca), (b, _cb), _c = _matter(db, clock, tickets)
    as_user(client, db, "agent")
    page = text(client.get(f"/tickets/{a.id}"))
    assert 'id="similar-tickets"' in page and 'id="merge-form"' not in page  # sees similar tickets, no merge
    r = client.post(f"/tickets/{a.id}/merge", data={"merge-ticket_ids": [str(b.id)], "merge-reason": "x"})
    assert r.status_code in (400, 403)
    as_user(client, db, "dispatcher")
    r = post(client, f"/tickets/{a.id}/merge", {"merge-csrf_token": _token(client, a), "merge-reason": "同一事项"},
             get_url=f"/tickets/{a.id}")
    assert r.status_code == 400 and "请勾选要并入本单的工单" in text(r)
    assert db.session.scalar(select(TaskProjection.id).where(TaskProjection.ticket_id == b.id)) is not None


def test_the_stats_period_is_beijing_calendar_days_like_the_dashboard(client, db, clock, tickets):
    # 近30天 on 2026-11-25 (any time of day) is 10-27 to 11-25, Beijing days: a call at 10-26 23:40 lies outside,
    # though it is less than 30×24 hours before 23:30 on 11-25.
    clock.set("2026-10-26T23:40:00+08:00")
    tickets.new(citizen_phone="13900000701")
    clock.set("2026-10-27T00:10:00+08:00")
    tickets.new(citizen_phone="13900000702")
    clock.set("2026-11-25T23:30:00+08:00")
    as_user(client, db, "supervisor")
    page = text(client.get("/matching/stats"))
    assert "2026-10-27 至 2026-11-25" in page
    assert "登记来电</dt><dd>1 件" in page
    dashboard = text(client.get("/analytics/"))
    assert re.search(r'id="kpi-total">1<', dashboard) and "2026-10-27" in dashboard
    assert "2025-11-26 至 2026-11-25" in text(client.get("/matching/stats?days=365"))


def test_a_merged_ticket_page_names_its_main_ticket_and_lists_the_main_tickets_others(client, db, clock, tickets):
    # Review finding 6: a child's page read as if it were the main ticket (「7 件已并入本单」, itself among them).
    (a, _ca), (b, _cb), (c, _cc) = _matter(db, clock, tickets)
    as_user(client, db, "dispatcher")
    assert _merge_on_page(client, db, a, [b, c]).status_code == 302

    child = text(client.get(f"/tickets/{b.id}"))
    head = child.split('id="matter-calls">')[1].split("</small>")[0]
    assert head == f"本事项共 3 次来电，由主单 {a.number} 统一办理"
    assert "已并入本单" not in child and "并入本单的工单" not in child
    into = child.split('id="merged-into"')[1].split("</p>")[0]
    assert f'href="/tickets/{a.id}">{a.number}</a>' in into
    assert child.split('id="merged-children-title">')[1].split("</h3>")[0] == f"同样并入主单 {a.number} 的其他工单"
    others = child.split('id="merged-children"')[1].split("</table>")[0]
    assert c.number in others and b.number not in others  # the sibling, not the page's own ticket

    main = text(client.get(f"/tickets/{a.id}"))
    assert "本事项共 3 次来电（2 件已并入本单）" in main and 'id="merged-into"' not in main
    assert main.split('id="merged-children-title">')[1].split("</h3>")[0] == "并入本单的工单（子单）"
    listed = main.split('id="merged-children"')[1].split("</table>")[0]
    assert b.number in listed and c.number in listed

    # The unit handling the matter sees it on the main ticket; the merged tickets stay the office's.
    _task(client, a.id, "dispatch", {"mode": "direct", "lead_unit": unit_id(db, "HY-ZJJ")})
    as_user(client, db, "receiver")
    unit_page = text(client.get(f"/tickets/{a.id}"))
    unit_list = unit_page.split('id="merged-children"')[1].split("</table>")[0]
    assert "2 件已并入本单" in unit_page and b.number in unit_list
    assert client.get(f"/tickets/{b.id}").status_code == 404
    assert f'href="/tickets/{b.id}"' not in unit_list  # listed, but no link that would lead to 无权查看
    assert f'href="/tickets/{b.id}"' in listed  # the office opens them
