"""The tab icon: browsers ask for /favicon.ico on every site, and every page links the icon it should show."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from PIL import Image

ICON_LINKS = re.compile(r'<link rel="icon" href="([^"]+)"')


def test_favicon_ico_is_served_without_signing_in(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/vnd.microsoft.icon"
    assert "max-age" in r.headers["Cache-Control"]
    icon = Image.open(io.BytesIO(r.get_data()))
    assert icon.format == "ICO" and {(16, 16), (32, 32)} <= icon.info["sizes"]


def test_every_page_links_an_icon_that_exists(client):
    for url in ("/login", "/public/", "/public/submit", "/public/track"):
        page = client.get(url).get_data(as_text=True)
        links = ICON_LINKS.findall(page)
        assert links == ["/static/favicon.svg", "/favicon.ico"], url
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.get_data())
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 32 32"
