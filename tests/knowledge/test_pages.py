"""Knowledge-base pages: search with highlighting, entries created and edited by the unit's 信息采编员 (edit requests
for other units' entries), and the office's flags fixed by the owning unit through the pages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.models import KnowledgeEditRequest, KnowledgeEntry, KnowledgeFlag
from tests.support.helpers import drop_kb_entries_after, kb_entries_top
from tests.support.pages import as_user, count, entry_via_page, post, text, unit_id

SBK = "社会保障卡挂失与补办"
ENTRY = {"title": "建筑垃圾清运预约办理", "category": "城乡建设", "content": "<p>装修产生的建筑垃圾须预约清运。</p>",
         "basis": "《河源市建筑垃圾管理办法》", "keywords": "建筑垃圾，清运", "effective_date": "", "expiry_date": ""}


@pytest.fixture
def kb(db):
    """Remove the entries a test made (the seeded ones stay)."""
    top = kb_entries_top(db.session)
    db.session.rollback()
    yield
    db.session.rollback()
    drop_kb_entries_after(db.session, top)
    db.session.commit()


def sbk(db) -> KnowledgeEntry:
    return db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.title == SBK))


def new_entry(client, db, publish: str = "publish", **extra) -> KnowledgeEntry:
    return entry_via_page(client, db, {**ENTRY, "publish": publish, **extra})


@pytest.mark.parametrize("role", ["agent", "reviewer", "supervisor", "admin", "handler", "kb_editor", "city_leader"])
def test_who_may_use_the_kb_pages(client, db, role):
    entry = sbk(db)
    as_user(client, db, role)
    office = {"agent", "reviewer", "supervisor", "admin", "city_leader"}
    for url, allowed in (("/kb", "all"), (f"/kb/{entry.id}", "all"), ("/kb/new", {"kb_editor"}),
                         (f"/kb/{entry.id}/edit", {"kb_editor", "reviewer", "admin"}),
                         ("/kb/flags", office | {"kb_editor"})):
        r = client.get(url)
        assert r.status_code == (200 if allowed == "all" or role in allowed else 403), f"{role} {url}"
    assert "知识库" in text(client.get("/tasks"))
    body = text(client.get(f"/kb/{entry.id}"))
    assert ("提出纠错" in body) == (role in {"reviewer", "supervisor", "admin"})
    if role != "kb_editor":  # refused, not only hidden
        assert client.post("/kb/new", data={"csrf_token": "x"}).status_code in (400, 403)


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    r = client.get("/kb?q=社保卡")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_search_highlights_the_matching_entry(client, db):
    as_user(client, db, "handler")
    r = client.get("/kb", query_string={"q": "社保卡丢了怎么补办"})
    assert r.status_code == 200
    body = text(r)
    assert "<mark>" in body and "<mark>补办</mark>" in body
    assert f'href="/kb/{sbk(db).id}"' in body and "河源市人力资源和社会保障局" in body
    first = re.search(r'<li class="card">\s*<h2><a href="/kb/(\d+)">', body)
    assert first and int(first.group(1)) == sbk(db).id
    escaped = text(client.get("/kb", query_string={"q": "<script>社保卡"}))
    assert "<script>" not in escaped and "&lt;script&gt;社保卡" in escaped
    page = text(client.get(f"/kb/{sbk(db).id}"))
    assert SBK in page and "版本记录" in page and "社会保险法" in page


def test_editor_creates_publishes_and_edits_an_entry(client, db, kb):
    as_user(client, db, "kb_editor")
    before = count(db, KnowledgeEntry)
    r = post(client, "/kb/new", {**ENTRY, "content": "<p> </p>", "publish": "publish"})
    assert r.status_code == 400 and "请填写知识内容" in text(r)
    r = post(client, "/kb/new", {**ENTRY, "effective_date": "2026-13-01", "publish": "publish"})
    assert r.status_code == 400 and "日期格式应为YYYY-MM-DD" in text(r)
    assert count(db, KnowledgeEntry) == before  # nothing written

    entry = new_entry(client, db, publish="draft")
    assert entry.status == "draft" and entry.unit_id == unit_id(db, "HY-ZJJ")
    assert f'href="/kb/{entry.id}"' not in text(client.get("/kb", query_string={"q": "建筑垃圾清运"}))
    r = post(client, f"/kb/{entry.id}/status", {"s-action": "publish"}, get_url=f"/kb/{entry.id}")
    assert r.status_code == 302
    r = post(client, f"/kb/{entry.id}/status", {"s-action": "publish"}, get_url=f"/kb/{entry.id}")
    assert r.status_code == 409 and "已发布的条目不能发布" in text(r)
    body = text(client.get("/kb", query_string={"q": "建筑垃圾怎么清运"}))
    assert f'href="/kb/{entry.id}"' in body and "<mark>" in body

    r = post(client, f"/kb/{entry.id}/edit", {**ENTRY, "content": "<p>装修垃圾须预约清运，电话12345。</p>",
                                              "reason": "补充电话"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(KnowledgeEntry, entry.id).current_version == 3
    page = text(client.get(f"/kb/{entry.id}"))
    assert "第3版" in page and "补充电话" in page and "电话12345" in page

    # another unit's entry: an edit request, the entry unchanged
    other = sbk(db)
    r = post(client, f"/kb/{other.id}/edit", {"title": SBK, "content": "<p>新的说明</p>", "reason": "补充网点"})
    assert r.status_code == 302
    follow = text(client.get(r.headers["Location"]))
    assert "已提交修改申请" in follow and "待审批的修改申请" in follow
    db.session.expire_all()
    assert sbk(db).content != "<p>新的说明</p>" and count(db, KnowledgeEditRequest) == 1

    # the office decides it
    as_user(client, db, "reviewer")
    req = db.session.scalar(select(KnowledgeEditRequest))
    r = post(client, f"/kb/{other.id}/requests/{req.id}", {"d-decision": "reject"}, get_url=f"/kb/{other.id}")
    assert r.status_code == 400 and "请填写驳回理由" in text(r)
    r = post(client, f"/kb/{other.id}/requests/{req.id}", {"d-decision": "reject", "d-reason": "网点信息以人社局为准"},
             get_url=f"/kb/{other.id}")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(KnowledgeEditRequest, req.id).status == "rejected"


def test_office_flags_an_error_and_the_unit_fixes_it(client, db, kb, clock):
    as_user(client, db, "kb_editor")
    entry = new_entry(client, db)
    as_user(client, db, "reviewer")
    url = f"/kb/{entry.id}/flag"
    r = post(client, url, {"f-kind": "error", "f-text": ""}, get_url=f"/kb/{entry.id}")
    assert r.status_code == 400 and "请说明发现的问题" in text(r)
    assert count(db, KnowledgeFlag) == 0
    r = post(client, url, {"f-kind": "error", "f-text": "清运电话已变更"}, get_url=f"/kb/{entry.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith("/kb/flags")
    post(client, f"/kb/{sbk(db).id}/flag", {"f-kind": "gap", "f-text": "缺少异地补办说明"},
         get_url=f"/kb/{sbk(db).id}")
    flags = text(client.get("/kb/flags"))
    assert "清运电话已变更" in flags and "缺少异地补办说明" in flags and "提交修正" not in flags
    row = db.session.scalar(select(KnowledgeFlag).where(KnowledgeFlag.entry_id == entry.id))

    as_user(client, db, "handler")
    assert client.get("/kb/flags").status_code == 403
    as_user(client, db, "supervisor")
    assert client.post(url, data={"csrf_token": "x"}).status_code in (400, 403)
    as_user(client, db, "kb_editor")
    assert client.post(f"/kb/{entry.id}/flag", data={"csrf_token": "x"}).status_code in (400, 403)
    flags = text(client.get("/kb/flags"))
    assert "清运电话已变更" in flags and "缺少异地补办说明" not in flags and "提交修正" in flags
    other = db.session.scalar(select(KnowledgeFlag).where(KnowledgeFlag.entry_id == sbk(db).id))
    r = post(client, f"/kb/flags/{other.id}/fix", {f"x{other.id}-note": "不归我管"}, get_url="/kb/flags")
    assert r.status_code == 403 and "只有责任单位的信息采编员可以提交修正" in text(r)
    fix = f"/kb/flags/{row.id}/fix"
    r = post(client, fix, {f"x{row.id}-note": ""}, get_url="/kb/flags")
    assert r.status_code == 400 and "请说明如何修正" in text(r)
    r = post(client, fix, {f"x{row.id}-note": "已更新清运电话"}, get_url="/kb/flags")
    assert r.status_code == 400 and "知识库中尚无对应修改，请先修改该条目" in text(r)  # nothing changed yet
    clock.set("2026-11-25T14:00:00+08:00")
    r = post(client, f"/kb/{entry.id}/edit", {**ENTRY, "content": "<p>装修垃圾须预约清运，电话0762-12345。</p>",
                                              "reason": "更新清运电话"})
    assert r.status_code == 302
    r = post(client, fix, {f"x{row.id}-note": "已更新清运电话"}, get_url="/kb/flags")
    assert r.status_code == 302
    db.session.expire_all()
    row = db.session.get(KnowledgeFlag, row.id)
    assert row.fixed_at is not None and row.fix_note == "已更新清运电话" and not row.fixed_late
    assert "清运电话已变更" not in text(client.get("/kb/flags"))
    r = post(client, fix, {f"x{row.id}-note": "再次提交"}, get_url="/kb/flags")
    assert r.status_code == 409 and "该问题已修正" in text(r)
