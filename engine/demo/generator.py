"""The deterministic demo request generator: places, fictional callers and :func:`request_for`.

Standard library only besides the demo data modules. Every person and phone number is invented.
"""
from .content import (
    CATEGORIES_BY_CODE,
    CHANNEL_WEIGHTS,
    COUNTIES,
    COUNTY_WEIGHTS,
    REQUEST_TYPES,
    TYPE_WEIGHTS,
    fake_phone,
)
from .requests import REQUEST_TEMPLATES

# ---------------------------------------------------------------------------------------------------------------
# Places and fictional people. Compound (小区) names are generic inventions.
# ---------------------------------------------------------------------------------------------------------------

PLACES = {
    "YC": ["源城区新江街道永和路", "源城区新江街道越王大道江畔花园小区", "源城区上城街道文明路",
           "源城区东埔街道东环路翠苑小区", "源城区源西街道建设大道", "源城区高埔岗街道兴源路", "源城区埔前镇工业园区"],
    "DY": ["东源县仙塘镇沿江路", "东源县仙塘镇新城东区锦绣家园", "东源县蓝口镇蓝口圩", "东源县黄田镇",
           "东源县义合镇", "东源县船塘镇"],
    "HP": ["和平县阳明镇和平大道", "和平县阳明镇东山路福康小区", "和平县林寨镇", "和平县彭寨镇", "和平县热水镇"],
    "LC": ["龙川县老隆镇新城大道", "龙川县老隆镇东江路怡景花园", "龙川县佗城镇", "龙川县鹤市镇", "龙川县义都镇"],
    "ZJ": ["紫金县紫城镇金山大道", "紫金县紫城镇工业园", "紫金县古竹镇", "紫金县临江镇", "紫金县蓝塘镇"],
    "LP": ["连平县元善镇东门路", "连平县元善镇环城路康宁小区", "连平县忠信镇", "连平县上坪镇", "连平县隆街镇"],
}

# Towns for stories about farming or village life.
RURAL_PLACES = {
    "YC": ["源城区源南镇", "源城区埔前镇"],
    "DY": ["东源县蓝口镇", "东源县黄田镇", "东源县义合镇", "东源县船塘镇"],
    "HP": ["和平县林寨镇", "和平县彭寨镇", "和平县热水镇"],
    "LC": ["龙川县佗城镇", "龙川县鹤市镇", "龙川县义都镇"],
    "ZJ": ["紫金县古竹镇", "紫金县临江镇", "紫金县蓝塘镇"],
    "LP": ["连平县忠信镇", "连平县上坪镇", "连平县隆街镇"],
}

SURNAMES = ["黄", "陈", "李", "刘", "张", "叶", "邱", "曾", "钟", "赖", "谢", "罗", "林", "廖", "温",
            "何", "骆", "古", "王", "杨", "吴", "朱", "邓", "彭", "巫", "蓝", "丘", "徐", "周", "欧阳"]
GIVEN_NAMES = ["伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
               "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "春梅", "海燕", "文辉", "晓红",
               "国平", "玉珍", "小龙", "美玲", "家豪", "思琪", "俊杰", "雅婷", "子轩", "梓涵", "永和", "少华"]


def _citizen(k: int) -> tuple[str, str]:
    # Name and phone both derive from k, so a returning caller keeps the same name and number.
    k %= 9000
    name = SURNAMES[k % len(SURNAMES)] + GIVEN_NAMES[(k // len(SURNAMES) + k) % len(GIVEN_NAMES)]
    return name, fake_phone(k)


# ---------------------------------------------------------------------------------------------------------------
# Deterministic request generator.
# ---------------------------------------------------------------------------------------------------------------

_TEMPLATES_BY_TYPE = {t["code"]: [i for i, r in enumerate(REQUEST_TEMPLATES) if r["type"] == t["code"]]
                      for t in REQUEST_TYPES}
#: Category code → indexes of the templates about it.
TEMPLATES_BY_CATEGORY: dict[str, list[int]] = {}
for _i, _r in enumerate(REQUEST_TEMPLATES):
    TEMPLATES_BY_CATEGORY.setdefault(_r["category"], []).append(_i)
REPEAT_CALLER_SHARE = 0.1


def _pick(rng, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _local_unit(county: str, category: dict):
    for county_group in COUNTIES:
        if county_group["code"] == county:
            for unit in county_group["units"]:
                if category["level1"] in unit["handles"]:
                    return unit["code"]
    return None


def request_for(i: int, rng, *, template_index: int | None = None, county: str | None = None,
                place: str | None = None) -> dict:
    """Return demo request number ``i``, drawing every choice from ``rng`` (a ``random.Random``).

    Keys: seq, channel, citizen_name, phone, county, address, type, category, title, content, reply, basis, kb,
    unit (the category's default unit), local_unit (the county member unit handling that category group, or None)
    and template (index into REQUEST_TEMPLATES). About REPEAT_CALLER_SHARE of the requests come from an earlier
    caller, so repeat-request checks (Art. 6(8), Art. 11) have something to find. ``template_index``, ``county`` and
    ``place`` fix those choices (a seasonal category, an incident at one place).
    """
    channel = _pick(rng, CHANNEL_WEIGHTS)
    if template_index is None:
        template_index = rng.choice(_TEMPLATES_BY_TYPE[_pick(rng, TYPE_WEIGHTS)])
    template = REQUEST_TEMPLATES[template_index]
    type_ = template["type"]
    county = county or _pick(rng, COUNTY_WEIGHTS)
    place = place or rng.choice((RURAL_PLACES if template["rural"] else PLACES)[county])
    caller = rng.randrange(i) if i > 0 and rng.random() < REPEAT_CALLER_SHARE else i
    name, phone = _citizen(caller)
    category = CATEGORIES_BY_CODE[template["category"]]
    return {
        "seq": i, "channel": channel, "citizen_name": name, "phone": phone, "county": county, "address": place,
        "type": type_, "category": category["code"], "title": template["title"],
        "content": template["content"].format(place=place), "reply": template["reply"].format(place=place),
        "basis": template["basis"], "kb": template["kb"], "unit": category["default_unit"],
        "local_unit": _local_unit(county, category), "template": template_index,
    }
