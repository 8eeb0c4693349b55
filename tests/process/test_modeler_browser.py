"""The process owner's modeller in headless chromium, with no network: the deployed diagram renders, the Camunda
properties panel shows what the engine reads (form key, the ``unit`` extension property), a draft saves through
fetch() with the CSRF header, and the version page's viewer draws the diagram. Screenshots go to
test-output/screenshots/."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from engine.common.db import transaction
from engine.models import ProcessDraft
from engine.process.deploy import deploy_version

from ..workflow.variants import HOTLINE, files, replace

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


ALLOWED_WORDS = {"ID", "unit", "due", "status", "Python", "Camunda", "BPMN", "XML", "JSON"}


def english(text: str) -> set[str]:
    """English words a person would read in a part of the page (ids and the engine's property names excepted)."""
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED_WORDS}


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

    page.click("[data-zoom=all]")  # the whole diagram, to reach a task beyond the first screen
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


def test_modeller_opens_readable_in_chinese_with_lint_markers(owner_page, shot, db):
    """Fitted to the width with readable labels, zoom buttons and a minimap, Chinese palette tooltips, a flow picked
    by its line, a broken condition marked on the flow itself, and the condition builder writing the expression."""
    page = owner_page
    page.goto("/process/modeler")
    page.wait_for_selector("#modeler[data-ready=true]")
    page.wait_for_selector("#modeler[data-checked]")
    label = page.locator('.djs-element.djs-shape[data-element-id="decide_scope"] text').first
    assert label.bounding_box()["height"] >= 10, label.bounding_box()
    assert page.locator(".djs-minimap.open").count() == 1
    zoom = page.inner_text(".zoom-level")
    page.click("[data-zoom=in]")
    assert page.inner_text(".zoom-level") != zoom
    page.click("[data-zoom=width]")

    tooltips = page.eval_on_selector_all(".djs-palette .entry", "els => els.map(e => e.title)")
    assert tooltips and all(re.search(r"[\u4e00-\u9fff]", t) for t in tooltips), tooltips
    assert "创建用户任务（办理人在此办理）" in tooltips and "创建任务" not in tooltips
    assert page.locator(".lint-summary").inner_text() == "校验：没有发现问题"
    shot(page, "process-modeler-readable")

    # the properties panel and the change-type menu speak Chinese and offer only what the engine runs
    page.locator('.djs-element.djs-shape[data-element-id="decide_scope"]').click()
    panel = page.inner_text(".bio-properties-panel")
    assert "用户任务" in panel and english(panel) == set(), english(panel)
    groups = page.eval_on_selector_all("[data-group-id]", "els => els.map(e => e.dataset.groupId)")
    assert "group-CamundaPlatform__UserAssignment" not in groups and "group-CamundaPlatform__TaskListener" not in groups
    page.click('.djs-context-pad .entry[data-action="replace"]')
    menu = page.inner_text(".djs-popup")
    assert "脚本任务" in menu and "发送任务" not in menu and "Send" not in menu and english(menu) == set(), menu
    page.keyboard.press("Escape")
    gateway = page.locator('.djs-element.djs-shape[data-element-id="gw_scope"]')
    gateway.click()
    assert english(page.inner_text(".bio-properties-panel")) == set()

    # pick the flow 「不予受理」 by its line and mistype its condition in the properties panel: the marker appears
    # on the flow itself
    flow = page.locator('.djs-element.djs-connection[data-element-id="Flow_refused"]')
    flow.scroll_into_view_if_needed()
    # a point on the line itself (the bounding box of an elbowed line is mostly empty space; its middle is the name)
    x, y = page.eval_on_selector('.djs-connection[data-element-id="Flow_refused"] .djs-hit', """hit => {
      const p = hit.getPointAtLength(hit.getTotalLength() * 0.3).matrixTransform(hit.getScreenCTM());
      return [p.x, p.y];
    }""")
    page.mouse.click(x, y)
    shot(page, "process-modeler-flow-selected")
    page.wait_for_selector(".cond-builder:not([hidden])")
    assert "「是否受理?」 → 「不予受理」" in page.inner_text(".cond-builder .cb-where")
    assert english(page.inner_text(".bio-properties-panel")) == set()
    page.click('.djs-context-pad .entry[data-action="replace"]')
    assert "默认流（其他条件都不成立时走这条）" in page.inner_text(".djs-popup")
    page.keyboard.press("Escape")
    options = page.eval_on_selector_all(".cond-builder [name=cb-var] option", "els => els.map(e => e.textContent)")
    assert any(o.startswith("受理审查结果（scope，选项）") for o in options), options
    checked = page.get_attribute("#modeler", "data-checked")
    open_group(page, "CamundaPlatform__Condition")
    field = page.locator("#bio-properties-panel-conditionExpression")
    assert field.input_value() == 'scope == "refuse"'
    field.fill('scoep == "refuse"')
    field.press("Tab")
    page.wait_for_selector(f'#modeler:not([data-checked="{checked}"])')
    marker = page.locator('.djs-overlay-container [data-container-id="Flow_refused"] .bjsl-overlay')
    marker.wait_for()
    assert "1 个错误" in page.inner_text(".lint-summary")
    marker.hover()
    page.wait_for_selector(".bjsl-dropdown-content, .bjsl-issues-top, .bjsl-issues-bottom", state="attached")
    assert "变量 scoep 未定义，是否为 scope？" in page.inner_text(".djs-overlay-container")
    shot(page, "process-modeler-lint-marker")

    # the condition builder writes a Python expression from the variable the owner picked
    page.select_option(".cond-builder [name=cb-var]", label=next(o for o in options if o.startswith("受理审查结果")))
    page.select_option(".cond-builder [name=cb-value]", label="不予受理（refuse）")
    assert page.inner_text(".cond-builder .cb-preview") == 'scope == "refuse"'
    page.click("[data-cb=write]")
    page.wait_for_selector(".lint-summary.ok")
    assert page.locator('.djs-overlay-container [data-container-id="Flow_refused"] .bjsl-overlay').count() == 0
    untranslated = page.evaluate("() => Array.from(window.HotlineModeler.untranslated)")
    assert untranslated == [], untranslated
    assert page.foreign == [] and page.errors == [], (page.foreign, page.errors)


def test_diff_colours_changed_flows_and_shapes(owner_page, shot, db, restore_version):
    """A version that changes only 「争议」's condition and 签收's name: on the diff page the flow's line is stroked
    in the changed colour (not only its arrow-head definitions) and the task's box is coloured as before; added and
    removed connections take their colours the same way."""
    changed = replace(HOTLINE, "return_count &gt;= 2</bpmn:conditionExpression>",
                      "return_count &gt; 1</bpmn:conditionExpression>")
    changed = replace(changed, 'id="sign" name="签收或退回"', 'id="sign" name="签收或退回承办"')
    with transaction(db.session):
        pv, _results = deploy_version(db.session, files(changed), "测试", "改写争议条件", datetime.now(UTC))
    page = owner_page
    page.goto(f"/process/diff?a={restore_version.version}&b={pv.version}")
    page.wait_for_selector(".bpmn-view[data-ready=true]")
    new = page.locator(".bpmn-view").first

    def style(selector: str, prop: str) -> str:
        return new.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")

    flow = '.djs-connection[data-element-id="Flow_disputed"]'
    assert "diff-changed" in new.locator(flow).get_attribute("class")
    orange, green, red = "rgb(239, 108, 0)", "rgb(46, 125, 50)", "rgb(183, 28, 28)"
    assert style(f"{flow} .djs-visual > path", "stroke") == orange
    assert style('.djs-shape[data-element-id="sign"] .djs-visual > rect', "stroke") == orange
    assert style('.djs-shape[data-element-id="sign"] .djs-visual > rect', "fill") == "rgb(255, 243, 224)"
    assert style('.djs-connection[data-element-id="Flow_redispatch"] .djs-visual > path', "stroke") not in (
        orange, green, red)
    shot(page, "process-diff-changed-flow")
    # Added and removed connections: the same marker classes the page sets on elements of the other lists.
    for marker, colour in (("diff-added", green), ("diff-removed", red)):
        other = new.locator('.djs-connection[data-element-id="Flow_redispatch"]')
        other.evaluate(f"e => e.classList.add('{marker}')")
        assert style('.djs-connection[data-element-id="Flow_redispatch"] .djs-visual > path', "stroke") == colour
        other.evaluate(f"e => e.classList.remove('{marker}')")
    assert page.foreign == [] and page.errors == [], (page.foreign, page.errors)


def test_a_file_the_modeller_cannot_read_is_not_shown_as_checked(owner_page, shot, db):
    """A draft whose hotline.bpmn is not XML (uploaded by mistake): the modeller says so in Chinese, with no parser
    English, and the canvas shows no lint badge (an empty canvas would read 校验通过); the server's check below it
    reports the error."""
    from engine.process.drafts import save_draft

    with transaction(db.session):
        draft = save_draft(db.session, name="误传的文件", files={**files(), "hotline.bpmn": "这不是一个流程图 just text"},
                           author="流程管理员", note=None, now=datetime.now(UTC))
    page = owner_page
    page.goto(f"/process/modeler?draft={draft.id}")
    page.wait_for_selector("#modeler[data-ready=true]")
    page.wait_for_selector("#modeler[data-checked]")
    status = page.inner_text(".modeler-status")
    assert status.startswith("无法显示流程图文件 hotline.bpmn：文件不是格式正确的 BPMN 流程图"), status
    assert english(status.replace("hotline.bpmn", "")) == set(), status  # the file's name, said once; no parser text
    assert not page.locator(".bjsl-button").is_visible()
    assert "校验通过" not in page.inner_text("#modeler")
    assert page.inner_text(".lint-summary") == "校验：1 个错误（当前文件无法显示，错误详见草稿的校验页）"
    shot(page, "process-modeler-unreadable-file")
