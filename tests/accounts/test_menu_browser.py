"""Every item of the top menu is in sight and within the window's width: the admin's 25 items on a 1280-pixel desktop
wrap onto further lines, a unit clerk's and the admin's on a 390-pixel phone too; nothing scrolls sideways. A citizen
on a phone sees every link of the public header and of the sign-in page's 市民服务 card."""
from __future__ import annotations

import pytest

from tests.support.browser import horizontal_overflow

#: The admin's menu as the reviewer counted it (with every optional page installed).
ADMIN_ITEMS = 25


def boxes(page, selector: str) -> list[dict]:
    """Each matching element's text, bounding box, whether it is drawn and whether it is the element seen at its centre
    (not covered, not clipped away by a scrolling parent)."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)].map(el => {
      // scroll the window only up or down (never a scrolling menu sideways): is the item there at its own height?
      window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - window.innerHeight / 2);
      const r = el.getBoundingClientRect(), s = getComputedStyle(el);
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return {text: el.textContent.trim(), left: r.left, right: r.right, top: r.top + window.scrollY,
              shown: s.visibility === 'visible' && s.display !== 'none' && r.width > 0 && r.height > 0,
              onTop: hit !== null && (hit === el || el.contains(hit))};
    })""", selector)


def assert_all_in_view(page, selector: str, where: str) -> list[dict]:
    width = page.viewport_size["width"]
    found = boxes(page, selector)
    assert found, f"{where}: nothing matches {selector}"
    outside = [b for b in found if not (b["shown"] and b["onTop"] and b["left"] >= 0 and b["right"] <= width)]
    assert outside == [], f"{where}: items past the {width}-pixel window or hidden: {outside}"
    clipped = page.evaluate("(s) => [...document.querySelectorAll(s)].filter(el => el.scrollWidth > el.clientWidth)"
                            ".map(el => el.className)", selector.split()[0])
    assert clipped == [], f"{where}: a container of the items scrolls sideways"
    overflow = horizontal_overflow(page)
    assert (overflow["page"], overflow["main"]) == (0, 0), f"{where} scrolls sideways: {overflow}"
    return found


def rows(found: list[dict]) -> int:
    return len({round(b["top"]) for b in found})


def test_the_admins_menu_wraps_on_the_desktop(people, shot):
    page = people.signed_in("admin")
    found = assert_all_in_view(page, "nav.menu a", "admin at 1280 px")
    assert len(found) == ADMIN_ITEMS
    labels = [b["text"] for b in found]
    for label in ("工作日历", "流程管理", "公文档案", "统计分析", "考核与导出", "并单与派单统计"):
        assert label in labels
    assert rows(found) >= 2  # 25 items do not fit one line of 1280 pixels: they wrap, they do not hide
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="并单与派单统计").click()
    page.wait_for_load_state()
    assert "并单与派单统计" in page.inner_text("nav.menu a.on")
    shot(page, "menu-admin-desktop")


@pytest.mark.parametrize("username", ["receiver", "handler", "admin"])
def test_the_menu_wraps_on_a_phone(people, shot, username):
    page = people.signed_in(username, phone=True)
    found = assert_all_in_view(page, "nav.menu a", f"{username} at 390 px")
    assert len(found) >= 3
    last = found[-1]
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name=last["text"], exact=True).click()
    page.wait_for_load_state()
    assert_all_in_view(page, "nav.menu a", f"{username}'s {last['text']} at 390 px")
    shot(page, f"menu-{username}-phone")


def test_a_citizen_on_a_phone_sees_every_public_link(people, shot):
    page = people.page(phone=True)
    page.goto("/")
    assert_all_in_view(page, "header.top a", "the public header at 390 px")
    found = assert_all_in_view(page, ".citizen-door a", "the sign-in page's 市民服务 at 390 px")
    assert [b["text"] for b in found] == ["我要反映诉求", "查询办理进度", "公开统计"]
    shot(page, "login-citizen-phone")
    page.get_by_role("link", name="公开统计").first.click()
    page.wait_for_load_state()
    assert "12345热线公开统计" in page.inner_text("h1")
