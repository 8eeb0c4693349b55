"""热点、难点、堵点 (engine.analytics.findings) on hand-built tickets driven through the real services: a planted
repeated matter, the units with the most returns, late and overdue work and redos, and the masking rules."""
from __future__ import annotations

import pytest

from engine.analytics import findings
from engine.common.errors import Invalid
from tests.support.helpers import REPLY, unit, user
from tests.tickets.test_lifecycle import act, at, new_ticket

START, END = at("2026-11-01T00:00:00+08:00"), at("2027-01-01T00:00:00+08:00")
PHONE = "13812345678"
NOISE = "小区东侧工地每晚22点后仍在施工，噪音扰民，请依法查处。"


def distinct(db, i: int, when: str = "2026-11-20T09:00:00+08:00", **extra):
    """A ticket whose phone, address and content are its own, unless ``extra`` plants a shared one."""
    data = {"citizen_phone": f"1390000{i:04d}", "address": f"源城区测试路{i}号",
            "content": f"第{i}件诉求：路灯编号{i}损坏，夜间无照明，请尽快维修。", **extra}
    return new_ticket(db, now=when, **data)[0]


def test_a_planted_repeated_matter_is_found_by_phone_address_and_content(db):
    by_phone = [distinct(db, i, f"2026-11-{10 + i}T09:00:00+08:00", citizen_phone=PHONE).id for i in range(3)]
    by_place = [distinct(db, 10 + i, address=a).id
                for i, a in enumerate(("源城区新江街道永和路18号", " 源城区新江街道永和路18号", "源城区新江街道永和路18号 "))]
    by_text = [distinct(db, 20 + i, content=c).id
               for i, c in enumerate((NOISE, "小区东侧工地 每晚22点后仍在施工,噪音扰民!请依法查处",
                                      "小区东侧工地每晚２２点后仍在施工。噪音扰民，请依法查处"))]
    pair = [distinct(db, 30 + i, citizen_phone="13600000000").id for i in range(2)]  # below the threshold
    distinct(db, 40, "2026-10-31T23:00:00+08:00", citizen_phone=PHONE)  # before the period: not counted

    found = findings.repeated_matters(db.session, START, END)
    groups = {g["basis"]: g for g in found}
    assert len(found) == 3 and set(groups) == {"phone", "address", "content"}
    assert groups["phone"]["ticket_ids"] == by_phone and groups["phone"]["count"] == 3
    assert groups["phone"]["shown"] == "138****5678"
    assert groups["address"]["ticket_ids"] == by_place
    assert groups["address"]["shown"] == "源城区新江街****"
    assert groups["content"]["ticket_ids"] == by_text
    assert "22" not in groups["content"]["shown"] and groups["content"]["shown"].startswith("小区东侧工地每晚**点")
    assert groups["phone"]["categories"] == ["城乡建设/噪音扰民"]

    # With N = 2 the pair is a repeated matter too; nothing shown anywhere carries a phone or an address.
    two = findings.repeated_matters(db.session, START, END, findings.RepeatRule(min_count=2))
    assert pair in [g["ticket_ids"] for g in two]
    shown = " ".join(g["shown"] for g in two)
    assert PHONE not in shown and "13600000000" not in shown and "永和路18号" not in shown

    # Repeated matters are looked for over at most 92 days.
    with pytest.raises(Invalid):
        findings.repeated_matters(db.session, START, at("2027-02-02T00:00:00+08:00"))


def test_each_ticket_carries_the_digest_of_its_content_and_short_texts_none(db):
    from engine.domain.matching import content_digest

    same = [distinct(db, 50 + i, content=c) for i, c in enumerate((NOISE, "小区东侧工地每晚２２点后仍在施工。噪音扰民，请依法查处"))]
    short = distinct(db, 52, content="路灯坏了！")  # fewer than 10 characters left: never grouped
    assert same[0].content_key == same[1].content_key == content_digest(NOISE) and len(same[0].content_key) == 40
    assert short.content_key is None
    found = findings.repeated_matters(db.session, START, END, findings.RepeatRule(min_count=2))
    assert [g["ticket_ids"] for g in found if g["basis"] == "content"] == [[t.id for t in same]]


def test_content_key_ignores_spacing_punctuation_width_and_case():
    assert findings.content_key("Ａｂｃ　路灯， 坏了！") == findings.content_key("abc路灯坏了")
    assert findings.content_key("路灯坏了") != findings.content_key("路灯修好了")
    assert findings.mask_address("") == "" and findings.mask_address("某路1号") == "某路****"
    assert findings.mask_digits("电话13812345678请回电") == "电话***********请回电"


def _sign(db, t, code, signer, when):
    act(db, user(db.session, "dispatcher"), t, "dispatch", f"{when}T09:00:00+08:00", lead_unit=unit(db.session, code).id)
    act(db, user(db.session, signer), t, "sign", f"{when}T10:00:00+08:00", decision="sign")


def _return(db, t, code, receiver, then_code, when):
    act(db, user(db.session, "dispatcher"), t, "dispatch", f"{when}T09:00:00+08:00", lead_unit=unit(db.session, code).id)
    act(db, user(db.session, receiver), t, "sign", f"{when}T10:00:00+08:00", decision="return",
        return_reason="不属于本单位职责", return_basis="三定方案")
    act(db, user(db.session, "dispatcher"), t, "dispatch", f"{when}T11:00:00+08:00",
        lead_unit=unit(db.session, then_code).id)  # left waiting for the next unit's signature


def _reply(db, t, handler, when):
    act(db, user(db.session, handler), t, "reply", f"{when}T09:00:00+08:00", **REPLY)
    act(db, user(db.session, "reviewer"), t, "review", f"{when}T10:00:00+08:00", decision="accept")


def build_units(db) -> dict:
    """市住建局 (ZJJ): 2 returns, 1 late reply, 1 redo. 市人社局 (RSJ): 1 return, 1 ticket still open past its
    handling deadline (due 2026-12-10 24:00 for a ticket signed on 2026-11-25)."""
    r1, r2, r3, late, open_, redo = (distinct(db, i, "2026-11-25T08:00:00+08:00", scope="accept")
                                      for i in range(6))
    _return(db, r1, "HY-ZJJ", "receiver", "HY-RSJ", "2026-11-25")
    _return(db, r2, "HY-ZJJ", "receiver", "HY-RSJ", "2026-11-25")
    _return(db, r3, "HY-RSJ", "receiver2", "HY-ZJJ", "2026-11-25")
    _sign(db, late, "HY-ZJJ", "receiver", "2026-11-25")
    _reply(db, late, "handler", "2026-12-11")  # due 2026-12-10 00:00 → late by 1 day 9 hours
    _sign(db, open_, "HY-RSJ", "receiver2", "2026-11-25")
    _sign(db, redo, "HY-ZJJ", "receiver", "2026-11-25")
    _reply(db, redo, "handler", "2026-11-27")
    act(db, user(db.session, "agent"), redo, "evaluate", "2026-11-28T10:00:00+08:00", intake_rating="satisfied",
        handling_rating="dissatisfied", method="callback", comment="问题没有解决")
    act(db, user(db.session, "reviewer"), redo, "redo_decision", "2026-11-30T09:00:00+08:00", kind="reasonable",
        reason="问题仍未解决")
    return {"r1": r1.id, "r2": r2.id, "r3": r3.id, "late": late.id, "open": open_.id, "redo": redo.id,
            "zjj": unit(db.session, "HY-ZJJ").id, "rsj": unit(db.session, "HY-RSJ").id}


def test_units_with_the_most_returns_late_and_overdue_work_and_redos(db):
    ids = build_units(db)
    now = at("2026-12-11T10:00:00+08:00")

    def ranking(kind):
        return [(r["unit_id"], r["count"]) for r in findings.unit_ranking(db.session, kind, START, END, now)]
    assert ranking("returns") == [(ids["zjj"], 2), (ids["rsj"], 1)]
    assert ranking("late") == [(ids["zjj"], 1)]
    assert ranking("overdue") == [(ids["rsj"], 1)]
    assert ranking("redos") == [(ids["zjj"], 1)]
    assert findings.finding_ticket_ids(db.session, "returns", ids["zjj"], START, END, now) == sorted([ids["r1"], ids["r2"]])
    assert findings.finding_ticket_ids(db.session, "late", ids["zjj"], START, END, now) == [ids["late"]]
    assert findings.finding_ticket_ids(db.session, "overdue", ids["rsj"], START, END, now) == [ids["open"]]
    assert findings.finding_ticket_ids(db.session, "redos", ids["zjj"], START, END, now) == [ids["redo"]]

    over = findings.overdue_tickets(db.session, START, END, now)
    assert [r["id"] for r in over["late"]["rows"]] == [ids["late"]] and over["late"]["total"] == 1
    assert over["late"]["rows"][0]["days_over"] == 1.4  # 2026-12-11 09:00 against 2026-12-10 00:00
    assert [r["id"] for r in over["open"]["rows"]] == [ids["open"]]
    assert over["open"]["rows"][0]["replied_at"] is None and over["open"]["rows"][0]["days_over"] == 1.4

    # Before the deadline nothing is overdue; a period before the events finds none of them.
    assert findings.unit_ranking(db.session, "overdue", START, END, at("2026-12-09T10:00:00+08:00")) == []
    early = (at("2026-10-01T00:00:00+08:00"), at("2026-11-01T00:00:00+08:00"))
    assert all(findings.unit_ranking(db.session, k, *early, now) == [] for k in ("returns", "late", "redos"))


def test_the_overdue_index_covers_the_statuses_the_findings_read():
    """The partial index behind the overdue list must name exactly the statuses findings treats as "with a unit",
    or PostgreSQL stops using it and the list walks every closed ticket again."""
    from engine.analytics.findings import WITH_UNIT
    from engine.models.ticket import WITH_UNIT_SQL

    assert WITH_UNIT_SQL == "status IN (" + ", ".join(f"'{s}'" for s in WITH_UNIT) + ")"
