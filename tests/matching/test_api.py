"""The same-matter API as a client uses it: similar tickets of a ticket and of a request being typed, dispatch
suggestions; with unit scoping, roles and the wrong shapes a client may send."""
from __future__ import annotations

from sqlalchemy import select

from engine.common.db import transaction
from engine.matching import refresh_stats
from engine.models import DispatchSuggestion
from tests.api.test_api import channel, login  # noqa: F401  (the channel fixture)

WATER = {"address": "源城区新江街道红星路幸福里小区", "category": "公用事业/停水",
         "content": "幸福里小区从早上开始停水，到现在还没来水，也没有看到停水通知。"}


def _tickets(tickets, db, clock):
    a = tickets.new(**WATER, citizen_phone="13900001111")
    b = tickets.new(**{**WATER, "content": "我哋幸福里又冇水用，成个上昼都冇水，几时先有水？"}, citizen_phone="13900002222")
    other = tickets.new(address="龙川县老隆镇东江路", content="东江路的路灯坏了一个星期，晚上很黑。",
                        category="城市管理/路灯照明", citizen_phone="13900003333")
    with transaction(db.session):
        refresh_stats(db.session, clock())
    return a, b, other


def test_similar_of_a_ticket_best_first_with_reasons(client, db, clock, tickets):
    a, b, other = _tickets(tickets, db, clock)
    dispatcher = login(client, "dispatcher")
    r = client.get(f"/api/v1/tickets/{b.id}/similar?limit=5", headers=dispatcher)
    assert r.status_code == 200
    hits = r.json["similar"]
    assert [h["ticket_id"] for h in hits] == [a.id]  # the street lamp in another county is not the same matter
    assert set(hits[0]) == {"ticket_id", "number", "score", "reasons"}
    assert hits[0]["number"] == a.number and 0 < hits[0]["score"] <= 1
    assert "同一地址" in hits[0]["reasons"] and any(x.startswith("内容相近 ") for x in hits[0]["reasons"])
    for bad in ("0", "51", "x", "-1"):
        r = client.get(f"/api/v1/tickets/{b.id}/similar?limit={bad}", headers=dispatcher)
        assert r.status_code == 400 and "limit" in r.json["error"]["fields"]
    assert client.get("/api/v1/tickets/99999/similar", headers=dispatcher).status_code == 404
    assert client.get(f"/api/v1/tickets/{b.id}/similar").status_code == 401


def test_similar_for_a_request_being_typed_and_its_wrong_shapes(client, db, clock, tickets):
    a, b, _other = _tickets(tickets, db, clock)
    agent = login(client, "agent")
    r = client.post("/api/v1/similar", headers=agent, json={
        "content": "幸福里没有水用了，水龙头一滴水都没有", "address": "源城区新江街道红星路幸福里小区",
        "category": None, "citizen_phone": "13900001111"})
    assert r.status_code == 200
    found = {h["ticket_id"]: h for h in r.json["similar"]}
    assert set(found) == {a.id, b.id}
    assert "同一来电人" in found[a.id]["reasons"] and found[a.id]["score"] > found[b.id]["score"]
    for body, field in (([1, 2], None), ({"address": "幸福里"}, "content"), ({"content": 12}, "content"),
                        ({"content": "停水", "address": ["x"]}, "address"), ({"content": "x" * 5001}, "content"),
                        ({"content": "停水", "limit": 0}, "limit"), ({"content": "   "}, "content")):
        r = client.post("/api/v1/similar", headers=agent, json=body)
        assert r.status_code == 400, body
        assert r.json["error"]["message"]
        if field:
            assert field in r.json["error"]["fields"], body
    r = client.post("/api/v1/similar", headers=agent, json={"content": "\u0000幸福里停水", "category": "\u0000",
                                                            "citizen_phone": "\u0000139", "address": "\u0001"})
    # characters nobody types are refused in Chinese like on every other route, never a 500 (PostgreSQL refuses NUL)
    assert r.status_code == 400 and "不允许的字符" in r.json["error"]["message"]
    r = client.post("/api/v1/similar", headers=agent, data="content=停水", content_type="text/plain")
    assert r.status_code == 400 and r.json["error"]["message"]


def test_a_unit_sees_only_the_similar_tickets_it_may_see(client, db, clock, tickets):
    from tests.support.pages import unit_id

    a, b, _other = _tickets(tickets, db, clock)
    tickets.act("dispatcher", a, "dispatch", lead_unit=unit_id(db, "HY-WATER"))
    receiver = login(client, "receiver")  # 市住建局: neither ticket is its
    assert client.get(f"/api/v1/tickets/{a.id}/similar", headers=receiver).status_code == 404
    r = client.post("/api/v1/similar", headers=receiver, json=WATER)
    assert r.status_code == 200 and r.json["similar"] == []
    tickets.act("dispatcher", b, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    r = client.get(f"/api/v1/tickets/{b.id}/similar", headers=receiver)
    assert r.status_code == 200 and r.json["similar"] == []  # a is 供水公司's, not shown to 住建局


def test_channel_clients_are_not_users(client, db, clock, tickets, channel):  # noqa: F811
    a, _b, _other = _tickets(tickets, db, clock)
    assert client.get(f"/api/v1/tickets/{a.id}/similar", headers=channel).status_code == 403
    assert client.post("/api/v1/similar", headers=channel, json=WATER).status_code == 403


def test_dispatch_suggestions_three_units_with_reasons_and_kept_as_shown(client, db, clock, tickets):
    a, _b, _other = _tickets(tickets, db, clock)
    dispatcher = login(client, "dispatcher")
    r = client.get(f"/api/v1/tickets/{a.id}/dispatch-suggestions", headers=dispatcher)
    assert r.status_code == 200
    shown = r.json["suggestions"]
    assert 1 <= len(shown) <= 3 and set(shown[0]) == {"unit_id", "unit_name", "score", "reasons"}
    assert shown[0]["unit_name"] == "河源市供水有限公司"
    assert any(x.startswith("职责清单：") for x in shown[0]["reasons"])
    assert [s["score"] for s in shown] == sorted((s["score"] for s in shown), reverse=True)
    row = db.session.scalar(select(DispatchSuggestion).where(DispatchSuggestion.ticket_id == a.id))
    assert [u["unit_id"] for u in row.units] == [s["unit_id"] for s in shown] and row.dispatched_at is None
    r = client.post(f"/api/v1/tickets/{a.id}/tasks/dispatch", headers=dispatcher,
                    json={"lead_unit": shown[0]["unit_id"]})
    assert r.status_code == 200
    db.session.expire_all()
    row = db.session.get(DispatchSuggestion, row.id)
    assert (row.chosen_unit_id, row.taken_rank, row.dispatch_round) == (shown[0]["unit_id"], 1, 1)
    assert client.get(f"/api/v1/tickets/{a.id}/dispatch-suggestions?limit=5", headers=dispatcher).status_code == 400
    assert client.get(f"/api/v1/tickets/{a.id}/dispatch-suggestions",
                      headers=login(client, "handler")).status_code == 403
    assert client.get("/api/v1/tickets/99999/dispatch-suggestions", headers=dispatcher).status_code == 404


def test_the_openapi_document_describes_them(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/tickets/{ticket_id}/similar", "/api/v1/similar",
                 "/api/v1/tickets/{ticket_id}/dispatch-suggestions"):
        assert path in paths and "400" in next(iter(paths[path].values()))["responses"]


def test_a_merged_ticket_names_its_main_ticket(client, db, clock, tickets):
    from engine.tickets import merge
    from tests.support.helpers import user

    a, b, _other = _tickets(tickets, db, clock)
    with transaction(db.session):
        merge(db.session, user(db.session, "dispatcher"), a.id, [b.id], "同一小区停水", clock())
    r = client.get(f"/api/v1/tickets/{b.id}", headers=login(client, "dispatcher"))
    assert r.status_code == 200 and (r.json["main_ticket_id"], r.json["status_label"]) == (a.id, "已并单（随主单办理）")
    assert [e["action_label"] for e in r.json["timeline"]][-1] == "并单（并入主单）"
