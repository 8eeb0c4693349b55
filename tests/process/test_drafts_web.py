"""Drafts through the pages: uploads are size-limited and only ever parsed by the engine's safe path, invalid
and unsafe diagrams are reported with file, line and element, the modeller saves with the CSRF header, every version
and draft can be downloaded."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from engine.models import ProcessDraft, ProcessVersion
from engine.process.deploy import validate_draft

from ..workflow.chinese import assert_chinese
from ..workflow.variants import HOTLINE, JOINT, files, replace
from .conftest import post, text, token

BAD_CONDITION = replace(HOTLINE, 'review_decision == "back"', 'review_decision === "back"')
XXE = HOTLINE.replace('<?xml version="1.0" encoding="UTF-8"?>',
                      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)


def upload(client, *named: tuple[str, bytes], **form):
    data = {"files": [(io.BytesIO(content), name) for name, content in named], **form}
    return post(client, "/process/drafts/upload", data, content_type="multipart/form-data")


def rows(html: str, table_id: str) -> list[list[str]]:
    """The cell texts of a report table."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "<td" in tr]


def draft_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ProcessDraft))


def test_upload_of_an_invalid_diagram_reports_file_line_and_element(owner, db):
    r = upload(owner, ("hotline.bpmn", BAD_CONDITION.encode()), name="条件写错")
    assert r.status_code == 302 and "/validate" in r.headers["Location"]
    page = owner.get(r.headers["Location"])
    html = text(page)
    assert page.status_code == 200 and "不能部署" in html
    expected = validate_draft(files(BAD_CONDITION))[0]
    assert [expected.file, expected.element] == ["hotline.bpmn", "Flow_sent_back"]
    level, file_, line, element, kind, message = rows(html, "problems")[0]
    assert (level, file_, line, element) == ("错误", "hotline.bpmn", str(expected.line), "Flow_sent_back")
    assert kind == "条件或脚本有误"
    assert_chinese(message, "「退回修改」（Flow_sent_back）", "不是合法的 Python 表达式")
    draft = db.session.scalar(select(ProcessDraft))
    assert draft.name == "条件写错" and set(draft.files) == {"hotline.bpmn", "joint_review.bpmn"}  # base: active
    dry = text(owner.get(f"/process/drafts/{draft.id}/dry-run"))
    assert 'id="deploy"' not in dry and "Flow_sent_back" in dry


@pytest.mark.parametrize("variant, kind, element", [
    (replace(HOTLINE, 'name="审核员"', 'name="审核组"'), "泳道不是角色", "review"),
    (replace(HOTLINE, 'camunda:formKey="review"', 'camunda:formKey="reviewx"'), "表单定义有误", "review"),
    (replace(HOTLINE, "return_count += 1", "import os"), "条件或脚本有误", "record_return"),
    (replace(HOTLINE, 'scope == "refuse"', 'scoep == "refuse"'), "变量未定义", "Flow_refused"),
    (HOTLINE.replace("</bpmn:process>", "</bpmn:proces>", 1), "XML 格式错误", "—"),
    (XXE, "不安全的 XML（解析前已拒绝）", "—"),
])
def test_each_kind_of_problem_is_shown_with_its_place(owner, variant, kind, element):
    r = upload(owner, ("hotline.bpmn", variant.encode()))
    html = text(owner.get(r.headers["Location"]))
    found = rows(html, "problems")
    assert any(row[1] == "hotline.bpmn" and row[4] == kind and (element == "—" or row[3] == element)
               for row in found), found
    for row in found:
        assert_chinese(row[5])
    if kind != "不安全的 XML（解析前已拒绝）":
        assert all(row[2].isdigit() for row in found if row[4] == kind), found


def test_a_missing_called_process_is_reported_on_the_call_activity(owner, db):
    r = upload(owner, ("hotline.bpmn", HOTLINE.encode()))
    draft_id = int(r.headers["Location"].split("/")[-2])
    assert post(owner, f"/process/drafts/{draft_id}/files/joint_review.bpmn/delete").status_code == 302
    found = rows(text(owner.get(f"/process/drafts/{draft_id}/validate")), "problems")
    level, file_, line, element, kind, message = found[0]
    assert (level, file_, element, kind) == ("错误", "hotline.bpmn", "joint_review", "调用的流程不存在")
    assert line.isdigit()
    assert_chinese(message, "「联合审定」（joint_review）")


def test_a_camunda_example_uploaded_beside_the_live_diagrams_is_not_passed(owner, db):
    from pathlib import Path

    invoice = (Path(__file__).resolve().parents[1] / "workflow" / "fixtures" / "camunda_invoice.bpmn").read_bytes()
    r = upload(owner, ("invoice.bpmn", invoice), name="Camunda 示例")
    html = text(owner.get(r.headers["Location"]))
    assert "不能部署" in html and "没有错误" not in html
    found = rows(html, "problems")
    assert any(row[3] == "invoice" and "不在本平台运行" in row[5] for row in found), found
    assert any(row[0] == "提醒" and "候选组" in row[5] for row in found), found
    draft_id = int(r.headers["Location"].split("/")[-2])
    dry = text(owner.get(f"/process/drafts/{draft_id}/dry-run"))
    assert 'id="deploy"' not in dry


def test_unsafe_xml_cannot_be_deployed(owner, db, restore_version):
    r = upload(owner, ("hotline.bpmn", XXE.encode()))
    draft_id = int(r.headers["Location"].split("/")[-2])
    before = db.session.scalar(select(func.count()).select_from(ProcessVersion))
    r = post(owner, f"/process/drafts/{draft_id}/deploy", {"note": "试图部署", "override": "强行"})
    assert r.status_code == 400 and "流程图有错误，未部署" in text(r) and "不安全的 XML" in text(r)
    assert db.session.scalar(select(func.count()).select_from(ProcessVersion)) == before


def test_uploads_are_limited_to_bpmn_files_of_2_mb(owner, db):
    big = HOTLINE.replace("</bpmn:definitions>", "<!--" + "x" * (2 * 1024 * 1024) + "--></bpmn:definitions>")
    r = upload(owner, ("hotline.bpmn", big.encode()))
    assert r.status_code == 400 and "超过 2 MB 上限" in text(r)
    r = upload(owner, ("notes.txt", b"hello"))
    assert r.status_code == 400 and "只能上传 .bpmn 文件" in text(r)
    r = upload(owner, ("hotline.bpmn", "<a/>".encode("utf-16")))
    assert r.status_code == 400 and "不是 UTF-8" in text(r)
    huge = b"x" * (7 * 1024 * 1024)
    r = upload(owner, ("a.bpmn", huge), ("b.bpmn", huge))
    assert r.status_code == 413 and "上传内容过大" in text(r)
    assert draft_count(db) == 0


def test_upload_into_a_draft_replaces_the_file_of_the_same_name(owner, db):
    r = upload(owner, ("hotline.bpmn", BAD_CONDITION.encode()), name="两步修改")
    draft_id = int(r.headers["Location"].split("/")[-2])
    r = upload(owner, ("/home/po/hotline.bpmn", HOTLINE.encode()), draft_id=str(draft_id))
    assert r.status_code == 302
    draft = db.session.get(ProcessDraft, draft_id)
    db.session.refresh(draft)
    assert draft.files["hotline.bpmn"] == HOTLINE and draft.name == "两步修改" and len(draft.files) == 2
    assert "校验" in text(owner.get(r.headers["Location"])) and 'id="problems"' not in text(
        owner.get(r.headers["Location"]))
    assert post(owner, f"/process/drafts/{draft_id}/delete").status_code == 302
    assert draft_count(db) == 0


def test_modeller_saves_drafts_with_the_csrf_header(owner, db):
    page = text(owner.get("/process/modeler"))
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    source = re.search(r'data-source="([^"]+)"', page).group(1)
    loaded = owner.get(source).json["files"]
    assert set(loaded) == {"hotline.bpmn", "joint_review.bpmn"}
    body = {"name": "建模器草稿", "note": "试改", "files": loaded}
    assert owner.post("/process/drafts", json=body).status_code == 400  # no CSRF header
    r = owner.post("/process/drafts", json=body, headers={"X-CSRFToken": csrf})
    assert r.status_code == 200, text(r)
    draft_id = r.json["id"]
    assert r.json["validate_url"] == f"/process/drafts/{draft_id}/validate"
    r = owner.post("/process/drafts", json={**body, "name": "建模器草稿（二）", "draft_id": draft_id},
                   headers={"X-CSRFToken": csrf})
    assert r.json["id"] == draft_id and draft_count(db) == 1
    r = owner.post("/process/drafts", json={**body, "name": " "}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 400 and r.json["error"]["message"] == "请填写草稿名称"
    r = owner.post("/process/drafts", json={"name": "x", "files": {"a.bpmn": 1}}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 400
    r = owner.post("/process/drafts", json={"name": "x", "files": {"a.bpmn": "x" * (2 * 1024 * 1024 + 1)}},
                   headers={"X-CSRFToken": csrf})
    assert r.status_code == 400 and r.json["error"]["message"] == "文件 a.bpmn 超过 2 MB 上限"
    r = owner.post("/process/drafts", data=b"{" + b" " * (7 * 1024 * 1024) + b"}", content_type="application/json",
                   headers={"X-CSRFToken": csrf})
    assert r.status_code == 413
    assert owner.get(f"/process/drafts/{draft_id}/source.json").json["name"] == "建模器草稿（二）"
    page = text(owner.get(f"/process/modeler?draft={draft_id}"))
    assert f'data-draft-id="{draft_id}"' in page and "草稿：建模器草稿（二）" in page
    index = text(owner.get("/process/"))
    assert "建模器草稿（二）" in index and "与第" in index  # unchanged files: identical to the active version


def test_every_version_and_draft_can_be_downloaded(owner, db, restore_version):
    pv = restore_version
    r = owner.get(f"/process/versions/{pv.version}/files/hotline.bpmn")
    assert r.status_code == 200 and r.data.decode() == pv.files["hotline.bpmn"]
    assert "attachment" in r.headers["Content-Disposition"] and r.mimetype == "application/xml"
    r = owner.get(f"/process/versions/{pv.version}/download")
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert r.mimetype == "application/zip" and sorted(names) == ["hotline.bpmn", "joint_review.bpmn"]
    assert owner.get(f"/process/versions/{pv.version}/files/nope.bpmn").status_code == 404
    assert owner.get("/process/versions/999/download").status_code == 404
    r = upload(owner, ("joint_review.bpmn", JOINT.encode()))
    draft_id = int(r.headers["Location"].split("/")[-2])
    assert owner.get(f"/process/drafts/{draft_id}/files/joint_review.bpmn").data.decode() == JOINT
    assert token(owner, f"/process/drafts/{draft_id}")


def test_the_modellers_check_returns_problems_by_element_and_the_variables_in_scope(owner, db):
    csrf = token(owner, "/process/modeler")
    good = {"hotline.bpmn": HOTLINE, "joint_review.bpmn": JOINT}
    r = owner.post("/process/check", json={"files": good}, headers={"X-CSRFToken": csrf})
    body = r.get_json()
    assert r.status_code == 200 and body["problems"] == [] and body["errors"] == 0
    scope = {v["name"]: v for v in body["scopes"]["Flow_refused"]}
    assert scope["scope"]["label"] == "受理审查结果" and scope["scope"]["type"] == "enum"
    assert ["refuse", "不予受理"] in scope["scope"]["values"]
    assert "review_decision" not in scope  # written only after this gateway
    assert body["scopes"]["Flow_refused"][0]["name"] in ("scope", "ticket_type")  # the scope decision's first

    typo = {**good, "hotline.bpmn": replace(HOTLINE, 'scope == "refuse"', 'scoep == "refuse"')}
    body = owner.post("/process/check", json={"files": typo}, headers={"X-CSRFToken": csrf}).get_json()
    assert body["errors"] == 1 and body["problems"][0]["element"] == "Flow_refused"
    assert "变量 scoep 未定义，是否为 scope？" in body["problems"][0]["message"]
    assert draft_count(db) == 0  # nothing stored

    for bad in ({"files": "x"}, {"files": {"a.txt": "x"}}, {"files": {"hotline.bpmn": 3}}, ["files"]):
        r = owner.post("/process/check", json=bad, headers={"X-CSRFToken": csrf})
        assert r.status_code == 400 and r.get_json()["error"]["message"], bad
        assert_chinese(r.get_json()["error"]["message"])
    assert owner.post("/process/check", json={"files": good}).status_code == 400  # no CSRF header


def test_a_file_that_is_not_a_diagram_is_named_for_what_it_is(owner, db):
    # A web page saved as hotline.bpmn: the owner reads which root element was found and what the file should be.
    r = upload(owner, ("hotline.bpmn", b'<?xml version="1.0"?>\n<html><body>\xe8\xbf\x99\xe4\xb8\x8d\xe6\x98\xaf</body></html>'))
    html = text(owner.get(r.headers["Location"]))
    assert "不能部署" in html
    found = [row for row in rows(html, "problems") if row[1] == "hotline.bpmn"]
    assert found and found[0][2] == "2", found
    assert_chinese(found[0][5], "第 2 行：根元素 html 不是 BPMN 2.0 流程图的根元素", "不是从流程建模器导出的 .bpmn 文件")


def test_the_draft_list_says_which_drafts_fail_the_check(owner, db):
    # The owner sees on the list which drafts cannot be deployed, with the way to their errors, and is not offered
    # the dry run and deployment for them.
    upload(owner, ("hotline.bpmn", BAD_CONDITION.encode()), name="条件写错")
    upload(owner, ("hotline.bpmn", HOTLINE.encode()), name="没有问题")
    html = text(owner.get("/process/"))
    listed = {row[0]: row for row in rows(html, "drafts")}
    assert "未部署" in listed["条件写错"][4] and "校验未通过：1 个错误" in listed["条件写错"][4]
    assert "校验未通过" not in listed["没有问题"][4]
    broken = db.session.scalar(select(ProcessDraft.id).where(ProcessDraft.name == "条件写错"))
    fine = db.session.scalar(select(ProcessDraft.id).where(ProcessDraft.name == "没有问题"))
    body = html.split('id="drafts"', 1)[1]
    assert f'href="/process/drafts/{broken}/validate">校验未通过' in body
    assert f"/process/drafts/{broken}/dry-run" not in body and f"/process/drafts/{fine}/dry-run" in body
