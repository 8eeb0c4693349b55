"""The ticket page shows the BPMN diagram the ticket runs on, with its current position highlighted."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from engine.common.db import transaction
from engine.tickets.lifecycle import complete_task, register
from tests.support.helpers import CITIZEN, unit, user

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor"
pytestmark = pytest.mark.skipif(not (VENDOR / "viewer.js").is_file(),
                                reason="front-end bundle not built: run scripts/build-frontend.sh (make setup)")


def waiting_to_be_signed(db):
    """A ticket dispatched to the city housing bureau, waiting at 签收或退回."""
    now = datetime.fromisoformat("2026-11-25T10:00:00+08:00")
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"}, now)
        complete_task(db.session, user(db.session, "dispatcher"), t.id, "dispatch",
                      {"lead_unit": unit(db.session, "HY-ZJJ").id}, now)
    return t


def test_ticket_page_highlights_where_the_ticket_waits(people, db, shot):
    t = waiting_to_be_signed(db)
    page = people.signed_in("receiver")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"/tickets/{t.id}")
    page.wait_for_selector(".bpmn-view[data-ready='true']")
    assert page.locator(".djs-element.hl-current[data-element-id='sign']").count() == 1
    assert page.locator(".djs-element.hl-done[data-element-id='dispatch']").count() == 1
    assert page.locator(".djs-element.hl-current[data-element-id='reply']").count() == 0
    # Tabs are the processes' Chinese names, not file names; the bpmn.io watermark stays (its licence asks for it).
    assert page.locator(".file-tabs button").all_inner_texts() == ["12345热线工单", "联合审定"]
    assert "hotline.bpmn" not in page.inner_text("body") and "joint_review.bpmn" not in page.inner_text("body")
    assert page.locator(".bjs-powered-by").count() == 1
    assert errors == []
    shot(page, "ticket-diagram")
    other = people.signed_in("receiver2")
    assert other.request.get(f"/tickets/{t.id}/diagram.json").status == 404


def test_on_a_phone_the_diagram_opens_on_the_current_step_at_a_readable_size(people, db, shot):
    t = waiting_to_be_signed(db)
    page = people.signed_in("receiver", phone=True)
    page.goto(f"/tickets/{t.id}")
    page.wait_for_selector(".bpmn-view[data-ready='true']")
    canvas = page.locator(".viewer-canvas").bounding_box()
    sign = page.locator(".djs-element.hl-current[data-element-id='sign']").bounding_box()
    # The task box as drawn (100 × 80 in the diagram) is readable, and it is inside the visible canvas.
    assert sign["width"] >= 80, sign
    assert canvas["x"] <= sign["x"] and sign["x"] + sign["width"] <= canvas["x"] + canvas["width"]
    assert canvas["y"] <= sign["y"] and sign["y"] + sign["height"] <= canvas["y"] + canvas["height"]
    shot(page, "ticket-diagram-phone")
    page.click(".zoom-bar button:has-text('看全图')")
    assert page.locator(".djs-element.hl-current[data-element-id='sign']").bounding_box()["width"] < sign["width"]
    page.click(".zoom-bar button:has-text('看当前环节')")
    assert page.locator(".djs-element.hl-current[data-element-id='sign']").bounding_box()["width"] >= 80
