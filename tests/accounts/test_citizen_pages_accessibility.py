"""The pages citizens use — sign-in, submitting a 诉求, tracking it, evaluating it — pass axe-core with no serious or
critical violation, in every state a citizen meets (empty, with errors, with results), and work at 200 % zoom
(nothing scrolls sideways at 640 px wide, as 1280 px zoomed to 200 %)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import axe_violations, horizontal_overflow


def evaluating(db, tickets) -> tuple[str, str]:
    t, code = tickets.evaluating_with_code()
    return t.number, code


def check(page, where: str) -> None:
    assert axe_violations(page) == [], where
    overflow = horizontal_overflow(page)
    assert (overflow["page"], overflow["main"]) == (0, 0), f"{where} scrolls sideways: {overflow}"


@pytest.mark.parametrize("zoom", [1, 2], ids=["100%", "200%"])
def test_citizen_pages_are_accessible(db, people, tickets, zoom):
    number, code = evaluating(db, tickets)
    page = people.page(zoom=zoom)
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 and r.request.method == "GET"
            and "/public/" not in r.url and "/login" not in r.url else None)

    page.goto("/login")
    check(page, "login")
    page.fill("#username", "nobody")
    page.fill("#password", "wrong-password")
    page.click("button:has-text('登录')")
    expect(page.locator(".alert")).to_be_visible()
    check(page, "login with an error")

    page.goto("/public/submit")
    check(page, "submit")
    page.click("button:has-text('提交')")  # nothing filled in: every error shows
    expect(page.locator(".err").first).to_be_visible()
    assert page.locator(".err").count() >= 3
    check(page, "submit with errors")
    page.fill("#citizen_name", "王小明")
    page.fill("#citizen_phone", "13800001111")
    page.select_option("#ticket_type", "complaint")
    page.fill("#address", "源城区永和路18号")
    page.fill("#content", "小区门口路灯坏了一个多月，晚上出行很不安全，请尽快维修。")
    page.click("button:has-text('提交')")
    assert "查询码" in page.inner_text("main")
    check(page, "submitted")

    page.goto("/public/track")
    check(page, "track")
    page.fill("#number", number)
    page.fill("#code", "000000" if code != "000000" else "111111")
    page.click("button:has-text('查询')")
    check(page, "track, not found")
    page.fill("#number", number)
    page.fill("#code", code)
    page.click("button:has-text('查询')")
    expect(page.locator("#evaluate-form")).to_be_visible()
    check(page, "track with the evaluation form")
    page.click("button:has-text('提交评价')")  # no rating chosen
    check(page, "evaluation with errors")
    page.check("input[name=intake_rating][value=satisfied]")
    page.check("input[name=handling_rating][value=satisfied]")
    page.click("button:has-text('提交评价')")
    assert "感谢您的评价" in page.inner_text("main")
    check(page, "evaluated")
    assert failed == []  # stylesheets, scripts and /favicon.ico all answered


def test_the_check_would_catch_a_violation(db, people):
    """The axe check is not vacuous: a field without a label on the sign-in page is reported."""
    page = people.page()
    page.goto("/login")
    page.evaluate("document.querySelector('form').insertAdjacentHTML('beforeend', '<input type=text name=x>')")
    assert any(v.startswith("critical label") for v in axe_violations(page))
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', "
                  "'<table style=\"width:1500px\"><tr><td>宽</td></tr></table>')")
    assert horizontal_overflow(page)["page"] > 0
