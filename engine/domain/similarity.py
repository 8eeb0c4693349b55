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

# -- words -------------------------------------------------------------------------------------------------------

#: Canonical word → the ways citizens say it (Mandarin variants, Cantonese and Hakka words heard in Heyuan).
#: Every variant is also taught to the segmenter as one word, so "冇水" is not cut into "冇" and "水".
CONCEPTS: dict[str, tuple[str, ...]] = {
    "停水": ("断水", "没水", "冇水", "无水", "没有水", "停供水", "不出水", "不来水", "冇水用", "没水用", "断供水",
             "水停了", "停咗水", "来水", "供水中断", "用水困难", "无水可用"),
    "水压": ("水压低", "水很小", "水好细", "水压不足", "水流很小", "水压小"),
    "水质": ("黄水", "水发黄", "浑水", "水浑浊", "自来水浑浊", "水有异味", "水质差", "锈水"),
    "水管": ("水喉", "自来水管", "供水管", "供水管道", "水管破裂", "爆管", "水管爆裂", "漏水点"),
    "停电": ("断电", "冇电", "没电", "无电", "停咗电", "跳闸", "供电中断", "突然黑了"),
    "电压": ("电压不稳", "电压低", "灯一闪一闪"),
    "燃气": ("煤气", "天然气", "管道气", "燃气管"),
    "漏气": ("燃气泄漏", "煤气泄漏", "气味很大", "有煤气味"),
    "噪音": ("噪声", "嘈", "好嘈", "很吵", "吵", "吵闹", "扰民", "轰隆", "太吵", "嘈吵", "吵死", "声音很大",
             "影响休息", "睡不着", "冇得瞓"),
    "施工": ("工地", "打桩", "建筑工地", "施工队", "开工", "动工", "机械作业", "搅拌机", "挖掘机", "钻地",
             "工程", "在建工程", "项目工地"),
    "夜间": ("半夜", "深夜", "凌晨", "晚上", "夜晚", "三更半夜", "夜里", "通宵"),
    "扬尘": ("灰尘", "粉尘", "尘土", "灰好大", "沙尘"),
    "泥头车": ("渣土车", "运输车", "工程车", "拉土车"),
    "路灯": ("街灯", "照明灯", "灯不亮", "路灯不亮", "路灯坏", "黑灯瞎火"),
    "占道": ("占道经营", "摆摊", "乱摆卖", "流动摊贩", "走鬼", "摊贩", "占用人行道"),
    "油烟": ("餐饮油烟", "烧烤烟", "油烟味", "炒菜烟"),
    "垃圾": ("生活垃圾", "垃圾堆", "垃圾成堆", "冇人收垃圾", "垃圾没人清"),
    "积水": ("水浸", "浸水", "内涝", "水淹", "涨水", "排水不畅", "下水道堵"),
    "违建": ("违法建设", "违章建筑", "违章搭建", "乱搭建", "私搭乱建", "加建"),
    "欠薪": ("拖欠工资", "欠工资", "不发工资", "工资被拖欠", "讨薪", "冇出粮", "拖欠工钱", "人工未结"),
    "社保卡": ("社会保障卡", "社保的卡"),
    "公积金": ("住房公积金",),
    "低保": ("最低生活保障", "低保户"),
    "医保": ("医疗保险", "医保卡"),
    "电梯": ("升降机", "电梯困人", "电梯故障", "电梯坏"),
    "物业": ("物业公司", "物管", "管理处"),
    "公交": ("公交车", "巴士", "公共汽车"),
    "出租车": ("的士", "出租汽车", "网约车"),
    "拒载": ("不载客", "不打表", "绕路"),
    "停车": ("乱停车", "违停", "违章停车", "乱停乱放"),
    "污水": ("排污", "偷排", "废水", "臭水"),
    "废气": ("臭气", "异味", "刺鼻"),
    "宽带": ("网络", "上不了网", "断网", "冇网", "网速慢"),
    "信号": ("手机信号", "冇信号", "没信号"),
    "入学": ("上学", "读书", "学位", "报名入学"),
    "补课": ("校外培训", "培训班", "补习班"),
    "食品": ("食物", "吃的", "熟食"),
    "变质": ("过期", "发霉", "馊了", "坏了的"),
    "价格": ("乱收费", "收费", "价钱", "多收钱"),
    "路面": ("路坑", "坑洼", "烂路", "路烂", "塌陷"),
}

#: Words that say nothing about the matter; dropped before weighing.
STOPWORDS = frozenset(
    "的 了 是 我 你 他 她 它 们 我们 你们 他们 在 和 与 及 或 吗 呢 吧 啊 呀 哦 喔 嘛 啦 咧 怎么 怎么办 怎样 如何 什么 "
    "哪里 哪儿 请问 想 要 能 可以 需要 一下 这个 那个 这里 那里 有 没有 去 到 把 被 给 就 都 也 还 又 时候 为什么 "
    "多少 谁 请 帮 帮忙 一个 已经 现在 今天 昨天 问 问题 咨询 办理 你好 您好 谢谢 麻烦 知道 告诉 反映 情况 这样 "
    "那样 然后 因为 所以 但是 还是 就是 不是 不能 不会 应该 一直 一些 非常 特别 很 太 好 真 多 几 个 次 天 号 "
    "希望 尽快 处理 解决 相关 部门 政府 市民 群众 居民 住户 业主 我家 家里 附近 旁边 这边 那边 有关 要求 投诉 "
    "举报 建议 求助 热线 12345 已经 一周 几天 好几天 多次 每天 经常 严重 影响 造成 导致 目前 至今 仍然 依然 "
    "看看 管管 一下子 人 喺 咗 嘅 唔 系 佢 冇 咁 啲 乜 嘢".split())

#: Endings of place names in a text ("永和路", "江畔花园"): the place is weighed on its own (:func:`parse_place`), so
#: such words are not counted again as what the matter is about.
PLACE_ENDINGS = ("省", "市", "区", "县", "街道", "镇", "乡", "村", "路", "大道", "街", "巷", "小区", "花园", "家园",
                 "苑", "社区", "广场", "大厦", "公寓", "山庄", "新村", "号", "栋", "楼", "单元", "座")
_VARIANT = {v: canon for canon, variants in CONCEPTS.items() for v in (canon, *variants)}


def canonical(word: str) -> str:
    """The canonical word of a variant ("冇水" → "停水"); any other word unchanged."""
    return _VARIANT.get(word, word)


def vocabulary() -> list[str]:
    """Every variant and canonical word, for the segmenter to keep each as one word."""
    return sorted(_VARIANT)


def is_place_word(word: str, place_words: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether a word names a place rather than the matter: one of the address's own parts, or a word of two or
    more characters ending like a place name."""
    if word in place_words:
        return True
    return len(word) > 2 and word.endswith(PLACE_ENDINGS) and word not in _VARIANT


def matter_terms(words: list[str], place_words: frozenset[str] | set[str] = frozenset()) -> dict[str, int]:
    """The words a text says about the matter, canonical, counted: stopwords, single characters, numbers and place
    names dropped."""
    out: dict[str, int] = {}
    for w in words:
        w = canonical(w.strip().lower())
        if (not w or w in STOPWORDS or (len(w) < 2 and w not in _VARIANT) or w.isdigit()
                or is_place_word(w, place_words)):
            continue
        out[w] = out.get(w, 0) + 1
    return out


def category_terms(category: str | None) -> dict[str, int]:
    """The category as terms: the whole name and its first level ("城乡建设/噪音扰民" → both)."""
    if not category:
        return {}
    name = category.strip()
    out = {f"类:{name}": 1}
    if "/" in name:
        out[f"类:{name.split('/', 1)[0]}"] = 1
    return out


def tf_weight(count: int) -> float:
    """The weight of a word said ``count`` times in one text (sub-linear: a repeated word is not twice the matter)."""
    return 1.0 + math.log(count) if count > 0 else 0.0


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
                        rf"工业园区|工业园|市场|学校|医院|项目|工地))")


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


#: The levels two places can share, most specific first, with their Chinese reason.
PLACE_LEVELS = (("address", "同一地址"), ("community", "同一小区（村）"), ("road", "同一道路"),
                ("town", "同一街道（镇）"), ("district", "同一县（区）"))
PLACE_REASONS = dict(PLACE_LEVELS)


def shared_place(a: Place, b: Place) -> str | None:
    """The most specific level two places share, or None. Parts are compared only where both addresses say them,
    and never across districts both name differently."""
    if not a.key or not b.key:
        return None
    if a.district and b.district and a.district != b.district:
        return None
    if a.key == b.key:
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

    text: float = 0.72
    place: dict = field(default_factory=lambda: {"address": 0.16, "community": 0.12, "road": 0.08, "town": 0.05,
                                                 "district": 0.02})
    phone: float = 0.10
    recent: float = 0.06
    #: Days over which the time bonus falls to about a third.
    recent_days: float = 7.0
    #: Below this text similarity "内容相近" is not given as a reason.
    text_reason: float = 0.2
    #: Hits below this score are not shown.
    min_score: float = 0.18


def combine(text_sim: float, place_level: str | None, same_phone: bool, hours_apart: float,
            weights: SimilarityWeights = SimilarityWeights()) -> tuple[float, list[str]]:
    """The score of an earlier ticket (0..1) and why it matched, most telling reason first."""
    text_sim = max(0.0, min(1.0, text_sim))
    score = weights.text * text_sim
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
    return round(min(1.0, score), 4), reasons


@dataclass(frozen=True)
class SurgeRule:
    """集中反映: at least ``count`` similar tickets at one street or town within ``minutes`` (configurable)."""

    count: int = 5
    minutes: int = 120
    #: Two tickets are the same matter for a surge from this text similarity on.
    min_text: float = 0.3


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
    history: float = 0.3
    place: float = 0.15
    default: float = 0.05


def suggestion_score(duty: float, history: float, place: float, category_default: bool,
                     weights: SuggestionWeights = SuggestionWeights()) -> float:
    """A unit's score (0..1) from its duty match, its record on similar tickets (-1..1) and its place match."""
    value = (weights.duty * max(0.0, min(1.0, duty)) + weights.history * max(-1.0, min(1.0, history))
             + weights.place * max(0.0, min(1.0, place)) + (weights.default if category_default else 0.0))
    return round(max(0.0, min(1.0, value)), 4)
