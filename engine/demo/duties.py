"""The demo units' duty lists (职责清单): for each unit, the matters of its 三定方案 and 权责清单 as keywords, the
categories it takes and the areas it covers. Pure data plus :func:`seed_duties`; invented for the fictional Heyuan
demo (the duty summaries in ``content.py`` are the units' one-line 三定 descriptions).

County units cover their own county (and a town government only its town), so a dispatch suggestion names them for
an address there only (属地管理); city departments and the enterprises cover the whole city.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Unit, UnitDuty

SANDING = "三定方案"
QUANZE = "权责清单"


def _d(title: str, keywords: str, categories: str = "", basis: str = QUANZE) -> tuple:
    return title, keywords.split(), categories.split(), basis


COUNTY_TOWNS = {
    "YC": ("源城区", "新江街道 上城街道 东埔街道 源西街道 高埔岗街道 埔前镇 源南镇"),
    "DY": ("东源县", "仙塘镇 蓝口镇 黄田镇 义合镇 船塘镇"),
    "HP": ("和平县", "阳明镇 林寨镇 彭寨镇 热水镇"),
    "LC": ("龙川县", "老隆镇 佗城镇 鹤市镇 义都镇"),
    "ZJ": ("紫金县", "紫城镇 古竹镇 临江镇 蓝塘镇"),
    "LP": ("连平县", "元善镇 忠信镇 上坪镇 隆街镇"),
}

# City departments and enterprises: citywide.
CITY: dict[str, list[tuple]] = {
    "HY-GAJ": [
        _d("户籍与居住证管理", "户籍 户口 迁户 落户 居住证 身份证 派出所", "公安/户籍居住证", SANDING),
        _d("道路交通秩序和违法停车查处", "违停 乱停车 停车 占用消防通道 交通秩序 电动车", "公安/违法停车"),
        _d("社会生活噪声和治安", "狗叫 广场舞 音响 卡拉OK 唱K 装修 夜宵 喇叭 扰民", "公安/社会生活噪声"),
    ],
    "HY-RSJ": [
        _d("社会保障卡服务", "社保卡 补办 挂失 激活", "社会保障/社保卡", SANDING),
        _d("劳动保障监察（欠薪）", "欠薪 拖欠 工资 讨薪 包工头 农民工 劳动合同 加班费 跑路", "社会保障/欠薪讨薪"),
        _d("养老保险经办", "养老保险 退休 缴费年限 补缴 养老金", "社会保障/养老保险"),
    ],
    "HY-ZJJ": [
        _d("建筑施工监管", "施工 工地 打桩 夜间施工 噪音 泥头车 围挡", "城乡建设/噪音扰民", SANDING),
        _d("物业管理监督", "物业 物业费 公摊 业主大会 维修资金 消防通道", "城乡建设/物业管理"),
        _d("老旧小区改造与房屋安全", "老旧小区 改造 加装电梯 危房 漏水 天面 外墙 房屋安全 裂缝 竣工验收 安置房",
           "城乡建设/老旧小区改造"),
    ],
    "HY-ZRZYJ": [
        _d("不动产登记", "不动产 房产证 产权 登记 过户 查询", "住房/不动产登记", SANDING),
        _d("国土空间和耕地保护", "规划 占用耕地 基本农田 采石场 矿山 地质灾害"),
    ],
    "HY-STHJJ": [
        _d("水污染防治执法", "污水 排污 偷排 废水 河水发黑 养猪场 泔水 化粪池", "生态环境/污水排放", SANDING),
        _d("大气污染防治执法", "废气 臭气 异味 扬尘 粉尘 烟囱 刺鼻 放炮", "生态环境/废气排放"),
    ],
    "HY-JTYSJ": [
        _d("公交和班车服务", "公交 巴士 班车 线路 站点 校车 过站不停", "交通运输/公交服务", SANDING),
        _d("出租汽车监管", "出租车 的士 拒载 绕路 不打表 网约车 一口价", "交通运输/出租汽车"),
        _d("公路养护", "公路 路面 路坑 塌陷 国道 省道 县道 村道", "交通运输/公路养护"),
    ],
    "HY-JYJ": [
        _d("义务教育招生", "入学 学位 报名 转学 随迁子女 一年级 学区", "教育/入学", SANDING),
        _d("校外培训监管", "补课 校外培训 培训班 补习班 办学许可", "教育/校外培训"),
    ],
    "HY-WJJ": [
        _d("医疗机构和医疗服务监管", "医院 诊所 无证行医 行医 医生 吊针 打针 看病 医疗纠纷 卫生院", "医疗卫生/医疗服务",
           SANDING),
    ],
    "HY-SCJGJ": [
        _d("食品安全监管", "食品 食物中毒 变质 过期 餐馆 快餐 超市 卫生许可", "市场监管/食品安全", SANDING),
        _d("价格监督检查", "价格 收费 乱收费 涨价 标价 停车费 明码标价", "市场监管/价格收费"),
        _d("特种设备（电梯）安全", "电梯 困人 年检 扶梯 特种设备", "市场监管/电梯安全"),
        _d("消费维权", "消费 退款 缺斤少两 假货 保健品 预付卡 商家", "市场监管/消费维权 市场监管/假冒伪劣 "
                                                        "市场监管/虚假宣传"),
        _d("无照经营和传销查处", "无照经营 传销 拉人头", "市场监管/无照经营 市场监管/传销"),
        _d("药品监管", "药品 假药 药店 医疗器械"),
    ],
    "HY-CGJ": [
        _d("市容和占道经营管理", "占道 摆摊 走鬼 流动摊贩 乱摆卖 夜市", "城市管理/占道经营", SANDING),
        _d("违法建设查处", "违建 违法建设 私搭乱建 加建 加盖 报建 铁皮房 天台", "城市管理/违法建设"),
        _d("城市照明", "路灯 照明 街灯", "城市管理/路灯照明"),
        _d("餐饮油烟和环境卫生", "油烟 烧烤 垃圾 环境卫生 清扫 建筑垃圾", "城市管理/餐饮油烟 城市管理/环境卫生"),
    ],
    "HY-SWJ": [
        _d("城市排水防涝", "积水 水浸 内涝 排水 下水道 雨水井 河堤 堤坝", "水务/排水内涝", SANDING),
    ],
    "HY-MZJ": [
        _d("社会救助", "低保 最低生活保障 特困 临时救助 困难家庭", "民政/最低生活保障", SANDING),
        _d("养老服务", "养老 敬老院 长者饭堂 老年人 高龄津贴", "民政/养老服务"),
    ],
    "HY-YBJ": [
        _d("医疗保障经办", "医保 报销 异地就医 备案 参保 新生儿 门诊", "医疗卫生/医保报销 医疗卫生/医保参保", SANDING),
    ],
    "HY-NYNCJ": [
        _d("惠农补贴和农资监管", "补贴 种粮 农资 化肥 种子 农药 农机", "农业农村/惠农补贴", SANDING),
    ],
    "HY-GJJ": [
        _d("住房公积金归集和提取", "公积金 提取 贷款 缴存 租房提取", "住房/公积金提取", SANDING),
    ],
    "HY-POWER": [
        _d("供电服务和故障抢修", "停电 断电 电压 跳闸 供电 电表 电线 抢修", "公用事业/停电", SANDING),
    ],
    "HY-WATER": [
        _d("供水服务和管网抢修", "停水 水压 水质 自来水 水龙头 水管 爆管 水表 来水", "公用事业/停水", SANDING),
    ],
    "HY-GAS": [
        _d("燃气供应和安全", "燃气 煤气 漏气 燃气泄漏 管道气 液化气 开户", "公用事业/燃气服务", SANDING),
    ],
    "HY-TELECOM": [
        _d("固话和宽带服务", "宽带 网络 断网 网速 固话 电信 光纤", "公用事业/通信网络", SANDING),
    ],
    "HY-MOBILE": [
        _d("移动通信和基站", "信号 基站 移动 手机信号 流量 话费", "", SANDING),
    ],
}

# County units by the suffix of their code; each gets its county (or town) as area.
COUNTY: dict[str, list[tuple]] = {
    "GOV": [_d("属地综合治理和跨部门协调", "属地 综合治理 征地 拆迁 村委会 协调", "", SANDING)],
    "ZJJ": [
        _d("县域建筑施工监管", "施工 工地 打桩 夜间施工 噪音 泥头车 围挡", "城乡建设/噪音扰民", SANDING),
        _d("县域物业管理", "物业 物业费 公摊 业主 维修资金", "城乡建设/物业管理"),
        _d("县域老旧小区改造与房屋安全", "老旧小区 改造 危房 漏水 天面 外墙 房屋安全 裂缝 竣工验收 安置房",
           "城乡建设/老旧小区改造"),
    ],
    "SCJ": [
        _d("县域食品安全", "食品 食物中毒 变质 过期 餐馆 快餐 超市", "市场监管/食品安全", SANDING),
        _d("县域价格和消费维权", "价格 收费 乱收费 涨价 标价 消费 缺斤少两 保健品 退款 假冒 假货 伪劣",
           "市场监管/价格收费 市场监管/消费维权 市场监管/假冒伪劣 市场监管/虚假宣传"),
        _d("县域电梯安全", "电梯 困人 年检", "市场监管/电梯安全"),
    ],
    "JYJ": [
        _d("县域义务教育招生", "入学 学位 报名 转学 校车 一年级", "教育/入学", SANDING),
        _d("县域校外培训监管", "补课 校外培训 培训班 补习班", "教育/校外培训"),
    ],
    "RSJ": [
        _d("县域劳动保障监察", "欠薪 拖欠 工资 讨薪 包工头 农民工 跑路", "社会保障/欠薪讨薪", SANDING),
        _d("县域养老保险经办", "养老保险 退休 缴费年限 补缴", "社会保障/养老保险"),
    ],
    "CGJ": [
        _d("县城市容和占道经营", "占道 摆摊 走鬼 流动摊贩 乱摆卖", "城市管理/占道经营", SANDING),
        _d("县城违法建设查处", "违建 违法建设 私搭乱建 加建", "城市管理/违法建设"),
        _d("县城路灯和环境卫生", "路灯 街灯 垃圾 油烟 烧烤 环境卫生",
           "城市管理/路灯照明 城市管理/环境卫生 城市管理/餐饮油烟"),
    ],
}
# A street office or town government: what content.py says it handles (城市管理, 农业农村, 民政) in its own town.
TOWN = {
    "城市管理": _d("镇街市容秩序", "占道 摆摊 走鬼 乱摆卖 路灯 街灯 垃圾 油烟 烧烤 违建 私搭乱建",
                   "城市管理/占道经营 城市管理/路灯照明 城市管理/环境卫生 城市管理/餐饮油烟 城市管理/违法建设", SANDING),
    "农业农村": _d("镇域农业农村", "补贴 种粮 农资 化肥 种子 农药 农田 耕地 农机", "农业农村/惠农补贴"),
    "民政": _d("镇域民政服务", "低保 最低生活保障 长者饭堂 养老 特困 临时救助", "民政/最低生活保障 民政/养老服务"),
}
TOWN_UNITS = {"YC-XJJD": ("新江街道", ("城市管理",)), "DY-XTZ": ("仙塘镇", ("城市管理", "农业农村")),
              "HP-YMZ": ("阳明镇", ("城市管理", "农业农村")), "LC-LLZ": ("老隆镇", ("农业农村", "民政")),
              "ZJ-ZCZ": ("紫城镇", ("城市管理", "农业农村")), "LP-YSZ": ("元善镇", ("城市管理", "农业农村"))}


def duties_for(code: str) -> tuple[list[tuple], list[str]]:
    """A unit's duty items and areas by its code (no items for a unit the demo gives none)."""
    if code in CITY:
        return CITY[code], []
    county, _, rest = code.partition("-")
    if county not in COUNTY_TOWNS:
        return [], []
    name, towns = COUNTY_TOWNS[county]
    if code in TOWN_UNITS:
        town, groups = TOWN_UNITS[code]
        return [TOWN[g] for g in groups], [town]
    return COUNTY.get(rest, []), [name, *towns.split()]


def seed_duties(session: Session, units: dict[str, Unit], now: datetime) -> int:
    """Give every demo unit without a duty list its list; return the number of items added."""
    have = set(session.scalars(select(UnitDuty.unit_id)))
    added = 0
    for code, unit in units.items():
        if unit.id in have:
            continue
        items, areas = duties_for(code)
        for title, keywords, categories, basis in items:
            session.add(UnitDuty(unit_id=unit.id, title=title, keywords=keywords, categories=categories,
                                 areas=areas, basis=basis, active=True, updated_at=now))
            added += 1
    session.flush()
    return added
