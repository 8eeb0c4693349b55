"""Knowledge-base pages for the office and the owning units: the 知识库纠错通知 printed from the correction list, a
gap or error flagged on a whole category, a unit's own entries of every status (/kb/mine), old versions, and entries
that are not published shown only to their unit and the office."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, func, select

from engine.common.db import transaction
from engine.knowledge import entries as knowledge
from engine.models import Category, IssuedDocument, KnowledgeEntry, KnowledgeFlag
from tests.support.helpers import drop_kb_entries_after, kb_entries_top, user
from tests.support.pages import as_user, count, entry_via_page, post, text, unit_id

ENTRY = {"title": "建筑工地夜间施工许可查询", "category": "城乡建设/噪音扰民",
         "content": "<p>夜间施工须持有<strong>夜间施工许可证</strong>，可在住建局网站查询。</p>",
         "basis": "《中华人民共和国噪声污染防治法》第四十三条", "keywords": "夜间施工，许可", "effective_date": "",
         "expiry_date": ""}
NOISE = "城乡建设/噪音扰民"
NO_UNIT = "测试类别/无责任单位"


@pytest.fixture
def kb(db):
    """Remove the entries, flags and correction notices a test made (the seeded entries stay)."""
    s = db.session
    top = kb_entries_top(s)
    top_flag = s.scalar(select(func.max(KnowledgeFlag.id))) or 0
    top_doc = s.scalar(select(func.max(IssuedDocument.id))) or 0
    s.rollback()
    yield
    s.rollback()
    s.execute(delete(KnowledgeFlag).where(KnowledgeFlag.id > top_flag))
    s.execute(delete(IssuedDocument).where(IssuedDocument.id > top_doc,
                                           IssuedDocument.kind == "kb_correction_notice"))
    drop_kb_entries_after(s, top)
    s.execute(delete(Category).where(Category.name == NO_UNIT))
    s.commit()


def new_entry(client, db, publish: str = "publish", **extra) -> KnowledgeEntry:
    """The signed-in 信息采编员 creates an entry through the page."""
    return entry_via_page(client, db, {**ENTRY, "publish": publish, **extra})


def rsj_draft(db, clock, title: str = "灵活就业人员参保登记（草稿）") -> KnowledgeEntry:
    """A draft of 河源市人力资源和社会保障局 (HY-RSJ), created by the office for that unit."""
    s = db.session
    with transaction(s):
        entry = knowledge.create_entry(s, user(s, "reviewer"), {
            "title": title, "content": "<p>灵活就业人员可在社保经办窗口办理参保登记。</p>",
            "unit_id": unit_id(db, "HY-RSJ")}, clock(), publish=False)
    return entry


def flag_entry(client, db, entry: KnowledgeEntry, note: str = "许可查询网址已变更") -> KnowledgeFlag:
    as_user(client, db, "reviewer")
    r = post(client, f"/kb/{entry.id}/flag", {"f-kind": "error", "f-text": note}, get_url=f"/kb/{entry.id}")
    assert r.status_code == 302, text(r)[:2000]
    db.session.expire_all()
    return db.session.scalar(select(KnowledgeFlag).where(KnowledgeFlag.entry_id == entry.id))


# -- the correction notice -------------------------------------------------------------------------------------------

def test_office_prints_a_correction_notice_and_the_unit_reads_it(client, db, kb):
    as_user(client, db, "kb_editor")
    entry = new_entry(client, db)
    flag = flag_entry(client, db, entry)
    notice = f"/kb/flags/{flag.id}/notice"

    page = text(client.get("/kb/flags"))
    assert "出具纠错通知" in page and f'action="{notice}"' in page
    r = post(client, notice, get_url="/kb/flags")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/kb/flags#flag-{flag.id}")
    db.session.expire_all()
    doc = db.session.get(IssuedDocument, db.session.get(KnowledgeFlag, flag.id).document_id)
    assert doc.kind == "kb_correction_notice" and doc.unit_id == unit_id(db, "HY-ZJJ")
    page = text(client.get("/kb/flags"))
    assert f"已出具知识库纠错通知（{doc.number}）" in page  # the flash
    row = re.search(rf'<tr id="flag-{flag.id}">.*?</tr>', page, re.S).group(0)
    assert doc.number in row and f'href="/documents/{doc.id}"' in row and f'href="/documents/{doc.id}/pdf"' in row
    assert "出具纠错通知" not in row  # a live notice: no second button
    pdf = client.get(f"/documents/{doc.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    # a second print while the notice is live (a stale page, a double click): refused in Chinese, nothing issued
    before = count(db, IssuedDocument)
    r = post(client, notice, get_url="/kb/flags")
    assert r.status_code == 409 and f"已出具知识库纠错通知（{doc.number}）" in text(r)
    assert count(db, IssuedDocument) == before

    # the owning unit's 信息采编员 reads the notice issued to it; another unit does not; roles without the right
    # to issue documents cannot print one
    as_user(client, db, "kb_editor")
    page = text(client.get("/kb/flags"))
    assert doc.number in page and "出具纠错通知" not in page
    assert client.get(f"/documents/{doc.id}").status_code == 200
    assert client.get(f"/documents/{doc.id}/pdf").data.startswith(b"%PDF")
    assert post(client, notice, get_url="/kb/flags").status_code == 403
    as_user(client, db, "receiver2")
    assert client.get(f"/documents/{doc.id}/pdf").status_code == 404
    as_user(client, db, "city_leader")
    assert "出具纠错通知" not in text(client.get("/kb/flags"))
    assert post(client, notice, get_url="/kb/flags").status_code == 403


def test_a_notice_for_a_fixed_flag(client, db, kb, clock):
    as_user(client, db, "kb_editor")
    entry = new_entry(client, db)
    flag = flag_entry(client, db, entry)
    as_user(client, db, "kb_editor")
    clock.set("2026-11-25T14:00:00+08:00")  # the unit corrects the entry, then reports the fix
    r = post(client, f"/kb/{entry.id}/edit", {**ENTRY, "content": "<p>许可查询网址：https://zjj.heyuan.gov.cn/</p>",
                                              "reason": "更新查询网址"})
    assert r.status_code == 302, text(r)[:500]
    r = post(client, f"/kb/flags/{flag.id}/fix", {f"x{flag.id}-note": "已更新查询网址"}, get_url="/kb/flags")
    assert r.status_code == 302

    as_user(client, db, "supervisor")
    assert "许可查询网址已变更" not in text(client.get("/kb/flags"))
    fixed = text(client.get("/kb/flags", query_string={"show": "fixed"}))
    assert "许可查询网址已变更" in fixed and "已更新查询网址" in fixed and "出具纠错通知" in fixed
    r = post(client, f"/kb/flags/{flag.id}/notice?show=fixed", get_url="/kb/flags")
    assert r.status_code == 302 and "show=fixed" in r.headers["Location"]
    db.session.expire_all()
    doc = db.session.get(IssuedDocument, db.session.get(KnowledgeFlag, flag.id).document_id)
    assert doc.number in text(client.get("/kb/flags", query_string={"show": "fixed"}))


# -- a flag on a category --------------------------------------------------------------------------------------------

def test_office_flags_a_gap_in_a_category(client, db, kb):
    as_user(client, db, "reviewer")
    page = text(client.get("/kb/flags"))
    assert "按类别提出纠错" in page and f'<option value="{NOISE}">{NOISE}</option>' in page
    before = count(db, KnowledgeFlag)

    r = post(client, "/kb/flags", {"c-kind": "gap", "c-category": "", "c-text": ""}, get_url="/kb/flags")
    body = text(r)
    assert r.status_code == 400 and "请选择类别" in body and "请说明发现的问题" in body
    r = post(client, "/kb/flags", {"c-kind": "gap", "c-category": "不存在的类别", "c-unit_id": "99999",
                                   "c-text": "缺少夜间施工投诉处理流程"}, get_url="/kb/flags")
    assert r.status_code == 400 and "所选项无效，请重新选择" in text(r)
    assert count(db, KnowledgeFlag) == before  # nothing saved

    r = post(client, "/kb/flags", {"c-kind": "gap", "c-category": NOISE, "c-text": "缺少夜间施工投诉处理流程"},
             get_url="/kb/flags")
    assert r.status_code == 302 and r.headers["Location"].endswith("/kb/flags")
    db.session.expire_all()
    made = db.session.scalar(select(KnowledgeFlag).order_by(KnowledgeFlag.id.desc()).limit(1))
    assert (made.kind, made.category, made.entry_id) == ("gap", NOISE, None)
    assert made.unit_id == unit_id(db, "HY-ZJJ")  # the category's responsible unit
    page = text(client.get("/kb/flags"))
    assert f"类别：{NOISE}" in page and "缺少夜间施工投诉处理流程" in page

    # a unit chosen by the office wins over the category's
    rsj = unit_id(db, "HY-RSJ")
    r = post(client, "/kb/flags", {"c-kind": "error", "c-category": NOISE, "c-unit_id": str(rsj),
                                   "c-text": "噪音投诉中的欠薪说明有误"}, get_url="/kb/flags")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(KnowledgeFlag.unit_id).where(KnowledgeFlag.text == "噪音投诉中的欠薪说明有误")) == rsj

    # the category's flag shows on its unit's list, and a notice can be printed for it
    as_user(client, db, "kb_editor")
    assert "缺少夜间施工投诉处理流程" in text(client.get("/kb/flags"))
    as_user(client, db, "reviewer")
    assert post(client, f"/kb/flags/{made.id}/notice", get_url="/kb/flags").status_code == 302

    # only the office's flagging roles
    for role in ("agent", "kb_editor", "city_leader"):
        as_user(client, db, role)
        r = post(client, "/kb/flags", {"c-kind": "gap", "c-category": NOISE, "c-text": "x"}, get_url="/tasks")
        assert r.status_code == 403, role


def test_a_category_without_a_responsible_unit_needs_one(client, db, kb):
    with transaction(db.session):
        db.session.add(Category(name=NO_UNIT, default_unit_id=None))
    as_user(client, db, "supervisor")
    before = count(db, KnowledgeFlag)
    r = post(client, "/kb/flags", {"c-kind": "gap", "c-category": NO_UNIT, "c-text": "缺少该类知识"},
             get_url="/kb/flags")
    body = text(r)
    assert r.status_code == 400 and "请选择负责单位" in body
    assert re.search(r'f-c-unit_id[^"]*has-error.*?请选择负责单位', body, re.S)  # next to the unit field
    assert count(db, KnowledgeFlag) == before


# -- a unit's own entries --------------------------------------------------------------------------------------------

def test_the_editor_lists_the_units_entries_of_every_status(client, db, clock, kb):
    other = rsj_draft(db, clock)
    as_user(client, db, "kb_editor")
    draft = new_entry(client, db, publish="draft", title="施工噪音投诉受理范围（草稿）")
    clock.set("2026-11-25T11:00:00+08:00")
    withdrawn = new_entry(client, db, title="临时占道施工公示（已撤回）")
    assert post(client, f"/kb/{withdrawn.id}/status", {"s-action": "withdraw"},
                get_url=f"/kb/{withdrawn.id}").status_code == 302

    assert 'href="/kb/mine"' in text(client.get("/kb"))
    body = text(client.get("/kb/mine"))
    assert draft.title in body and withdrawn.title in body and other.title not in body
    assert "社会保障卡" not in body  # another unit's published entries neither
    assert body.index(withdrawn.title) < body.index(draft.title)  # the newest change first
    assert "草稿（1）" in body and "已撤回（1）" in body
    drafts = text(client.get("/kb/mine", query_string={"status": "draft"}))
    assert draft.title in drafts and withdrawn.title not in drafts
    assert draft.title not in text(client.get("/kb/mine", query_string={"status": "published"}))
    assert client.get("/kb/mine", query_string={"unit": unit_id(db, "HY-RSJ")}).status_code == 403

    for role in ("handler", "receiver2"):
        as_user(client, db, role)
        assert client.get("/kb/mine").status_code == 403


def test_the_office_picks_any_unit(client, db, clock, kb):
    other = rsj_draft(db, clock)
    as_user(client, db, "kb_editor")
    own = new_entry(client, db, publish="draft")
    rsj = unit_id(db, "HY-RSJ")
    as_user(client, db, "dispatcher")
    body = text(client.get("/kb/mine"))
    assert "请选择单位" in body and f'<option value="{rsj}">' in body and own.title not in body
    body = text(client.get("/kb/mine", query_string={"unit": rsj}))
    assert other.title in body and "草稿" in body and own.title not in body and "社会保障卡挂失与补办" in body
    body = text(client.get("/kb/mine", query_string={"unit": unit_id(db, "HY-ZJJ"), "status": "draft"}))
    assert own.title in body and other.title not in body


# -- who sees an entry that is not published -------------------------------------------------------------------------

def test_a_draft_and_its_versions_only_for_its_unit_and_the_office(client, db, clock, kb):
    draft = rsj_draft(db, clock)
    for role in ("handler", "kb_editor", "unit_leader"):  # HY-ZJJ: another unit
        as_user(client, db, role)
        for url in (f"/kb/{draft.id}", f"/kb/{draft.id}/versions/1"):
            r = client.get(url)
            assert r.status_code == 403 and "您无权查看该知识条目" in text(r), (role, url)
    as_user(client, db, "kb_editor")
    assert client.get(f"/kb/{draft.id}/edit").status_code == 403
    for role in ("receiver2", "handler2", "agent", "city_leader"):  # its own unit, and the office
        as_user(client, db, role)
        assert draft.title in text(client.get(f"/kb/{draft.id}")), role
        assert "灵活就业人员可在社保经办窗口办理参保登记" in text(client.get(f"/kb/{draft.id}/versions/1")), role

    # withdrawn: hidden again from other units; published entries stay visible to everyone signed in
    as_user(client, db, "kb_editor")
    entry = new_entry(client, db)
    as_user(client, db, "handler2")
    assert client.get(f"/kb/{entry.id}").status_code == 200
    assert client.get(f"/kb/{entry.id}/versions/1").status_code == 200
    as_user(client, db, "kb_editor")
    post(client, f"/kb/{entry.id}/status", {"s-action": "withdraw"}, get_url=f"/kb/{entry.id}")
    as_user(client, db, "handler2")
    assert client.get(f"/kb/{entry.id}").status_code == 403
    assert client.get(f"/kb/{entry.id}/versions/1").status_code == 403


# -- old versions ----------------------------------------------------------------------------------------------------

def test_a_version_page_shows_the_old_text_after_an_edit(client, db, clock, kb):
    as_user(client, db, "kb_editor")
    entry = new_entry(client, db, effective_date="2027-01-01")
    clock.set("2026-11-26T09:30:00+08:00")
    r = post(client, f"/kb/{entry.id}/edit", {**ENTRY, "title": "夜间施工许可查询办法",
                                              "content": "<p>请拨打12345转住建局查询。</p>",
                                              "basis": "《河源市建筑施工噪声管理规定》", "keywords": "夜间施工",
                                              "reason": "查询方式变更"})
    assert r.status_code == 302

    page = text(client.get(f"/kb/{entry.id}"))
    assert "请拨打12345转住建局查询" in page and "可在住建局网站查询" not in page
    assert f'href="/kb/{entry.id}/versions/1"' in page and f'href="/kb/{entry.id}/versions/2"' in page

    as_user(client, db, "handler2")  # a published entry: anyone signed in
    old = text(client.get(f"/kb/{entry.id}/versions/1"))
    assert "建筑工地夜间施工许可查询" in old and "第1版" in old and "历史版本" in old
    assert "<p>夜间施工须持有<strong>夜间施工许可证</strong>，可在住建局网站查询。</p>" in old  # the HTML as stored
    assert "《中华人民共和国噪声污染防治法》第四十三条" in old and "夜间施工、许可" in old and "2027-01-01" in old
    assert "（信息采编员）" in old and "2026-11-25 10:00" in old and "新建" in old
    assert "请拨打12345" not in old
    new = text(client.get(f"/kb/{entry.id}/versions/2"))
    assert "请拨打12345转住建局查询" in new and "查询方式变更" in new and "2026-11-26 09:30" in new
    assert "当前版本" in new
    r = client.get(f"/kb/{entry.id}/versions/9")
    assert r.status_code == 404 and "该版本不存在" in text(r)


def test_the_office_closes_a_flag_raised_by_mistake_with_a_reason(client, db, kb):
    as_user(client, db, "kb_editor")
    entry = new_entry(client, db)
    flag = flag_entry(client, db, entry)  # signed in as the reviewer now
    page = text(client.get("/kb/flags"))
    assert f"/kb/flags/{flag.id}/fix" in page and "关闭纠错" in page
    url = f"/kb/flags/{flag.id}/fix"
    r = post(client, url, {f"x{flag.id}-note": ""}, get_url="/kb/flags")
    assert r.status_code == 400 and "请说明如何修正" in text(r)
    db.session.expire_all()
    assert db.session.get(KnowledgeFlag, flag.id).fixed_at is None
    r = post(client, url, {f"x{flag.id}-note": "误报：网址未变更"}, get_url="/kb/flags")
    assert r.status_code == 302
    assert "已关闭该纠错" in text(client.get("/kb/flags"))
    db.session.expire_all()
    assert db.session.get(KnowledgeFlag, flag.id).fix_note == "误报：网址未变更"
    as_user(client, db, "supervisor")  # 督办员 flags but does not close
    assert "关闭纠错" not in text(client.get("/kb/flags"))
