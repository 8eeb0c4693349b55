"""Specimens of the office's reports — 工作简报, 专报, 考核通报 — with invented figures and their charts."""
from __future__ import annotations

import datetime as dt

from .charts import bar_chart
from .specimen_facts import OFFICE_CONTACT, doc_number


def _share_rows(counts: dict[str, int], previous: dict[str, int]) -> list[list[str]]:
    total = sum(counts.values())
    rows = [[name, f"{count:,}", f"{count / total:.1%}", f"{(count - previous[name]) / previous[name]:+.1%}"]
            for name, count in counts.items()]
    rows.append(["合计", f"{total:,}", "100.0%", f"{(total - sum(previous.values())) / sum(previous.values()):+.1%}"])
    return rows


def _work_brief() -> dict:
    counts = {"咨询": 26480, "求助": 3215, "投诉": 6870, "举报": 1106, "建议": 874, "经济违法": 107}
    previous = {"咨询": 25630, "求助": 3102, "投诉": 6411, "举报": 1121, "建议": 690, "经济违法": 118}
    return {
        "number": doc_number("work_brief", 11),
        "date": dt.date(2026, 12, 3),
        "issue": 11,
        "period": "2026年11月1日至11月30日",
        "overview": [
            f"11月，市12345政府服务热线共受理群众诉求{sum(counts.values()):,}件，其中电话渠道31,208件、网站2,137件、微信4,416件、手机APP891件。"
            "即时答复咨询类诉求24,310件；形成工单14,342件，转派承办单位112个。",
            "工单签收及时率99.1%，按时办结率96.4%，回访满意率93.8%；发出预警1,204次、黄牌186次、红牌23次，启动督办31件，发回重办57件。",
        ],
        "tables": [
            {"caption": "表1　11月诉求类型分布", "columns": ["诉求类型", "件数", "占比", "环比"],
             "rows": _share_rows(counts, previous), "numeric_from": 1},
            {"caption": "表2　工单量前五位承办单位", "columns": ["承办单位", "工单量", "按时办结率", "满意率"],
             "rows": [["源城区人民政府", "2,318", "97.2%", "94.1%"], ["河源市住房和城乡建设局", "1,126", "95.8%", "91.3%"],
                      ["河源市医疗保障局", "987", "98.9%", "95.6%"], ["东源县人民政府", "954", "96.1%", "93.0%"],
                      ["河源市城市管理和综合执法局", "902", "94.7%", "90.2%"]],
             "numeric_from": 1},
        ],
        "charts": [{"title": "11月诉求类型分布（件）", "src": bar_chart(list(counts), list(counts.values()))}],
        "hotspots": [
            {"topic": "建筑施工噪声扰民", "count": 412,
             "note": "集中在源城区新江、东埔街道及江东新区在建工地，夜间施工投诉占87%，重复投诉率较高，红牌工单中占5件。"},
            {"topic": "城乡居民医保缴费", "count": 356,
             "note": "2026年度缴费标准调整后咨询量明显上升，知识库相关知识点更新滞后，已向河源市医疗保障局发出纠错通知。"},
            {"topic": "电动自行车充电设施不足", "count": 203, "note": "老旧小区充电设施缺口较大，涉及住建、消防、街道多个单位，属职责交叉的难点问题。"},
        ],
        "suggestions": [
            "建议住房和城乡建设部门开展在建工地夜间施工专项整治，建立夜间施工噪声投诉快速处置机制。",
            "建议各承办单位对照政策调整及时更新知识库，政策实施前7个工作日完成上传。",
        ],
        "report_to": "市政府领导",
        "send_to": ["市政府办公室", "市政务服务数据管理局"],
        "distribute_to": ["各县（区）热线办", "市直各承办单位"],
    }


def _special_report() -> dict:
    days = [("11-01", 9), ("11-05", 11), ("11-10", 14), ("11-15", 22), ("11-20", 31), ("11-25", 38), ("11-30", 35)]
    return {
        "number": doc_number("special_report", 3),
        "date": dt.date(2026, 12, 2),
        "issue": 3,
        "subject": "城乡建设/噪音扰民类诉求",
        "period": "2026年11月1日至11月30日",
        "overview": [
            "11月，市12345政府服务热线受理城乡建设/噪音扰民类诉求412件，较上一期间（197件）增长109.1%，"
            "占全部诉求的1.1%；其中投诉378件、咨询21件、举报13件。",
            "已办结355件，按时办结率94.6%；有效评价301件，满意率88.7%；重办6件，督办5件。",
        ],
        "tables": [
            {"caption": "表1　主要承办单位", "columns": ["承办单位", "工单量", "按时办结率", "满意率"],
             "rows": [["源城区人民政府", "231", "95.1%", "89.4%"], ["河源市住房和城乡建设局", "118", "93.2%", "86.0%"],
                      ["江东新区管委会", "63", "96.8%", "91.5%"]], "numeric_from": 1},
        ],
        "charts": [{"title": "每日受理量（件）", "src": bar_chart([d for d, _ in days], [n for _, n in days])}],
        "analysis": ["诉求集中在源城区新江、东埔街道在建工地夜间施工，投诉时段集中在22时至次日2时。"],
        "suggestions": ["建议住房和城乡建设部门开展夜间施工专项检查，公布夜间施工许可信息。"],
        "report_to": "市政府领导",
        "send_to": ["市住房和城乡建设局", "源城区人民政府"],
    }


_ASSESSED_UNITS = [
    # unit, tickets, signed on time, handled on time, satisfied, redo rate, return rate, knowledge-base points (of 10)
    ("源城区人民政府", 6712, 0.998, 0.975, 0.952, 0.006, 0.011, 9.5),
    ("河源市医疗保障局", 2874, 1.000, 0.991, 0.958, 0.004, 0.006, 7.0),
    ("东源县人民政府", 2915, 0.996, 0.968, 0.941, 0.007, 0.015, 9.0),
    ("河源市人力资源和社会保障局", 1803, 0.999, 0.984, 0.937, 0.005, 0.009, 9.5),
    ("广东电网有限责任公司河源供电局", 1522, 1.000, 0.993, 0.962, 0.003, 0.004, 10.0),
    ("河源市住房和城乡建设局", 3310, 0.992, 0.951, 0.908, 0.012, 0.021, 8.5),
    ("河源市城市管理和综合执法局", 2688, 0.990, 0.946, 0.902, 0.014, 0.018, 8.0),
    ("河源市江东新区管理委员会", 1207, 0.988, 0.953, 0.915, 0.010, 0.024, 7.5),
]


def _assessment_rows() -> list[list[str]]:
    scored = []
    for unit, tickets, signed, on_time, satisfied, redo, returned, kb in _ASSESSED_UNITS:
        score = (15 * signed + 25 * on_time + 35 * satisfied + 10 * max(0.0, 1 - redo * 20)
                 + 5 * max(0.0, 1 - returned * 10) + kb)
        scored.append((score, unit, tickets, signed, on_time, satisfied, redo, returned, kb))
    scored.sort(reverse=True)
    return [[str(rank), unit, f"{tickets:,}", f"{signed:.1%}", f"{on_time:.1%}", f"{satisfied:.1%}", f"{redo:.1%}",
             f"{returned:.1%}", f"{kb:g}", f"{score:.2f}"]
            for rank, (score, unit, tickets, signed, on_time, satisfied, redo, returned, kb) in enumerate(scored, 1)]


def _assessment_bulletin() -> dict:
    rows = _assessment_rows()
    return {
        "number": doc_number("assessment_bulletin", 4),
        "date": dt.date(2026, 10, 15),
        "addressee": "各县（区）热线办，市直各承办单位",
        "period": "2026年第三季度",
        "overview": [
            "第三季度，市12345政府服务热线共形成工单41,206件，签收及时率99.4%，按时办结率96.8%，回访满意率93.5%，重办率0.8%，退单率1.4%。"
            "各承办单位总体能够按照规定时限办理群众诉求，办理质量稳步提升。",
        ],
        "method": "考核采用百分制：签收及时率15分、按时办结率25分、满意率35分、重办率10分、退单率5分、知识库维护10分。",
        "tables": [
            {"caption": "表1　2026年第三季度承办单位考核结果（部分）",
             "columns": ["排名", "承办单位", "工单量", "签收及时率", "按时办结率", "满意率", "重办率", "退单率", "知识库", "得分"],
             "rows": rows, "numeric_from": 2},
        ],
        "charts": [{"title": "各承办单位综合得分", "src": bar_chart([row[1] for row in rows],
                                                                        [float(row[-1]) for row in rows])}],
        "findings": [
            "个别单位延期后仍逾期办结，红牌工单主要集中在建筑施工噪声和违法建设类诉求。",
            "部分单位知识库更新不及时，医保缴费、社保待遇等政策调整后相关知识点未在实施前完成更新。",
        ],
        "requirements": [
            "排名后三位的单位要认真分析原因，于2026年10月30日前向市热线办报送整改措施。",
            "各单位要严格落实“谁提供、谁维护、谁负责”原则，政策实施7个工作日前完成知识库更新。",
        ],
        "contact": OFFICE_CONTACT,
        "cc": ["市政府办公室", "市政务服务数据管理局"],
    }


REPORT_BUILDERS = {
    "work_brief": _work_brief,
    "assessment_bulletin": _assessment_bulletin,
    "special_report": _special_report,
}
