"""The same journeys through the JSON API, plus auth, scoping, errors and the OpenAPI document."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.models import ApiClient, KnowledgeEntry, Ticket, Unit
from tests.support.helpers import CITIZEN, REPLY
from web.security import hash_token


def login(client, username):
    r = client.post("/api/v1/session", json={"username": username, "password": "demo12345"})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


@pytest.fixture
def channel(db, clock):
    token = "c.test-wechat-token"
    if db.session.scalar(select(ApiClient).where(ApiClient.name == "wechat-test")) is None:
        db.session.add(ApiClient(name="wechat-test", channel="wechat", token_hash=hash_token(token),
                                 created_at=clock()))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def unit_id(db, code):
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def do(client, headers, ticket_id, task, clock=None, at=None, expect=200, **data):
    if clock is not None and at is not None:
        clock.set(at)
    r = client.post(f"/api/v1/tickets/{ticket_id}/tasks/{task}", json=data, headers=headers)
    assert r.status_code == expect, r.json
    return r.json


def test_channel_creates_ticket_and_citizen_tracks_it(client, channel, db):
    r = client.post("/api/v1/tickets", json={**CITIZEN, "channel": "phone"}, headers=channel)
    assert r.status_code == 201
    body = r.json
    assert body["ticket"]["status"] == "scoping" and body["ticket"]["status_label"] == "待受理审查"
    ticket = db.session.get(Ticket, body["ticket"]["id"])
    assert ticket.channel == "wechat"  # the token's channel wins
    p = client.post("/api/v1/progress", json={"number": body["ticket"]["number"], "code": body["query_code"]})
    assert p.status_code == 200 and p.json["status_label"] == "待受理审查"
    assert "citizen_phone" not in p.json
    bad = client.post("/api/v1/progress", json={"number": body["ticket"]["number"], "code": "000000x"})
    assert bad.status_code == 404 and bad.json["error"]["message"] == "工单编号或查询码不正确"


def test_full_journey_through_the_api(client, db, clock):
    agent, dispatcher, receiver, handler, reviewer = (login(client, u) for u in
                                                      ("agent", "dispatcher", "receiver", "handler", "reviewer"))
    clock.set("2026-11-25T10:00:00+08:00")
    r = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent)
    assert r.status_code == 201
    tid, number, code = r.json["ticket"]["id"], r.json["ticket"]["number"], r.json["query_code"]
    assert [t["task"] for t in r.json["tasks"]] == ["dispatch"]
    mine = client.get("/api/v1/tasks", headers=dispatcher).json["tasks"]
    assert [t["ticket_id"] for t in mine] == [tid]
    do(client, dispatcher, tid, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    do(client, receiver, tid, "sign", clock, "2026-11-25T14:00:00+08:00", decision="sign")
    do(client, handler, tid, "reply", clock, "2026-11-26T14:00:00+08:00", **REPLY)
    do(client, reviewer, tid, "review", clock, "2026-11-26T15:00:00+08:00", decision="accept")
    view = client.get(f"/api/v1/tickets/{tid}", headers=reviewer).json
    assert view["status"] == "evaluating" and view["clocks"]["eval_due"] == "2026-12-02T00:00:00+08:00"
    r = client.post("/api/v1/progress/evaluate", json={"number": number, "code": code, "intake_rating": "dissatisfied",
                                                        "handling_rating": "basic"})
    assert r.status_code == 400 and r.json["error"]["message"] == "评价为不满意或非常不满意的，请写明不满意的理由"
    r = client.post("/api/v1/progress/evaluate", json={"number": number, "code": code, "intake_rating": "satisfied",
                                                        "handling_rating": "basic", "comment": "处理及时"})
    assert r.status_code == 200 and r.json["status"] == "archived"
    timeline = client.get(f"/api/v1/tickets/{tid}/timeline", headers=agent).json["timeline"]
    assert [e["action_label"] for e in timeline] == ["登记诉求", "受理", "派单", "签收", "办理答复", "审核通过", "回访评价",
                                                     "归档"]
    assert timeline[6]["actor"] == "诉求人"
    pos = client.get(f"/api/v1/tickets/{tid}/position", headers=agent).json
    assert pos["waiting_at"] == [] and "review" in pos["completed"]


def test_refusal_and_immediate_answer_through_the_api(client, db):
    agent = login(client, "agent")
    refusal = {**CITIZEN, "scope": "refuse", "refusal_code": 2, "refusal_explanation": "请拨打110报警。"}
    r = client.post("/api/v1/tickets", json=refusal, headers=agent)  # reason 2 hands the caller over (Art. 6(2))
    assert r.status_code == 400 and set(r.json["error"]["fields"]) == {"handoff_line", "handoff_outcome"}
    r = client.post("/api/v1/tickets", json={**refusal, "handoff_line": "911", "handoff_outcome": "transferred"},
                    headers=agent)
    assert r.status_code == 400 and "handoff_line" in r.json["error"]["fields"]
    r = client.post("/api/v1/tickets", json={**refusal, "handoff_line": "110", "handoff_outcome": "transferred"},
                    headers=agent)
    assert r.status_code == 201 and r.json["ticket"]["status"] == "refused"
    entry = db.session.scalar(select(KnowledgeEntry).limit(1))
    r = client.post("/api/v1/tickets", json={**CITIZEN, "ticket_type": "consult", "scope": "answer",
                                             "kb_entry_id": entry.id}, headers=agent)
    assert r.status_code == 201 and r.json["ticket"]["status"] == "evaluating"


def test_returned_redispatched_redo_through_the_api(client, db, clock):
    agent, dispatcher, receiver, reviewer = (login(client, u) for u in ("agent", "dispatcher", "receiver", "reviewer"))
    receiver2, handler2 = login(client, "receiver2"), login(client, "handler2")
    tid = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent).json["ticket"]["id"]
    do(client, dispatcher, tid, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    bad = do(client, receiver, tid, "sign", expect=400, decision="return")
    assert bad["error"]["fields"]["return_reason"] == "请填写退回理由"
    do(client, receiver, tid, "sign", decision="return", return_reason="属人社部门职责", return_basis="劳动保障监察条例")
    do(client, dispatcher, tid, "dispatch", lead_unit=unit_id(db, "HY-RSJ"))
    do(client, receiver2, tid, "sign", decision="sign")
    do(client, handler2, tid, "reply", **REPLY)
    do(client, reviewer, tid, "review", decision="accept")
    bad = do(client, agent, tid, "evaluate", expect=400, intake_rating="satisfied", handling_rating="very_dissatisfied",
             method="ivr", comment="  ")
    assert bad["error"] == {"code": "reason_required", "message": "评价为不满意或非常不满意的，请写明不满意的理由",
                            "fields": {"comment": "评价为不满意或非常不满意的，请写明不满意的理由"}}
    do(client, agent, tid, "evaluate", intake_rating="satisfied", handling_rating="very_dissatisfied", method="ivr",
       comment="施工仍在继续")
    out = do(client, reviewer, tid, "redo_decision", reasonable=True, reason="问题仍存在")
    assert out["ticket"]["status"] == "handling" and [t["task"] for t in out["tasks"]] == ["reply"]


def test_unit_cannot_see_or_act_on_another_units_ticket(client, db):
    agent, dispatcher = login(client, "agent"), login(client, "dispatcher")
    tid = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent).json["ticket"]["id"]
    do(client, dispatcher, tid, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    other = login(client, "receiver2")
    assert client.get(f"/api/v1/tickets/{tid}", headers=other).status_code == 404
    assert client.get(f"/api/v1/tickets/{tid}/timeline", headers=other).status_code == 404
    r = client.post(f"/api/v1/tickets/{tid}/tasks/sign", json={"decision": "sign"}, headers=other)
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    own = client.get(f"/api/v1/tickets/{tid}", headers=login(client, "receiver")).json
    assert own["citizen_phone"] == "13800001234"  # the receiver needs to contact the citizen
    leader = client.get(f"/api/v1/tickets/{tid}", headers=login(client, "unit_leader")).json
    assert leader["citizen_phone"] == "138****1234" and leader["citizen_name"] == "张**"


def test_errors_are_json_with_chinese_messages(client, db):
    assert client.get("/api/v1/tasks").json["error"]["message"] == "请提供访问令牌"
    r = client.get("/api/v1/tasks", headers={"Authorization": "Bearer u.forged"})
    assert r.status_code == 401 and r.json["error"]["message"] == "访问令牌无效"
    agent = login(client, "agent")
    r = client.post("/api/v1/tickets", data="not json", headers={**agent, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json["error"]["message"] == "请求体不是有效的 JSON"
    r = client.post("/api/v1/tickets", json=[CITIZEN], headers=agent)
    assert r.status_code == 400 and r.json["error"]["message"] == "请求体必须是 JSON 对象"
    r = client.post("/api/v1/tickets", json={**CITIZEN, "ticket_type": "x", "citizen_phone": ""}, headers=agent)
    assert r.status_code == 400 and set(r.json["error"]["fields"]) == {"ticket_type", "citizen_phone"}
    assert client.get("/api/v1/nope").json["error"]["message"] == "页面或资源不存在"
    assert client.post("/api/v1/session", json={"username": "agent", "password": "x"}).status_code == 401


def test_login_lockout_after_repeated_failures(client, db):
    for _ in range(5):
        client.post("/api/v1/session", json={"username": "kb_editor", "password": "wrong"})
    r = client.post("/api/v1/session", json={"username": "kb_editor", "password": "demo12345"})
    assert r.status_code == 401 and r.json["error"]["code"] == "locked"


def test_openapi_document_lists_every_route(client, app):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    routes = {re.sub(r"<(?:int:)?(\w+)>", r"{\1}", r.rule)
              for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    assert routes - {"/api/v1/openapi.json"} == set(doc["paths"])


def test_channel_cannot_decide_scope(client, channel, db):
    before = db.session.scalar(select(func.count()).select_from(Ticket))
    r = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "refuse", "refusal_code": 9,
                                             "refusal_explanation": "x"}, headers=channel)
    assert r.status_code == 403 and "话务员" in r.json["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == before


def test_query_code_guessing_is_limited(client, db):
    codes = [client.post("/api/v1/progress", json={"number": "HL20261125999999", "code": f"{i:06d}"}).status_code
             for i in range(12)]
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]
    r = client.post("/api/v1/progress", json={"number": "HL20261125999999", "code": "123456"})
    assert r.json["error"]["message"] == "查询过于频繁，请10分钟后再试"


def test_absurd_ids_and_nul_bytes_are_refused_not_500(client, db):
    agent, dispatcher = login(client, "agent"), login(client, "dispatcher")
    r = client.post("/api/v1/tickets", json={**CITIZEN, "content": "噪音\x00扰民"}, headers=agent)
    assert r.status_code == 400 and "content" in r.json["error"]["fields"]
    tid = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent).json["ticket"]["id"]
    r = client.post(f"/api/v1/tickets/{tid}/tasks/dispatch", json={"lead_unit": 10**30}, headers=dispatcher)
    assert r.status_code == 400 and r.json["error"]["fields"]["lead_unit"] == "主办单位超出允许的范围"


def test_ticket_explains_its_clocks(client, db, clock):
    agent, dispatcher = login(client, "agent"), login(client, "dispatcher")
    clock.set("2026-09-30T10:00:00+08:00")
    tid = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent).json["ticket"]["id"]
    zjj = db.session.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
    client.post(f"/api/v1/tickets/{tid}/tasks/dispatch", json={"lead_unit": zjj}, headers=dispatcher)
    view = client.get(f"/api/v1/tickets/{tid}", headers=dispatcher).json
    handling = next(c for c in view["clock_explanations"] if c["stage"] == "handling")
    assert "国庆" in handling["summary"] and "10个工作日" in handling["summary"]


def test_knowledge_search_for_agents_is_ranked_and_highlighted(client, db):
    agent = login(client, "agent")
    hits = client.get("/api/v1/kb", query_string={"q": "社保卡丢了怎么补办"}, headers=agent).json["entries"]
    assert hits and hits[0]["title"] == "社会保障卡挂失与补办" and "<mark>" in hits[0]["snippet_html"]
