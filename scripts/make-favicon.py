"""Draw web/static/favicon.ico from web/static/favicon.svg (16, 32 and 48 pixels) with Debian's chromium.

Run after changing the SVG: .venv/bin/python scripts/make-favicon.py. The .ico is committed, so serving it needs
neither chromium nor this script.
"""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
SIZES = (16, 32, 48)


def main() -> None:
    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8")
    images = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox"])
        for size in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content(f'<html><body style="margin:0;background:transparent">{sized}</body></html>')
            images.append(Image.open(io.BytesIO(page.screenshot(omit_background=True))).convert("RGBA"))
        browser.close()
    largest = images[-1]
    largest.save(STATIC / "favicon.ico", format="ICO", sizes=[(s, s) for s in SIZES],
                 append_images=images[:-1])
    print(f"wrote {STATIC / 'favicon.ico'} ({(STATIC / 'favicon.ico').stat().st_size} bytes)")


if __name__ == "__main__":
    main()
