"""Attachments through the JSON API as a client sends them: multipart with the JSON body in ``data``, bad shapes
refused with JSON errors in Chinese, downloads under the ticket's own scope."""
from __future__ import annotations

import io
import json

from tests.api.test_api import channel, login, unit_id  # noqa: F401 - the channel fixture
from tests.support.helpers import CITIZEN, REPLY

from .flow import attachments_of, openings
from .samples import EXE, exif_of, photo, scan_pdf


def _multipart(data: dict, files: dict[str, list[tuple[bytes, str]]], **fields) -> dict:
    body = {"data": json.dumps(data, ensure_ascii=False), **fields}
    for name, items in files.items():
        body[name] = [(io.BytesIO(content), filename) for content, filename in items]
    return body


def test_a_channel_registers_with_a_photo_and_gets_a_receipt_without_a_link(client, db, channel):  # noqa: F811
    r = client.post("/api/v1/tickets/multipart", headers=channel, content_type="multipart/form-data",
                    data=_multipart(CITIZEN, {"attachments": [(photo(), "wx_camera_1700.jpg"), (scan_pdf(), "来信.pdf")]},
                                    attachment_location="永和路18号"))
    assert r.status_code == 201, r.json
    assert r.json["query_code"] and [a["name"] for a in r.json["attachments"]] == ["wx_camera_1700.jpg", "来信.pdf"]
    assert all("token" not in a and "url" not in a for a in r.json["attachments"])
    files = attachments_of(db, r.json["ticket"]["id"])
    assert [(a.origin, a.action, a.location) for a in files] == [("citizen", "register", "永和路18号")] * 2


def test_bad_shapes_are_refused_in_chinese(client, db, channel):  # noqa: F811
    r = client.post("/api/v1/tickets/multipart", headers=channel, json=CITIZEN)
    assert r.status_code == 400 and "multipart/form-data" in r.json["error"]["message"]
    r = client.post("/api/v1/tickets/multipart", headers=channel, content_type="multipart/form-data",
                    data={"data": "{not json", "attachments": (io.BytesIO(photo()), "a.jpg")})
    assert r.status_code == 400 and r.json["error"]["message"] == "字段 data 必须是 JSON 对象"
    r = client.post("/api/v1/tickets/multipart", headers=channel, content_type="multipart/form-data",
                    data=_multipart(CITIZEN, {"attachments": [(EXE, "photo.jpg")]}))
    assert r.status_code == 400 and r.json["error"]["code"] == "attachment_refused"
    assert "「photo.jpg」不是允许上传的文件类型" in r.json["error"]["fields"]["attachments"]
    r = client.post("/api/v1/tickets", headers=channel, json={**CITIZEN, "attachments": [{"name": "x.jpg"}]})
    assert r.status_code == 400 and "附件须作为文件上传" in r.json["error"]["message"]
    assert client.post("/api/v1/tickets/multipart", content_type="multipart/form-data",
                       data=_multipart(CITIZEN, {})).status_code == 401


def test_a_unit_replies_with_files_and_another_unit_cannot_download_them(client, db):
    agent, dispatcher, handler = login(client, "agent"), login(client, "dispatcher"), login(client, "handler")
    t = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent).json["ticket"]["id"]
    client.post(f"/api/v1/tickets/{t}/tasks/dispatch", json={"lead_unit": unit_id(db, "HY-ZJJ")}, headers=dispatcher)
    client.post(f"/api/v1/tickets/{t}/tasks/sign", json={"decision": "sign"}, headers=login(client, "receiver"))
    r = client.post(f"/api/v1/tickets/{t}/tasks/reply/multipart", headers=handler, content_type="multipart/form-data",
                    data=_multipart({**REPLY, "citizen_informed": True}, {"attachments": [(photo(), "整改后.jpg")]},
                                    attachments_public="true"))
    assert r.status_code == 200, r.json
    assert r.json["ticket"]["status"] == "reviewing"
    [shown] = r.json["attachments"]
    assert shown["action"] == "reply" and shown["public"] is True and shown["url"].endswith(shown["token"])
    got = client.get(f"/api/v1/attachments/{shown['token']}", headers=login(client, "reviewer"))
    assert got.status_code == 200 and got.mimetype == "image/jpeg" and exif_of(got.get_data())["gps"] == {}
    [a] = attachments_of(db, t)
    assert [o.via for o in openings(db, a.id)] == ["api"]
    listed = client.get(f"/api/v1/tickets/{t}/attachments", headers=dispatcher).json["attachments"]
    assert [x["name"] for x in listed] == ["整改后.jpg"]
    view = client.get(f"/api/v1/tickets/{t}", headers=dispatcher).json
    assert [x["name"] for x in view["attachments"]] == ["整改后.jpg"]
    assert [x["name"] for e in view["timeline"] for x in e["attachments"]] == ["整改后.jpg"]
    other = login(client, "handler2")
    assert client.get(f"/api/v1/attachments/{shown['token']}", headers=other).status_code == 404
    assert client.get(f"/api/v1/tickets/{t}/attachments", headers=other).status_code == 404


def test_the_citizens_files_are_masked_in_the_api_for_a_masked_role(client, db):
    agent = login(client, "agent")
    r = client.post("/api/v1/tickets/multipart", headers=agent, content_type="multipart/form-data",
                    data=_multipart(CITIZEN, {"attachments": [(photo(), "现场.jpg")]}))
    t = r.json["ticket"]["id"]
    # the agent registered it and its scope task is open: the office's policy shows the citizen's material
    assert r.json["attachments"][0]["url"]
    [a] = client.get(f"/api/v1/tickets/{t}/attachments", headers=login(client, "supervisor")).json["attachments"]
    assert (a["hidden"], a["token"], a["url"], a["name"]) == (True, None, None, "诉求人提供的图片")
    token = attachments_of(db, t)[0].token
    r = client.get(f"/api/v1/attachments/{token}", headers=login(client, "supervisor"))
    assert r.status_code == 403 and "查看完整信息" in r.json["error"]["message"]


def test_a_citizen_evaluates_with_a_photo_through_the_api(client, db, tickets):
    t, code = tickets.new_with_code(scope="accept")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    tickets.act("handler", t, "reply", **REPLY)
    tickets.act("reviewer", t, "review", decision="accept")
    r = client.post("/api/v1/progress/evaluate/multipart", content_type="multipart/form-data",
                    data=_multipart({"number": t.number, "code": code, "intake_rating": "satisfied",
                                     "handling_rating": "very_dissatisfied", "comment": "问题依旧"},
                                    {"attachments": [(photo(), "依旧.jpg")]}))
    assert r.status_code == 200, r.json
    [a] = attachments_of(db, t.id)
    assert (a.action, a.origin, a.public) == ("evaluate", "citizen", False)
    wrong = client.post("/api/v1/progress/evaluate/multipart", content_type="multipart/form-data",
                        data=_multipart({"number": t.number, "code": "000000"}, {}))
    assert wrong.status_code == 404


def test_the_openapi_document_describes_the_multipart_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json
    body = doc["paths"]["/api/v1/tickets/{ticket_id}/tasks/{task_ref}/multipart"]["post"]["requestBody"]
    props = body["content"]["multipart/form-data"]["schema"]["properties"]
    assert {"data", "attachments", "explanation_scan", "attachments_public"} <= set(props)
    assert doc["components"]["schemas"]["Attachment"]["properties"]["origin"]["enum"] == ["citizen", "unit", "office"]
