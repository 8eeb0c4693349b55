"""Hold the fictional Heyuan (河源市) content a seeding command turns into a living demo system.

Pure data plus two small deterministic helpers; standard library only, no database, no project imports.
Every person, phone number, residential compound and event here is invented. Street and town names are public
administrative names used only to make addresses look familiar. Legal citations are for demo replies; a hotline
office should check them before reusing the texts in production.

Unit shape (OFFICE and every item of ALL_UNITS)::

    {"code", "name", "short", "kind", "parent", "county",
     "leader": {"name", "title", "mobile"}, "phone", "duties", "handles"}

``kind`` is one of city_office, county_office, county_government, county_department, city_department, enterprise.
``parent`` is the code of the unit above it in the dispatch tree (None only for the city office). ``handles`` lists
the category groups (CATEGORIES level1) a county member unit takes under 属地管理; it is empty elsewhere.
"""

DEMO_PASSWORD = "demo12345"


def _landline(n: int) -> str:
    # Local numbers in Heyuan never start with 0, so "0762-0xxxxxx" cannot reach a real line.
    return f"0762-0{100000 + n * 7919 % 900000}"


def _staff_mobile(n: int) -> str:
    # 1380000 0001-0999 is reserved for staff; citizens get 1000-9999 from fake_phone().
    return f"1380000{n:04d}"


def fake_phone(i: int) -> str:
    """Return the clearly fictional mobile number of demo citizen ``i``."""
    return f"1380000{1000 + i % 9000:04d}"


def _unit(code, name, short, kind, parent, leader, title, n, duties, county=None, handles=()):
    return {
        "code": code, "name": name, "short": short, "kind": kind, "parent": parent, "county": county,
        "leader": {"name": leader, "title": title, "mobile": _staff_mobile(n)},
        "phone": _landline(n), "duties": duties, "handles": list(handles),
    }


OFFICE = _unit(
    "HY-OFFICE", "河源市12345政府服务热线办公室", "河热线", "city_office", None, "罗振邦", "副主任", 1,
    "负责政府热线的统一受理、按责转办、督办、回访、考核和知识库建设管理。",
)

# ---------------------------------------------------------------------------------------------------------------
# County-level units: each county has a hotline office (second-tier dispatch, Art. 4(3)), its government and a few
# member units. Codes: <county>-OFFICE, <county>-GOV, <county>-<unit abbreviation>.
# ---------------------------------------------------------------------------------------------------------------


def _county(code, name, seat_title, units):
    office = _unit(f"{code}-OFFICE", f"{name}12345热线办", f"{name}热线办", "county_office", OFFICE["code"],
                   *units[0], f"负责{name}政府热线工单的二级分派、协调、督办和考核。", county=code)
    gov = _unit(f"{code}-GOV", f"{name}人民政府", f"{name}政府", "county_government", office["code"],
                units[1][0], seat_title, units[1][1],
                f"承办涉及{name}辖区综合治理、跨部门协调等属地诉求。", county=code)
    members = [_unit(c, n, s, "county_department", office["code"], ln, lt, num, d, county=code, handles=h)
               for c, n, s, ln, lt, num, d, h in units[2:]]
    return {"code": code, "name": name, "units": [office, gov, *members]}


COUNTIES = [
    _county("YC", "源城区", "副区长", [
        ("钟德明", "副主任", 10), ("黄振宇", 11),
        ("YC-ZJJ", "源城区住房和城乡建设局", "源城区住建局", "赖志坚", "副局长", 12,
         "负责区内建筑施工、物业管理和房屋安全监督管理。", ["城乡建设"]),
        ("YC-SCJ", "源城区市场监督管理局", "源城区市监局", "邱美玲", "副局长", 13,
         "负责区内市场主体登记、食品安全、价格和消费维权监督管理。", ["市场监管"]),
        ("YC-XJJD", "源城区新江街道办事处", "新江街道", "刘晓东", "副主任", 14,
         "负责街道辖区市容秩序、社区治理和民生服务工作。", ["城市管理"]),
    ]),
    _county("DY", "东源县", "副县长", [
        ("曾庆华", "副主任", 20), ("叶国良", 21),
        ("DY-SCJ", "东源县市场监督管理局", "东源县市监局", "古丽娟", "副局长", 22,
         "负责县内市场监管、食品安全和消费者权益保护。", ["市场监管"]),
        ("DY-JYJ", "东源县教育局", "东源县教育局", "温建新", "副局长", 23,
         "负责县内义务教育招生、学校管理和校外培训监管。", ["教育"]),
        ("DY-XTZ", "东源县仙塘镇人民政府", "仙塘镇", "谢永红", "副镇长", 24,
         "负责镇域市容秩序、农业农村和基层社会治理工作。", ["城市管理", "农业农村"]),
    ]),
    _county("HP", "和平县", "副县长", [
        ("骆春梅", "副主任", 30), ("林志飞", 31),
        ("HP-ZJJ", "和平县住房和城乡建设局", "和平县住建局", "廖伟文", "副局长", 32,
         "负责县内建筑施工、物业管理和城乡建设监督管理。", ["城乡建设"]),
        ("HP-RSJ", "和平县人力资源和社会保障局", "和平县人社局", "何丽萍", "副局长", 33,
         "负责县内就业、社会保险和劳动保障监察工作。", ["社会保障"]),
        ("HP-YMZ", "和平县阳明镇人民政府", "阳明镇", "朱文辉", "副镇长", 34,
         "负责镇域市容秩序、农业农村和基层社会治理工作。", ["城市管理", "农业农村"]),
    ]),
    _county("LC", "龙川县", "副县长", [
        ("黄秀兰", "副主任", 40), ("邹永强", 41),
        ("LC-SCJ", "龙川县市场监督管理局", "龙川县市监局", "陈立新", "副局长", 42,
         "负责县内市场监管、食品安全和消费者权益保护。", ["市场监管"]),
        ("LC-CGJ", "龙川县城市管理和综合执法局", "龙川县城管局", "刘志刚", "副局长", 43,
         "负责县城市容环境、占道经营和违法建设查处工作。", ["城市管理"]),
        ("LC-LLZ", "龙川县老隆镇人民政府", "老隆镇", "张惠芳", "副镇长", 44,
         "负责镇域农业农村、民政服务和基层社会治理工作。", ["农业农村", "民政"]),
    ]),
    _county("ZJ", "紫金县", "副县长", [
        ("钟碧霞", "副主任", 50), ("蓝海涛", 51),
        ("ZJ-ZJJ", "紫金县住房和城乡建设局", "紫金县住建局", "杨建平", "副局长", 52,
         "负责县内建筑施工、物业管理和城乡建设监督管理。", ["城乡建设"]),
        ("ZJ-ZCZ", "紫金县紫城镇人民政府", "紫城镇", "李梦婷", "副镇长", 53,
         "负责镇域市容秩序、农业农村和基层社会治理工作。", ["城市管理", "农业农村"]),
    ]),
    _county("LP", "连平县", "副县长", [
        ("颜少华", "副主任", 60), ("徐振东", 61),
        ("LP-SCJ", "连平县市场监督管理局", "连平县市监局", "吴淑贞", "副局长", 62,
         "负责县内市场监管、食品安全和消费者权益保护。", ["市场监管"]),
        ("LP-YSZ", "连平县元善镇人民政府", "元善镇", "潘家豪", "副镇长", 63,
         "负责镇域市容秩序、农业农村和基层社会治理工作。", ["城市管理", "农业农村"]),
    ]),
]


def _city(code, name, short, leader, title, n, duties):
    return _unit(code, name, short, "city_department", OFFICE["code"], leader, title, n, duties)


CITY_DEPARTMENTS = [
    _city("HY-GAJ", "河源市公安局", "市公安局", "邓卫国", "副局长", 101,
          "负责户籍、居住证、道路交通秩序和社会治安管理。"),
    _city("HY-RSJ", "河源市人力资源和社会保障局", "市人社局", "李慧敏", "副局长", 102,
          "负责就业、社会保险、社会保障卡和劳动保障监察工作。"),
    _city("HY-ZJJ", "河源市住房和城乡建设局", "市住建局", "陈建国", "副局长", 103,
          "负责建筑施工、物业管理、老旧小区改造和房屋安全监督管理。"),
    _city("HY-ZRZYJ", "河源市自然资源局", "市自然资源局", "黄启明", "副局长", 104,
          "负责国土空间规划、不动产登记和自然资源监督管理。"),
    _city("HY-STHJJ", "河源市生态环境局", "市生态环境局", "巫志勇", "副局长", 105,
          "负责水、大气等环境污染防治的监督管理和执法。"),
    _city("HY-JTYSJ", "河源市交通运输局", "市交通运输局", "欧阳振华", "副局长", 106,
          "负责公交、出租汽车、道路运输管理和公路养护工作。"),
    _city("HY-JYJ", "河源市教育局", "市教育局", "周雅琴", "副局长", 107,
          "负责义务教育招生、学校管理和校外培训监管工作。"),
    _city("HY-WJJ", "河源市卫生健康局", "市卫健局", "袁明辉", "副局长", 108,
          "负责医疗机构管理、医疗服务质量和卫生监督执法。"),
    _city("HY-SCJGJ", "河源市市场监督管理局", "市市场监管局", "罗丽珍", "副局长", 109,
          "负责市场主体登记、食品安全、价格、特种设备和消费维权监督管理。"),
    _city("HY-CGJ", "河源市城市管理和综合执法局", "市城管执法局", "蔡志雄", "副局长", 110,
          "负责市容环境卫生、城市照明、占道经营和违法建设查处。"),
    _city("HY-SWJ", "河源市水务局", "市水务局", "黎少文", "副局长", 111,
          "负责城市排水防涝、水利工程和水资源管理工作。"),
    _city("HY-MZJ", "河源市民政局", "市民政局", "严秀梅", "副局长", 112,
          "负责最低生活保障、特困供养和养老服务等民政工作。"),
    _city("HY-YBJ", "河源市医疗保障局", "市医保局", "林国强", "副局长", 113,
          "负责医疗保险参保、待遇报销、异地就医和医保基金监管。"),
    _city("HY-NYNCJ", "河源市农业农村局", "市农业农村局", "丘永生", "副局长", 114,
          "负责惠农补贴、农资监管和农业农村发展工作。"),
    _city("HY-GJJ", "河源市住房公积金管理中心", "市公积金中心", "范晓敏", "副主任", 115,
          "负责住房公积金的归集、提取、贷款和政策咨询服务。"),
]


def _enterprise(code, name, short, leader, title, n, duties):
    return _unit(code, name, short, "enterprise", OFFICE["code"], leader, title, n, duties)


ENTERPRISES = [
    _enterprise("HY-POWER", "广东电网有限责任公司河源供电局", "河源供电局", "梁伟明", "副局长", 201,
                "负责全市供电服务、停电信息发布和电力故障抢修。"),
    _enterprise("HY-WATER", "河源市供水有限公司", "市供水公司", "彭建华", "副总经理", 202,
                "负责城区供水服务、停水通知和供水管网抢修。"),
    _enterprise("HY-GAS", "河源市燃气有限公司", "市燃气公司", "郭文斌", "副总经理", 203,
                "负责管道燃气供应、用户开户、安全检查和燃气报修。"),
    _enterprise("HY-TELECOM", "中国电信股份有限公司河源分公司", "河源电信", "姚丽君", "副总经理", 204,
                "负责固定电话、宽带和移动通信服务及故障维修。"),
    _enterprise("HY-MOBILE", "中国移动通信集团广东有限公司河源分公司", "河源移动", "冯志成", "副总经理", 205,
                "负责移动通信、宽带服务和基站网络覆盖。"),
]

# Parents always come before their children, so a seeder can insert in this order.
ALL_UNITS = [OFFICE, *(u for c in COUNTIES for u in c["units"]), *CITY_DEPARTMENTS, *ENTERPRISES]
UNITS_BY_CODE = {u["code"]: u for u in ALL_UNITS}

# ---------------------------------------------------------------------------------------------------------------
# Request types, channels and categories (Art. 2, 5, 17(2)).
# ---------------------------------------------------------------------------------------------------------------

REQUEST_TYPES = [
    {"code": "consult", "name": "咨询"},
    {"code": "help", "name": "求助"},
    {"code": "complaint", "name": "投诉"},
    {"code": "report", "name": "举报"},
    {"code": "suggestion", "name": "建议"},
    {"code": "economic", "name": "经济违法"},
]

CHANNELS = [
    {"code": "phone", "name": "电话"},
    {"code": "web", "name": "网站"},
    {"code": "wechat", "name": "微信"},
    {"code": "app", "name": "手机APP"},
]

# Rough demo mix: calls dominate; consultations and complaints are the bulk of the traffic.
CHANNEL_WEIGHTS = {"phone": 55, "web": 10, "wechat": 20, "app": 15}
TYPE_WEIGHTS = {"consult": 30, "help": 15, "complaint": 30, "report": 10, "suggestion": 8, "economic": 7}
COUNTY_WEIGHTS = {"YC": 25, "DY": 15, "HP": 12, "LC": 20, "ZJ": 18, "LP": 10}


def _cat(code, level1, level2, unit):
    return {"code": code, "level1": level1, "level2": level2, "name": f"{level1}/{level2}", "default_unit": unit}


CATEGORIES = [
    _cat("construction.noise", "城乡建设", "噪音扰民", "HY-ZJJ"),
    _cat("construction.property", "城乡建设", "物业管理", "HY-ZJJ"),
    _cat("construction.old_community", "城乡建设", "老旧小区改造", "HY-ZJJ"),
    _cat("social.card", "社会保障", "社保卡", "HY-RSJ"),
    _cat("social.wage", "社会保障", "欠薪讨薪", "HY-RSJ"),
    _cat("social.pension", "社会保障", "养老保险", "HY-RSJ"),
    _cat("civil.assistance", "民政", "最低生活保障", "HY-MZJ"),
    _cat("civil.elderly", "民政", "养老服务", "HY-MZJ"),
    _cat("market.consumer", "市场监管", "消费维权", "HY-SCJGJ"),
    _cat("market.food", "市场监管", "食品安全", "HY-SCJGJ"),
    _cat("market.price", "市场监管", "价格收费", "HY-SCJGJ"),
    _cat("market.elevator", "市场监管", "电梯安全", "HY-SCJGJ"),
    _cat("market.counterfeit", "市场监管", "假冒伪劣", "HY-SCJGJ"),
    _cat("market.advert", "市场监管", "虚假宣传", "HY-SCJGJ"),
    _cat("market.mlm", "市场监管", "传销", "HY-SCJGJ"),
    _cat("market.unlicensed", "市场监管", "无照经营", "HY-SCJGJ"),
    _cat("transport.bus", "交通运输", "公交服务", "HY-JTYSJ"),
    _cat("transport.taxi", "交通运输", "出租汽车", "HY-JTYSJ"),
    _cat("transport.road", "交通运输", "公路养护", "HY-JTYSJ"),
    _cat("police.parking", "公安", "违法停车", "HY-GAJ"),
    _cat("police.residence", "公安", "户籍居住证", "HY-GAJ"),
    _cat("police.social_noise", "公安", "社会生活噪声", "HY-GAJ"),
    _cat("env.sewage", "生态环境", "污水排放", "HY-STHJJ"),
    _cat("env.air", "生态环境", "废气排放", "HY-STHJJ"),
    _cat("utility.water", "公用事业", "停水", "HY-WATER"),
    _cat("utility.power", "公用事业", "停电", "HY-POWER"),
    _cat("utility.gas", "公用事业", "燃气服务", "HY-GAS"),
    _cat("utility.telecom", "公用事业", "通信网络", "HY-TELECOM"),
    _cat("education.enrollment", "教育", "入学", "HY-JYJ"),
    _cat("education.training", "教育", "校外培训", "HY-JYJ"),
    _cat("health.insurance", "医疗卫生", "医保报销", "HY-YBJ"),
    _cat("health.enrolment", "医疗卫生", "医保参保", "HY-YBJ"),
    _cat("health.service", "医疗卫生", "医疗服务", "HY-WJJ"),
    _cat("housing.fund", "住房", "公积金提取", "HY-GJJ"),
    _cat("housing.registration", "住房", "不动产登记", "HY-ZRZYJ"),
    _cat("urban.vending", "城市管理", "占道经营", "HY-CGJ"),
    _cat("urban.illegal_building", "城市管理", "违法建设", "HY-CGJ"),
    _cat("urban.streetlight", "城市管理", "路灯照明", "HY-CGJ"),
    _cat("urban.fumes", "城市管理", "餐饮油烟", "HY-CGJ"),
    _cat("urban.sanitation", "城市管理", "环境卫生", "HY-CGJ"),
    _cat("water.waterlogging", "水务", "排水内涝", "HY-SWJ"),
    _cat("agri.subsidy", "农业农村", "惠农补贴", "HY-NYNCJ"),
]
CATEGORIES_BY_CODE = {c["code"]: c for c in CATEGORIES}

# ---------------------------------------------------------------------------------------------------------------
# Demo users, one per role (DOMAIN.md §1), all with DEMO_PASSWORD.
# ---------------------------------------------------------------------------------------------------------------

ROLES = {
    "agent": "话务员", "dispatcher": "派单员", "reviewer": "审核员", "supervisor": "督办员",
    "county_dispatcher": "县级热线办", "receiver": "受理人", "handler": "经办人", "unit_leader": "分管领导",
    "kb_editor": "信息采编员", "process_owner": "流程管理员", "city_leader": "市领导", "admin": "系统管理员",
}


def _user(username, display_name, role, unit, n):
    return {"username": username, "display_name": display_name, "role": role, "unit": unit,
            "phone": _staff_mobile(n)}


# The city leader belongs to the city government, which is not a hotline unit: unit is None.
# unit_leader is the same person as HY-ZJJ's 分管领导 and shares that mobile number.
NAMED_USERS = [
    _user("agent", "林小雅", "agent", "HY-OFFICE", 501),
    _user("dispatcher", "黄志明", "dispatcher", "HY-OFFICE", 502),
    _user("reviewer", "邱丽华", "reviewer", "HY-OFFICE", 503),
    _user("supervisor", "曾国栋", "supervisor", "HY-OFFICE", 504),
    _user("county_dispatcher", "刘海燕", "county_dispatcher", "YC-OFFICE", 505),
    _user("receiver", "张伟强", "receiver", "HY-ZJJ", 506),
    _user("handler", "钟文静", "handler", "HY-ZJJ", 507),
    _user("unit_leader", "陈建国", "unit_leader", "HY-ZJJ", 103),
    _user("kb_editor", "谢雨婷", "kb_editor", "HY-ZJJ", 508),
    _user("process_owner", "叶振华", "process_owner", "HY-OFFICE", 509),
    _user("city_leader", "王志远", "city_leader", None, 510),
    _user("admin", "赖俊杰", "admin", "HY-OFFICE", 511),
    _user("receiver2", "何秀英", "receiver", "HY-RSJ", 512),
    _user("handler2", "骆嘉欣", "handler", "HY-RSJ", 513),
    _user("receiver3", "温晓峰", "receiver", "YC-ZJJ", 514),
    _user("handler3", "古佳慧", "handler", "YC-ZJJ", 515),
]

# Every unit a demo ticket can be dispatched to — as lead, as co-handler, or a county office dispatching again —
# has someone to sign in as for each of its tasks, so every journey can be clicked through: a 受理人 and an 经办人
# (and the unit's 分管领导 for supervision, the same person and mobile as the unit's leader) per handling unit, a
# 县级热线办 dispatcher per county office. The named users above cover their units' roles; the rest are named after
# the unit's code: hy-gaj-receiver, hy-gaj-handler, hy-gaj-leader, dy-office-dispatcher.
DISPATCH_KINDS = ("county_government", "county_department", "city_department", "enterprise")
UNIT_STAFF_ROLES = (("receiver", "receiver", "受理人"), ("handler", "handler", "经办人"),
                    ("unit_leader", "leader", None))


def _unit_staff(named: list[dict]) -> list[dict]:
    taken = {(u["unit"], u["role"]) for u in named}
    staff, n = [], 600
    for unit in ALL_UNITS:
        if unit["kind"] == "county_office":
            roles = (("county_dispatcher", "dispatcher", "派单员"),)
        elif unit["kind"] in DISPATCH_KINDS:
            roles = UNIT_STAFF_ROLES
        else:
            continue
        for role, suffix, title in roles:
            if (unit["code"], role) in taken:
                continue
            username = f"{unit['code'].lower()}-{suffix}"
            if role == "unit_leader":
                leader = unit["leader"]
                staff.append({"username": username, "display_name": leader["name"], "role": role,
                              "unit": unit["code"], "phone": leader["mobile"]})
            else:
                staff.append(_user(username, f"{unit['short']}{title}", role, unit["code"], n))
                n += 1
    return staff


UNIT_STAFF = _unit_staff(NAMED_USERS)
DEMO_USERS = [*NAMED_USERS, *UNIT_STAFF]
