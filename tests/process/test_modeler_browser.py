"""The process owner's modeller in headless chromium, with no network: the deployed diagram renders, the Camunda
properties panel shows what the engine reads (form key, the ``unit`` extension property), a draft saves through
fetch() with the CSRF header, and the version page's viewer draws the diagram. Screenshots go to
test-output/screenshots/."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select

from engine.models import ProcessDraft

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor"

pytestmark = pytest.mark.skipif(not (VENDOR / "modeler.js").is_file() or not (VENDOR / "viewer.js").is_file(),
                                reason="front-end bundle not built: run scripts/build-frontend.sh (make setup)")


@pytest.fixture
def owner_page(people, live_server):
    """The process owner's page; records every request and every console error or CSP refusal."""
    page = people.signed_in("process_owner")
    page.foreign, page.errors = [], []
    page.on("request", lambda r: None if r.url.startswith((live_server, "data:", "blob:")) else page.foreign.append(r.url))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


@pytest.fixture(autouse=True)
def _forget_drafts(db):
    yield
    db.session.rollback()
    db.session.execute(delete(ProcessDraft))
    db.session.commit()


def open_group(page, group_id: str) -> None:
    header = page.locator(f'[data-group-id="group-{group_id}"] .bio-properties-panel-group-header')
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def test_modeller_shows_the_deployed_diagram_and_its_properties(owner_page, shot, db):
    page = owner_page
    page.goto("/process/modeler")
    page.wait_for_selector("#modeler[data-ready=true]")
    shape = page.locator('.djs-element.djs-shape[data-element-id="decide_scope"]')
    assert shape.count() == 1 and "受理审查" in shape.text_content()
    # Tabs read as the processes' Chinese names, never file names (which stay in the tooltip).
    assert page.locator(".file-tabs button").all_inner_texts() == ["12345热线工单", "联合审定"]
    assert page.locator(".file-tabs button").first.get_attribute("title") == "hotline.bpmn"

    shape.click()
    open_group(page, "CamundaPlatform__Form")
    assert page.locator("#bio-properties-panel-formKey").input_value() == "scope"
    assert page.locator(".bio-properties-panel-group-header-title", has_text="表单").count() >= 1
    shot(page, "process-modeler-form-key")

    page.locator('.djs-element.djs-shape[data-element-id="sign"]').click()
    open_group(page, "CamundaPlatform__ExtensionProperties")
    group = page.locator('[data-group-id="group-CamundaPlatform__ExtensionProperties"]')
    group.locator(".bio-properties-panel-collapsible-entry-header").first.click()
    values = [i.input_value() for i in group.locator("input.bio-properties-panel-input").all()]
    assert "unit" in values and "lead_unit" in values, values
    shot(page, "process-modeler-unit-property")

    page.locator(".file-tabs button", has_text="联合审定").click()
    page.wait_for_selector('.djs-element[data-element-id="jr_decide"]')

    page.fill("#modeler input[name=name]", "浏览器中保存的草稿")
    page.click("button[data-action=save-new]")
    page.wait_for_selector(".modeler-status.ok")
    assert "已保存草稿「浏览器中保存的草稿」" in page.inner_text(".modeler-status")
    db.session.rollback()
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.name == "浏览器中保存的草稿"))
    assert draft is not None and set(draft.files) == {"hotline.bpmn", "joint_review.bpmn"}
    assert 'id="decide_scope"' in draft.files["hotline.bpmn"] and 'camunda:formKey="scope"' in draft.files[
        "hotline.bpmn"]

    assert page.foreign == [], f"the page reached outside the server: {page.foreign}"
    assert page.errors == [], page.errors


def test_version_page_draws_the_diagram(owner_page, shot, db):
    page = owner_page
    page.goto("/process/")
    page.locator("#versions tr", has_text="当前版本").get_by_role("link", name="第").first.click()
    page.wait_for_selector(".bpmn-view[data-ready=true]")
    assert page.locator('.bpmn-view .djs-element[data-element-id="decide_scope"]').count() == 1
    shot(page, "process-version")
    assert page.foreign == [] and page.errors == [], (page.foreign, page.errors)
