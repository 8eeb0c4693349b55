"""When an entry may answer citizens, and when its upload is judged late: the 7-WD judgement is made when the entry
first goes live and when its policy date moves — a later typo fix does not count against the unit — and an entry
past its expiry date answers nobody, even before the scheduler's pass marks it expired."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text

from engine.common.db import transaction
from engine.common.errors import Invalid
from engine.knowledge import entries as knowledge
from engine.knowledge import search as kb_search
from engine.models import KnowledgeEntry, Ticket
from engine.tickets import pages
from engine.tickets.lifecycle import register
from tests.support.helpers import CITIZEN, user

from .test_upkeep import ENTRY, make_entry, owner


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def edit(db, entry_id, data, now, who=None):
    with transaction(db.session):
        return knowledge.edit_entry(db.session, who or owner(db), entry_id, data, now)


def test_a_later_edit_does_not_make_an_on_time_upload_late(db, kb):
    # Uploaded Mon 11-02 for a policy in force from 12-31: on time.
    entry = make_entry(db, now=at("2026-11-02T10:00:00+08:00"), effective_date=date(2026, 12, 31))
    assert entry.uploaded_late is False
    # A typo fixed two days before the policy takes effect is not a late upload.
    edit(db, entry.id, {"basis": "《中华人民共和国噪声污染防治法》第四十三条第一款"}, at("2026-12-29T10:00:00+08:00"))
    assert db.session.get(KnowledgeEntry, entry.id).uploaded_late is False
    assert knowledge.late_uploads(db.session, date(2026, 12, 1), date(2026, 12, 31)).get(entry.unit_id, 0) == 0
    # Moving the policy date to within 7 working days is judged again: now it is late.
    edit(db, entry.id, {"effective_date": "2027-01-04"}, at("2026-12-29T11:00:00+08:00"))
    assert db.session.get(KnowledgeEntry, entry.id).uploaded_late is True


def test_an_entry_long_in_force_stays_on_time_after_a_correction(db, kb):
    entry = make_entry(db, now=at("2022-05-09T10:00:00+08:00"), effective_date=date(2022, 6, 5))
    assert entry.uploaded_late is False
    edit(db, entry.id, {"content": "<p>夜间施工须提前三日申请许可。</p>"}, at("2026-11-25T10:00:00+08:00"))
    assert db.session.get(KnowledgeEntry, entry.id).uploaded_late is False


def test_publishing_a_withdrawn_entry_again_keeps_the_first_judgement(db, kb):
    entry = make_entry(db, now=at("2026-11-02T10:00:00+08:00"), effective_date=date(2026, 12, 1))
    with transaction(db.session):
        knowledge.change_status(db.session, owner(db), entry.id, "withdraw", at("2026-11-20T10:00:00+08:00"))
    with transaction(db.session):
        knowledge.change_status(db.session, owner(db), entry.id, "publish", at("2026-11-26T10:00:00+08:00"))
    assert db.session.get(KnowledgeEntry, entry.id).uploaded_late is False
    # A draft is judged when it first goes live: published 11-26 for 12-01 is late.
    with transaction(db.session):
        draft = knowledge.create_entry(db.session, owner(db), {**ENTRY, "title": "夜间施工许可办理时限",
                                                               "effective_date": date(2026, 12, 1)},
                                       at("2026-11-02T10:00:00+08:00"), publish=False)
    with transaction(db.session):
        knowledge.change_status(db.session, owner(db), draft.id, "publish", at("2026-11-26T10:00:00+08:00"))
    assert db.session.get(KnowledgeEntry, draft.id).uploaded_late is True


def test_a_policy_date_moved_while_withdrawn_is_judged_when_published_again(db, kb):
    entry = make_entry(db, now=at("2026-11-02T10:00:00+08:00"), effective_date=date(2027, 3, 1))
    assert entry.uploaded_late is False
    with transaction(db.session):
        knowledge.change_status(db.session, owner(db), entry.id, "withdraw", at("2026-11-20T10:00:00+08:00"))
    edit(db, entry.id, {"effective_date": "2026-11-30"}, at("2026-11-25T10:00:00+08:00"))
    with transaction(db.session):
        knowledge.change_status(db.session, owner(db), entry.id, "publish", at("2026-11-25T11:00:00+08:00"))
    assert db.session.get(KnowledgeEntry, entry.id).uploaded_late is True


def test_an_entry_past_its_expiry_cannot_be_published(db, kb):
    with pytest.raises(Invalid) as refused:
        make_entry(db, expiry_date=date(2021, 1, 1), effective_date=date(2020, 1, 1))
    assert refused.value.fields == {"expiry_date": "失效日期已到，不能发布"}
    with transaction(db.session):
        draft = knowledge.create_entry(db.session, owner(db), {**ENTRY, "effective_date": date(2020, 1, 1),
                                                               "expiry_date": date(2021, 1, 1)}, at(
            "2026-11-25T10:00:00+08:00"), publish=False)
    with pytest.raises(Invalid) as refused, transaction(db.session):
        knowledge.change_status(db.session, owner(db), draft.id, "publish", at("2026-11-25T10:00:00+08:00"))
    assert refused.value.message_zh == "失效日期已到，不能发布；请先修改失效日期"
    assert db.session.get(KnowledgeEntry, draft.id).status == "draft"


def test_an_expiry_date_set_to_today_takes_the_entry_out_at_once(db, kb):
    entry = make_entry(db)
    now = at("2026-11-25T15:00:00+08:00")
    assert kb_search.search(db.session, "夜间施工许可", now=now)[0].entry_id == entry.id
    edit(db, entry.id, {"expiry_date": "2026-11-25"}, now)
    assert db.session.get(KnowledgeEntry, entry.id).status == "expired"
    assert entry.id not in [h.entry_id for h in kb_search.search(db.session, "夜间施工许可", now=now)]
    assert knowledge.versions(db.session, entry.id)[-1].note.endswith("（失效日期已到，条目失效）")


def test_an_entry_past_its_expiry_answers_nobody_before_the_scheduler_runs(db, kb):
    s = db.session
    entry_id = kb["KB-SBK-BB"]
    with transaction(s):  # its expiry came at midnight; the scheduler's pass has not run yet
        s.execute(text("UPDATE kb_entry SET expiry_date = :d WHERE id = :id"), {"d": date(2026, 11, 25), "id": entry_id})
    s.expire_all()
    try:
        now = at("2026-11-25T09:00:00+08:00")
        words = "我的社保卡丢了怎么补办"
        assert entry_id in [h.entry_id for h in kb_search.search(s, words)]  # still in the index, still published
        found = kb_search.suggest(s, words, now=now)
        assert entry_id not in [h.entry_id for h in found] and len(found) == 5  # the others fill its place
        assert entry_id not in [e["id"] for e in pages.kb_search(s, words, now)]
        assert pages.kb_entry(s, entry_id, now) is None  # a posted id shows nothing either
        with pytest.raises(Invalid) as refused, transaction(s):
            register(s, user(s, "agent"), {**CITIZEN, "content": words, "ticket_type": "consult", "scope": "answer",
                                           "kb_entry_id": entry_id}, now)
        assert refused.value.fields["kb_entry_id"] == "该知识条目已过失效日期，不能用于即时答复，请另选条目"
    finally:
        s.rollback()
        with transaction(s):
            s.execute(text("UPDATE kb_entry SET expiry_date = NULL WHERE id = :id"), {"id": entry_id})


def test_a_draft_picked_by_id_shows_nothing_at_intake(db, kb):
    with transaction(db.session):
        draft = knowledge.create_entry(db.session, owner(db), {**ENTRY, "content": "<p>内部草稿：尚未核实</p>"},
                                       at("2026-11-25T10:00:00+08:00"), publish=False)
    assert pages.kb_entry(db.session, draft.id, at("2026-11-25T10:00:00+08:00")) is None


def test_the_citizen_is_told_the_entrys_text_not_its_markup(db, kb):
    s = db.session
    entry = make_entry(db, content="<p>夜间施工须取得<strong>夜间施工许可证</strong>。</p><ul><li>工地公示</li></ul>")
    now = at("2026-11-25T10:00:00+08:00")
    with transaction(s):
        t, _, _ = register(s, user(s, "agent"), {**CITIZEN, "content": "工地晚上施工要许可吗", "ticket_type": "consult",
                                                 "scope": "answer", "kb_entry_id": entry.id}, now)
    try:
        t = s.get(Ticket, t.id)
        assert t.kb_entry_id == entry.id
        assert "<" not in t.answer_text and "夜间施工须取得" in t.answer_text and "夜间施工许可证" in t.answer_text
    finally:
        s.rollback()
        with transaction(s):  # the kb fixture removes the entry this test made; the ticket must let go of it first
            s.execute(text("UPDATE ticket SET kb_entry_id = NULL WHERE id = :id"), {"id": t.id})


def test_a_flag_is_fixed_by_changing_the_base_or_closed_by_the_office_with_a_reason(db, kb):
    from engine.knowledge import flags as knowledge_flags
    from engine.models import KnowledgeFlag

    s = db.session
    entry = make_entry(db)
    with transaction(s):
        error = knowledge_flags.flag(s, user(s, "reviewer"), kind="error", text="许可办理地点已搬迁",
                                     entry_id=entry.id, now=at("2026-11-25T11:00:00+08:00"))
        mistaken = knowledge_flags.flag(s, user(s, "reviewer"), kind="gap", text="缺少夜间施工投诉渠道",
                                        entry_id=entry.id, now=at("2026-11-25T11:05:00+08:00"))
    with pytest.raises(Invalid) as refused, transaction(s):  # the unit reports a fix without touching the entry
        knowledge_flags.fix_flag(s, owner(db), error.id, "已更正", at("2026-11-26T09:00:00+08:00"))
    assert refused.value.message_zh == "请先修改该条目，再提交修正"
    edit(db, entry.id, {"content": "<p>夜间施工许可在市政务服务中心二楼办理。</p>"}, at("2026-11-26T09:10:00+08:00"))
    with transaction(s):
        knowledge_flags.fix_flag(s, owner(db), error.id, "已更正办理地点", at("2026-11-26T09:20:00+08:00"))
    assert s.get(KnowledgeFlag, error.id).fixed_late is False
    # The office closes a flag raised by mistake, but only saying why.
    with pytest.raises(Invalid) as refused, transaction(s):
        knowledge_flags.fix_flag(s, user(s, "reviewer"), mistaken.id, " ", at("2026-11-26T10:00:00+08:00"))
    assert refused.value.fields == {"note": "请说明关闭理由"}
    with transaction(s):
        knowledge_flags.fix_flag(s, user(s, "reviewer"), mistaken.id, "重复提出，已在另一条纠错中处理",
                                 at("2026-11-26T10:00:00+08:00"))
    assert s.get(KnowledgeFlag, mistaken.id).fixed_at is not None


def test_a_category_flag_is_not_fixed_by_an_unrelated_change_or_the_expiry_pass(db, kb):
    from engine.knowledge import flags as knowledge_flags
    from engine.models import KnowledgeFlag
    from tests.support.helpers import unit

    s = db.session
    zjj = unit(s, "HY-ZJJ")
    other = make_entry(db, category="城乡建设/噪音扰民", expiry_date=date(2026, 11, 27))
    with transaction(s):
        gap = knowledge_flags.flag(s, user(s, "reviewer"), kind="gap", text="缺少老旧小区加装电梯的指引",
                                   category="城乡建设/老旧小区改造", unit_id=zjj.id, now=at("2026-11-25T11:00:00+08:00"))
    edit(db, other.id, {"basis": "《中华人民共和国噪声污染防治法》"}, at("2026-11-25T14:00:00+08:00"))
    with transaction(s):  # the scheduler expires the other entry overnight
        assert knowledge_flags.kb_monitor_pass(s, at("2026-11-27T01:00:00+08:00")).expired >= 1
    with pytest.raises(Invalid), transaction(s):
        knowledge_flags.fix_flag(s, owner(db), gap.id, "已补充", at("2026-11-27T09:00:00+08:00"))
    with transaction(s):
        knowledge.create_entry(s, owner(db), {**ENTRY, "title": "老旧小区加装电梯办理指引", "category": "城乡建设/老旧小区改造",
                                              "content": "<p>由业主申请，街道审核。</p>"}, at("2026-11-27T09:30:00+08:00"))
        knowledge_flags.fix_flag(s, owner(db), gap.id, "已补充加装电梯指引", at("2026-11-27T09:40:00+08:00"))
    assert s.get(KnowledgeFlag, gap.id).fixed_at is not None

