"""The same matter (同一事项, Art. 6(8), 11, 18(3), 19(7)) judged by meaning, place and time, and the dispatch
suggestion's score: pure rules, standard library only.

Words: citizens say the same thing in many ways ("停水", "冇水", "没有水", "水龙头不出水"); :data:`CONCEPTS` maps
each variant to one canonical word before words are weighed, so a paraphrase or a dialect word still matches.
Places: an address is read into district (县/区), town (街道/镇/乡), road and community (小区/村 …); two tickets
share the most specific of these they both have. Time: nearer in time weighs more. :func:`combine` adds the three
into a score between 0 and 1 and the Chinese reasons a person reads (「同一地址」「内容相近 0.82」「同一来电人」).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from .vocabulary import CONCEPTS, EXPANSIONS, NUMERIC, PLACE_ENDINGS, SINGLE, STOPWORDS

# -- words -------------------------------------------------------------------------------------------------------

_VARIANT = {v: canon for canon, variants in CONCEPTS.items() for v in (canon, *variants)}


def canonical(word: str) -> str:
    """The canonical word of a variant ("冇水" → "停水"); any other word unchanged."""
    return _VARIANT.get(word, word)


def canonical_words(word: str) -> tuple[str, ...]:
    """The canonical words a word stands for: usually one, two for "欠薪" (拖欠, 工资), none for a number."""
    if word in EXPANSIONS:
        return EXPANSIONS[word]
    if len(word) == 1:
        return (SINGLE[word],) if word in SINGLE else ()
    if NUMERIC.match(word):
        return ()
    return (canonical(word),)


def vocabulary() -> list[str]:
    """Every variant and canonical word, for the segmenter to keep each as one word."""
    return sorted(set(_VARIANT) | set(EXPANSIONS))


def is_place_word(word: str, place_parts: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether a word names a place rather than the matter: a piece of one of the place's own parts (district,
    town, road, community), or a word of three or more characters ending like a place name. A word of a concept
    ("工地" in "物流园工地") is the matter even inside a place's name."""
    if word in _VARIANT or word in EXPANSIONS:
        return False
    if any(word in part for part in place_parts):
        return True
    return len(word) > 2 and word.endswith(PLACE_ENDINGS)


def matter_terms(words: list[tuple[str, float]], place_parts: frozenset[str] | set[str] = frozenset()
                 ) -> dict[str, float]:
    """What a text says about the matter: its (word, weight) pairs made canonical and added up; stopwords,
    numbers, most single characters and place names dropped."""
    out: dict[str, float] = {}
    for raw, weight in words:
        raw = raw.strip().lower()
        if not raw or raw in STOPWORDS or raw.isdigit() or is_place_word(raw, place_parts):
            continue
        for w in canonical_words(raw):
            if w and w not in STOPWORDS:
                out[w] = out.get(w, 0.0) + weight
    return out


def category_terms(category: str | None) -> dict[str, float]:
    """The category as terms: the whole name and its first level ("城乡建设/噪音扰民" → both)."""
    if not category:
        return {}
    name = category.strip()
    out = {f"类:{name}": 1.0}
    if "/" in name:
        out[f"类:{name.split('/', 1)[0]}"] = 1.0
    return out


def tf_weight(count: float) -> float:
    """The weight of a word said ``count`` times in one text (sub-linear: a repeated word is not twice the matter;
    a word only found inside a longer one counts less than once)."""
    return 1.0 + math.log(count) if count >= 1 else max(0.0, count)


def idf(df: int, total: int) -> float:
    """Inverse document frequency: rare words weigh more; a word nobody has counted yet counts as rare."""
    return math.log((total + 1.0) / (max(df, 0) + 0.5)) + 1.0


# -- places ------------------------------------------------------------------------------------------------------

_PUNCT = re.compile(r"[\s,，.。;；:：、/\\()（）\[\]【】\-—_#＃]+")
_PREFIX = re.compile(r"^(?:中国)?(?:广东省?)?(?:河源市)?")
_CJK = "\u4e00-\u9fff"
_DISTRICT = re.compile(rf"([{_CJK}]{{1,5}}?(?:区|县))")
_TOWN = re.compile(rf"([{_CJK}]{{1,6}}?(?:街道办事处|街道|镇|乡))")
_ROAD = re.compile(rf"([{_CJK}\d]{{1,8}}?(?:大道|路|街|巷))")
_COMMUNITY = re.compile(rf"([{_CJK}\d]{{2,12}}?(?:花园小区|小区|花园|家园|新村|山庄|公寓|大厦|广场|社区|苑|村|"
                        rf"工业园区|工业园|物流园|菜市场|市场|学校|医院|项目|工地|公园|隧道|大桥|码头|车站|东站|"
                        rf"火车站|站|超市|药店|酒楼|快餐店|店|宿舍|步行街|华庭|豪庭|庭|府|居|湾|园))")


@dataclass(frozen=True)
class Place:
    """An address read into its parts; ``key`` is the whole address normalised (same key = same address)."""

    key: str = ""
    district: str | None = None
    town: str | None = None
    road: str | None = None
    community: str | None = None

    @property
    def words(self) -> frozenset[str]:
        return frozenset(p for p in (self.district, self.town, self.road, self.community) if p)

    @property
    def area(self) -> str | None:
        """The street or town level of the place, with its district: where a surge is counted (集中反映)."""
        if self.town:
            return f"{self.district or ''}{self.town}"
        return self.district


def normalise_address(text: str | None) -> str:
    """NFKC, no spaces or punctuation, no province/city prefix: "广东省河源市 源城区永和路 8号" → "源城区永和路8号"."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    value = _PUNCT.sub("", value)
    return _PREFIX.sub("", value)


def parse_place(text: str | None) -> Place:
    """Read an address into district, town, road and community (each None when the address does not say it)."""
    key = normalise_address(text)
    if not key:
        return Place()
    rest = key
    parts: dict[str, str | None] = {}
    for name, pattern in (("district", _DISTRICT), ("town", _TOWN), ("road", _ROAD), ("community", _COMMUNITY)):
        m = pattern.search(rest)
        # A district or town is named at the start of what is left; a road or community may follow a number.
        if m and (name in ("road", "community") or m.start() == 0):
            parts[name] = m.group(1)
            rest = rest[m.end():]
        else:
            parts[name] = None
    if parts["town"] and parts["town"].endswith("街道办事处"):
        parts["town"] = parts["town"][:-3]
    return Place(key=key, **parts)


def place_in_text(text: str | None) -> Place:
    """The place a text names when no address was given ("幸福里小区冇水" → community 幸福里小区): each part found
    anywhere in the text; no ``key`` (a text is never "the same address")."""
    value = normalise_address((text or "")[:300])
    found = {}
    for name, pattern in (("district", _DISTRICT), ("town", _TOWN), ("road", _ROAD), ("community", _COMMUNITY)):
        m = pattern.search(value)
        found[name] = m.group(1) if m else None
    # Only a named community, road or town is a place; "区" alone in a story ("小区", "老城区") says too little.
    if not (found["community"] or found["road"] or found["town"]):
        return Place()
    return Place(key="", **found)


#: The levels two places can share, most specific first, with their Chinese reason.
PLACE_LEVELS = (("address", "同一地址"), ("community", "同一小区（村）"), ("road", "同一道路"),
                ("town", "同一街道（镇）"), ("district", "同一县（区）"))
PLACE_REASONS = dict(PLACE_LEVELS)


def places_differ(a: Place, b: Place) -> bool:
    """Whether two places are known to be different ones: both name their district (or town) and they differ, and
    they share no community or road."""
    if (a.community and a.community == b.community) or (a.road and a.road == b.road):
        return False
    return bool((a.district and b.district and a.district != b.district)
                or (a.town and b.town and a.town != b.town))


def text_similarity(query: dict[str, float], doc: dict[str, float]) -> float:
    """How alike two texts are (0..1) from their weighted words: the mean of the cosine and the overlap
    coefficient (the weight they share over the smaller text's weight), so a short call ("锦江花园停水") is as
    close to a long earlier story about it as to another short one. The category counts only when both have one
    (a call whose category is not picked yet is not less alike for that)."""
    if not (_has_category(query) and _has_category(doc)):
        query, doc = _without_category(query), _without_category(doc)
    shared = query.keys() & doc.keys()
    if not shared:
        return 0.0
    qn = math.sqrt(sum(v * v for v in query.values()))
    dn = math.sqrt(sum(v * v for v in doc.values()))
    cosine = sum(query[t] * doc[t] for t in shared) / (qn * dn) if qn and dn else 0.0
    small = min(sum(query.values()), sum(doc.values()))
    overlap = sum(min(query[t], doc[t]) for t in shared) / small if small else 0.0
    return min(1.0, (cosine + overlap) / 2)


def _has_category(terms: dict[str, float]) -> bool:
    return any(t.startswith("类:") for t in terms)


def _without_category(terms: dict[str, float]) -> dict[str, float]:
    return {t: w for t, w in terms.items() if not t.startswith("类:")}


def shared_place(a: Place, b: Place) -> str | None:
    """The most specific level two places share, or None. Parts are compared only where both addresses say them,
    and never across districts both name differently."""
    if not a.words or not b.words:
        return None
    if a.district and b.district and a.district != b.district:
        return None
    if a.key and a.key == b.key:
        return "address"
    if a.community and a.community == b.community:
        return "community"
    if a.road and a.road == b.road and not (a.town and b.town and a.town != b.town):
        return "road"
    if a.town and a.town == b.town:
        return "town"
    if a.district and a.district == b.district:
        return "district"
    return None


# -- adding it up ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SimilarityWeights:
    """How much each part adds to the score (0..1); the office can change them in the app's config."""

    text: float = 0.7
    place: dict = field(default_factory=lambda: {"address": 0.2, "community": 0.16, "road": 0.1, "town": 0.05,
                                                 "district": 0.0})
    #: Taken off when the two places are known to differ (another district, or another town of it): the same words
    #: about another place are most likely another matter.
    elsewhere: float = 0.1
    phone: float = 0.10
    recent: float = 0.06
    #: Days over which the time bonus falls to about a third.
    recent_days: float = 7.0
    #: Below this text similarity "内容相近" is not given as a reason.
    text_reason: float = 0.2
    #: Hits below this score are not shown.
    min_score: float = 0.18
    #: A hit must say something alike (this text similarity) unless it is the same caller: a ticket that only
    #: shares the place is another matter (the 既往工单 panel lists the same address and caller anyway).
    min_text: float = 0.2


def combine(text_sim: float, place_level: str | None, same_phone: bool, hours_apart: float,
            weights: SimilarityWeights = SimilarityWeights(), *, elsewhere: bool = False) -> tuple[float, list[str]]:
    """The score of an earlier ticket (0..1) and why it matched, most telling reason first; 0 when it says too
    little alike and is not the same caller."""
    text_sim = max(0.0, min(1.0, text_sim))
    if text_sim < weights.min_text and not same_phone:
        return 0.0, []
    score = weights.text * text_sim - (weights.elsewhere if elsewhere else 0.0)
    reasons: list[str] = []
    if same_phone:
        score += weights.phone
        reasons.append("同一来电人")
    if place_level:
        score += weights.place.get(place_level, 0.0)
        reasons.append(PLACE_REASONS[place_level])
    if text_sim >= weights.text_reason:
        reasons.append(f"内容相近 {text_sim:.2f}")
    days = max(0.0, hours_apart) / 24.0
    score += weights.recent * math.exp(-days / weights.recent_days)
    if hours_apart <= 24:
        reasons.append("24小时内")
    elif days <= 7:
        reasons.append(f"{math.ceil(days)}天内")
    return round(max(0.0, min(1.0, score)), 4), reasons


@dataclass(frozen=True)
class SurgeRule:
    """集中反映: at least ``count`` similar tickets at one street or town within ``minutes`` (configurable)."""

    count: int = 5
    minutes: int = 120
    #: Two tickets at the same street or town are the same matter for a surge from this text similarity on (a
    #: surge alerts a person, who merges or dismisses it).
    min_text: float = 0.2


def surge_groups(pairs: list[tuple[int, int]], ids: list[int], count: int) -> list[list[int]]:
    """Connected groups of at least ``count`` tickets, given which pairs are the same matter (union-find)."""
    parent = {i: i for i in ids}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for a, b in pairs:
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in ids:
        groups.setdefault(root(i), []).append(i)
    return sorted((sorted(g) for g in groups.values() if len(g) >= count), key=lambda g: g[0])


# -- dispatch suggestions ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SuggestionWeights:
    """How the duty list, the history of similar tickets and the place add up to a unit's suggestion score."""

    duty: float = 0.5
    history: float = 0.25
    place: float = 0.2
    default: float = 0.05


def suggestion_score(duty: float, history: float, place: float, category_default: bool,
                     weights: SuggestionWeights = SuggestionWeights()) -> float:
    """A unit's score (0..1) from its duty match, its record on similar tickets (-1..1) and its place match."""
    value = (weights.duty * max(0.0, min(1.0, duty)) + weights.history * max(-1.0, min(1.0, history))
             + weights.place * max(0.0, min(1.0, place)) + (weights.default if category_default else 0.0))
    return round(max(0.0, min(1.0, value)), 4)
