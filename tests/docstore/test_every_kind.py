"""Every kind of formal document, issued from real tickets the way the product issues it, reads clean: no template
syntax, no ``None``, no empty quotes or brackets, and the office and the governing measures named as configured.

The 不予受理告知 once read 「属于{{ measures }}第六条…」 because its template quoted the placeholder inside a string; a
specimen gave ``basis`` and hid it. Here each kind comes from the data its product path uses: the archive page
issues the ticket-bound kinds from a ticket number, the monitor and the supervision process issue the 督办通知单 and
the 书面说明, the accountability and knowledge-base services their notices, the analytics their reports.
联合审定纪要 and 拟办意见 have no issuing path in the product yet: they are issued here from the ticket's own rows
(joint review) over a specimen's wording.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from documents import KINDS, specimen_context
from engine.clocks.monitor import monitor_pass
from engine.common.db import transaction
from engine.docstore import configure_heading, heading, issue_document
from engine.knowledge import flags as kb_flags
from engine.models import IssuedDocument, KnowledgeEntry, Supervision, TaskProjection, Ticket, Unit
from engine.oversight import accountability, callers, supervision
from engine.tickets.lifecycle import complete_task
from tests.support.helpers import user
from web import create_app

from .conftest import pdf_text, post, sign_in

TEMPLATES = __import__("documents.render", fromlist=["TEMPLATE_DIR"]).TEMPLATE_DIR
CONFIGURED = {"OFFICE_NAME": "东源县12345政府服务热线办公室", "DOCUMENT_OFFICE_SHORT": "东热线",
              "CITY_NAME": "东源县", "HOTLINE_NAME": "东源县12345政府服务热线",
              "MEASURES_NAME": "《东源县12345政府服务热线管理办法》"}
DEFAULT_MEASURES = "《河源市12345政府服务热线管理办法》"
#: What must never be printed: template syntax, Python's None, and quotes or brackets left empty.
NEVER = ("{{", "}}", "{%", "%}", "None", "「」", "“”", "《》", "（）", "Undefined")


@pytest.fixture(autouse=True)
def unlink_documents(db):
    """Supervisions, accountability cases and knowledge-base flags point at their documents: they go first."""
    yield
    db.session.rollback()
    for table in ("task_projection", "supervision", "accountability_case", "kb_flag"):
        db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def configured(app, database_url, clock):
    """A deployment configured for another county: the app factory hands the heading to the document store."""
    before = heading()
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "CLOCK": clock,
                        "SECRET_KEY": "test-secret", "SCHEDULER_ENABLED": False, **CONFIGURED})
    with other.app_context():
        from web.extensions import db as other_db
        other_db.engine.dispose()
    yield heading()
    configure_heading(before)


def test_the_app_factory_configures_the_heading_of_every_document(configured):
    assert configured == {"office_name": "东源县12345政府服务热线办公室", "office_short": "东热线", "city": "东源县",
                          "hotline_name": "东源县12345政府服务热线", "measures": "《东源县12345政府服务热线管理办法》"}


def _system_issue(db, when: datetime, do) -> list[IssuedDocument]:
    """Run ``do(session, now)`` in one transaction and return the documents it issued."""
    before = set(db.session.scalars(select(IssuedDocument.id)))
    with transaction(db.session):
        do(db.session, when)
    db.session.expire_all()
    return [d for d in db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.id)) if d.id not in before]


def _page_issue(client, db, kind: str, ticket: Ticket) -> IssuedDocument:
    """The reviewer issues a ticket-bound kind from the archive page by the ticket's number."""
    sign_in(client, db, "reviewer")
    r = post(client, "/documents/issue", {"kind": kind, "ticket_no": ticket.number})
    assert r.status_code == 302 and "/documents/" in r.headers["Location"], r.get_data(as_text=True)[:500]
    db.session.expire_all()
    return db.session.get(IssuedDocument, int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1]))


def produce_refusal_notice(ctx) -> list[IssuedDocument]:
    plain = ctx.flow.refused(code=4)
    earlier = ctx.flow.dispatched()
    same = ctx.flow.new()
    ctx.flow.act("agent", same, "decide_scope", scope="refuse", refusal_code=8, related_ticket_id=earlier.id,
                 refusal_explanation="该事项已登记为工单并正在办理，您未提供新的情况和理由。")
    handed = ctx.flow.new()
    ctx.flow.act("agent", handed, "decide_scope", scope="refuse", refusal_code=2, handoff_line="119",
                 handoff_outcome="transferred", refusal_explanation="该事项属于火警，已为您转接119。")
    docs = [_page_issue(ctx.client, ctx.db, "refusal_notice", t) for t in (plain, same, handed)]
    assert "的职责，已于2026年11月25日" in (printed := "".join(pdf_text(docs[-1].pdf).split()))
    assert "转接119火警。如情况紧急，请直接拨打119。" in printed
    return docs


def produce_police_referral(ctx) -> list[IssuedDocument]:
    refused = ctx.flow.refused(code=9, explanation="您的来电无实质诉求内容，不予受理。")

    def flag_and_refer(session, now):
        flag = callers.propose_flag(session, user(session, "agent"), {
            "phone": refused.citizen_phone, "kind": "harassment", "reason": "多次来电辱骂话务员，无实质诉求。",
            "evidence": [refused.id], "ends_on": now.date() + timedelta(days=90)}, now)
        callers.confirm_flag(session, user(session, "reviewer"), flag.id, now)
        callers.refer_to_police(session, user(session, "reviewer"), flag.id, {
            "organ": "东源县公安局", "law": "《中华人民共和国治安管理处罚法》第四十二条"}, now)
    return _system_issue(ctx.db, ctx.flow.tick(), flag_and_refer)


def produce_ticket_record(ctx) -> list[IssuedDocument]:
    return [_page_issue(ctx.client, ctx.db, "ticket_record", ctx.flow.archived()),
            _page_issue(ctx.client, ctx.db, "ticket_record", ctx.flow.refused())]


def produce_return_explanation(ctx) -> list[IssuedDocument]:
    return [_page_issue(ctx.client, ctx.db, "return_explanation", ctx.flow.returned())]


def produce_redo_notice(ctx) -> list[IssuedDocument]:
    return [_page_issue(ctx.client, ctx.db, "redo_notice", ctx.flow.redone())]


def _red_card_supervision(ctx) -> tuple[Ticket, Supervision, list[IssuedDocument]]:
    t = ctx.flow.dispatched()  # unsigned: the acceptance 红牌 falls 3 WD after receipt and opens supervision

    def red(session, now):
        monitor_pass(session, now)
        supervision.take_red_cards(session, now)
    docs = _system_issue(ctx.db, datetime.fromisoformat("2026-12-01T08:00:00+08:00"), red)
    sup = ctx.db.session.scalar(select(Supervision).where(Supervision.ticket_id == t.id))
    return t, sup, docs


def produce_supervision_notice(ctx) -> list[IssuedDocument]:
    _t, _sup, red = _red_card_supervision(ctx)
    other = ctx.flow.dispatched()
    ordered = _system_issue(ctx.db, ctx.flow.tick(), lambda s, now: supervision.open_supervision(
        s, user(s, "supervisor"), other.id, "leader_instruction", now, instruction="请抓紧核查并答复诉求人",
        instructed_by="张副市长"))
    return red + ordered


def produce_written_explanation(ctx) -> list[IssuedDocument]:
    t, sup, _ = _red_card_supervision(ctx)
    task = ctx.db.session.scalar(select(TaskProjection).where(TaskProjection.supervision_id == sup.id))
    return _system_issue(ctx.db, datetime.fromisoformat("2026-12-01T15:00:00+08:00"), lambda s, now: complete_task(
        s, user(s, "unit_leader"), t.id, task.task_uuid,
        {"reply_text": "已于当日签收并安排执法人员现场核查，责令施工单位停止夜间施工。",
         "written_explanation": "因经办人员休假未及时签收。已调整签收安排，由两名受理人轮值。"}, now))


def produce_accountability_proposal(ctx) -> list[IssuedDocument]:
    t = ctx.flow.dispatched()

    def propose(session, now):
        who = user(session, "supervisor")
        case = accountability.add_case(session, who, 3, t.lead_unit_id, [f"工单{t.number}超过办理时限未办结。"], now,
                                       ticket_ids=[t.id])
        accountability.review_case(session, who, case.id, True, now)
        accountability.propose(session, who, case.id, "市纪委监委", "建议对该单位分管领导进行约谈。", now)
    return _system_issue(ctx.db, ctx.flow.tick(), propose)


def produce_kb_correction_notice(ctx) -> list[IssuedDocument]:
    t = ctx.flow.archived()
    entry = ctx.db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.status == "published")
                                  .order_by(KnowledgeEntry.id).limit(1))

    def flag_and_print(session, now):
        office = user(session, "reviewer")
        on_entry = kb_flags.flag(session, office, kind="error", text="办理时限与现行规定不符", now=now,
                                 entry_id=entry.id)
        from_ticket = kb_flags.gap_from_ticket(session, office, t.id, now, text="缺少夜间施工许可的办理指南")
        kb_flags.print_correction_notice(session, office, on_entry.id, now)
        kb_flags.print_correction_notice(session, office, from_ticket.id, now)
    return _system_issue(ctx.db, ctx.flow.tick(), flag_and_print)


def _reports(ctx, issue) -> list[IssuedDocument]:
    ctx.flow.archived()
    ctx.flow.redone()
    ctx.flow.refused()
    start = datetime.fromisoformat("2026-11-01T00:00:00+08:00")
    end = datetime.fromisoformat("2026-12-01T00:00:00+08:00")
    return _system_issue(ctx.db, ctx.flow.tick(), lambda s, now: issue(s, user(s, "reviewer"), start, end, now))


def produce_work_brief(ctx):
    from engine.analytics import reports
    return _reports(ctx, reports.issue_brief)


def produce_assessment_bulletin(ctx):
    from engine.analytics import reports
    return _reports(ctx, reports.issue_bulletin)


def produce_special_report(ctx):
    from engine.analytics import reports
    return _reports(ctx, lambda s, who, start, end, now: reports.issue_special(s, who, start, end, "category",
                                                                               "城乡建设/噪音扰民", now))


def _from_rows(ctx, kind: str, ticket: Ticket, values: dict) -> list[IssuedDocument]:
    context = {**specimen_context(kind), **values}
    for key in ("number", "office_name", "office_short", "city", "hotline_name", "measures"):
        context.pop(key, None)  # the issuer numbers it; the heading comes from the configuration
    return _system_issue(ctx.db, ctx.flow.tick(), lambda s, now: issue_document(
        s, kind, context, user(s, "reviewer"), now, ticket_id=ticket.id, unit_id=ticket.lead_unit_id))


def _local(value: datetime | None) -> str | None:
    return value.astimezone(datetime.fromisoformat("2026-01-01T00:00+08:00").tzinfo).isoformat() if value else None


def produce_extension_form(ctx) -> list[IssuedDocument]:
    approved, denied = ctx.flow.dispatched(), ctx.flow.dispatched()
    for t, decision in ((approved, "approve"), (denied, "deny")):
        ctx.flow.act("receiver", t, "sign", decision="sign")
        ctx.flow.act("handler", t, "reply", action="extension", days=3, reason="需等待第三方噪声检测报告")
        ctx.flow.act("reviewer", t, "extension_review", decision=decision, reason="理由充分" if decision == "approve"
                     else "检测报告可在原时限内取得")
    return [_page_issue(ctx.client, ctx.db, "extension_form", t) for t in (approved, denied)]


def _disputed(ctx) -> Ticket:
    t = ctx.flow.new(scope="accept")
    ctx.flow.act("dispatcher", t, "dispatch", action="joint_review", reason="涉及住建、城管两个部门，职责不清")
    return t


def produce_joint_review_minutes(ctx) -> list[IssuedDocument]:
    t = _disputed(ctx)
    unit = ctx.db.session.scalar(select(Unit).where(Unit.code == "HY-ZJJ"))
    return _from_rows(ctx, "joint_review_minutes", t, {"ticket_no": t.number, "content_summary": t.content,
                                                       "outcome": "settled", "lead_unit": unit.name})


def produce_proposed_opinion(ctx) -> list[IssuedDocument]:
    t = _disputed(ctx)
    unit = ctx.db.session.scalar(select(Unit).where(Unit.code == "HY-ZJJ"))
    return _from_rows(ctx, "proposed_opinion", t, {"ticket_no": t.number, "content_summary": t.content,
                                                   "proposed_lead_unit": unit.name,
                                                   "basis": ["《中华人民共和国噪声污染防治法》第四十三条。"]})


PRODUCERS = {name[len("produce_"):]: fn for name, fn in dict(globals()).items() if name.startswith("produce_")}


def test_every_kind_has_a_producer_here():
    assert set(PRODUCERS) == {kind.code for kind in KINDS}, "a new document kind needs its case in this test"


class Ctx:
    def __init__(self, client, db, flow):
        self.client, self.db, self.flow = client, db, flow


@pytest.mark.parametrize("kind", [k.code for k in KINDS])
def test_every_kind_issued_from_real_data_reads_clean(kind, configured, client, db, flow):
    flow.now = datetime.fromisoformat("2026-11-25T10:00:00+08:00") - timedelta(hours=1)
    docs = PRODUCERS[kind](Ctx(client, db, flow))
    docs = [d for d in docs if d.kind == kind]
    assert docs, f"no {kind} was issued"
    cites_measures = "{{ measures" in (TEMPLATES / f"{kind}.html").read_text(encoding="utf-8")
    for doc in docs:
        printed = pdf_text(doc.pdf)
        found = [bad for bad in NEVER if bad in printed]
        assert not found, f"{doc.number} ({kind}) prints {found}: …{printed[max(0, printed.find(found[0]) - 40):][:120]}…"
        assert doc.number.startswith("东热线") and configured["office_name"] in printed
        assert DEFAULT_MEASURES not in printed
        if cites_measures:
            assert configured["measures"] in printed, f"{doc.number} does not name the measures as configured"


def test_the_refusal_notice_cites_the_article_of_the_configured_measures(configured, client, db, flow):
    t = flow.refused(code=4)
    printed = pdf_text(_page_issue(client, db, "refusal_notice", t).pdf)
    assert "属于《东源县12345政府服务热线管理办法》第六条第（四）项规定的“依法应通过诉讼、仲裁、行政复议解决”" in printed
    assert "向东源县12345政府服务热线反映" in printed
