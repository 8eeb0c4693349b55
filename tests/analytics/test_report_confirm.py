"""Issuing a report from 单位考核 takes two clicks: the button opens a confirmation page (no JavaScript) that says
what will be issued and that it cannot be deleted; only 确认出具 numbers and stores the document."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from engine.models import IssuedDocument
from tests.analytics.conftest import clean  # noqa: F401  (fixture)
from tests.analytics.test_analytics import build
from tests.docstore.conftest import pdf_text, squash
from tests.support.pages import as_user, text

pytestmark = pytest.mark.usefixtures("clean")
Q = "?from=2026-11-01&to=2026-12-31"
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_with(page: str, button: str) -> tuple[str, str, dict[str, str]]:
    """(method, action, the values it sends) of the form whose button says ``button``, as a browser reads them."""
    for attrs, body in FORM.findall(page):
        if re.search(r"<button[^>]*>\s*" + re.escape(button) + r"\s*</button>", body):
            a = dict(ATTR.findall(attrs))
            fields = {}
            for tag in re.findall(r"<input\b[^>]*>", body):
                t = dict(ATTR.findall(tag))
                if t.get("type") == "radio" and "checked" not in tag:
                    continue
                if "name" in t:
                    fields[t["name"]] = html.unescape(t.get("value", ""))
            return a.get("method", "get").lower(), html.unescape(a["action"]), fields
    raise AssertionError(f"no form with the button {button}")


def documents(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(IssuedDocument))


def open_confirmation(client, button: str, page_url: str = "/reports/" + Q, **typed) -> str:
    method, action, fields = form_with(text(client.get(page_url)), button)
    assert (method, action) == ("get", "/reports/confirm")
    r = client.get(action, query_string={**fields, **typed})
    assert r.status_code == 200, text(r)[:500]
    return text(r)


def confirm(client, page: str) -> int:
    method, action, fields = form_with(page, "确认出具")
    assert method == "post" and fields["csrf_token"]
    r = client.post(action, data=fields)
    assert r.status_code == 302 and "/documents/" in r.headers["Location"], text(r)[:500]
    return int(r.headers["Location"].rstrip("/").split("/")[-1])


@pytest.mark.parametrize(("button", "title", "number", "facts"), [
    ("出具考核通报", "考核通报", "河热线考〔2026〕1号", ("2026年11月1日至12月31日", "河源市住房和城乡建设局", "76.75",
                                                  "权重版本“2026-1”")),
    ("出具工作简报", "工作简报", "河热线简〔2026〕1号", ("2026年11月1日至12月31日", "共受理群众诉求5件")),
])
def test_the_first_click_asks_and_confirming_issues_one(client, db, button, title, number, facts):
    build(db)
    before = documents(db)  # the built tickets' own documents
    as_user(client, db, "supervisor")
    page = open_confirmation(client, button)
    assert documents(db) == before  # the first click issued nothing
    words = squash(re.sub(r"<[^>]+>", " ", page))
    for fact in (f"确认出具{title}", f"公文种类{title}", "统计期间2026年11月1日至12月31日", f"预计文号{number}",
                 "不能删除，只能作废"):
        assert fact in words, fact
    assert ("权重版本2026-1" in words) == (title == "考核通报")
    back = re.search(r'<a class="button secondary" href="([^"]+)">返回</a>', page)
    assert back and html.unescape(back.group(1)).startswith("/reports/?from=2026-11-01&to=2026-12-31")
    assert client.get(html.unescape(back.group(1))).status_code == 200 and documents(db) == before

    doc_id = confirm(client, page)
    assert documents(db) == before + 1
    doc = db.session.get(IssuedDocument, doc_id)
    assert doc.number == number
    pdf = client.get(f"/documents/{doc_id}/pdf")
    assert pdf.status_code == 200
    printed = pdf_text(pdf.get_data())
    for fact in (title, number, *facts):
        assert fact in printed, fact
    # The next confirmation names the next number.
    assert f"预计文号{number.replace('1号', '2号')}" in squash(re.sub(r"<[^>]+>", " ", open_confirmation(client, button)))
    assert documents(db) == before + 1


def test_a_special_report_is_confirmed_too(client, db):
    build(db)
    before = documents(db)
    as_user(client, db, "dispatcher")
    page = open_confirmation(client, "出具专报", category="城乡建设/噪音扰民")
    assert documents(db) == before
    words = squash(re.sub(r"<[^>]+>", " ", page))
    assert "专报对象城乡建设/噪音扰民类诉求" in words and "预计文号河热线专〔2026〕1号" in words
    doc_id = confirm(client, page)
    assert documents(db) == before + 1
    assert "城乡建设/噪音扰民类诉求" in pdf_text(db.session.get(IssuedDocument, doc_id).pdf)

    _m, action, fields = form_with(text(client.get("/reports/" + Q)), "出具专报")
    r = client.get(action, query_string={**fields, "category": ""})  # no category: back, with the reason
    assert r.status_code == 302 and r.headers["Location"].startswith("/reports/?from=2026-11-01")
    assert "请填写专报的类别" in text(client.get(r.headers["Location"])) and documents(db) == before + 1


def test_who_may_not_issue_is_not_asked(client, db):
    for role in ("city_leader", "agent", "handler"):  # the city leader sees the figures; the others not even those
        as_user(client, db, role)
        r = client.get("/reports/confirm" + Q + "&report=brief")
        assert r.status_code == 403 and "无权" in text(r), role
    as_user(client, db, "supervisor")
    r = client.get("/reports/confirm" + Q + "&report=nonsense")
    assert r.status_code == 302 and documents(db) == 0


def test_the_archive_titles_a_report_by_what_it_covers(client, db):
    """Review of December 2026, item 9: 专报 and 工作简报 were listed as 「专报」 / 「工作简报」, two 专报 of a month
    alike; the 不予受理告知书 was 「不予受理告知」 in the archive only."""
    build(db)
    as_user(client, db, "supervisor")
    month = "/reports/?from=2026-11-01&to=2026-11-30"
    for category in ("城乡建设/噪音扰民", "交通运输/公交服务"):
        confirm(client, open_confirmation(client, "出具专报", page_url=month, category=category))
    confirm(client, open_confirmation(client, "出具工作简报", page_url=month))
    confirm(client, open_confirmation(client, "出具工作简报"))  # two months: the period in days
    archive = text(client.get("/documents"))
    for title in ("关于2026年11月城乡建设/噪音扰民类诉求情况的专报", "关于2026年11月交通运输/公交服务类诉求情况的专报",
                  "2026年11月工作简报", "2026年11月1日至12月31日工作简报"):
        assert title in archive, title
    assert '<option value="refusal_notice">不予受理告知书</option>' in archive
