"""Knowledge-base upkeep in the assessment (7-WD uploads, 5-WD flag fixes) and the office's versioned weights."""
from __future__ import annotations

import pytest

from engine.analytics import metrics as analytics
from engine.analytics import weights as assessment_weights
from engine.common.db import transaction
from engine.common.errors import Conflict, Forbidden, Invalid
from engine.knowledge import entries as knowledge
from engine.knowledge import flags as knowledge_flags
from tests.support.helpers import user
from tests.tickets.test_lifecycle import at

from .test_analytics import END, START, build, row_of

pytestmark = pytest.mark.usefixtures("clean")


def kb_set(db) -> dict:
    """市住建局 (the kb_editor's unit): two entries taking effect in December, one uploaded fewer than 7 WD before;
    four flags: fixed on time, fixed late, left open past its deadline (the monitor moved it on), and one whose
    deadline (Dec 25) has not been reached by the monitor yet — not settled, so not counted."""
    editor, reviewer = user(db.session, "kb_editor"), user(db.session, "reviewer")
    s = db.session
    with transaction(s):
        late = knowledge.create_entry(s, editor, {"title": "2027年城乡居民医保缴费标准", "content": "<p>每人每年400元。</p>",
                                                  "effective_date": "2026-12-03"}, at("2026-11-25T10:00:00+08:00"))
        timely = knowledge.create_entry(s, editor, {"title": "建筑垃圾清运预约", "content": "<p>须预约。</p>",
                                                    "effective_date": "2026-12-20"}, at("2026-11-25T10:00:00+08:00"))
        draft = knowledge.create_entry(s, editor, {"title": "未发布的草稿", "content": "<p>草稿。</p>",
                                                   "effective_date": "2026-12-01"}, at("2026-11-25T10:00:00+08:00"),
                                       publish=False)
    flags = {}
    with transaction(s):
        for key in ("on_time", "fixed_late", "open_late"):
            flags[key] = knowledge_flags.flag(s, reviewer, kind="error", text=f"信息有误（{key}）",
                                              entry_id=timely.id, now=at("2026-11-25T11:00:00+08:00")).id
    with transaction(s):  # each fix follows a correction of the entry
        knowledge.edit_entry(s, editor, timely.id, {"basis": "《城市建筑垃圾管理规定》"}, at("2026-11-27T08:30:00+08:00"))
        knowledge_flags.fix_flag(s, editor, flags["on_time"], "已更正", at("2026-11-27T09:00:00+08:00"))
        knowledge.edit_entry(s, editor, timely.id, {"basis": "《城市建筑垃圾管理规定》第十条"}, at("2026-12-04T08:30:00+08:00"))
        knowledge_flags.fix_flag(s, editor, flags["fixed_late"], "已更正", at("2026-12-04T09:00:00+08:00"))
        knowledge_flags.kb_monitor_pass(s, at("2026-12-05T09:00:00+08:00"))
        flags["pending"] = knowledge_flags.flag(s, reviewer, kind="gap", text="缺少办理指南", entry_id=timely.id,
                                                now=at("2026-12-20T09:00:00+08:00")).id
    return {"late": late.id, "timely": timely.id, "draft": draft.id, **flags}


def test_kb_upkeep_counts_rate_and_drill_down(db):
    ids = kb_set(db)
    zjj = row_of(analytics.assessment(db.session, START, END), "HY-ZJJ", db)
    c = zjj["counts"]
    assert (c["kb_entries"], c["kb_entries_late"], c["kb_flags"], c["kb_flags_late"]) == (2, 1, 3, 2)
    assert zjj["metrics"]["kb_upkeep_rate"] == pytest.approx(0.4)  # (1 + 1) / (2 + 3)
    drill = analytics.metric_tickets(db.session, zjj["unit_id"], "kb_upkeep_rate", START, END)["kb"]
    assert drill["entries"] == {"denominator": sorted([ids["late"], ids["timely"]]), "numerator": [ids["timely"]],
                                "late": [ids["late"]]}
    assert drill["flags"]["denominator"] == sorted([ids["on_time"], ids["fixed_late"], ids["open_late"]])
    assert drill["flags"]["late"] == sorted([ids["fixed_late"], ids["open_late"]])
    # A period that ends before the entries take effect and the flags fall due counts none of them.
    early = analytics.assessment(db.session, at("2026-11-01T00:00:00+08:00"), at("2026-12-01T00:00:00+08:00"))
    assert all(r["counts"]["kb_entries"] == 0 and r["counts"]["kb_flags"] == 0 for r in early)


def test_the_default_version_ignores_kb_upkeep_and_the_proposed_one_weighs_it(db):
    build(db)
    kb_set(db)
    report = analytics.assessment_report(db.session, START, END)
    zjj = row_of(report["rows"], "HY-ZJJ", db)
    assert report["weights_version"] == zjj["weights_version"] == "2026-1"
    assert zjj["score"] == 76.75  # "2026-1" gives knowledge-base upkeep no weight: reproducible
    proposed = row_of(analytics.assessment(db.session, START, END, version="2026-2"), "HY-ZJJ", db)
    # 100 × (.15·.8 + .25·.75 + .25·.75 + .10·.75 + .10·.8 + .05·.8 + .10·.4)
    assert proposed["score"] == 73.0 and proposed["weights_version"] == "2026-2"


def test_a_new_version_does_not_change_results_under_the_old_one(db):
    build(db)
    s, now = db.session, at("2026-11-25T10:00:00+08:00")
    before = analytics.assessment(s, START, END)
    supervisor = user(s, "supervisor")
    with transaction(s):
        assessment_weights.create_weight_version(s, supervisor, "2027-1", {"satisfaction_rate": 0.5, "on_time_rate": 0.5},
                                        now, note="只看满意和按时", activate=True)
    assert assessment_weights.active_weights(s) == ("2027-1", {"satisfaction_rate": 0.5, "on_time_rate": 0.5})
    now_rows = analytics.assessment(s, START, END)
    zjj = row_of(now_rows, "HY-ZJJ", db)
    assert zjj["weights_version"] == "2027-1" and zjj["score"] == 75.0
    again = analytics.assessment(s, START, END, version="2026-1")
    assert again == before
    seeded = next(v for v in assessment_weights.weight_versions(s) if v.version == "2026-1")
    assert seeded.weights["satisfaction_rate"] == 0.30 and not seeded.active
    with transaction(s):
        assessment_weights.activate_weight_version(s, supervisor, "2026-1", now)
    assert [v.version for v in assessment_weights.weight_versions(s) if v.active] == ["2026-1"]


def test_weights_are_set_only_by_the_office_and_validated(db):
    s, now = db.session, at("2026-11-25T10:00:00+08:00")
    admin = user(s, "admin")
    with pytest.raises(Forbidden):
        assessment_weights.create_weight_version(s, user(s, "dispatcher"), "2027-9", {"sign_rate": 1.0}, now)
    for bad in ({"sign_rate": 0.5}, {"sign_rate": 1.2, "redo_rate": -0.2}, {"knowledge": 1.0}, {}):
        with pytest.raises(Invalid) as err:
            assessment_weights.create_weight_version(s, admin, "2027-9", bad, now)
        assert "合计为1" in err.value.message_zh
    with pytest.raises(Invalid):
        assessment_weights.create_weight_version(s, admin, "新 版", {"sign_rate": 1.0}, now)
    with pytest.raises(Conflict):  # an existing version is never overwritten
        assessment_weights.create_weight_version(s, admin, "2026-1", {"sign_rate": 1.0}, now)
    s.rollback()
