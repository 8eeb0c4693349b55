"""Unit assessment (Art. 20–23): each metric as a function of plain counts, the weighted score, the hot-spot rule.

Pure and standard-library only; the SQL that produces the counts lives in ``engine.analytics.metrics`` and the
precise definitions in docs/assessment.md.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

#: Ratings that count as satisfied: 基本满意 and above.
SATISFIED_RATINGS = ("very_satisfied", "satisfied", "basic")
#: Ratings that count as evaluated (未评价 ``none`` does not).
EVALUATED_RATINGS = SATISFIED_RATINGS + ("dissatisfied", "very_dissatisfied")

METRICS = ("sign_rate", "on_time_rate", "satisfaction_rate", "redo_rate", "return_rate", "supervision_rate",
           "kb_upkeep_rate")
METRIC_LABELS = {"sign_rate": "签收及时率", "on_time_rate": "按时办结率", "satisfaction_rate": "满意率",
                 "redo_rate": "重办率", "return_rate": "退单率", "supervision_rate": "督办率（每件派单）",
                 "kb_upkeep_rate": "知识库维护及时率"}
#: Metrics where a lower value is better; their score is 1 − value.
LOWER_IS_BETTER = frozenset({"redo_rate", "return_rate", "supervision_rate"})

#: The weights in force when the office first installed the system (version "2026-1"). A metric missing from a
#: version weighs nothing, so adding a metric never changes a score computed under an older version.
DEFAULT_WEIGHTS_VERSION = "2026-1"
DEFAULT_WEIGHTS = {"sign_rate": 0.15, "on_time_rate": 0.25, "satisfaction_rate": 0.30, "redo_rate": 0.10,
                   "return_rate": 0.10, "supervision_rate": 0.10}
#: The proposed next version with knowledge-base upkeep (seeded inactive; the office decides when it applies).
KB_WEIGHTS_VERSION = "2026-2"
KB_WEIGHTS = {"sign_rate": 0.15, "on_time_rate": 0.25, "satisfaction_rate": 0.25, "redo_rate": 0.10,
              "return_rate": 0.10, "supervision_rate": 0.05, "kb_upkeep_rate": 0.10}


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, or None when there is nothing to measure."""
    if numerator < 0 or denominator < 0:
        raise ValueError("counts cannot be negative")
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} exceeds denominator {denominator}")
    return None if denominator == 0 else numerator / denominator


def sign_rate(timely: int, dispatched: int) -> float | None:
    """签收及时率: lead dispatches signed (or deemed accepted) within the 1-working-day window / settled dispatches."""
    return ratio(timely, dispatched)


def on_time_rate(on_time: int, replied: int) -> float | None:
    """按时办结率: first accepted replies submitted by the handling deadline / first accepted replies."""
    return ratio(on_time, replied)


def satisfaction_rate(satisfied: int, evaluated: int) -> float | None:
    """满意率: handling ratings 基本满意 or above / handling ratings given (no 未评价, no excluded ratings)."""
    return ratio(satisfied, evaluated)


def redo_rate(redone: int, closed: int) -> float | None:
    """重办率: archived tickets that were redone / archived tickets."""
    return ratio(redone, closed)


def return_rate(returned: int, dispatched: int) -> float | None:
    """退单率: lead dispatches returned by the unit / lead dispatches."""
    return ratio(returned, dispatched)


def supervision_rate(supervisions: int, dispatched: int) -> float | None:
    """Supervisions opened against the unit per lead dispatch, capped at 1 for scoring."""
    if supervisions < 0 or dispatched < 0:
        raise ValueError("counts cannot be negative")
    return None if dispatched == 0 else min(1.0, supervisions / dispatched)


def kb_upkeep_rate(entries: int, entries_late: int, flags: int, flags_late: int) -> float | None:
    """知识库维护及时率: (entries uploaded on time + flags fixed on time) / (entries uploaded + flags settled)."""
    if entries_late > entries or flags_late > flags:
        raise ValueError("late counts exceed their totals")
    return ratio(entries - entries_late + flags - flags_late, entries + flags)


def validate_weights(weights: dict[str, float]) -> dict[str, float]:
    """Return the weights as floats.

    :raises ValueError: for an unknown metric, a negative weight, or weights not summing to 1 (±1e-6).
    """
    if not isinstance(weights, dict) or not weights:
        raise ValueError("weights must be a non-empty mapping of metric to weight")
    unknown = set(weights) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metrics in weights: {sorted(unknown)}")
    try:
        out = {k: float(v) for k, v in weights.items()}
    except (TypeError, ValueError):
        raise ValueError("weights must be numbers") from None
    if any(v < 0 or math.isnan(v) or math.isinf(v) for v in out.values()):
        raise ValueError("weights must be non-negative")
    if abs(sum(out.values()) - 1.0) > 1e-6:
        raise ValueError(f"weights must sum to 1, not {sum(out.values()):.6f}")
    return out


def score(values: dict[str, float | None], weights: dict[str, float] | None = None) -> float | None:
    """The weighted score 0–100 of one unit and period.

    Each metric scores its value (rates where higher is better) or 1 − value (lower is better). A metric with
    nothing to measure (None) drops out and the remaining weights are rescaled to sum to 1; None when none remain.
    """
    weights = validate_weights(DEFAULT_WEIGHTS if weights is None else weights)
    total = got = 0.0
    for metric, w in weights.items():
        v = values.get(metric)
        if v is None or w == 0:
            continue
        total += w * ((1.0 - v) if metric in LOWER_IS_BETTER else v)
        got += w
    return None if got == 0 else round(100.0 * total / got, 2)


@dataclass(frozen=True)
class UnitCounts:
    """The counts behind one unit's metrics for one period."""

    dispatched: int = 0        # lead dispatches in the period
    settled: int = 0           # of which signed, deemed or returned (no longer waiting)
    signed_timely: int = 0     # of which signed by the window's end, or deemed accepted
    returned: int = 0          # of which returned
    replied: int = 0           # first accepted replies submitted in the period
    replied_on_time: int = 0   # of which submitted by the handling deadline
    evaluated: int = 0         # handling ratings given in the period, not 未评价, not excluded
    satisfied: int = 0         # of which 基本满意 and above
    closed: int = 0            # tickets archived in the period
    redone: int = 0            # of which redone
    supervisions: int = 0      # supervisions opened in the period
    kb_entries: int = 0        # KB entries of the unit taking effect in the period that were uploaded (published)
    kb_entries_late: int = 0   # of which uploaded less than 7 working days before taking effect
    kb_flags: int = 0          # office flags whose 5-WD fix deadline fell in the period and are settled
    kb_flags_late: int = 0     # of which not fixed by the deadline

    def metrics(self) -> dict[str, float | None]:
        return {"sign_rate": sign_rate(self.signed_timely, self.settled),
                "on_time_rate": on_time_rate(self.replied_on_time, self.replied),
                "satisfaction_rate": satisfaction_rate(self.satisfied, self.evaluated),
                "redo_rate": redo_rate(self.redone, self.closed),
                "return_rate": return_rate(self.returned, self.dispatched),
                "supervision_rate": supervision_rate(self.supervisions, self.dispatched),
                "kb_upkeep_rate": kb_upkeep_rate(self.kb_entries, self.kb_entries_late, self.kb_flags,
                                                 self.kb_flags_late)}


# -- hot spots ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HotSpotRule:
    """A count is a hot spot when it is at least ``min_count`` and exceeds the mean of its own previous ``k``
    periods by more than ``z`` standard deviations (sample SD); when the baseline does not vary, the Poisson SD
    √mean stands in."""

    k: int = 4
    z: float = 2.0
    min_count: int = 5

    def __post_init__(self):
        if self.k < 2 or self.z < 0 or self.min_count < 0:
            raise ValueError("hot-spot rule needs k ≥ 2, z ≥ 0, min_count ≥ 0")


@dataclass(frozen=True)
class HotSpotTest:
    count: int
    baseline: tuple[int, ...]
    mean: float
    sd: float
    poisson: bool
    threshold: float
    hot: bool
    excess: float = field(default=0.0)


def hot_spot(count: int, baseline: list[int] | tuple[int, ...], rule: HotSpotRule | None = None) -> HotSpotTest:
    """Apply the rule to ``count`` against ``baseline`` (the previous k periods' counts, oldest first)."""
    rule = rule or HotSpotRule()
    base = tuple(baseline)
    if len(base) != rule.k:
        raise ValueError(f"baseline needs {rule.k} periods, got {len(base)}")
    mean = sum(base) / len(base)
    sd = math.sqrt(sum((b - mean) ** 2 for b in base) / (len(base) - 1))
    poisson = sd == 0
    if poisson:
        sd = math.sqrt(mean)
    threshold = mean + rule.z * sd
    hot = count >= rule.min_count and count > threshold
    return HotSpotTest(count, base, mean, sd, poisson, threshold, hot, count - mean)
