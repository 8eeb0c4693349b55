"""Browser fixtures: the app served by werkzeug on a free local port, Debian's headless chromium driven by
Playwright, one browser context per person, screenshots under test-output/screenshots/."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")  # Debian's package; never `playwright install`
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # from npm (package.json devDependencies), tests only
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    """Every test that drives the browser is marked ``browser`` (``-m "not browser"`` leaves them out)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the test app on 127.0.0.1 in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


# One chromium per test process: other test folders import these fixtures into their own conftest, which makes
# pytest create a second session fixture; Playwright's sync API allows one running instance per thread.
_SHARED: dict = {}


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    if not _SHARED:
        driver = sync_playwright().start()
        _SHARED.update(driver=driver, browser=driver.chromium.launch(executable_path=CHROMIUM, args=ARGS), users=0)
    _SHARED["users"] += 1
    yield _SHARED["browser"]
    _SHARED["users"] -= 1
    if _SHARED["users"] == 0:
        _SHARED["browser"].close()
        _SHARED["driver"].stop()
        _SHARED.clear()


class People:
    """Open a page as a person: signed in as a demo user, or an anonymous citizen."""

    def __init__(self, browser, base_url):
        self.browser, self.base = browser, base_url
        self.contexts = []

    def page(self, *, phone: bool = False, zoom: float = 1.0):
        """A new page; ``zoom`` emulates the browser zoomed in on the desktop (2.0: 200 % of 1280 × 900, i.e. a
        640-pixel-wide layout viewport drawn at twice the pixels)."""
        viewport = PHONE if phone else {k: round(v / zoom) for k, v in DESKTOP.items()}
        ctx = self.browser.new_context(viewport=viewport, locale="zh-CN", base_url=self.base,
                                       device_scale_factor=zoom, is_mobile=phone, has_touch=phone)
        ctx.set_default_timeout(15000)
        self.contexts.append(ctx)
        return ctx.new_page()

    def signed_in(self, username: str, *, phone: bool = False):
        page = self.page(phone=phone)
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", "demo12345")
        page.click("button:has-text('登录')")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{username} could not sign in"
        return page

    def close(self):
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def people(browser, live_server, db):
    p = People(browser, live_server)
    yield p
    p.close()


@pytest.fixture(scope="session")
def shot():
    """Save a full-page screenshot as test-output/screenshots/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    return take


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """Run axe-core on the page as it stands and describe every violation of the given impacts (empty: none).

    The script is served to the page from the test's own route at the app's origin, so the page's CSP
    (``script-src 'self'``) stays on; the app never serves it.
    """
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run npm ci (it is a devDependency in package.json)")
    page.route("**/__axe__/axe.min.js", lambda route: route.fulfill(path=str(AXE),
                                                                     content_type="application/javascript"))
    page.add_script_tag(url="/__axe__/axe.min.js")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']} {v['id']}: {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                                                                   else str(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in impacts]


def horizontal_overflow(page) -> dict:
    """How far the page and its main content reach past the viewport's width (0, 0 when nothing scrolls sideways)."""
    return page.evaluate("""() => {
      const main = document.querySelector('main'), doc = document.documentElement;
      return {page: doc.scrollWidth - doc.clientWidth, main: main.scrollWidth - main.clientWidth,
              width: window.innerWidth};
    }""")
