"""Quality of the same-matter search and of the dispatch suggestions on the test sets written for issue 21
(tests/matching/data): recall@5 ≥ 0.9 with no near-miss among the three best, and top-1 ≥ 0.7 / top-3 ≥ 0.9 for
the suggestions, better than the category's default unit. bench/matching_quality.py records the figures."""
from __future__ import annotations

from engine.common.db import transaction

from .data.dispatch_requests import REQUESTS
from .data.similar_pairs import PAIRS
from .quality import evaluate_dispatch, evaluate_similar, load_history, load_similar_corpus


def test_the_sets_are_as_large_as_the_issue_asks():
    assert len(PAIRS) >= 60 and sum(len(p.near) for p in PAIRS) >= 30
    assert len(REQUESTS) >= 80 and len({r[3] for r in REQUESTS}) >= 30


def test_similar_tickets_find_the_same_matter_and_keep_near_misses_out_of_the_top_three(db, clock):
    with transaction(db.session):
        ids = load_similar_corpus(db.session, clock())
    report = evaluate_similar(db.session, ids, clock())
    assert report.recall_at_5 >= 0.9, report.misses
    assert report.near_in_top3 == 0, report.intruders


def test_dispatch_suggestions_beat_the_category_default(db, clock):
    with transaction(db.session):
        load_history(db.session, clock())
        report = evaluate_dispatch(db.session, clock())
    assert report.top1_rate >= 0.7, report.misses
    assert report.top3_rate >= 0.9, report.misses
    assert report.top1_rate > report.baseline_rate
