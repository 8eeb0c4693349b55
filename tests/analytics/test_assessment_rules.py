"""The pure metric rules, the weighted score and the hot-spot rule (engine.domain.assessment)."""
from __future__ import annotations

import math

import pytest

from engine.domain import assessment as A


def test_each_rate_is_numerator_over_denominator_and_none_when_nothing_to_measure():
    assert A.sign_rate(4, 5) == 0.8
    assert A.on_time_rate(3, 4) == 0.75
    assert A.satisfaction_rate(3, 4) == 0.75
    assert A.redo_rate(1, 4) == 0.25
    assert A.return_rate(1, 5) == 0.2
    assert A.supervision_rate(1, 5) == 0.2
    assert A.supervision_rate(9, 5) == 1.0  # capped for scoring
    assert A.sign_rate(0, 0) is None
    with pytest.raises(ValueError):
        A.ratio(3, 2)
    with pytest.raises(ValueError):
        A.ratio(-1, 2)


def test_weights_are_validated():
    assert A.validate_weights(A.DEFAULT_WEIGHTS) == A.DEFAULT_WEIGHTS
    with pytest.raises(ValueError):
        A.validate_weights({"sign_rate": 0.5, "on_time_rate": 0.6})
    with pytest.raises(ValueError):
        A.validate_weights({"sign_rate": 1.2, "on_time_rate": -0.2})
    with pytest.raises(ValueError):
        A.validate_weights({"knowledge": 1.0})


def test_score_weights_rates_and_inverts_lower_is_better():
    values = {"sign_rate": 0.8, "on_time_rate": 0.75, "satisfaction_rate": 0.75, "redo_rate": 0.25,
              "return_rate": 0.2, "supervision_rate": 0.2}
    assert A.score(values) == 76.75
    assert A.score(values, {"return_rate": 1.0}) == 80.0
    # A metric with nothing to measure drops out and the rest are rescaled.
    assert A.score({**values, "satisfaction_rate": None}) == pytest.approx(100 * (0.7675 - 0.225) / 0.7, abs=0.01)
    assert A.score({m: None for m in A.METRICS}) is None


def test_hot_spot_against_its_own_baseline():
    t = A.hot_spot(8, [1, 2, 1, 2])
    assert t.hot and not t.poisson and t.mean == 1.5
    assert t.threshold == pytest.approx(1.5 + 2 * math.sqrt(1 / 3))
    assert not A.hot_spot(4, [3, 3, 3, 3]).hot  # flat baseline: Poisson SD √3, threshold 6.46
    flat = A.hot_spot(7, [3, 3, 3, 3])
    assert flat.hot and flat.poisson and flat.sd == pytest.approx(math.sqrt(3))
    assert A.hot_spot(5, [0, 0, 0, 0]).hot
    assert not A.hot_spot(4, [0, 0, 0, 0]).hot  # below the minimum count
    assert not A.hot_spot(10, [2, 12, 3, 11]).hot  # a noisy baseline absorbs it
    with pytest.raises(ValueError):
        A.hot_spot(5, [1, 2])
    assert A.hot_spot(3, [0, 0], A.HotSpotRule(k=2, z=1, min_count=3)).hot
