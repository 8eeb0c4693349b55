"""The office sets the size limits on its own page; an oversize file, a ticket past its total and too many files
are refused in Chinese through the pages, and nothing of the step is kept."""
from __future__ import annotations

import pytest
from sqlalchemy import delete

from engine.attachments import size_text
from engine.models import AttachmentSettings, Reply
from tests.support.helpers import REPLY
from tests.support.pages import as_user, post, text

from .flow import attachments_of, count_attachments, post_page, submit_task
from .samples import photo, scan_pdf

REPLY_FILL = {"action": "reply", "result": REPLY["result"], "basis": REPLY["basis"],
              "contact_method": REPLY["contact_method"], "citizen_informed": "y"}


@pytest.fixture
def office_limits(client, db):
    """Set the limits through the administrator's page; put the defaults back afterwards."""
    def set_to(max_file_mb, max_ticket_mb, max_files):
        as_user(client, db, "admin")
        r = post(client, "/attachments/settings", {"max_file_mb": max_file_mb, "max_ticket_mb": max_ticket_mb,
                                                   "max_files": max_files})
        assert r.status_code == 302, text(r)[:2000]
    yield set_to
    db.session.rollback()
    db.session.execute(delete(AttachmentSettings))
    db.session.commit()


def test_the_settings_page_is_the_administrators_and_checks_its_numbers(client, db, office_limits):
    as_user(client, db, "dispatcher")
    assert client.get("/attachments/settings").status_code == 403
    as_user(client, db, "admin")
    page = text(client.get("/attachments/settings"))
    assert 'value="10"' in page and 'value="50"' in page  # the defaults, shown
    r = post(client, "/attachments/settings", {"max_file_mb": "20", "max_ticket_mb": "30", "max_files": "0"})
    assert r.status_code == 400 and "每次最多上传的附件数须为1至30的整数" in text(r)
    r = post(client, "/attachments/settings", {"max_file_mb": "20", "max_ticket_mb": "5", "max_files": "3"})
    assert r.status_code == 400 and "每件工单附件总量上限不能小于单个附件上限" in text(r)
    assert "单个附件 10MB" in text(client.get("/attachments/settings"))  # nothing was saved
    office_limits(2, 4, 3)
    assert "单个附件 2MB，每件工单合计 4MB，每次最多 3 个" in text(client.get("/attachments/settings"))


def test_an_oversize_file_is_refused_and_the_reply_is_not_saved(client, db, tickets, office_limits):
    office_limits(1, 10, 10)
    t = tickets.handling()
    big = scan_pdf(pad=1_200_000)
    r = submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(big, "整改通知书.pdf")]})
    assert r.status_code == 400
    assert "「整改通知书.pdf」大小为1.2 MB，超过单个附件1MB的上限" in text(r)
    assert attachments_of(db, t.id) == [] and db.session.query(Reply).filter_by(ticket_id=t.id).count() == 0


def test_a_ticket_past_its_total_is_refused_with_what_it_holds(client, db, tickets, office_limits):
    office_limits(1, 1, 10)
    t = tickets.handling()
    half = scan_pdf(pad=600_000)
    r = submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(half, "一.pdf"), (half, "二.pdf")]})
    assert r.status_code == 400
    assert f"本工单附件总量将超过1MB的上限（已有0 KB，本次{size_text(2 * len(half))}）" in text(r)
    assert attachments_of(db, t.id) == []


def test_too_many_files_at_once_are_refused(client, db, tickets, office_limits):
    office_limits(10, 50, 2)
    t = tickets.handling()
    r = submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(photo(), f"{i}.jpg") for i in range(3)]})
    assert r.status_code == 400 and "每次最多上传2个附件，本次选择了3个" in text(r)
    assert attachments_of(db, t.id) == []


def test_the_public_page_refuses_a_file_lying_about_its_type_and_keeps_what_was_typed(client, db):
    before = count_attachments(db)
    r = post_page(client, "/public/submit", {"citizen_name": "王小明", "citizen_phone": "13900002222",
                                             "ticket_type": "complaint", "content": "路面塌陷，车辆难以通行。"},
                  {"attachments": [(b"<html><script>alert(1)</script></html>", "路面.jpg")]})
    assert r.status_code == 400
    page = text(r)
    assert "「路面.jpg」不是允许上传的文件类型" in page and "路面塌陷，车辆难以通行。" in page
    assert count_attachments(db) == before


def test_what_the_ticket_already_holds_counts_towards_its_total(client, db, tickets, office_limits):
    from engine.attachments import Upload
    from engine.common.db import transaction
    from engine.tickets.lifecycle import register
    from tests.support.helpers import CITIZEN, user
    from tests.support.pages import unit_id

    office_limits(1, 1, 10)
    half = scan_pdf(pad=600_000)
    with transaction(db.session):
        t, _code, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"},
                               tickets.clock(), uploads=[Upload("诉求人来信.pdf", half)])
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    r = submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(half, "整改.pdf")]})
    assert r.status_code == 400
    assert f"（已有{size_text(len(half))}，本次{size_text(len(half))}）" in text(r)
    assert [a.name for a in attachments_of(db, t.id)] == ["诉求人来信.pdf"]
