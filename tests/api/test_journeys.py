"""Every path through hotline.bpmn driven through the JSON API, as the channels and units would."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import KnowledgeEntry, Unit
from tests.support.helpers import CITIZEN, REPLY

from .test_api import login

ZJJ, RSJ, YC_OFFICE, YC_ZJJ = "HY-ZJJ", "HY-RSJ", "YC-OFFICE", "YC-ZJJ"
OK_EVAL = ("agent", "evaluate", {"intake_rating": "satisfied", "handling_rating": "satisfied", "method": "callback"})
BAD_EVAL = ("agent", "evaluate", {"intake_rating": "basic", "handling_rating": "dissatisfied", "method": "callback",
                                    "comment": "问题没有解决"})
HANDLE = [("receiver", "sign", {"decision": "sign"}), ("handler", "reply", REPLY),
          ("reviewer", "review", {"decision": "accept"})]
RETURN = ("receiver", "sign", {"decision": "return", "return_reason": "非本单位职责", "return_basis": "三定方案"})

JOURNEYS = {
    "refused": ({"scope": "refuse", "refusal_code": 9, "refusal_explanation": "无实质诉求"}, [], "refused"),
    "answered": ({"scope": "answer", "ticket_type": "consult"},
                 [("agent", "evaluate", {"intake_rating": "very_satisfied", "method": "sms"})], "archived"),
    "happy": ({"scope": "accept"}, [("dispatcher", "dispatch", {"lead_unit": ZJJ}), *HANDLE, OK_EVAL], "archived"),
    "returned": ({"scope": "accept"}, [("dispatcher", "dispatch", {"lead_unit": ZJJ}), RETURN,
                                       ("dispatcher", "dispatch", {"lead_unit": RSJ}),
                                       ("receiver2", "sign", {"decision": "sign"}), ("handler2", "reply", REPLY),
                                       ("reviewer", "review", {"decision": "accept"}), OK_EVAL], "archived"),
    "county": ({"scope": "accept"}, [("dispatcher", "dispatch", {"via_county": YC_OFFICE}),
                                     ("county_dispatcher", "county_dispatch", {"lead_unit": YC_ZJJ}),
                                     ("receiver3", "sign", {"decision": "sign"}), ("handler3", "reply", REPLY),
                                     ("reviewer", "review", {"decision": "accept"}), OK_EVAL], "archived"),
    "co_handled": ({"scope": "accept"}, [("dispatcher", "dispatch", {"lead_unit": ZJJ, "co_units": [RSJ]}),
                                         ("receiver", "sign", {"decision": "sign"}),
                                         ("handler2", "co_handle", {"co_part": "已核查用工备案"}),
                                         ("handler", "reply", REPLY), ("reviewer", "review", {"decision": "accept"}),
                                         OK_EVAL], "archived"),
    "sent_back": ({"scope": "accept"}, [("dispatcher", "dispatch", {"lead_unit": ZJJ}),
                                        ("receiver", "sign", {"decision": "sign"}), ("handler", "reply", REPLY),
                                        ("reviewer", "review", {"decision": "back", "reason": "未写明依据条款"}),
                                        ("handler", "reply", REPLY), ("reviewer", "review", {"decision": "accept"}),
                                        OK_EVAL], "archived"),
    "redo": ({"scope": "accept"}, [("dispatcher", "dispatch", {"lead_unit": ZJJ}), *HANDLE, BAD_EVAL,
                                   ("reviewer", "redo_decision", {"reasonable": True, "reason": "问题仍存在"}),
                                   ("handler", "reply", REPLY), ("reviewer", "review", {"decision": "accept"}),
                                   OK_EVAL], "archived"),
    "redo_unreasonable": ({"scope": "accept"}, [("dispatcher", "dispatch", {"lead_unit": ZJJ}), *HANDLE, BAD_EVAL,
                                                ("reviewer", "redo_decision", {"reasonable": False,
                                                                               "reason": "超出政策范围"})], "archived"),
    "second_redo_refused": ({"scope": "accept"}, [
        ("dispatcher", "dispatch", {"lead_unit": ZJJ}), *HANDLE, BAD_EVAL,
        ("reviewer", "redo_decision", {"reasonable": True, "reason": "问题仍存在"}), ("handler", "reply", REPLY),
        ("reviewer", "review", {"decision": "accept"}), BAD_EVAL,
        ("reviewer", "redo_decision", {"reasonable": True, "reason": "仍不满意"})], "archived"),
}


@pytest.mark.parametrize("name", list(JOURNEYS))
def test_journey_through_the_api(client, db, name):
    intake, steps, final = JOURNEYS[name]
    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    tokens: dict[str, dict] = {}

    def h(who):
        if who not in tokens:
            tokens[who] = login(client, who)
        return tokens[who]

    body = {**CITIZEN, **intake}
    if body.get("scope") == "answer":
        body["kb_entry_id"] = db.session.scalar(select(KnowledgeEntry.id).limit(1))
    r = client.post("/api/v1/tickets", json=body, headers=h("agent"))
    assert r.status_code == 201, r.json
    tid = r.json["ticket"]["id"]
    for who, task, data in steps:
        data = {k: (units[v] if k in ("lead_unit", "via_county") else [units[c] for c in v] if k == "co_units" else v)
                for k, v in data.items()}
        mine = client.get("/api/v1/tasks", headers=h(who)).json["tasks"]
        assert any(t["ticket_id"] == tid and t["task"] == task for t in mine), f"{task} not in {who}'s worklist"
        r = client.post(f"/api/v1/tickets/{tid}/tasks/{task}", json=data, headers=h(who))
        assert r.status_code == 200, (task, r.json)
    view = client.get(f"/api/v1/tickets/{tid}", headers=h("reviewer")).json
    assert view["status"] == final
    assert view["tasks"] == []
    if name == "second_redo_refused":
        assert view["redo_count"] == 1
