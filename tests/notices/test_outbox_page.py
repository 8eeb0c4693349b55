"""发送记录 (/admin/notices) as the office sees it: a page at a time with a Chinese pager that keeps the filter,
every gateway named in Chinese, and a resend button only where sending again means something."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from engine.common.db import transaction
from engine.models import Outbox
from engine.notices import listing
from engine.notices import outbox as notify
from tests.support.pages import as_user, text

T0 = datetime.fromisoformat("2026-11-25T10:00:00+08:00")
ROW = re.compile(r'<tr class="st-(\w+)">(.*?)</tr>', re.S)
STATUS_CELL = re.compile(r'<td data-label="状态">(.*?)</td>', re.S)
PAGER = re.compile(r'<p class="pager">(.*?)</p>', re.S)


def add(db, n: int, *, status: str = "sent", first: int = 1, **values) -> None:
    """``n`` notices 通知第NNN号 (numbered from ``first``), a minute apart, in one insert."""
    rows = []
    for i in range(first, first + n):
        at = T0 + timedelta(minutes=i)
        row = notify.outbox_row(kind="sms", recipient="13800000001", recipient_name="张伟强",
                                recipient_role="receiver", template="handling.warning", text=f"通知第{i:03d}号",
                                dedupe_key=f"page-{i}", now=at)
        if status == "sent":
            row.update(status="sent", sent_at=at, delivered_by="dev", attempts=1)
        else:
            row.update(status=status)
        rows.append({**row, **values})
    with transaction(db.session):
        db.session.execute(insert(Outbox), rows)


def shown(page: str) -> list[str]:
    return re.findall(r"通知第(\d{3})号", page)


def pager(page: str) -> str:
    found = PAGER.search(page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def next_link(page: str, label: str) -> str:
    found = re.search(r'<a href="([^"]+)">' + label + "</a>", page)
    assert found, label
    return found.group(1).replace("&amp;", "&")


def test_older_notices_are_reached_page_by_page_keeping_the_filter(client, db):
    size = listing.PAGE_SIZE
    add(db, size + 7)  # 通知第001号 … the oldest; the newest is number size + 7
    add(db, 3, status="failed", first=900, attempts=8, last_error="http: HTTP 503 busy")
    as_user(client, db, "admin")

    first = text(client.get("/admin/notices?status=sent"))
    assert f"已发送（{size + 7}）" in first
    assert shown(first) == [f"{i:03d}" for i in range(size + 7, 7, -1)]  # the newest page, newest first
    assert pager(first) == "第 1 页，共 2 页 下一页" and "上一页" not in pager(first)
    assert f"共 {size + 7} 条" in first

    url = next_link(first, "下一页")
    assert "status=sent" in url and "page=2" in url
    second = text(client.get(url))
    assert shown(second) == ["007", "006", "005", "004", "003", "002", "001"]  # the older rows
    assert pager(second) == "上一页 第 2 页，共 2 页"
    assert "status=sent" in next_link(second, "上一页")

    everything = text(client.get("/admin/notices"))  # no filter: the failed ones are the newest
    assert shown(everything)[:3] == ["902", "901", "900"]
    assert pager(everything) == "第 1 页，共 2 页 下一页"
    failed = text(client.get("/admin/notices?status=failed"))
    assert shown(failed) == ["902", "901", "900"] and pager(failed) == ""  # one page: no pager


@pytest.mark.parametrize(("page", "expected"), [("abc", 1), ("-1", 1), ("0", 1), ("", 1), ("2", 2),
                                                 ("999999", 2), ("99999999999999999999", 1)])
def test_a_bad_page_number_shows_a_sensible_page(client, db, page, expected):
    add(db, listing.PAGE_SIZE + 2)
    as_user(client, db, "admin")
    r = client.get(f"/admin/notices?status=sent&page={page}")
    assert r.status_code == 200
    assert f"第 {expected} 页，共 2 页" in pager(text(r))
    assert shown(text(r))[0] == ("052" if expected == 1 else "002")


def test_every_gateway_is_named_in_chinese(client, db):
    names = [*listing.GATEWAY_LABELS, "sms-new-provider"]  # the last: an adapter this page does not know yet
    for i, name in enumerate(names, start=1):
        add(db, 1, first=i, delivered_by=name)
    add(db, 1, status="pending", first=50, attempts=2, last_error="voice-http: no answer within 5s")
    as_user(client, db, "admin")
    page = text(client.get("/admin/notices"))
    cells = {number: STATUS_CELL.search(body).group(1) for _status, body in ROW.findall(page)
             for number in shown(body)}
    for i, name in enumerate(names[:-1], start=1):
        assert f"经 {listing.GATEWAY_LABELS[name]}" in cells[f"{i:03d}"], name
    assert "经 其他通道" in cells[f"{len(names):03d}"]
    assert "开发联动网关（未实际发送）" in cells["004"]  # the 110 handoffs' development gateway
    for cell in cells.values():
        assert not re.search(r"[A-Za-z]", re.sub(r"<[^>]+>", "", cell)), cell  # no gateway id, no English
    assert "语音电话网关：对方 5 秒内未应答" in cells["050"] and "voice-http" not in page


@pytest.mark.parametrize(("stored", "shown_text"), [
    ("http: HTTP 503 busy", "短信网关：对方服务暂不可用（状态码 503）"),
    ("http: HTTP 401 bad token", "短信网关：对方拒绝了本平台的身份认证（状态码 401），请核对网关令牌"),
    ("voice-http: HTTP 429", "语音电话网关：对方限制发送频率（状态码 429）"),
    ("http: HTTP 400 {\"error\": \"bad phone\"}", "短信网关：对方未接受该消息（状态码 400）"),
    ("http-110: [Errno 111] Connection refused", "紧急专线联动平台：无法连接对方服务"),
    ("no gateway configured for voice", "未配置语音电话发送通道"),
])
def test_a_failure_is_said_in_chinese_with_the_providers_words_on_hover(client, db, stored, shown_text):
    add(db, 1, status="failed", attempts=8, last_error=stored)
    as_user(client, db, "admin")
    page = client.get("/admin/notices").get_data(as_text=True)
    error = re.search(r'<small class="err"( title="([^"]*)")?>([^<]*)</small>', page)
    assert error.group(3) == shown_text
    provider = stored.partition(": ")[2] if not stored.startswith("no gateway") else None
    if provider:  # the provider's own answer, escaped, only on hover
        assert html.unescape(error.group(2)) == f"对方返回：{provider}"
    else:
        assert error.group(1) is None


def test_a_notice_never_tried_offers_no_resend(client, db):
    add(db, 1, status="pending", first=1)  # queued, never tried: the drain sends it anyway
    add(db, 1, status="pending", first=2, attempts=2, last_error="http: HTTP 502")  # waiting for its retry
    add(db, 1, status="failed", first=3, attempts=8, last_error="http: HTTP 503")
    add(db, 1, first=4)
    as_user(client, db, "admin")
    page = text(client.get("/admin/notices"))
    buttons = {shown(body)[0]: re.findall(r"<button[^>]*>([^<]*)</button>", body) for _s, body in ROW.findall(page)}
    assert buttons == {"001": [], "002": ["立即重试"], "003": ["重新发送"], "004": []}
    assert "已排队，等待发送" in page
