"""A refusal and its 不予受理告知书 through the agent's pages (review findings 7, 10b, 12, 15b): the 登记完成 page and
the ticket page offer the notice and issue it through the archive's own path; the printed notice is one page with
its text in order; the clause reads 「第六条第（七）项」 on every page; a call handed to 110 is told so once."""
from __future__ import annotations

import io
import re

import lxml.html
import pypdf

from tests.docstore.conftest import pdf_text
from tests.support.pages import INTAKE, as_user, post, text

BRIBERY = "我想投诉我们村的党支部书记，他在村委换届中拉票贿选，请热线帮忙查处。"
FIGHT = "路口有人打架，有人受伤流血，情况很紧急。"


def _template(page: str, code: int) -> str:
    """The explanation the intake page offers for a reason (what its script fills in), as the page holds it."""
    [option] = lxml.html.fromstring(page).xpath(f'//select[@id="refusal_code"]/option[@value="{code}"]')
    return option.get("data-template")


def _refuse(client, code: int, content: str, **extra) -> tuple[str, str]:
    """The agent refuses a call on the intake page with the reason's own explanation; return (done URL, page)."""
    page = text(client.get("/intake"))
    r = post(client, "/intake", {**INTAKE, "content": content, "scope": "refuse", "refusal_code": str(code),
                                 "refusal_explanation": _template(page, code), **extra})
    assert r.status_code == 302, text(r)[:3000]
    return r.headers["Location"], text(client.get(r.headers["Location"]))


def _offer(page: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(page).get_element_by_id("refusal-offer")


def _issue_from(client, page: str):
    """Press 「出具不予受理告知书」: post the offer's form as the page renders it; return the document page's URL."""
    [form] = _offer(page).xpath('.//form[@id="refusal-offer-form"]')
    assert form.text_content().split()[0] == "出具不予受理告知书"
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    r = client.post(form.get("action"), data=fields)
    assert r.status_code == 302 and "/documents/" in r.headers["Location"], text(r)[:500]
    return r.headers["Location"]


def _pdf(client, doc_url: str) -> bytes:
    r = client.get(doc_url.rstrip("/") + "/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    return r.data


def _in_order(printed: str, *parts: str) -> None:
    at = -1
    for part in parts:
        found = printed.find(part, at + 1)
        assert found > at, f"「{part}」 missing or out of order in: {printed}"
        at = found


def test_the_agent_issues_the_refusal_notice_from_the_done_page_and_it_prints_on_one_page(client, db):
    as_user(client, db, "agent")
    done_url, done = _refuse(client, 7, BRIBERY)
    assert "不予受理" in done and "出具不予受理告知书" in _offer(done).text_content()
    doc_url = _issue_from(client, done)
    assert "已出具不予受理告知书（河热线不〔" in text(client.get(doc_url))  # the archive's own confirmation

    pdf = _pdf(client, doc_url)
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1  # not 40 % of page 1 blank and the rest on page 2
    printed = pdf_text(pdf)
    number = re.search(r"河热线不〔\d{4}〕\d+号", printed).group(0)
    _in_order(printed, number, "不予受理告知书", f"{INTAKE['citizen_name']}：", "通过电话向", "拉票贿选",
              "第六条第（七）项规定的“党员干部贪污腐败、行贿受贿等违纪事项”，政府热线不予受理。",
              "请通过12388纪检监察举报电话", "感谢您对政府热线工作的理解和支持。", "特此告知。")
    tail = printed.split("特此告知。")[1]  # the signature (drawn with its seal, after the 附注) and the 附注
    assert "河源市12345政府服务热线办公室二〇二六年十一月二十五日" in tail and "（联系人：12345政府服务热线" in tail

    # Back on the 登记完成 page and on the ticket page, the notice issued is offered, not issued again.
    again = _offer(text(client.get(done_url)))
    assert again.xpath(".//form") == [] and number in again.text_content()
    ticket_id = int(done_url.rstrip("/").rsplit("/", 1)[1])
    ticket_page = text(client.get(f"/tickets/{ticket_id}"))
    shown = _offer(ticket_page)
    assert number in shown.text_content() and shown.xpath(".//form") == []
    # The clause reads as the notice prints it, on the ticket page and its timeline.
    assert "第六条第（七）项 党员干部贪污腐败" in ticket_page and "理由：第六条第（七）项" in ticket_page
    assert "第六条第7项" not in ticket_page


def test_a_refused_ticket_page_offers_the_notice_to_the_office(client, db):
    as_user(client, db, "agent")
    done_url, _done = _refuse(client, 4, "我和邻居的房屋买卖合同纠纷，要求政府热线判决对方退款。")
    ticket_id = int(done_url.rstrip("/").rsplit("/", 1)[1])
    as_user(client, db, "dispatcher")
    page = text(client.get(f"/tickets/{ticket_id}"))
    doc_url = _issue_from(client, page)
    assert "第六条第（四）项" in pdf_text(_pdf(client, doc_url))
    assert "第六条第（四）项" in page and "已出具" in _offer(text(client.get(f"/tickets/{ticket_id}"))).text_content()


def test_a_call_put_through_to_110_is_told_once_on_the_notice_and_the_tracking_page(client, db):
    as_user(client, db, "agent")
    _done_url, done = _refuse(client, 2, FIGHT, handoff_line="110", handoff_outcome="transferred",
                              handoff_summary="路口打架有人受伤")
    code = lxml.html.fromstring(done).get_element_by_id("query-code").text_content().strip()
    number = lxml.html.fromstring(done).get_element_by_id("ticket-number").text_content().strip()
    pdf = _pdf(client, _issue_from(client, done))
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
    printed = pdf_text(pdf)
    _in_order(printed, "第六条第（二）项", "您反映的事项属于110报警服务台的职责，已于", "转接110报警服务台。如情况紧急，请直接拨打110。",
              "感谢您对政府热线工作的理解和支持。", "特此告知。")
    assert "请立即拨打110（报警）、119（火警）" not in printed and printed.count("拨打") == 1

    track = lxml.html.fromstring(text(post(client, "/public/track", {"number": number, "code": code},
                                           get_url="/public/track")))
    progress = track.get_element_by_id("progress").text_content()
    assert "依据《管理办法》第六条第（二）项" in progress
    assert "转接110报警服务台。如情况紧急，请直接拨打110。" in progress
    assert "请立即拨打110（报警）" not in progress and progress.count("拨打") == 1


def test_the_intake_lists_the_reasons_as_the_measures_number_them(client, db):
    as_user(client, db, "agent")
    options = lxml.html.fromstring(text(client.get("/intake"))).xpath('//select[@id="refusal_code"]/option[@value!=""]')
    labels = [o.text_content() for o in options]
    assert labels[0].startswith("（一）") and any(label.startswith("（七）") for label in labels)
    assert not [label for label in labels if label[:1].isdigit()]  # no 「7. …」 beside the clause's own numbering
