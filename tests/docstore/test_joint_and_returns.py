"""Documents of a disputed ticket through the pages: a joint review's 联合审定纪要 (at its decision) and 拟办意见 (at
the proposal) are issued at their steps and printed with the dispute, the opinions and the decision; each return
has its own 退回说明, which the returning unit issues for itself."""
from __future__ import annotations

import io
import re

import pypdf
from sqlalchemy import select

from engine.models import IssuedDocument, TaskProjection
from tests.support.pages import as_user, post, text, unit_id

from .conftest import pdf_text, squash

RETURNS = {"receiver": ("该事项属于人力资源和社会保障部门职责，本局无执法权。", "《劳动保障监察条例》第十三条"),
           "receiver2": ("拖欠的是物业服务费，不属于劳动报酬，本局无权处理。", "《物业管理条例》第六条")}


def returned_twice(db, tickets):
    """A ticket returned by 住建局 (receiver) and then by 人社局 (receiver2): it waits for a joint review."""
    t = tickets.new()
    for username, code in (("receiver", "HY-ZJJ"), ("receiver2", "HY-RSJ")):
        tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, code))
        reason, basis = RETURNS[username]
        tickets.act(username, t, "sign", decision="return", return_reason=reason, return_basis=basis)
    return t


def complete(client, db, t, bpmn_id: str, data: dict):
    db.session.rollback()
    uuid = db.session.scalar(select(TaskProjection.task_uuid).where(TaskProjection.ticket_id == t.id,
                                                                    TaskProjection.bpmn_id == bpmn_id))
    assert uuid, f"{bpmn_id} is not ready"
    r = post(client, f"/tickets/{t.id}/tasks/{uuid}", {"op": "submit", **data})
    assert r.status_code == 302, text(r)[:3000]


def pdf_of(client, page: str, number: str) -> str:
    """Follow a document's number on a page to its archive entry and read back its PDF's text."""
    found = re.search(r'href="/documents/(\d+)">' + re.escape(number), page)
    assert found, f"{number} is not linked on the page"
    r = client.get(f"/documents/{found.group(1)}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    return pdf_text(r.data)


def no_placeholder(body: str) -> None:
    for bad in ("None", "{{", "}}", "undefined", "—号"):
        assert bad not in body, bad


def test_a_joint_review_prints_its_minutes_and_the_proposal_the_city_decides_on(client, db, tickets):
    t = returned_twice(db, tickets)
    zjj, rsj = unit_id(db, "HY-ZJJ"), unit_id(db, "HY-RSJ")
    as_user(client, db, "reviewer")
    complete(client, db, t, "jr_meeting", {"meeting_date": "2026-11-26", "participants": "市热线办 邱丽华\n市住建局 张伟强",
                                           "minutes": "两局均认为不属本单位职责，需征求主管部门意见。",
                                           "consult_units": [str(zjj), str(rsj)]})
    as_user(client, db, "receiver")
    complete(client, db, t, "jr_consult", {"consult_opinion": "物业收费属属地县级住建部门监管，建议由县政府牵头。"})
    as_user(client, db, "receiver2")
    complete(client, db, t, "jr_consult", {"consult_opinion": "同意由县政府牵头，人社局不参与。"})
    as_user(client, db, "reviewer")
    complete(client, db, t, "jr_decide", {"outcome": "escalate", "decision_text": "两局意见不一，仍不能确定承办单位。"})
    ticket_page = text(client.get(f"/tickets/{t.id}"))
    assert "联合审定纪要" in ticket_page and "河热线审〔2026〕1号" in ticket_page  # issued at the decision
    minutes = pdf_of(client, ticket_page, "河热线审〔2026〕1号")
    for fact in ("联合审定纪要", t.number, "争议焦点",  # each reason without its 「。」 before 「；依据」
                 *(squash(r).rstrip("。") for pair in RETURNS.values() for r in pair),
                 "2026年11月25日10时00分",  # the returns, in Beijing time
                 "两局均认为不属本单位职责", "物业收费属属地县级住建部门监管", "同意由县政府牵头",
                 "仍无法确定承办单位", "两局意见不一，仍不能确定承办单位", "2026年11月26日", "邱丽华",
                 "市热线办审核员"):
        assert fact in minutes, fact
    no_placeholder(minutes)

    complete(client, db, t, "jr_proposal", {"proposal": "建议由连平县人民政府主办，县市场监管局协办。"})
    ticket_page = text(client.get(f"/tickets/{t.id}"))
    assert "拟办意见" in ticket_page and "河热线拟〔2026〕1号" in ticket_page
    proposal = pdf_of(client, ticket_page, "河热线拟〔2026〕1号")
    for fact in ("拟办意见", t.number, "河热线审〔2026〕1号", "市人民政府", "建议由连平县人民政府主办，县市场监管局协办",
                 squash(RETURNS["receiver"][0]), squash(RETURNS["receiver2"][1]), "物业收费属属地县级住建部门监管",
                 "两局意见不一", "妥否，请批示"):
        assert fact in proposal, fact
    no_placeholder(proposal)

    # The city leader decides on the proposal, which is on the ticket's page for the leader to open.
    as_user(client, db, "city_leader")
    assert "河热线拟〔2026〕1号" in text(client.get(f"/tickets/{t.id}"))
    db.session.rollback()  # and on the 市政府决定 page itself, both papers open as they were issued
    uuid = db.session.scalar(select(TaskProjection.task_uuid).where(TaskProjection.ticket_id == t.id,
                                                                    TaskProjection.bpmn_id == "jr_city_decision"))
    papers = re.search(r'<p class="joint-papers">(.*?)</p>', text(client.get(f"/tickets/{t.id}/tasks/{uuid}")), re.S)
    links = re.findall(r'<a href="(/documents/\d+/pdf)">([^<]+)</a>', papers.group(1))
    assert [label for _, label in links] == ["拟办意见（河热线拟〔2026〕1号）", "联合审定纪要（河热线审〔2026〕1号）"]
    assert "妥否，请批示" in pdf_text(client.get(links[0][0]).data)

    # The archive offers both kinds by ticket number; a second live copy of one review's minutes is refused.
    as_user(client, db, "reviewer")
    archive = text(client.get("/documents"))
    assert '<option value="joint_review_minutes">联合审定纪要</option>' in archive
    assert '<option value="proposed_opinion">拟办意见</option>' in archive
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "joint_review_minutes"}, get_url="/documents")
    assert "该次联合审定已出具联合审定纪要（河热线审〔2026〕1号）" in text(client.get(r.headers["Location"]))


def test_each_return_has_its_own_explanation_and_a_unit_issues_its_own(client, db, tickets):
    t = returned_twice(db, tickets)
    as_user(client, db, "receiver")  # 住建局's receiver: the first return is its own
    archive = text(client.get("/documents"))
    assert "出具本单位的退回说明" in archive and "按工单出具公文" not in archive
    page = text(client.get(f"/documents/returns?ticket_no={t.number}"))
    assert "第1次退回" in page and RETURNS["receiver"][0] in page
    assert "第2次退回" not in page and RETURNS["receiver2"][0] not in page  # not the other unit's return
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "return_explanation", "return_no": "1"},
             get_url=f"/documents/returns?ticket_no={t.number}")
    assert r.status_code == 302 and re.search(r"/documents/\d+$", r.headers["Location"])
    first = pdf_of(client, text(client.get(f"/documents/returns?ticket_no={t.number}")), "河热线退〔2026〕1号")
    for fact in ("退回说明", t.number, squash(RETURNS["receiver"][0]), squash(RETURNS["receiver"][1])):
        assert fact in first, fact
    assert squash(RETURNS["receiver2"][0]) not in first
    no_placeholder(first)
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "return_explanation", "return_no": "1"},
             get_url=f"/documents/returns?ticket_no={t.number}")
    assert "该次退回已出具退回说明（河热线退〔2026〕1号）" in text(client.get(r.headers["Location"]))

    as_user(client, db, "receiver2")  # 人社局 cannot issue 住建局's
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "return_explanation", "return_no": "1"},
             get_url="/documents")
    assert "该工单没有这次退回" in text(client.get(r.headers["Location"]))

    as_user(client, db, "reviewer")  # the office chooses among the ticket's returns
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "return_explanation"}, get_url="/documents")
    assert "/documents/returns" in r.headers["Location"]
    page = text(client.get(r.headers["Location"]))
    assert "请选择要出具退回说明的那一次退回" in page and "河热线退〔2026〕1号" in page and "第2次退回" in page
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "return_explanation", "return_no": "2"},
             get_url=f"/documents/returns?ticket_no={t.number}")
    assert r.status_code == 302 and "/documents/returns" not in r.headers["Location"]
    page = text(client.get(f"/documents/returns?ticket_no={t.number}"))
    second = pdf_of(client, page, "河热线退〔2026〕2号")
    assert squash(RETURNS["receiver2"][0]) in second and squash(RETURNS["receiver"][0]) not in second
    live = db.session.scalars(select(IssuedDocument.number).where(IssuedDocument.ticket_id == t.id,
                                                                   IssuedDocument.status == "issued")).all()
    assert sorted(live) == ["河热线退〔2026〕1号", "河热线退〔2026〕2号"]  # both valid at once


def test_the_minutes_say_which_event_brought_the_ticket_and_keep_the_writers_lines(client, db, tickets, clock):
    """Review of December 2026, item 3: 「。；」 in the dispute, 「工单…工单第二次被退回」 at the time the review
    opened, and the minutes run together; item 4: 参会人员 printed under 单位 with empty 姓名 and 职务 columns."""
    t = returned_twice(db, tickets)  # the second return at 10:00
    clock.set("2026-11-25T15:30:00+08:00")  # the office holds the meeting in the afternoon
    as_user(client, db, "reviewer")
    minutes = "一、市住建局认为小区加装电梯应由属地政府统筹。\n二、市人社局认为<该事项>与人社职责无关。\n三、会商未达成一致。"
    complete(client, db, t, "jr_meeting", {"meeting_date": "2026-11-25", "minutes": minutes,
                                           "participants": "市热线办 邱丽华\n市住建局 李科长\n市人社局 王科长"})
    complete(client, db, t, "jr_decide", {"outcome": "escalate", "decision_text": "仍不能确定承办单位。"})
    ticket_page = text(client.get(f"/tickets/{t.id}"))
    found = re.search(r'href="/documents/(\d+)">河热线审〔2026〕1号', ticket_page)
    r = client.get(f"/documents/{found.group(1)}/pdf")
    printed = pdf_text(r.data)
    lines = [re.sub(r"[ \t]+", "", line) for page in pypdf.PdfReader(io.BytesIO(r.data)).pages
             for line in page.extract_text().splitlines()]

    assert "。；" not in printed
    assert "理由：该事项属于人力资源和社会保障部门职责，本局无执法权；依据：《劳动保障监察条例》第十三条" in printed
    assert f"工单{t.number}于2026年11月25日10时00分第二次被退回，转入联合审定。" in printed
    assert f"{t.number}于2026年11月25日15时30分" not in printed  # not the time the review was opened
    assert "工单第二次" not in printed  # 工单 is not said twice in the sentence
    # Each line of the minutes starts a line of the PDF, as written, its 「<…>」 printed as typed.
    assert "会商意见：" in lines and "1.会商意见：" not in lines  # the writer numbered the minutes: 一、二、三、
    for line in minutes.splitlines():
        assert any(row.startswith(line[:12]) for row in lines), (line, lines)
    assert "二、市人社局认为<该事项>与人社职责无关。" in printed
    # One column for the one free-text box: each line a row, no 姓名 / 职务 heads left empty.
    assert "序号参会单位和人员" in lines
    assert "姓名" not in printed and "职务" not in printed
    for no, person in enumerate(("市热线办邱丽华", "市住建局李科长", "市人社局王科长"), start=1):
        assert f"{no}{person}" in lines, lines


def test_the_minutes_number_once_name_co_units_only_when_there_are_some_and_end_sentences(client, db, tickets):
    """Review of December 2026, items 3–5: 「1.会商意见：」 over the writer's 「1. …」 then 「2.水务局（书面意见）」
    (1, 1, 2, 3, 2); 协办单位 said with none; 「依据：…第十条」 and a 退回理由 printed without 「。」."""
    t = tickets.new()
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="return", return_reason="该事项不属于本单位法定职责，建议按属地管理原则转办",
                return_basis="《河源市12345政府服务热线管理办法》第十条")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-RSJ"))
    tickets.act("receiver2", t, "sign", decision="return", return_reason="不属于劳动报酬。", return_basis="三定方案")
    zjj, rsj = unit_id(db, "HY-ZJJ"), unit_id(db, "HY-RSJ")
    as_user(client, db, "reviewer")
    complete(client, db, t, "jr_meeting", {
        "meeting_date": "2026-11-26", "participants": "市热线办 邱丽华", "consult_units": [str(rsj)],
        "minutes": "1. 住建局介绍了小区供水设施的产权情况。\n2. 人社局认为与劳动报酬无关。\n3. 会议意见由住建局主办。"})
    as_user(client, db, "receiver2")
    complete(client, db, t, "jr_consult", {"consult_opinion": "同意由住建局主办。"})
    as_user(client, db, "reviewer")
    complete(client, db, t, "jr_decide", {"outcome": "settled", "lead_unit": str(zjj),
                                          "decision_text": "由住建局主办。"})
    r = client.get(f"/documents/{_doc_id(text(client.get(f'/tickets/{t.id}')), '河热线审〔2026〕1号')}/pdf")
    printed = pdf_text(r.data)
    lines = [re.sub(r"[ \t]+", "", line) for page in pypdf.PdfReader(io.BytesIO(r.data)).pages
             for line in page.extract_text().splitlines()]
    # One numbering, the writer's: the document's own items are headed, not numbered.
    assert "会商意见：" in lines and "1.会商意见：" not in lines and "1.住建局介绍了小区供水设施的产权情况。" in lines
    assert not any(line.startswith("2.人社局（书面意见") or line.startswith("2.人力") for line in lines), lines
    assert any("（书面意见" in line and not line[:1].isdigit() for line in lines), lines
    # A lead unit alone: no 协办单位 in the decision.
    assert "作为主办单位。主办单位负责答复诉求人。" in printed and "协办" not in printed
    # Sentences from typed text end with 「。」, never doubled.
    assert "依据：《河源市12345政府服务热线管理办法》第十条。" in printed
    assert "理由：不属于劳动报酬；依据：三定方案。" in printed and "。。" not in printed

    as_user(client, db, "receiver")  # the unit's own 退回说明: its reason ends as a sentence
    post(client, "/documents/issue", {"ticket_no": t.number, "kind": "return_explanation", "return_no": "1"},
         get_url=f"/documents/returns?ticket_no={t.number}")
    explanation = pdf_of(client, text(client.get(f"/documents/returns?ticket_no={t.number}")), "河热线退〔2026〕1号")
    assert "二、退回理由该事项不属于本单位法定职责，建议按属地管理原则转办。三、" in explanation


def _doc_id(page: str, number: str) -> str:
    found = re.search(r'href="/documents/(\d+)">' + re.escape(number), page)
    assert found, f"{number} is not linked on the page"
    return found.group(1)
