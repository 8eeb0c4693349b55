"""How the printed documents read, read back from their PDFs (review of December 2026, items 10 and 11).

- The 书面说明's closing table is printed whole on one page, its 督办文号 on one line, and its 联系电话 is the phone
  of the 分管领导 printed beside it.
- No label of a fact table wraps (「原办理答 / 复」 in the 重办通知).
- The 工单办理单's 办理过程 says what each joint-review step decided, and joins a return's reason and basis once.
- (Item 12) The text messages a red card sends (the monitor's 红牌, the supervision's 督办通知) are signed alike.
"""
from __future__ import annotations

import io
import re

import pypdf
from sqlalchemy import select

from documents import render_pdf
from engine.common.db import transaction
from engine.docstore.steps import step_note
from engine.models import AuditLog, DocumentCounter, IssuedDocument, Outbox, Supervision, Unit
from tests.support.helpers import unit
from tests.support.pages import as_user, post, text

from .conftest import pdf_text, sign_in, squash
from .test_wording import answer_on_the_page, issued, page_issue, red_card, unlink_documents  # noqa: F401


def pages(pdf: bytes) -> list[str]:
    """Each page's text as laid out, lines kept (only spaces inside a line dropped)."""
    return [re.sub(r"[ \t]+", "", page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_the_written_explanation_keeps_its_closing_table_together_with_the_leaders_phone(client, db, flow, clock):
    with transaction(db.session):  # the office has issued 110 督办通知单 this year: its numbers are long
        db.session.add(DocumentCounter(kind="supervision_notice", year=2026, last_seq=110))
    t, sup = red_card(db, flow)
    answer_on_the_page(client, db, clock, t, "2026-12-01T15:00:00+08:00", "已签收并安排现场核查。",
                       "因经办人员休假未及时签收。已调整签收安排。")
    [doc] = issued(db, kind="written_explanation")
    sup = db.session.get(Supervision, sup.id)
    leader = db.session.get(Unit, sup.unit_id)
    number = db.session.get(IssuedDocument, sup.notice_document_id).number
    assert number == "河热线督〔2026〕111号"
    assert leader.leader_phone and leader.leader_phone != leader.phone
    printed = pdf_text(doc.pdf)
    assert f"分管领导{leader.leader_name}联系电话{leader.leader_phone}" in printed, printed[-300:]
    assert f"《督办通知单》（{number}）" in printed
    # However long the explanation, the table is on one page and the notice's number on one line of it.
    line = "经查，该件因经办人员休假未及时签收，现已调整签收安排，明确专人负责，每日两次查看待签收工单。"
    for n in range(1, 13, 2):  # the table's place on the page moves by about four lines a step
        facts = {**doc.facts, "explanation": line * n}
        [page] = [p for p in pages(render_pdf("written_explanation", facts)) if "工单编号" in p]
        for label in ("督办文号", "回复时间", "经办人", "分管领导", "联系电话"):
            assert label in page, (n, label)
        assert any(number in row for row in page.splitlines()), (n, page)


def test_no_label_of_the_redo_notice_wraps(client, db, flow):
    doc = page_issue(client, db, "redo_notice", flow.redone())
    lines = pages(doc.pdf)[0].splitlines()
    assert any(line.startswith("原办理答复") for line in lines), lines
    assert "复" not in [line.strip() for line in lines]


def test_the_ticket_record_says_what_the_joint_review_decided(client, db, flow):
    t = flow.dispatched()
    zjj, rsj = unit(db.session, "HY-ZJJ"), unit(db.session, "HY-RSJ")
    flow.act("receiver", t, "sign", decision="return", return_reason="忠信镇属连平县辖区，应由属地办理。",
             return_basis="《广东省物业管理条例》第六条")
    flow.act("dispatcher", t, "dispatch", lead_unit=rsj.id)
    flow.act("receiver2", t, "sign", decision="return", return_reason="物业收费不属于人社部门职责。",
             return_basis="三定方案")
    flow.act("reviewer", t, "jr_meeting", participants="市住建局 张伟强\n市人社局 何秀英", meeting_date="2026-11-26",
             minutes="未达成一致")
    flow.act("reviewer", t, "jr_decide", outcome="escalate", decision_text="职责争议无法协商一致，报市政府决定。")
    flow.act("reviewer", t, "jr_proposal", proposal="建议由住建局主办、人社局协办。")
    flow.act("city_leader", t, "jr_city_decision", city_decision="由住建局主办、人社局协办，依法核查收费。",
             lead_unit=zjj.id, co_units=[rsj.id])
    printed = pdf_text(page_issue(client, db, "ticket_record", t).pdf)
    assert "理由：忠信镇属连平县辖区，应由属地办理；依据：《广东省物业管理条例》第六条" in printed
    assert "理由：物业收费不属于人社部门职责；依据：三定方案" in printed
    assert "。；" not in printed
    assert "联合审定决定不能审定，报市政府决定；审定意见：职责争议无法协商一致，报市政府决定。" in printed
    assert "拟办意见建议由住建局主办、人社局协办。" in printed
    assert (f"市政府决定主办：{zjj.name}；协办：{rsj.name}；决定：由住建局主办、人社局协办，依法核查收费。"
            in printed)
    assert squash("参会：市住建局 张伟强 市人社局 何秀英") in printed


def test_a_return_without_basis_prints_the_reason_alone():
    assert step_note(AuditLog(action="return", detail={"reason": "非本单位职责。"})) == "理由：非本单位职责。"
    assert step_note(AuditLog(action="return", detail={"reason": "非本单位职责。", "basis": "三定方案"})) == \
        "理由：非本单位职责；依据：三定方案。"  # a sentence ends with 「。」, never doubled
    assert step_note(AuditLog(action="return", detail={"reason": "非本单位职责"})) == "理由：非本单位职责。"


def test_an_older_city_decision_row_takes_the_decision_from_the_joint_review():
    row = AuditLog(action="jr_city_decision", detail={"lead_unit": "甲局"})
    assert step_note(row, "同意拟办意见") == "主办：甲局；决定：同意拟办意见"


def test_every_text_message_of_a_red_card_is_signed_alike(client, db, flow):
    red_card(db, flow)
    texts = db.session.scalars(select(Outbox.text).where(Outbox.kind == "sms")).all()
    templates = set(db.session.scalars(select(Outbox.template).where(Outbox.kind == "sms")))
    assert {"acceptance.red", "supervision.open"} <= templates, templates
    assert {t[:t.index("】") + 1] for t in texts} == {"【河源市12345政府服务热线办公室】"}
    sign_in(client, db, "supervisor")
    page = squash(client.get("/admin/notices").get_data(as_text=True))
    assert "【12345热线】" not in page and "【河源市12345政府服务热线办公室】督办通知" in page


RETURN_LABELS = ("退回时限", "经办人")  # the number, type and times are in the opening sentence


def test_the_return_explanation_keeps_its_table_on_one_page(client, db, flow):
    """Review of December 2026, item 2: the table's first rows stayed at the foot of page 1, the rest went over."""
    doc = page_issue(client, db, "return_explanation", flow.returned())
    assert any(all(label in page for label in RETURN_LABELS) for page in pages(doc.pdf))
    # Wherever a longer reason puts the table, it is printed whole on one page, each fact on one line of it.
    line = "老旧小区改造及加装电梯属住房城乡建设部门职责，不属于人社部门法定职责。"
    for n in range(1, 9):  # the table's place on the page moves by about two lines a step
        printed = pages(render_pdf("return_explanation", {**doc.facts, "reason": line * n}))
        [page] = [p for p in printed if "退回时限" in p]
        for label in RETURN_LABELS:
            assert label in page, (n, label)
        assert any(row.startswith("退回时限") and row.endswith("（受理人）") for row in page.splitlines()), (n, page)


OUTLINE = ("一、基本情况\n2026年11月25日，我局收到该工单，诉求人反映小区物业费未经业主大会擅自上调。\n"
           "二、办理情况\n接督办通知后，我局分管领导亲自督促，物业科会同镇政府到小区现场核查，确认物业公司未履行表决程序。\n"
           "三、处理措施\n1.约谈物业公司负责人，责令立即暂停执行新收费标准；\n2.指导小区依法筹备召开业主大会。\n"
           "四、下一步工作\n我局将持续跟踪退费情况，并于办理时限内将结果书面答复诉求人。")
HEADS = ("诉求内容", "未按时限办理的原因及整改措施", "一、基本情况", "二、办理情况", "三、处理措施", "四、下一步工作",
         "办理情况及结果")


def test_the_written_explanation_does_not_number_over_the_leaders_own_outline(client, db, flow, clock):
    """Review of December 2026, item 5: the leader's 一、 … 四、 sat inside the document's 「二、…」 before its 「三、…」,
    and the leader's 「二、办理情况」 was left alone at the foot of page 1."""
    t, _sup = red_card(db, flow)
    answer_on_the_page(client, db, clock, t, "2026-12-01T15:00:00+08:00", "已约谈物业公司负责人，责令暂停执行新收费标准。",
                       OUTLINE)
    [doc] = issued(db, kind="written_explanation")
    printed = pdf_text(doc.pdf)
    # The document's own headings carry no numbers; the leader's outline is the only one.
    assert "诉求内容" in printed and "未按时限办理的原因及整改措施一、基本情况" in printed
    assert "四、下一步工作我局将持续跟踪退费情况" in printed and "办理情况及结果已约谈物业公司负责人" in printed
    for numeral in ("一、", "二、", "三、", "四、"):
        assert printed.count(numeral) == 1, numeral
    # Wherever the page breaks, no heading, the document's or the leader's, is the last line of a page.
    for n in range(0, 16):  # the text moves down by about one line a step
        facts = {**doc.facts, "content_summary": "小区物业费未经业主大会擅自上调，请住建部门核查。" + "情况属实。" * 4 * n}
        for page in pages(render_pdf("written_explanation", facts))[:-1]:
            body = [row for row in page.splitlines() if row.strip() and not re.fullmatch(r"—\d+—", row.strip())]
            assert body[-1] not in HEADS, (n, body[-3:])


TYPICAL_REASON = ("经核实，诉求人反映的是用人单位拖欠工资、未依法缴纳社会保险的问题，属于劳动保障监察事项，"
                  "依法应由人力资源和社会保障部门受理查处，我局对此无执法权，无法办理。")
LONG_REASON = ("经核实，诉求人反映的是用人单位拖欠工资、未依法缴纳社会保险的问题，属于劳动保障监察事项。"
               "根据市政府批准的本局职能配置、内设机构和人员编制规定，本局负责城乡建设、房地产市场和物业管理的监督管理，"
               "不承担劳动保障监察职责，对用人单位的工资支付和社会保险缴纳情况没有检查和处罚的权力。") * 3


def unit_issues_return_explanation(client, db, flow, reason: str) -> bytes:
    """住建局 returns the ticket with its reason and basis and issues its own 退回说明 from its returns page."""
    t = flow.dispatched()
    flow.act("receiver", t, "sign", decision="return", return_reason=reason, return_basis="《劳动保障监察条例》第十三条")
    as_user(client, db, "receiver")
    returns = f"/documents/returns?ticket_no={t.number}"
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "return_explanation", "return_no": "1"},
             get_url=returns)
    assert r.status_code == 302, text(r)[:500]
    found = re.search(r'href="/documents/(\d+)">河热线退〔2026〕1号', text(client.get(returns)))
    assert found, "the 退回说明 is not linked on the returns page"
    r = client.get(f"/documents/{found.group(1)}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    return r.data


def test_an_ordinary_return_explanation_prints_on_one_page(client, db, flow):
    """Its table stayed whole on page 1, but the legal note, the seal's 署名 and date and the contact went to page 2."""
    assert 60 <= len(TYPICAL_REASON) <= 120
    pdf = unit_issues_return_explanation(client, db, flow, TYPICAL_REASON)
    printed = pages(pdf)
    assert len(printed) == 1, [p[-200:] for p in printed]
    whole = squash(printed[0])
    order = ["退回说明", "河源市12345政府服务热线办公室：", "我单位于2026年11月25日", "投诉类工单（编号：HL2026", "予以退回",
             squash(TYPICAL_REASON), "《劳动保障监察条例》第十三条", "退回时限收到工单后1个工作日内", "经办人",
             "第十条第（一）项", "文件依据。", unit(db.session, "HY-ZJJ").name, "二〇二六年十一月二十五日"]
    at = 0
    for part in order:  # each after the one before it
        found = whole.find(part, at)
        assert found >= 0, (part, whole[at:])
        at = found + len(part)
    assert "（联系人：" in whole and "联系电话：" in whole


def test_a_long_return_reason_goes_over_with_the_table_whole(client, db, flow):
    assert 380 <= len(LONG_REASON) <= 450
    pdf = unit_issues_return_explanation(client, db, flow, LONG_REASON)
    printed = pages(pdf)
    assert len(printed) <= 2
    whole = re.sub(r"—\d+—", "", squash("".join(printed)))  # without the page numbers between the pages
    assert squash(LONG_REASON) in whole and "第十条第（一）项" in whole
    [page] = [p for p in printed if "退回时限" in p]
    assert any(row.startswith("退回时限") and row.endswith("（受理人）") for row in page.splitlines()), page

