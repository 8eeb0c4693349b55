"""A 责任追究 lead's page shows what it is about — the reply or supervision answer being judged, the deadline with
when it was met or missed (Beijing time), links to the ticket and to the documents — and no database id; the
督办审核 page links the 书面说明's number; the 督办通知单 of a supervisor's own decision reads as the pages say it."""
from __future__ import annotations

import io
import re

import pypdf
from sqlalchemy import select

from engine.common import Actor
from engine.common.db import transaction
from engine.knowledge import flags as knowledge_flags
from engine.models import AccountabilityCase, IssuedDocument, KnowledgeEntry, Supervision, User
from engine.oversight import flag_overdue
from tests.support.helpers import REPLY
from tests.support.pages import as_user, post, text
from tests.support.pages import ready_task_url as task_url

LIST = "/oversight/accountability"


def main(page: str) -> str:
    return page.split("<main", 1)[1]


def pdf_words(pdf: bytes) -> str:
    return "".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())



def detect(client, db) -> None:
    as_user(client, db, "supervisor")
    r = post(client, f"{LIST}/detect", get_url=LIST)
    assert r.status_code == 302


def open_lead(client, db, situation: int) -> tuple[str, str]:
    """The list's link to the only lead of ``situation``, followed as a supervisor: (its name on the list, page)."""
    listing = main(text(client.get(LIST, query_string={"situation": str(situation)})))
    links = re.findall(r'<a href="(/oversight/accountability/\d+)">([^<]+)</a>', listing)
    assert len(links) == 1, links
    assert not re.search(r"#\d", listing)
    url, name = links[0]
    return name, main(text(client.get(url)))


def test_an_unanswered_citizen_lead_shows_the_reply_it_judges(client, db, tickets, clock):
    t = tickets.handling()
    clock.set("2026-11-26T15:20:00+08:00")
    tickets.act("handler", t, "reply", **{**REPLY, "contact_method": "三次致电诉求人均未接通",
                                          "result": "已责令施工单位停止夜间施工并处罚款两万元。"})
    detect(client, db)
    name, page = open_lead(client, db, 4)
    assert name == f"{t.number} · 未告知诉求人"
    assert f"责任追究线索 {t.number} · 未告知诉求人" in page
    assert not re.search(r"#\d", page)
    # the reply itself: its result, how the unit tried to reach the citizen, that the citizen was not told, when
    assert "已责令施工单位停止夜间施工并处罚款两万元。" in page
    assert "三次致电诉求人均未接通" in page and "未告知诉求人</strong>" in page
    assert "2026-11-26 15:20" in page  # Beijing time, as submitted
    assert f'href="/tickets/{t.id}"' in page
    assert "确认追责" in page and "不予追责" in page


def test_a_late_supervision_lead_shows_the_answer_the_deadline_and_the_documents(client, db, tickets, clock):
    t = tickets.handling()
    as_user(client, db, "supervisor")
    r = post(client, "/oversight/supervisions/new", {"ticket_number": t.number, "reason": "supervisor",
                                                     "note": "夜间施工问题多次反映，请加快办理"})
    assert r.status_code == 302
    sup = db.session.scalar(select(Supervision).where(Supervision.ticket_id == t.id))
    when = clock.set("2026-11-30T10:00:00+08:00")
    with transaction(db.session):  # the scheduler's pass
        assert flag_overdue(db.session, when) == 1
    as_user(client, db, "unit_leader")
    url = task_url(db, t, "sup_reply")
    r = post(client, url, {"op": "submit", "reply_text": "已约谈施工单位负责人，夜间施工已停止。",
                           "written_explanation": "因需会同城管部门夜间执法，答复晚于期限。"})
    assert r.status_code == 302, text(r)[:2000]

    # the supervisor's check task: the 书面说明's number is a link to the document, which opens
    db.session.expire_all()
    sup = db.session.get(Supervision, sup.id)
    explanation = db.session.get(IssuedDocument, sup.explanation_document_id)
    notice = db.session.get(IssuedDocument, sup.notice_document_id)
    as_user(client, db, "supervisor")
    check = text(client.get(task_url(db, t, "sup_check")))
    assert f'<a href="/documents/{explanation.id}" class="doc-link">{explanation.number}</a>' in check
    assert client.get(f"/documents/{explanation.id}").status_code == 200
    # 我的待办 gives the check no deadline: the one it used to show was the unit's, already answered
    row = re.search(rf'<tr>(?:(?!</tr>).)*?{t.number}(?:(?!</tr>).)*?督办审核.*?</tr>', text(client.get("/tasks")), re.S)
    assert row and re.search(r'<td data-label="时限">—</td>', row.group(0)), row and row.group(0)

    detect(client, db)
    name, page = open_lead(client, db, 6)
    assert name == f"{t.number} · 未按督办要求办理"
    # the answer being judged, in full, with its 书面说明 and the notice, both linked
    assert "已约谈施工单位负责人，夜间施工已停止。" in page and "因需会同城管部门夜间执法，答复晚于期限。" in page
    assert f'href="/documents/{explanation.id}"' in page and f'href="/documents/{notice.id}"' in page
    # the deadline and when it was missed, in Beijing time
    deadlines = page.split('id="case-deadlines"', 1)[1].split("</section>", 1)[0]
    assert "督办答复期限" in deadlines and "2026-11-27 24:00" in deadlines
    assert "2026-11-30 10:00" in deadlines and "逾期2天10小时答复" in deadlines
    assert f'href="/tickets/{t.id}"' in page
    case = db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 6))
    assert f"#{case.id}" not in page


def test_the_notice_of_a_supervisors_decision_reads_as_the_pages_say_it(client, db, tickets):
    t = tickets.handling()
    as_user(client, db, "supervisor")
    r = post(client, "/oversight/supervisions/new", {"ticket_number": t.number, "reason": "supervisor",
                                                     "note": "物业收费问题多次反映，请加快办理。"})
    assert r.status_code == 302
    assert "督办员决定" in text(client.get("/oversight/supervisions"))
    sup = db.session.scalar(select(Supervision).where(Supervision.ticket_id == t.id))
    r = client.get(f"/documents/{sup.notice_document_id}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    words = pdf_words(r.data)
    assert f"你单位承办的工单{t.number}（投诉）经市热线办督办员决定列入督办。" in words
    assert "督办类别督办员决定" in words
    assert "因其他" not in words and "督办类别其他" not in words
    assert "物业收费问题多次反映，请加快办理。" in words


def test_a_knowledge_base_lead_names_and_links_the_entry(client, db, clock):
    entry = db.session.scalar(select(KnowledgeEntry).order_by(KnowledgeEntry.id).limit(1))
    reviewer = db.session.scalar(select(User).where(User.username == "reviewer"))
    with transaction(db.session):
        knowledge_flags.flag(db.session, Actor.of_user(reviewer), kind="error", text="条目所列咨询电话已停用",
                             now=clock.set("2026-11-25T10:00:00+08:00"), entry_id=entry.id)
    clock.set("2026-12-05T09:00:00+08:00")  # past the 5-working-day fix deadline, still not fixed
    detect(client, db)
    name, page = open_lead(client, db, 9)
    assert name.endswith("· 知识库维护不力")
    block = page[page.index('id="case-flag"'):]
    assert f'<a href="/kb/{entry.id}">{entry.title}</a>' in block and "条目所列咨询电话已停用" in block
    assert client.get(f"/kb/{entry.id}").status_code == 200  # the supervisor can check the entry from the lead
