"""Provide realistic demo facts for every document kind (Heyuan, a night-time construction noise complaint).

Used by ``flask documents specimen KIND OUT.pdf``, the tests and the benchmark. All people, phone numbers and
projects are invented.
"""

from __future__ import annotations

import datetime as dt

from .kinds import KINDS, DocumentError, get_kind
from .specimen_facts import (
    CO_UNIT,
    LEAD_UNIT,
    NOISE_COMPLAINT,
    OFFICE_CONTACT,
    TICKET_NO,
    at,
    doc_number,
    end_of,
)
from .specimens_reports import REPORT_BUILDERS

__all__ = ["KINDS", "specimen_context"]


def _refusal_notice() -> dict:
    return {
        "number": doc_number("refusal_notice", 31),
        "date": dt.date(2026, 11, 25),
        "addressee": "黄女士",
        "ticket_no": "HL20261125000087",
        "received_at": at(2026, 11, 25, 10, 26),
        "channel": "电话",
        "content_summary": "您与源城区某装修公司因装修合同纠纷已向源城区人民法院提起诉讼，现要求政府热线督促法院尽快开庭审理并判令对方退还装修款",
        "reason_code": 5,
        "explanation": "您反映的合同纠纷已进入诉讼程序，依法应由人民法院审理裁判，行政机关和政府热线无权干预审判活动。",
        "suggestion": "建议您通过源城区人民法院诉讼服务中心或12368诉讼服务热线了解案件进展。",
        "contact": {"name": "热线话务员（工号1027）", "phone": "12345"},
    }


def _return_explanation() -> dict:
    return {
        "number": doc_number("return_explanation", 58),
        "date": dt.date(2026, 11, 25),
        "unit": "河源市生态环境局源城分局",
        "ticket_no": TICKET_NO,
        "ticket_type": "投诉",
        "content_summary": NOISE_COMPLAINT,
        "received_at": at(2026, 11, 25, 9, 40),
        "returned_at": at(2026, 11, 25, 14, 20),
        "return_due": end_of(2026, 11, 26),
        "reason": "经核实，诉求人反映的噪声来源为房屋建筑工程施工工地的夜间施工作业。建筑施工噪声污染防治的监督管理由住房和城乡建设主管部门负责，"
                  "不属于我局职责范围。",
        "legal_basis": [
            "《中华人民共和国噪声污染防治法》第八条：住房和城乡建设等部门在各自职责范围内，对建筑施工噪声污染防治实施监督管理。",
            "源城区有关部门职责分工文件：房屋建筑和市政基础设施工程施工噪声由区住房和城乡建设局负责监督管理。",
        ],
        "suggested_unit": LEAD_UNIT,
        "suggestion": "并由新江街道办事处配合开展现场劝导",
        "handler": "刘海燕",
        "contact": {"name": "刘海燕", "phone": "0762-3362107"},
    }


def _extension_form() -> dict:
    return {
        "number": doc_number("extension_form", 77),
        "date": dt.date(2026, 12, 3),
        "unit": LEAD_UNIT,
        "ticket_no": TICKET_NO,
        "ticket_type": "投诉",
        "content_summary": NOISE_COMPLAINT,
        "received_at": at(2026, 11, 25, 16, 5),
        "original_deadline": end_of(2026, 12, 9),
        "requested_days": 5,
        "requested_deadline": end_of(2026, 12, 16),
        "reason": "经现场核查，该工地夜间施工涉及混凝土连续浇筑工艺，施工单位称已申请夜间施工证明。"
                  "需会同源城区城市管理和综合执法局、新江街道办事处开展夜间联合执法和噪声监测，并核实证明办理情况，无法在原时限内办结。",
        "applicant": "李明华",
        "applicant_phone": "0762-3326018",
        "applied_at": at(2026, 12, 3, 10, 20),
        "leader": "陈建国",
        "leader_signed_at": at(2026, 12, 3, 10, 5),
        "decision": "approved",
        "new_deadline": end_of(2026, 12, 16),
        "reviewer": "王晓敏",
        "decided_at": at(2026, 12, 3, 16, 0),
        "citizen_informed": "已于2026年12月3日16:30以短信告知诉求人延期情况及新的办理时限。",
    }


def _supervision_notice() -> dict:
    return {
        "number": doc_number("supervision_notice", 12),
        "date": dt.date(2026, 12, 18),
        "addressee": LEAD_UNIT,
        "ticket_no": TICKET_NO,
        "ticket_type": "投诉",
        "received_at": at(2026, 11, 25, 16, 5),
        "deadline": end_of(2026, 12, 16),
        "content_summary": NOISE_COMPLAINT,
        "co_units": [CO_UNIT],
        "reason_code": "red_card",
        "card_at": end_of(2026, 12, 17),
        "reason_detail": "该工单经批准延期至2026年12月16日24时，逾期仍未办结答复，于2026年12月17日24时亮红牌",
        "opened_at": at(2026, 12, 18, 8, 30),
        "reply_due": end_of(2026, 12, 22),
        "contact": OFFICE_CONTACT,
    }


def _written_explanation() -> dict:
    return {
        "number": doc_number("written_explanation", 9),
        "date": dt.date(2026, 12, 21),
        "unit": LEAD_UNIT,
        "ticket_no": TICKET_NO,
        "supervision_number": doc_number("supervision_notice", 12),
        "supervision_received_at": at(2026, 12, 18, 9, 2),
        "content_summary": NOISE_COMPLAINT,
        "reason_code": "red_card",
        "explanation": [
            "我局于2026年11月26日签收该工单后，组织执法人员于11月27日、12月1日夜间两次到场核查，确认该项目施工单位在未取得夜间施工证明的情况下于22时后进行混凝土浇筑作业。",
            "因需联合源城区城市管理和综合执法局开展夜间噪声监测并固定证据，我局申请延期5个工作日并获批准。延期期间，因监测设备调配不及时、经办人员对延期后的时限把握不准，"
            "未能在2026年12月16日24时前办结答复，导致工单亮红牌。对此我局深刻反思，已对相关人员进行批评教育。",
            "已采取的整改措施：2026年12月18日晚，会同源城区城市管理和综合执法局、新江街道办事处开展夜间联合执法，现场责令施工单位停止夜间违规作业；委托第三方检测机构于12月18日、19日夜间进行噪声监测，监测结果超过《建筑施工场界环境噪声排放标准》（GB 12523-2011）夜间限值，已依法立案调查；约谈施工单位项目负责人，督促其制定施工降噪方案、调整混凝土浇筑时段，确需夜间连续施工的须依法取得证明并公告周边居民；在工地周边设置投诉公示牌，公布我局监督电话，安排新江街道网格员每晚巡查。",
        ],
        "result": "截至2026年12月20日，该工地已停止22时后施工作业，连续两晚巡查未发现违规施工。我局已于2026年12月21日电话联系诉求人告知办理结果，并通过热线平台回复工单。",
        "next_steps": "持续开展夜间巡查，对施工单位的违法行为依法作出处理，处理结果及时反馈市热线办。",
        "handler": "李明华",
        "leader": "陈建国",
        "phone": "0762-3326018",
        "replied_at": at(2026, 12, 21, 17, 10),
    }


def _redo_notice() -> dict:
    return {
        "number": doc_number("redo_notice", 5),
        "date": dt.date(2026, 12, 24),
        "addressee": LEAD_UNIT,
        "ticket_no": TICKET_NO,
        "ticket_type": "投诉",
        "content_summary": NOISE_COMPLAINT,
        "replied_at": at(2026, 12, 21, 17, 10),
        "original_reply": "已会同城管、街道开展夜间联合执法，责令施工单位停止夜间违规作业，并对其违法行为立案调查；工地已停止22时后施工。",
        "evaluation": "不满意",
        "evaluated_at": at(2026, 12, 23, 10, 40),
        "grounds": "诉求人称12月22日晚23时许工地再次进行打桩作业，噪声持续至次日凌晨1时，并提供了现场录音录像；办理答复所称“已停止22时后施工”与事实不符。",
        "review_opinion": "经核查回访录音及诉求人提供的视频资料，诉求人反映情况属实、理由合理；承办单位答复中未说明对施工单位的处理结果及长效监管措施，"
                          "问题未得到有效解决，符合重办要求。",
        "dispatched_at": at(2026, 12, 24, 9, 30),
        # 2027 holidays not yet entered: counted with weekends only and marked provisional.
        "deadline": end_of(2027, 1, 7),
        "deadline_provisional": True,
        "requirements": ["请落实夜间巡查和噪声监测，依法查处违规夜间施工行为，并将处理结果和长效监管措施告知诉求人。"],
        "contact": OFFICE_CONTACT,
    }


def _joint_review_minutes() -> dict:
    return {
        "number": doc_number("joint_review_minutes", 3),
        "date": dt.date(2026, 11, 20),
        "ticket_no": "HL20261116000452",
        "content_summary": "诉求人反映：源城区东埔街道“东埔花园”小区7栋顶楼住户私自加建约40平方米钢结构阳光房，存在安全隐患并遮挡相邻住户采光，要求依法拆除。",
        "meeting_at": at(2026, 11, 20, 15, 0),
        "place": "市政务服务数据管理局三楼会议室",
        "chair": "市热线办副主任王晓敏",
        "method": "会议协调、征求业务主管部门意见",
        "dispute": "该工单先后转派源城区城市管理和综合执法局、源城区住房和城乡建设局、东埔街道办事处，三个单位均以不属于本单位职责为由申请退回。"
                   "争议焦点为：已建成住宅小区内楼顶加建构筑物的查处职责由哪一单位承担。",
        "discussion": [
            "源城区城市管理和综合执法局：加建行为发生在已建成住宅小区内，应先由街道办事处和物业服务企业劝阻制止，并由街道组织认定违法建设。",
            "源城区住房和城乡建设局：本局负责物业管理活动的监督管理，不承担违法建设查处职责。",
            "东埔街道办事处：街道无相应行政执法权，可配合开展劝阻和摸排工作。",
            "河源市自然资源局源城分局（书面意见）：该加建构筑物未取得建设工程规划许可，属于违法建设，查处由综合行政执法部门负责。",
        ],
        "outcome": "settled",
        "lead_unit": "源城区城市管理和综合执法局",
        "co_units": ["源城区东埔街道办事处", "源城区住房和城乡建设局"],
        "decisions": [
            "东埔街道办事处负责组织物业服务企业劝阻制止并摸排违法建设情况；源城区住房和城乡建设局督促物业服务企业履行报告义务。",
            "工单于2026年11月20日重新转派，办理时限按投诉类10个工作日计算。",
        ],
        "attendees": [
            {"unit": "市热线办", "name": "王晓敏", "post": "副主任"},
            {"unit": "源城区城市管理和综合执法局", "name": "黄志强", "post": "副局长"},
            {"unit": "源城区住房和城乡建设局", "name": "陈建国", "post": "副局长"},
            {"unit": "源城区东埔街道办事处", "name": "钟伟", "post": "副主任"},
            {"unit": "市热线办", "name": "张丽", "post": "审核员（记录）"},
        ],
        "cc": ["源城区人民政府", "河源市自然资源局源城分局"],
    }


def _proposed_opinion() -> dict:
    return {
        "number": doc_number("proposed_opinion", 2),
        "date": dt.date(2026, 11, 27),
        "addressee": "河源市人民政府",
        "signer": "刘志明",
        "ticket_no": "HL20261109000215",
        "content_summary": "诉求人反映：东江江东新区与东源县交界处河堤外侧滩地长期有人倾倒建筑垃圾，堆积约2000立方米，雨季易被冲入东江，要求清理并查处。",
        "units_positions": [
            {"unit": "河源市江东新区管理委员会", "position": "该滩地位于东源县行政区域内，应由东源县负责清理和查处。"},
            {"unit": "东源县人民政府", "position": "该滩地已划入江东新区规划管理范围，应由江东新区管理委员会负责。"},
            {"unit": "河源市水务局", "position": "河道管理范围内的违法行为由水行政主管部门依法查处；垃圾清理和日常巡查属属地责任。"},
        ],
        "review_number": doc_number("joint_review_minutes", 2),
        "proposal": "鉴于该滩地的行政区域与规划管理范围存在交叉，为尽快消除环境和防洪安全隐患，建议按“属地管理、先行处置”原则确定承办单位，"
                    "清理费用及管理范围划分另行明确。",
        "proposed_lead_unit": "河源市江东新区管理委员会",
        "proposed_co_units": ["东源县人民政府", "河源市水务局"],
        "basis": ["《河源市12345政府服务热线管理办法》第七条、第八条第（四）项。", "《中华人民共和国河道管理条例》有关规定。"],
        "contact": OFFICE_CONTACT,
        "cc": ["市政务服务数据管理局"],
    }


def _accountability_proposal() -> dict:
    return {
        "number": doc_number("accountability_proposal", 1),
        "date": dt.date(2026, 12, 28),
        "addressee": "市纪委监委",
        "unit": LEAD_UNIT,
        "ticket_no": TICKET_NO,
        "situation_code": 2,
        "persons": ["李明华（经办人）", "陈建国（分管领导）"],
        "facts": [
            "该工单于2026年11月25日转派该局，办理时限经批准延期至2026年12月16日24时，逾期未办结，于12月17日24时亮红牌。",
            "市热线办于12月18日发出《督办通知单》（河热线督〔2026〕12号），该局于12月21日答复并书面说明，称工地已停止22时后施工。",
            "12月23日回访，诉求人评价“不满意”并提供12月22日晚工地仍在施工的录音录像，经核查属实，该工单于12月24日发回重办。",
        ],
        "tickets": [
            [TICKET_NO, "延期后逾期未办结，亮红牌", "2026年12月17日24时"],
            [TICKET_NO, "红牌督办（河热线督〔2026〕12号）", "2026年12月18日"],
            [TICKET_NO, "回访不满意，发回重办（河热线重〔2026〕5号）", "2026年12月24日"],
        ],
        "proposal": "建议对源城区住房和城乡建设局在该工单办理中的履职情况进行调查核实，视情节对相关责任人予以提醒谈话或批评教育，"
                    "并责成该局建立在建工地夜间施工噪声投诉快速处置机制。",
        "evidence": ["工单HL20261125000123办理单", "督办通知单（河热线督〔2026〕12号）及书面说明", "重办通知（河热线重〔2026〕5号）",
                     "回访录音及诉求人提供的视频资料"],
        "contact": OFFICE_CONTACT,
        "cc": ["市委组织部"],
    }


def _ticket_record() -> dict:
    return {
        "number": doc_number("ticket_record", 214),
        "date": dt.date(2026, 12, 28),
        "ticket_no": TICKET_NO,
        "ticket_type": "投诉",
        "channel": "电话",
        "received_at": at(2026, 11, 25, 9, 12),
        "citizen": {"name": "陈先生", "phone": "138****5621"},
        "location": "源城区新江街道越王大道东侧“江景华庭”项目工地",
        "category": "城乡建设 / 建筑施工噪声",
        "content": NOISE_COMPLAINT,
        "lead_unit": LEAD_UNIT,
        "co_units": [CO_UNIT],
        "deadline": end_of(2027, 1, 7),
        "deadline_provisional": True,
        "extension": "已延期一次，5个工作日",
        "supervision": "2026年12月18日红牌督办（河热线督〔2026〕12号），12月21日书面说明",
        "status": "重办中",
        "reply": {
            "handled_at": at(2026, 12, 21, 17, 10),
            "department": "源城区住房和城乡建设局建筑市场监管股",
            "handler": "李明华",
            "result": "已会同城管、街道开展夜间联合执法，责令施工单位停止夜间违规作业，并对其违法行为立案调查。",
            "basis": "《中华人民共和国噪声污染防治法》；《建筑施工场界环境噪声排放标准》（GB 12523-2011）",
            "contact_note": "2026年12月21日电话告知诉求人办理结果",
        },
        "evaluation": {"intake": "满意", "handling": "不满意", "method": "人工回访", "at": at(2026, 12, 23, 10, 40),
                       "note": "12月22日晚工地仍在打桩施工"},
        "timeline": [
            {"time": at(2026, 11, 25, 9, 12), "actor": "话务员 周敏", "action": "登记", "note": "电话受理，形成投诉类工单"},
            {"time": at(2026, 11, 25, 9, 40), "actor": "派单员 何静", "action": "派单", "note": "转河源市生态环境局源城分局"},
            {"time": at(2026, 11, 25, 14, 20), "actor": "河源市生态环境局源城分局", "action": "退回",
             "note": "不属于本单位职责（河热线退〔2026〕58号）"},
            {"time": at(2026, 11, 25, 16, 5), "actor": "派单员 何静", "action": "改派", "note": f"主办：{LEAD_UNIT}；协办：{CO_UNIT}"},
            {"time": at(2026, 11, 26, 9, 15), "actor": LEAD_UNIT, "action": "签收", "note": "受理人 吴芳"},
            {"time": at(2026, 12, 3, 10, 20), "actor": LEAD_UNIT, "action": "申请延期", "note": "申请延期5个工作日"},
            {"time": at(2026, 12, 3, 16, 0), "actor": "审核员 王晓敏", "action": "批准延期", "note": "延期至2026年12月16日24时"},
            {"time": end_of(2026, 12, 17), "actor": "系统", "action": "红牌", "note": "逾期1个工作日未办结"},
            {"time": at(2026, 12, 18, 8, 30), "actor": "督办员 张丽", "action": "督办", "note": "河热线督〔2026〕12号"},
            {"time": at(2026, 12, 21, 17, 10), "actor": LEAD_UNIT, "action": "答复", "note": "经办人 李明华，附书面说明"},
            {"time": at(2026, 12, 23, 10, 40), "actor": "回访员 林洁", "action": "回访", "note": "受理：满意；办理：不满意"},
            {"time": at(2026, 12, 24, 9, 30), "actor": "审核员 王晓敏", "action": "重办", "note": "河热线重〔2026〕5号"},
        ],
    }


def _kb_correction_notice() -> dict:
    return {
        "number": doc_number("kb_correction_notice", 21),
        "date": dt.date(2026, 11, 20),
        "addressee": "河源市医疗保障局",
        "entry_id": "KB-YB-0317",
        "entry_title": "城乡居民基本医疗保险参保缴费标准",
        "problem": "信息过时",
        "details": "该知识点仍为2025年度个人缴费标准，2026年度缴费标准已调整。话务员据此答复，致使部分诉求人按旧标准缴费后被要求补缴，已引发3件投诉。",
        "found_at": at(2026, 11, 19, 15, 20),
        "source": "工单回访及投诉分析",
        "ticket_no": "HL20261118000045",
        "due": end_of(2026, 11, 27),
        "suggestion": "按2026年度城乡居民医保个人缴费标准及缴费期更新该知识点，并补充“缴费后待遇享受时间”“补缴办理渠道”等常见问答。",
        "contact": OFFICE_CONTACT,
    }


def _police_referral() -> dict:
    return {
        "number": doc_number("police_referral", 3),
        "date": dt.date(2026, 11, 26),
        "addressee": "河源市公安局源城分局",
        "caller_phone": "13900002222",
        "caller_name": "王某",
        "kind_label": "骚扰",
        "law": "《中华人民共和国治安管理处罚法》第四十二条",
        "facts": "该来电人自2026年11月1日起反复拨打热线，无实质诉求，辱骂话务员，累计占线时长逾6小时。",
        "flagged_by": "话务员 陈静",
        "confirmed_by": "审核员 王晓敏",
        "flagged_at": at(2026, 11, 20, 9, 30),
        "evidence": [
            {"number": "HL20261101000012", "at": "2026-11-01 22:10", "content": "无实质诉求，辱骂话务员。",
             "refused_9": True},
            {"number": "HL20261105000031", "at": "2026-11-05 23:40", "content": "反复来电占线，拒绝说明诉求。",
             "refused_9": True},
        ],
    }


_BUILDERS = {
    "police_referral": _police_referral,
    "refusal_notice": _refusal_notice,
    "return_explanation": _return_explanation,
    "extension_form": _extension_form,
    "supervision_notice": _supervision_notice,
    "written_explanation": _written_explanation,
    "redo_notice": _redo_notice,
    "joint_review_minutes": _joint_review_minutes,
    "proposed_opinion": _proposed_opinion,
    "accountability_proposal": _accountability_proposal,
    "ticket_record": _ticket_record,
    "kb_correction_notice": _kb_correction_notice,
    **REPORT_BUILDERS,
}


def specimen_context(kind: str) -> dict:
    """Return fresh demo facts for ``kind``, ready for ``render_pdf``.

    :raises DocumentError: when the kind is unknown.
    """
    code = get_kind(kind).code
    try:
        return _BUILDERS[code]()
    except KeyError:
        raise DocumentError(f"no specimen for kind {code!r}") from None
