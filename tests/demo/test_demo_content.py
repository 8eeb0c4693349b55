"""Check that the Heyuan demo content is consistent enough to seed a system from."""

import random
import re
import string

from engine.demo import content as dc
from engine.demo import generator as dg
from engine.demo import kb as dk
from engine.demo import requests as dr
from engine.process import defaults

STAFF_MOBILE = re.compile(r"^1380000\d{4}$")
LANDLINE = re.compile(r"^0762-0\d{6}$")
TYPE_CODES = {"consult", "help", "complaint", "report", "suggestion", "economic"}
UNIT_KINDS = {"city_office", "county_office", "county_government", "county_department", "city_department",
              "enterprise"}


def _placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_unit_codes_are_unique_ascii():
    codes = [u["code"] for u in dc.ALL_UNITS]
    assert len(codes) == len(set(codes))
    assert all(code.isascii() for code in codes)
    assert set(dc.UNITS_BY_CODE) == set(codes)


def test_every_parent_exists_and_comes_first():
    seen = set()
    for unit in dc.ALL_UNITS:
        if unit["code"] == dc.OFFICE["code"]:
            assert unit["parent"] is None
        else:
            assert unit["parent"] in seen, unit["code"]
        seen.add(unit["code"])


def test_tree_shape():
    assert dc.OFFICE["code"] == "HY-OFFICE"
    assert dc.OFFICE["short"] == "河热线"
    assert {u["kind"] for u in dc.ALL_UNITS} == UNIT_KINDS
    assert [c["name"] for c in dc.COUNTIES] == ["源城区", "东源县", "和平县", "龙川县", "紫金县", "连平县"]
    for county in dc.COUNTIES:
        office, gov, *members = county["units"]
        assert office["kind"] == "county_office" and office["parent"] == "HY-OFFICE"
        assert gov["kind"] == "county_government" and gov["parent"] == office["code"]
        assert 2 <= len(members) <= 3
        assert all(m["kind"] == "county_department" and m["parent"] == office["code"] for m in members)
        assert all(u["county"] == county["code"] for u in county["units"])
    for unit in dc.CITY_DEPARTMENTS + dc.ENTERPRISES:
        assert unit["parent"] == "HY-OFFICE"
    assert len(dc.CITY_DEPARTMENTS) >= 15


def test_every_unit_has_leader_phone_and_duties():
    for unit in dc.ALL_UNITS:
        assert unit["leader"]["name"] and unit["leader"]["title"]
        assert STAFF_MOBILE.match(unit["leader"]["mobile"])
        assert LANDLINE.match(unit["phone"])
        assert unit["duties"].endswith("。")
    landlines = [u["phone"] for u in dc.ALL_UNITS]
    assert len(landlines) == len(set(landlines))


def test_county_member_units_handle_known_category_groups():
    groups = {c["level1"] for c in dc.CATEGORIES}
    for unit in dc.ALL_UNITS:
        assert set(unit["handles"]) <= groups
        assert not unit["handles"] or unit["kind"] == "county_department"


def test_categories_are_unique_and_routed_to_existing_units():
    codes = [c["code"] for c in dc.CATEGORIES]
    assert len(codes) == len(set(codes))
    names = [c["name"] for c in dc.CATEGORIES]
    assert len(names) == len(set(names))
    for category in dc.CATEGORIES:
        assert category["default_unit"] in dc.UNITS_BY_CODE, category["code"]
        assert category["name"] == f"{category['level1']}/{category['level2']}"


def test_request_templates_reference_known_data():
    for template in dr.REQUEST_TEMPLATES:
        assert template["type"] in TYPE_CODES
        assert template["category"] in dc.CATEGORIES_BY_CODE, template["title"]
        assert _placeholders(template["content"]) == {"place"}, template["title"]
        assert _placeholders(template["reply"]) <= {"place"}, template["title"]
        assert template["basis"]
        assert template["kb"] is None or template["kb"] in {e["code"] for e in dk.KB_ENTRIES}
    assert {t["type"] for t in dr.REQUEST_TEMPLATES} == TYPE_CODES
    assert len(dr.REQUEST_TEMPLATES) >= 60


def test_kb_entries_belong_to_units_and_categories():
    codes = [e["code"] for e in dk.KB_ENTRIES]
    assert len(codes) == len(set(codes)) >= 12
    for entry in dk.KB_ENTRIES:
        assert entry["unit"] in dc.UNITS_BY_CODE
        assert entry["category"] in dc.CATEGORIES_BY_CODE
        assert entry["basis"] and entry["keywords"]


def test_demo_users_cover_every_role():
    assert dc.DEMO_PASSWORD == "demo12345"
    usernames = [u["username"] for u in dc.DEMO_USERS]
    assert len(usernames) == len(set(usernames))
    assert all(name.isascii() for name in usernames)
    assert {u["role"] for u in dc.DEMO_USERS} == set(dc.ROLES)
    for user in dc.DEMO_USERS:
        assert user["unit"] is None or user["unit"] in dc.UNITS_BY_CODE, user["username"]
        assert STAFF_MOBILE.match(user["phone"])
    by_name = {u["username"]: u for u in dc.DEMO_USERS}
    assert by_name["county_dispatcher"]["unit"] == "YC-OFFICE"
    assert {by_name[n]["unit"] for n in ("receiver", "handler", "unit_leader", "kb_editor")} == {"HY-ZJJ"}
    assert by_name["receiver2"]["unit"] == by_name["handler2"]["unit"] != "HY-ZJJ"
    leader = dc.UNITS_BY_CODE["HY-ZJJ"]["leader"]
    assert (by_name["unit_leader"]["display_name"], by_name["unit_leader"]["phone"]) == (leader["name"],
                                                                                         leader["mobile"])


def test_places_exist_for_every_county():
    counties = {c["code"] for c in dc.COUNTIES}
    assert set(dg.PLACES) == counties == set(dg.RURAL_PLACES)
    names = {c["code"]: c["name"] for c in dc.COUNTIES}
    for code, places in (*dg.PLACES.items(), *dg.RURAL_PLACES.items()):
        assert places and all(p.startswith(names[code]) for p in places)


def test_fake_phones_are_fictional():
    phones = [dc.fake_phone(i) for i in range(20000)]
    assert all(STAFF_MOBILE.match(p) for p in phones)
    # Citizens never share a number with staff (0001-0999 block).
    assert all(int(p[-4:]) >= 1000 for p in phones)


def test_request_for_is_deterministic():
    first = [dg.request_for(i, random.Random(7)) for i in range(50)]
    again = [dg.request_for(i, random.Random(7)) for i in range(50)]
    assert first == again
    rng_a, rng_b = random.Random(42), random.Random(42)
    assert [dg.request_for(i, rng_a) for i in range(100)] == [dg.request_for(i, rng_b) for i in range(100)]


def test_request_for_produces_consistent_requests():
    rng = random.Random(2026)
    requests = [dg.request_for(i, rng) for i in range(200)]
    assert {r["type"] for r in requests} == TYPE_CODES
    assert {r["channel"] for r in requests} == {c["code"] for c in dc.CHANNELS}
    callers = {}
    for request in requests:
        assert "{" not in request["content"] and "{" not in request["reply"]
        assert request["address"] in request["content"]
        assert request["county"] in dg.PLACES
        category = dc.CATEGORIES_BY_CODE[request["category"]]
        assert request["unit"] == category["default_unit"]
        assert request["local_unit"] is None or category["level1"] in dc.UNITS_BY_CODE[request["local_unit"]][
            "handles"]
        assert STAFF_MOBILE.match(request["phone"])
        # A returning caller keeps the same name.
        assert callers.setdefault(request["phone"], request["citizen_name"]) == request["citizen_name"]
    assert len(callers) < len(requests)


def test_refusal_reasons_are_numbered_one_to_eleven():
    assert [r["code"] for r in defaults.REFUSAL_REASONS] == list(range(1, 12))
    assert all(r["label"] for r in defaults.REFUSAL_REASONS)
    assert set(defaults.EXPLANATION_TEMPLATES) == set(range(1, 12))
    assert all(text.endswith("。") for text in defaults.EXPLANATION_TEMPLATES.values())
