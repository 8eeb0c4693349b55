"""Chinese names of the facts a document rests on, for telling a user which one is missing."""
from __future__ import annotations

FACT_LABELS = {
    "addressee": "主送单位或收件人", "ticket_no": "工单编号", "ticket_type": "诉求类型", "channel": "受理渠道",
    "received_at": "受理或收到时间", "content_summary": "诉求内容", "content": "诉求内容",
    "reason_code": "理由项", "explanation": "解释说明", "earlier_ticket_no": "此前同一事项的工单编号",
    "unit": "单位", "returned_at": "退回时间", "reason": "理由", "legal_basis": "法律法规或文件依据",
    "original_deadline": "原办理时限", "requested_days": "申请延期天数", "applicant": "申请人",
    "applied_at": "申请时间", "decision": "审批意见", "reviewer": "审核人", "decided_at": "审批时间",
    "new_deadline": "延期后的时限", "decision_reason": "不同意的理由", "deadline": "办理时限",
    "reply_due": "书面说明期限", "contact": "联系人", "instruction": "批示或督办要求",
    "instructed_by": "批示领导", "supervision_number": "督办通知单编号", "situation": "办理情况",
    "rectification": "已采取的措施", "measures": "所依据的管理办法", "result": "办理结果", "handler": "经办人",
    "leader": "单位领导",
    "replied_at": "答复时间", "original_reply": "原办理答复", "evaluation": "回访评价",
    "grounds": "不满意的理由", "review_opinion": "审核意见", "dispatched_at": "派发时间",
    "meeting_at": "会议时间", "place": "会议地点", "chair": "主持人", "attendees": "参会人员",
    "dispute": "争议事项", "discussion": "各方意见", "outcome": "审定结果", "lead_unit": "主办单位",
    "units_positions": "各单位意见", "review_number": "联合审定纪要编号", "proposal": "建议",
    "signer": "签发人", "proposed_lead_unit": "建议主办单位", "situation_code": "情形项", "facts": "事实",
    "citizen": "诉求人", "status": "工单状态", "timeline": "办理过程", "entry_id": "知识库条目编号",
    "entry_title": "知识库条目名称", "problem": "问题类型", "details": "问题说明", "found_at": "发现时间",
    "due": "整改期限", "issue": "期数", "period": "统计期间", "overview": "总体情况", "tables": "统计表",
}


def fact_label(key: str) -> str:
    """The Chinese name of a fact (the key itself when it has none)."""
    return FACT_LABELS.get(key, key)
