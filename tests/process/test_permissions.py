"""Every route of the process area: process owners and administrators get in, every other role gets 403, and
someone not signed in is sent to the login page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.common.db import transaction
from engine.models import ProcessVersion, RuleSet
from engine.process.drafts import save_draft
from engine.process.setup import bundled_files
from engine.workflow.bundle import MAIN_PROCESS

from .conftest import OTHERS, OWNERS, login, text, token

# (method, url); {v} = the active version, {d} = a draft, {r} = the active rule set's version.
ROUTES = [
    ("GET", "/process/"),
    ("GET", "/process/versions/{v}"),
    ("GET", "/process/versions/{v}/files/hotline.bpmn"),
    ("GET", "/process/versions/{v}/download"),
    ("GET", "/process/versions/{v}/source.json"),
    ("POST", "/process/versions/{v}/activate"),
    ("GET", "/process/diff"),
    ("GET", "/process/migrate"),
    ("POST", "/process/migrate"),
    ("GET", "/process/modeler"),
    ("GET", "/process/modeler?draft={d}"),
    ("POST", "/process/drafts"),
    ("POST", "/process/check"),
    ("POST", "/process/drafts/upload"),
    ("GET", "/process/drafts/{d}"),
    ("GET", "/process/drafts/{d}/source.json"),
    ("GET", "/process/drafts/{d}/files/hotline.bpmn"),
    ("GET", "/process/drafts/{d}/download"),
    ("POST", "/process/drafts/{d}/files/joint_review.bpmn/delete"),
    ("POST", "/process/drafts/{d}/delete"),
    ("GET", "/process/drafts/{d}/validate"),
    ("GET", "/process/drafts/{d}/dry-run"),
    ("POST", "/process/drafts/{d}/deploy"),
    ("GET", "/process/rules"),
    ("GET", "/process/rules/{r}"),
    ("GET", "/process/rules/new"),
    ("POST", "/process/rules/new"),
    ("POST", "/process/rules/{r}/activate"),
]


@pytest.fixture
def ids(db, clock):
    with transaction(db.session):
        draft = save_draft(db.session, name="权限测试草稿", files=bundled_files(), author="测试", note=None,
                           now=clock())
    v = db.session.scalar(select(ProcessVersion.version).where(ProcessVersion.process_id == MAIN_PROCESS,
                                                               ProcessVersion.active.is_(True)))
    r = db.session.scalar(select(RuleSet.version).where(RuleSet.active.is_(True)))
    return {"v": v, "d": draft.id, "r": r}


def test_the_table_covers_every_route_of_the_blueprint(app):
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(url.format(v=1, d=1, r=1).split("?")[0], method)[0] for method, url in ROUTES}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("process.")}
    assert covered == endpoints


@pytest.mark.parametrize("username", OTHERS)
def test_other_roles_get_403_everywhere(client, ids, username):
    login(client, username)
    csrf = token(client, "/tasks")
    for method, url in ROUTES:
        url = url.format(**ids)
        r = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": csrf})
        assert r.status_code == 403, f"{username} {method} {url}: {r.status_code}"
        assert "无权" in text(r) or "只有流程管理员" in text(r)


@pytest.mark.parametrize("username", OWNERS)
def test_owners_and_admins_open_every_page(client, ids, username):
    login(client, username)
    for method, url in ROUTES:
        if method == "GET":
            r = client.get(url.format(**ids))
            assert r.status_code == 200, f"{username} GET {url}: {r.status_code} {text(r)[:300]}"


def test_not_signed_in_goes_to_login(client, ids):
    csrf = token(client, "/login")
    for method, url in ROUTES:
        url = url.format(**ids)
        r = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": csrf})
        assert r.status_code == 302 and "/login" in r.headers["Location"], f"{method} {url}"


def test_posts_need_the_csrf_token(client, ids):
    login(client, "process_owner")
    for method, url in ROUTES:
        if method == "POST":
            r = client.post(url.format(**ids), data={})
            assert r.status_code == 400 and "页面已过期" in text(r), url
    r = client.post("/process/drafts", json={"name": "x", "files": {"a.bpmn": "<x/>"}})
    assert r.status_code == 400
