"""How the demo's year behaves: each unit's habits, the seasons of each category, and recent incidents.

Pure data and small deterministic helpers, standard library only. The simulation in ``engine/demo/history.py`` draws
every choice from these through a seeded ``random.Random``, so the same seed gives the same year.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .content import ALL_UNITS, CATEGORIES


@dataclass(frozen=True)
class Habits:
    """How a unit works: the assessment's figures come out of these."""

    sign_hours: tuple[float, float]     # office hours from receiving a ticket to signing it
    deemed: float                       # share of tickets left unsigned until deemed accepted (Art. 10(1))
    returns: float                      # share of tickets it returns as not its duty
    pace: tuple[float, float]           # share of the handling time used before replying, when on time
    late: float                         # share of replies after the deadline (yellow card)
    red: float                          # share left a working day past the deadline and more (red card, 督办)
    ratings: tuple[int, int, int, int, int]  # weights of 非常满意, 满意, 基本满意, 不满意, 非常不满意
    grounds: float                      # share of 不满意 the office finds reasonable (重办)
    kb_lead: tuple[int, int]            # calendar days between uploading a policy and its taking effect
    kb_late: float                      # share of its policy uploads made in the last days before the date
    flag_days: tuple[float, float]      # working days it takes to fix a flagged entry (5 is the limit)
    supervision_days: tuple[float, float]  # working days its leader takes to answer a supervision (2 is the limit)


ARCHETYPES = {
    "exemplary": Habits((0.2, 1.5), 0.00, 0.01, (0.15, 0.45), 0.03, 0.000, (52, 36, 9, 3, 0), 0.3, (12, 30), 0.00,
                        (0.5, 2.0), (0.3, 1.2)),
    "solid": Habits((0.3, 3.0), 0.02, 0.03, (0.25, 0.65), 0.07, 0.002, (34, 40, 16, 7, 3), 0.4, (10, 25), 0.10,
                    (1.0, 3.5), (0.5, 1.8)),
    "average": Habits((0.5, 5.0), 0.05, 0.05, (0.35, 0.80), 0.14, 0.004, (22, 36, 26, 11, 5), 0.45, (8, 20), 0.25,
                      (1.5, 5.5), (0.8, 2.4)),
    "slow": Habits((1.0, 7.0), 0.12, 0.06, (0.50, 0.95), 0.24, 0.012, (14, 32, 30, 16, 8), 0.5, (5, 14), 0.45,
                   (3.0, 8.0), (1.2, 3.2)),
    "struggling": Habits((1.5, 8.0), 0.18, 0.09, (0.60, 0.98), 0.34, 0.030, (9, 26, 31, 21, 13), 0.55, (3, 10), 0.7,
                         (4.0, 10.0), (1.5, 4.0)),
}

# Who is who. The units citizens complain about most (property, noise, street order) are the hard ones; services
# with a clear procedure (funds, insurance, cards) run smoothly. Units not named are "average".
UNIT_ARCHETYPES = {
    "HY-GJJ": "exemplary", "HY-YBJ": "exemplary", "HY-POWER": "exemplary", "HY-GAJ": "solid", "HY-RSJ": "solid",
    "HY-WATER": "solid", "HY-TELECOM": "solid", "HY-MOBILE": "solid", "HY-JYJ": "solid", "HY-MZJ": "solid",
    "HY-ZRZYJ": "average", "HY-WJJ": "average", "HY-GAS": "average", "HY-JTYSJ": "average", "HY-NYNCJ": "average",
    "HY-SCJGJ": "average", "HY-SWJ": "slow", "HY-STHJJ": "slow", "HY-CGJ": "slow", "HY-ZJJ": "struggling",
    "YC-ZJJ": "slow", "YC-SCJ": "solid", "YC-XJJD": "average", "YC-GOV": "slow",
    "DY-SCJ": "average", "DY-JYJ": "solid", "DY-XTZ": "slow", "DY-GOV": "average",
    "HP-ZJJ": "struggling", "HP-RSJ": "average", "HP-YMZ": "slow", "HP-GOV": "slow",
    "LC-SCJ": "solid", "LC-CGJ": "slow", "LC-LLZ": "slow", "LC-GOV": "average",
    "ZJ-ZJJ": "average", "ZJ-ZCZ": "struggling", "ZJ-GOV": "average", "LP-SCJ": "exemplary", "LP-YSZ": "slow",
    "LP-GOV": "slow",
}


def habits_for(code: str, seed: int) -> Habits:
    """The unit's archetype, nudged a little per unit so no two units of a kind score alike."""
    base = ARCHETYPES[UNIT_ARCHETYPES.get(code, "average")]
    rng = random.Random(f"{seed}:{code}")

    def nudge(x: float) -> float:
        return min(0.95, x * rng.uniform(0.7, 1.35))
    return replace(base, deemed=nudge(base.deemed), returns=nudge(base.returns), late=nudge(base.late),
                   red=nudge(base.red), grounds=nudge(base.grounds),
                   ratings=tuple(max(0, round(w * rng.uniform(0.8, 1.25))) for w in base.ratings))


def all_habits(seed: int) -> dict[str, Habits]:
    return {u["code"]: habits_for(u["code"], seed) for u in ALL_UNITS}


# -- volumes ---------------------------------------------------------------------------------------------------

#: How often each category is called about in an ordinary month (relative): as in most cities, property management,
#: noise, street order, consumer disputes, parking and wages bring most of the calls.
CATEGORY_WEIGHTS = {c["code"]: 1.5 for c in CATEGORIES} | {
    "construction.noise": 7, "construction.property": 9, "market.consumer": 7, "urban.vending": 5,
    "urban.sanitation": 5, "police.parking": 6, "utility.water": 4, "utility.power": 3, "social.wage": 5,
    "social.card": 3, "health.insurance": 3, "transport.bus": 4, "market.food": 4, "urban.fumes": 4,
    "urban.illegal_building": 3, "market.mlm": 0.5, "env.air": 1, "agri.subsidy": 1, "market.elevator": 1.2,
    "housing.registration": 1.2,
}

#: Month (1–12) → factor, for categories with a season in Heyuan: the flood season, summer power peaks, school
#: enrolment, wage arrears before the Spring Festival, the health-insurance enrolment period, winter gas.
SEASONS = {
    "water.waterlogging": {4: 2.0, 5: 3.5, 6: 4.5, 7: 3.5, 8: 3.0, 9: 2.0, 12: 0.3, 1: 0.3, 2: 0.3},
    "utility.power": {6: 1.8, 7: 2.6, 8: 2.6, 9: 1.6},
    "utility.water": {6: 1.5, 7: 1.7, 8: 1.7},
    "police.social_noise": {6: 1.8, 7: 2.2, 8: 2.0},
    "urban.fumes": {6: 1.5, 7: 1.8, 8: 1.6},
    "social.wage": {11: 1.6, 12: 2.8, 1: 3.5, 2: 2.0, 6: 0.7, 7: 0.7},
    "education.enrollment": {5: 2.0, 6: 3.0, 7: 3.2, 8: 2.6, 10: 0.3, 11: 0.3, 12: 0.3},
    "education.training": {2: 1.8, 7: 2.0, 8: 2.0},
    "health.enrolment": {9: 2.2, 10: 3.0, 11: 3.4, 12: 3.0, 1: 0.8, 4: 0.3, 5: 0.3},
    "utility.gas": {12: 1.8, 1: 2.2, 2: 1.8, 6: 0.6, 7: 0.6},
    "agri.subsidy": {3: 2.5, 4: 3.0, 5: 2.0},
    "market.price": {1: 1.8, 2: 2.0, 10: 1.8},
    "transport.taxi": {2: 2.0, 10: 1.8},
    "construction.noise": {3: 1.3, 4: 1.5, 5: 1.5, 9: 1.3, 10: 1.3},
}


def category_weight(code: str, month: int) -> float:
    return CATEGORY_WEIGHTS[code] * SEASONS.get(code, {}).get(month, 1.0)


#: The share of the year's volume each month brings (calls fall over the Spring Festival and National Day).
MONTH_VOLUME = {1: 1.0, 2: 0.8, 3: 1.0, 4: 1.0, 5: 1.05, 6: 1.15, 7: 1.2, 8: 1.15, 9: 1.0, 10: 0.9, 11: 1.0,
                12: 1.0}


@dataclass(frozen=True)
class Incident:
    """A run of calls about one matter at one place in the last weeks: a 热点 on the findings page and a 集中反映
    the office supervises (Art. 18(3))."""

    category: str
    county: str
    place: str
    days_ago: tuple[float, float]
    share: float  # the incident's tickets as a share of a month's volume


INCIDENTS = (
    Incident("env.sewage", "YC", "源城区埔前镇工业园区", (3, 18), 0.05),
    Incident("construction.noise", "DY", "东源县仙塘镇新城东区锦绣家园", (1, 24), 0.06),
)

#: What the agent answers when a caller's matter is out of scope (Art. 6), by refusal code.
REFUSAL_CODES = (1, 2, 4, 9, 11)
