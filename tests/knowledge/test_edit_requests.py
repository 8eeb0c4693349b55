"""Edit requests through the pages: the office proposes a change to a unit's entry, the unit's 信息采编员 reads on
/kb/<id> what the request changes (Chinese field names, old → new, the content's words with the change marked, who
asked, when and why) and approves it; the requester is not offered the decision and is refused if they post it."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from engine.knowledge.entries import FIELDS
from engine.models import KnowledgeEditRequest, KnowledgeEntry
from tests.knowledge.test_pages import kb  # noqa: F401  (fixture: the entries a test made are removed after it)
from tests.support.pages import as_user, entry_via_page, post, text

CONTENT = ("<p>业主在小区内发现违法搭建的，可向街道综合执法队举报，执法队须在5个工作日内答复。</p>"
           "<ul><li>举报电话：12345</li><li>需提供搭建位置和照片</li></ul>")
ENTRY = {"title": "小区违法搭建举报办理", "category": "城乡建设", "content": CONTENT,
         "basis": "《河源市违法建设查处办法》", "keywords": "违法搭建，举报", "effective_date": "2026-12-01",
         "expiry_date": "", "publish": "publish"}


def section(page: str) -> str:
    """The HTML of the 待审批的修改申请 block."""
    found = re.search(r"<h2>待审批的修改申请</h2>(.*?)</section>", page, re.S)
    assert found, "no pending-request block"
    return found.group(1)


def visible(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", fragment)))


def requested(client, db, entry: KnowledgeEntry, **changes) -> KnowledgeEditRequest:
    """The signed-in user submits the edit page for ``entry`` with ``changes``; return the stored request."""
    body = {k: v for k, v in ENTRY.items() if k != "publish"}
    r = post(client, f"/kb/{entry.id}/edit", {**body, **changes})
    assert r.status_code == 302, text(r)[:2000]
    assert "已提交修改申请" in text(client.get(r.headers["Location"]))
    db.session.expire_all()
    return db.session.scalar(select(KnowledgeEditRequest).where(KnowledgeEditRequest.entry_id == entry.id)
                             .order_by(KnowledgeEditRequest.id.desc()).limit(1))


def test_the_approver_reads_what_changes_and_approves(client, db, kb, clock):  # noqa: F811
    as_user(client, db, "kb_editor")
    entry = entry_via_page(client, db, ENTRY)
    clock.set("2026-11-26T15:30:00+08:00")
    as_user(client, db, "reviewer")
    req = requested(client, db, entry, content=CONTENT.replace("5个工作日", "3个工作日"),
                    reason="按新规缩短答复期限<b>请尽快</b>")
    assert req.status == "pending"

    as_user(client, db, "kb_editor")
    page = text(client.get(f"/kb/{entry.id}"))
    block = section(page)
    seen = visible(block)
    # who asked, when (Beijing time) and why, the reason as text, never as markup
    assert "邱丽华（审核员）" in seen and "2026-11-26 15:30" in seen
    assert "按新规缩短答复期限<b>请尽快</b>" in seen and "<b>请尽快</b>" not in block
    # the changed field by its Chinese name with the change marked; the others listed as unchanged
    assert "修改的内容（1项）" in seen and "<h4>知识内容</h4>" in block
    assert '<del title="删去">5</del><ins title="新增">3</ins>个工作日内答复' in block
    diff = re.search(r'<div class="kb-diff kb-text">(.*?)</div>', block, re.S).group(1)
    assert re.sub(r"<[^>]*>", "", diff) == (  # the words, one line per paragraph or list item, both marks in place
        "业主在小区内发现违法搭建的，可向街道综合执法队举报，执法队须在53个工作日内答复。\n举报电话：12345\n需提供搭建位置和照片")
    assert "未修改：标题、类别、政策依据、关键词、生效日期、失效日期" in seen
    # no internal keys, no HTML of the request shown as text
    for key in FIELDS:
        assert key not in seen, key
    assert "<p>" not in seen and "<li>" not in seen and "&lt;p&gt;" not in block
    assert "举报电话：12345" in seen  # the list item's words, as a line of its own
    assert 'name="d-decision"' in block

    r = post(client, f"/kb/{entry.id}/requests/{req.id}", {"d-decision": "approve"}, get_url=f"/kb/{entry.id}")
    assert r.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(KnowledgeEntry, entry.id)
    assert db.session.get(KnowledgeEditRequest, req.id).status == "approved" and fresh.current_version == 2
    shown = visible(text(client.get(f"/kb/{entry.id}/versions/2")))
    assert "3个工作日内答复" in shown and "5个工作日" not in shown
    assert "待审批的修改申请" not in text(client.get(f"/kb/{entry.id}"))


def test_plain_fields_show_old_and_new_and_formatting_is_named(client, db, kb):  # noqa: F811
    as_user(client, db, "kb_editor")
    entry = entry_via_page(client, db, ENTRY)
    as_user(client, db, "reviewer")
    requested(client, db, entry, effective_date="2027-01-01", keywords="违法搭建，举报，违建",
              title="小区<违法搭建>举报办理", reason="",
              content=CONTENT.replace("举报电话：12345", "<strong>举报电话：12345</strong>"))
    as_user(client, db, "kb_editor")
    block = section(text(client.get(f"/kb/{entry.id}")))
    seen = visible(block)
    assert "修改的内容（4项）" in seen and "（未填写）" in seen
    assert "知识内容 文字未变，仅调整了格式" in seen
    assert "生效日期 2026-12-01 → 2027-01-01" in seen
    assert "关键词 违法搭建、举报 → 违法搭建、举报、违建" in seen
    assert "&lt;违法搭建&gt;" in block and "<违法搭建>" not in block  # escaped, character diff on the title
    assert "未修改：类别、政策依据、失效日期" in seen


def test_the_requester_is_not_offered_the_decision_and_is_refused(client, db, kb):  # noqa: F811
    as_user(client, db, "kb_editor")
    entry = entry_via_page(client, db, ENTRY)
    as_user(client, db, "reviewer")
    req = requested(client, db, entry, content=CONTENT.replace("5个工作日", "3个工作日"), reason="缩短期限")
    block = section(text(client.get(f"/kb/{entry.id}")))
    assert 'name="d-decision"' not in block and "提交审批" not in block
    assert "这是您提出的修改申请" in visible(block)

    r = post(client, f"/kb/{entry.id}/requests/{req.id}", {"d-decision": "approve"}, get_url=f"/kb/{entry.id}")
    assert r.status_code == 403
    assert "不能审批本人提出的修改申请" in text(r) and "只有条目所属单位的信息采编员或热线办可以审批" not in text(r)
    db.session.expire_all()
    assert db.session.get(KnowledgeEditRequest, req.id).status == "pending"
    fresh = db.session.get(KnowledgeEntry, entry.id)
    assert fresh.current_version == 1 and "5个工作日" in fresh.content

    # another of the office's approvers (not the requester) is offered the decision
    as_user(client, db, "admin")
    assert 'name="d-decision"' in section(text(client.get(f"/kb/{entry.id}")))


def test_a_request_overtaken_by_a_newer_version_is_marked(client, db, kb):  # noqa: F811
    as_user(client, db, "kb_editor")
    entry = entry_via_page(client, db, ENTRY)
    as_user(client, db, "reviewer")
    req = requested(client, db, entry, content=CONTENT.replace("5个工作日", "3个工作日"), reason="缩短期限")
    as_user(client, db, "kb_editor")
    body = {k: v for k, v in ENTRY.items() if k != "publish"}
    assert post(client, f"/kb/{entry.id}/edit", {**body, "basis": "《河源市违法建设查处办法》（2026年修订）",
                                                 "reason": "更新依据"}).status_code == 302
    seen = visible(section(text(client.get(f"/kb/{entry.id}"))))
    assert "条目已改为第2版，此申请不能批准" in seen
    r = post(client, f"/kb/{entry.id}/requests/{req.id}", {"d-decision": "approve"}, get_url=f"/kb/{entry.id}")
    assert r.status_code == 409 and "条目已被修改，请重新提交修改申请" in text(r)
