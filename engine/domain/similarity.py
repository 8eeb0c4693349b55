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
    "燃气": ("煤气", "天然气", "管道气", "燃气管", "液化气", "煤气罐", "气罐", "瓶装气", "石油气"),
    "涨价": ("加价", "乱涨价", "提价", "起价", "涨了价"),
    "食物中毒": ("拉肚子", "腹泻", "呕吐", "上吐下泻", "肚子痛", "肚痛", "肚子疼", "吃坏肚子", "吃坏"),
    "漏气": ("气味很大",),
    "噪音": ("噪声", "嘈", "好嘈", "很吵", "吵", "吵闹", "扰民", "轰隆", "太吵", "嘈吵", "吵死", "声音很大",
             "影响休息", "睡不着", "冇得瞓", "瞓唔着", "瞓唔到"),
    "施工": ("工地", "打桩", "建筑工地", "施工队", "开工", "动工", "机械作业", "搅拌机", "挖掘机", "钻地",
             "工程", "在建工程", "项目工地"),
    "夜间": ("半夜", "深夜", "凌晨", "晚上", "夜晚", "三更半夜", "夜里", "通宵", "天光", "夜晚晚", "晚晚"),
    "ktv": ("卡拉ok", "卡拉OK", "唱k", "唱K", "k歌", "K歌", "歌厅", "唱歌"),
    "扬尘": ("灰尘", "粉尘", "尘土", "灰好大", "沙尘"),
    "泥头车": ("渣土车", "运输车", "工程车", "拉土车"),
    "路灯": ("街灯", "照明灯", "灯不亮", "路灯不亮", "路灯坏", "黑灯瞎火"),
    "占道": ("占道经营", "摆摊", "乱摆卖", "流动摊贩", "走鬼", "摊贩", "占用人行道"),
    "油烟": ("餐饮油烟", "烧烤烟", "油烟味", "炒菜烟"),
    "垃圾": ("生活垃圾", "垃圾堆", "垃圾成堆", "冇人收垃圾", "垃圾没人清"),
    "积水": ("浸水", "内涝", "水淹", "涨水", "排水不畅", "下水道堵", "淹水", "被淹", "蹚水", "水深"),
    "违建": ("违法建设", "违章建筑", "违章搭建", "乱搭建", "私搭乱建", "加建", "加盖", "没有报建", "冇报建"),
    "欠薪": ("拖欠工资", "欠工资", "不发工资", "工资被拖欠", "讨薪", "冇出粮", "拖欠工钱", "人工未结"),
    "工资": ("工钱", "人工", "薪水", "薪资", "月工资", "发工资", "出粮", "劳务费"),
    "跑路": ("走佬", "关门跑路", "找不到人", "老板跑了", "卷款跑路", "失联", "走人"),
    "喇叭": ("高音喇叭", "大喇叭", "扩音器", "音响", "小蜜蜂"),
    "店铺": ("铺头", "商铺", "门店", "铺面", "档口"),
    "无证": ("没有执照", "冇牌照", "无牌", "冇牌", "没有许可证", "无照", "没有资格证", "无资质", "冇证", "没有证",
             "没有资质"),
    "吊针": ("打吊针", "输液", "打点滴", "吊盐水"),
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
    "补课": ("校外培训", "培训班", "补习班", "托管班", "托管", "补习"),
    "食品": ("食物", "吃的", "熟食", "饭菜"),
    "变质": ("过期", "发霉", "馊了", "坏了的", "不新鲜", "唔新鲜", "过期奶"),
    "价格": ("乱收费", "收费", "价钱", "多收钱"),
    "路面": ("路坑", "坑洼", "烂路", "路烂", "塌陷"),
}

#: Words that stand for two canonical words at once ("欠薪" is 拖欠 + 工资).
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "燃气泄漏": ("漏气", "燃气"), "煤气泄漏": ("漏气", "燃气"), "有煤气味": ("漏气", "燃气"),
    "煤气味": ("漏气", "燃气"), "燃气味": ("漏气", "燃气"), "天然气味": ("漏气", "燃气"),
    "欠薪": ("拖欠", "工资"), "讨薪": ("拖欠", "工资"), "冇出粮": ("拖欠", "工资"),
    "拖欠工资": ("拖欠", "工资"), "欠工资": ("拖欠", "工资"), "不发工资": ("拖欠", "工资"),
    "人工未结": ("拖欠", "工资"), "拖欠工钱": ("拖欠", "工资"),
    "走佬": ("跑路",), "夜间施工": ("夜间", "施工"), "施工噪音": ("施工", "噪音"), "噪音扰民": ("噪音",),
    "乱收费": ("价格", "收费"), "多收钱": ("价格", "收费"), "水浸": ("积水",), "起楼": ("违建",),
}
#: Single characters that are a whole matter in the hotline's speech ("烟好大", "灰好大"); other single characters
#: say too little and are dropped.
SINGLE = {"烟": "油烟", "熏": "油烟", "灰": "扬尘", "臭": "臭味", "吵": "噪音", "嘈": "噪音", "吠": "狗叫",
          "狗": "狗叫", "窿": "路面", "坑": "路面", "漏": "漏水", "钻": "噪音", "电": "电", "水": "水", "气": "燃气"}
_NUMERIC = re.compile(r"^[零一二三四五六七八九十百千万两几半多\d.]+"
                      r"[个多元块蚊只条次天年月日周号栋层岁楼点分钟小时米公里期]*$")

#: Words that say nothing about the matter; dropped before weighing.
STOPWORDS = frozenset(
    "的 了 是 我 你 他 她 它 们 我们 你们 他们 在 和 与 及 或 吗 呢 吧 啊 呀 哦 喔 嘛 啦 咧 怎么 怎么办 怎样 如何 什么 "
    "哪里 哪儿 请问 想 要 能 可以 需要 一下 这个 那个 这里 那里 有 没有 去 到 把 被 给 就 都 也 还 又 时候 为什么 "
    "多少 谁 请 帮 帮忙 一个 已经 现在 今天 昨天 问 问题 咨询 办理 你好 您好 谢谢 麻烦 知道 告诉 反映 情况 这样 "
    "那样 然后 因为 所以 但是 还是 就是 不是 不能 不会 应该 一直 一些 非常 特别 很 太 好 真 多 几 个 次 天 号 "
    "希望 尽快 处理 解决 相关 部门 政府 市民 群众 居民 住户 业主 我家 家里 附近 旁边 这边 那边 有关 要求 投诉 "
    "举报 建议 求助 热线 12345 已经 一周 几天 好几天 多次 每天 经常 严重 影响 造成 导致 目前 至今 仍然 依然 "
    "看看 管管 一下子 人 喺 咗 嘅 唔 系 佢 冇 咁 啲 乜 嘢 成日 点算 点解 几时 边度 乜嘢 睇下 啦 喇 嘞 "
    "开始 中午 上午 下午 早上 小时 回来 看到 是不是 做不了 不了 整片 收到 没收到 一滴 一点 这么 那么 怎么样 "
    "还有 以后 之前 以前 马上 立即 现在 一样 这些 那些 其他 有没有 能不能 可不可以 到底 究竟".split())

#: Endings of place names in a text ("永和路", "江畔花园"): the place is weighed on its own (:func:`parse_place`), so
#: such words are not counted again as what the matter is about.
PLACE_ENDINGS = ("省", "市", "区", "县", "街道", "镇", "乡", "村", "路", "大道", "街", "巷", "小区", "花园", "家园",
                 "苑", "社区", "广场", "大厦", "公寓", "山庄", "新村", "号", "栋", "楼", "单元", "座")
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
    if _NUMERIC.match(word):
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
