"""A citizen who opens the site's address lands on the sign-in page; from there, and from every public page, they
reach the pages meant for them: 我要反映诉求, 查询办理进度 and the public statistics (公开统计, /public/)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.support.pages import post, text


class Links(HTMLParser):
    """Every link of a page as (its text, its target, its region): the header, the menu, the 市民服务 card or the page."""

    REGIONS = {"header": "header", "nav.menu": "menu", "section.citizen-door": "市民服务"}

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self._regions: list[tuple[str, str]] = []  # (tag, region) of the open regions, innermost last
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        for key in (tag, *(f"{tag}.{c}" for c in classes)):
            if key in self.REGIONS:
                self._regions.append((tag, self.REGIONS[key]))
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append(("".join(self._text).strip(), self._href,
                               self._regions[-1][1] if self._regions else "page"))
            self._href = None
        elif self._regions and self._regions[-1][0] == tag:
            self._regions.pop()

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)


def links(r, region: str | None = None) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(text(r))
    return [(label, href) for label, href, where in parser.links if region is None or where == region]


CITIZEN_DOOR = [("我要反映诉求", "/public/submit"), ("查询办理进度", "/public/track"), ("公开统计", "/public/")]


def test_the_address_a_citizen_opens_shows_the_three_citizen_links(client, db):
    r = client.get("/", follow_redirects=True)
    assert r.status_code == 200 and r.request.path == "/login"
    assert links(r, "市民服务") == CITIZEN_DOOR
    assert "工作人员登录" in text(r)  # staff still sign in on the same page
    for _label, href in CITIZEN_DOOR:
        assert client.get(href).status_code == 200, href


def test_the_sign_in_page_keeps_the_citizen_links_after_a_wrong_password(client, db):
    r = post(client, "/login", {"username": "agent", "password": "wrong"})
    assert r.status_code == 401 and links(r, "市民服务") == CITIZEN_DOOR


@pytest.mark.parametrize("url", ["/login", "/public/submit", "/public/track", "/public/"])
def test_every_public_page_links_the_public_statistics(client, db, url):
    r = client.get(url)
    assert r.status_code == 200
    header = links(r, "header")
    assert ("公开统计", "/public/") in header
    assert ("网上提交诉求", "/public/submit") in header and ("查询进度", "/public/track") in header


def test_the_page_after_submitting_links_the_public_statistics(client, db):
    r = post(client, "/public/submit", {"citizen_name": "王小明", "citizen_phone": "13800001111",
                                        "ticket_type": "complaint", "address": "源城区永和路18号",
                                        "content": "小区门口路灯坏了一个多月，晚上出行很不安全，请尽快维修。"},
             follow_redirects=True)
    assert r.status_code == 200 and "您的诉求已提交" in text(r)
    assert ("公开统计", "/public/") in links(r, "header")

