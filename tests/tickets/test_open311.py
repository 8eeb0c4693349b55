"""Open311 GeoReport v2 at /open311/v2/, spoken to by third-party clients from PyPI over a live server: civicbot
(services, service definition, POST, GET list and one, JSON) and georeport (the .xml variants, read by xmltodict).
Personal data never appears in a GET answer; errors are the spec's array of {code, description}."""
from __future__ import annotations

import json

import pytest
import requests
import xmltodict
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport
from sqlalchemy import select

from engine.models import ApiClient, Category, Open311Request, Ticket
from tests.support.helpers import REPLY
from tests.support.pages import as_user, last_ticket, text, unit_id

CLIENT_NAME = "河源12345微信小程序"
PERSON = {"first_name": "三丰", "last_name": "张", "phone": "13800001234", "email": "zsf@example.com"}


@pytest.fixture(scope="module")
def api_key(app):
    result = app.test_cli_runner().invoke(args=["create-api-client", CLIENT_NAME, "--channel", "open311"])
    assert result.exit_code == 0, result.output
    yield result.output.strip()
    with app.app_context():
        from web.extensions import db
        db.session.execute(ApiClient.__table__.delete().where(ApiClient.name == CLIENT_NAME))
        db.session.commit()


@pytest.fixture
def city(live_server, db):
    endpoint = Endpoint(id="heyuan", name="河源12345", base_url=f"{live_server}/open311/v2", write=True)
    return Open311Client(endpoint, HttpTransport(rate_limiter=RateLimiter(min_interval=0), timeout=10))


@pytest.fixture
def noise_code(db) -> str:
    cid = db.session.scalar(select(Category.id).where(Category.name == "城乡建设/噪音扰民"))
    return f"complaint.{cid}"


def file(city, api_key, code, **extra):
    kwargs = {"lat": 23.743, "lng": 114.697, "address_string": "源城区永和路18号",
              "description": "小区东侧工地每晚22点后仍在施工，噪音扰民。", **PERSON, **extra}
    return city.create_request(code, dry_run=False, confirm="SEND", api_key=api_key, **kwargs).response


def errors_of(exc: HttpError) -> list[dict]:
    return json.loads(exc.body)


def test_services_are_our_categories_by_type_in_chinese(city, noise_code, live_server):
    services = city.list_services()
    by_code = {s["service_code"]: s for s in services}
    assert by_code[noise_code]["service_name"] == "城乡建设/噪音扰民" and by_code[noise_code]["group"] == "投诉"
    assert by_code["consult"]["service_name"] == "咨询（其他）" and by_code["consult"]["metadata"] is False
    assert city.get_service_definition(noise_code) == {"service_code": noise_code, "attributes": []}
    with pytest.raises(HttpError) as err:
        city.get_service_definition("complaint.999999")
    assert err.value.status == 404 and errors_of(err.value) == [
        {"code": 404, "description": "没有该服务代码（service_code），请先查询服务列表"}]
    xml = GeoReport(f"{live_server}/open311/v2", output_format="xml").get_service_list()
    assert any(s["service_code"] == noise_code and s["service_name"] == "城乡建设/噪音扰民" for s in xml)


def test_a_city_app_files_a_request_and_follows_it_to_the_reply(city, api_key, noise_code, db, tickets, live_server,
                                                                client):
    [filed] = file(city, api_key, noise_code)
    number = filed["service_request_id"]
    assert number.startswith("HL") and "查询码" in filed["service_notice"]
    t = last_ticket(db)
    assert (t.number, t.channel, t.status, t.category, t.ticket_type) == (number, "open311", "scoping",
                                                                          "城乡建设/噪音扰民", "complaint")
    assert t.citizen_name == "张三丰" and t.citizen_phone == "13800001234" and "23.743000" in t.address
    row = db.session.get(Open311Request, t.id)
    assert (row.service_code, row.lat, row.long, row.client) == (noise_code, 23.743, 114.697, CLIENT_NAME)
    # The agent sees it at 受理审查 like every channel's request.
    as_user(client, db, "agent")
    assert "开放接口" in text(client.get(f"/tickets/{t.id}"))

    one = city.get_request(number)
    assert one["status"] == "open" and one["service_code"] == noise_code and one["lat"] == 23.743
    assert one["agency_responsible"] is None and one["status_notes"] == "待受理审查"
    raw = requests.get(f"{live_server}/open311/v2/requests/{number}.json", timeout=10).text
    for personal in ("张三丰", "13800001234", "zsf@example.com", "三丰"):
        assert personal not in raw

    tickets.act("agent", t, "decide_scope", scope="accept")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    tickets.act("handler", t, "reply", **REPLY)
    tickets.act("reviewer", t, "review", decision="accept")
    one = city.get_request(number)
    assert one["status"] == "closed" and one["status_notes"] == REPLY["result"]
    assert one["agency_responsible"] == "河源市住房和城乡建设局"

    listed = city.list_requests(status="closed", service_code=noise_code)
    assert [r["service_request_id"] for r in listed] == [number]
    assert city.list_requests(status="open") == []
    assert [r["service_request_id"] for r in city.list_requests(service_request_ids=[number, "HL0"])] == [number]
    xml = GeoReport(f"{live_server}/open311/v2", output_format="xml")
    assert xml.get_service_request(number)["status"] == "closed"
    parsed = xmltodict.parse(requests.get(f"{live_server}/open311/v2/requests.xml?status=closed", timeout=10).content)
    assert parsed["service_requests"]["request"]["service_request_id"] == number
    assert "13800001234" not in requests.get(f"{live_server}/open311/v2/requests.xml", timeout=10).text


def test_a_phone_call_is_not_an_open311_request(city, tickets, live_server):
    t = tickets.new()
    assert city.list_requests() == []
    r = requests.get(f"{live_server}/open311/v2/requests/{t.number}.json", timeout=10)
    assert r.status_code == 404 and r.json()[0]["code"] == 404


@pytest.mark.parametrize("drop, change, said", [
    (("lat", "long"), {}, "请提供位置"),
    (("long",), {}, "须同时提供"),
    (("phone",), {}, "联系电话"),
    ((), {"description": ""}, "请填写诉求内容"),
    ((), {"description": "长" * 4001}, "不能超过4000字"),
    ((), {"service_code": "complaint.abc"}, "没有该服务代码"),
])
def test_bad_requests_get_the_error_array_and_write_nothing(api_key, noise_code, db, drop, change, said,
                                                            live_server):
    before = db.session.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1))
    form = {"service_code": noise_code, "api_key": api_key, "lat": "23.7", "long": "114.6",
            "description": "路灯不亮", **PERSON, **change}
    form = {k: v for k, v in form.items() if k not in drop}
    r = requests.post(f"{live_server}/open311/v2/requests.json", data=form, timeout=10)
    assert r.status_code in (400, 404) and said in r.json()[0]["description"], r.text
    db.session.rollback()
    assert db.session.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) == before


def test_keys_formats_and_filters_are_checked(city, api_key, noise_code, live_server):
    with pytest.raises(HttpError) as err:
        file(city, "not-a-key", noise_code)
    assert err.value.status == 403 and "api_key" in errors_of(err.value)[0]["description"]
    base = f"{live_server}/open311/v2"
    r = requests.post(f"{base}/requests.xml", data={"service_code": noise_code, "api_key": "x"}, timeout=10)
    error = xmltodict.parse(r.content)["errors"]["error"]
    assert r.status_code == 403 and error["code"] == "403"
    assert requests.get(f"{base}/services.yaml", timeout=10).status_code == 404
    r = requests.get(f"{base}/nothing-here.json", timeout=10)  # the app's own 404, still the spec's shape
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    r = requests.put(f"{base}/requests.json", timeout=10)
    assert r.status_code == 405 and r.json()[0]["code"] == 405
    r = requests.post(f"{base}/requests.xml", data={"description": "路灯\x01不亮", "api_key": api_key}, timeout=10)
    assert r.status_code == 400 and xmltodict.parse(r.content)["errors"]["error"]["code"] == "400"
    for query in ("status=pending", "start_date=yesterday", "service_request_id=" + ",".join(["HL1"] * 51),
                  "start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z"):
        r = requests.get(f"{base}/requests.json?{query}", timeout=10)
        assert r.status_code == 400 and r.json()[0]["code"] == 400, query
    r = requests.post(f"{base}/requests.json", data={"service_code": noise_code, "api_key": api_key, "lat": "91",
                                                      "long": "114", "description": "x", **PERSON}, timeout=10)
    assert r.status_code == 400 and "纬度" in r.json()[0]["description"]


def test_names_are_optional_and_each_error_is_its_own_entry(api_key, noise_code, db, live_server):
    form = {"service_code": noise_code, "api_key": api_key, "address_string": "源城区永和路18号",
            "description": "路灯不亮", "phone": "13800001234"}
    r = requests.post(f"{live_server}/open311/v2/requests.json", data=form, timeout=10)
    assert r.status_code == 201, r.text  # GeoReport v2 makes first_name/last_name optional
    db.session.rollback()
    ticket = db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
    assert ticket.citizen_name == "未留姓名" and ticket.channel == "open311"
    r = requests.post(f"{live_server}/open311/v2/requests.json",
                      data={**form, "phone": "12", "last_name": "张" * 200}, timeout=10)
    said = [e["description"] for e in r.json()]
    assert r.status_code == 400 and all(e["code"] == 400 for e in r.json()) and len(said) >= 2, said
    assert any(d.endswith("（phone）") for d in said) and not any("（（" in d or "））" in d for d in said)


def test_a_returned_request_names_no_agency_until_it_is_dispatched_again(city, api_key, noise_code, db, tickets):
    # The city app follows a request the unit returned (退回): while it waits for the office, the unit that returned
    # it is not the agency responsible and its cancelled deadline is not the expected time.
    [filed] = file(city, api_key, noise_code)
    t = last_ticket(db)
    tickets.act("agent", t, "decide_scope", scope="accept")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    signing = city.get_request(filed["service_request_id"])
    assert signing["agency_responsible"] == "河源市住房和城乡建设局" and signing["expected_datetime"]
    tickets.act("receiver", t, "sign", decision="return", return_reason="非本单位职责", return_basis="三定方案")
    waiting = city.get_request(filed["service_request_id"])
    assert waiting["status"] == "open" and waiting["status_notes"] == "待派单"
    assert waiting["agency_responsible"] is None and waiting["expected_datetime"] is None
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-RSJ"))
    again = city.get_request(filed["service_request_id"])
    assert again["agency_responsible"] == "河源市人力资源和社会保障局" and again["expected_datetime"]
