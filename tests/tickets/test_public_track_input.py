"""查询办理进度 takes the ticket number as citizens type it: lower case, full-width characters from a Chinese input
method, spaces. The query code is six digits (``secrets.randbelow(10**6)``), so it has no case; full-width digits are
read as digits. A wrong code is still refused with the same neutral message, and every spelling of one number counts
against that number's look-up limit."""
from __future__ import annotations

import pytest

from engine.models import Evaluation, Ticket
from tests.support.pages import count, fresh, post, text

WRONG = "工单编号或查询码不正确"
TOO_MANY = "查询过于频繁，请10分钟后再试"


def full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in value)


@pytest.fixture
def evaluating(db, tickets) -> tuple[Ticket, str]:
    return tickets.evaluating_with_code()


def track(client, number: str, code: str, address: str = "127.0.0.1"):
    return post(client, "/public/track", {"number": number, "code": code}, environ_base={"REMOTE_ADDR": address})


def test_a_lower_case_number_finds_the_ticket_and_the_citizen_can_evaluate(client, db, evaluating):
    t, code = evaluating
    typed = t.number.lower()
    assert typed.startswith("hl") and typed != t.number
    r = track(client, typed, code)
    page = text(r)
    assert r.status_code == 200 and WRONG not in page
    assert t.number in page and "提交评价" in page
    # The evaluation form carries the number as typed; it is read the same way.
    r = post(client, "/public/evaluate", {"number": typed, "code": code, "intake_rating": "satisfied",
                                          "handling_rating": "satisfied"}, get_url="/public/track")
    assert r.status_code == 200 and "感谢您的评价" in text(r)
    assert count(db, Evaluation) == 1 and fresh(db, t.id).status == "archived"


@pytest.mark.parametrize("how", ["spaces", "full-width"])
def test_spaces_and_full_width_characters_are_read_as_typed(client, db, evaluating, how):
    t, code = evaluating
    number, query = ((f"  {t.number[:6]} {t.number[6:].lower()} ", f" {code} ") if how == "spaces"
                     else (full_width(t.number.lower()), full_width(code)))
    r = track(client, number, query)
    assert r.status_code == 200 and t.number in text(r) and WRONG not in text(r)


def test_a_wrong_code_is_still_refused_with_the_neutral_message(client, db, evaluating):
    t, code = evaluating
    bad = "000000" if code != "000000" else "111111"
    r = track(client, t.number.lower(), bad)
    assert r.status_code == 404 and WRONG in text(r) and "提交评价" not in text(r)
    r = track(client, "hl20991231999999", code)
    assert r.status_code == 404 and WRONG in text(r)


def test_every_spelling_of_a_number_counts_against_that_number(client, db, evaluating):
    t, code = evaluating
    bad = "000000" if code != "000000" else "111111"
    spellings = [t.number, t.number.lower(), f" {t.number.lower()} ", full_width(t.number)]
    answers = [track(client, spellings[i % 4], bad, f"203.0.113.{i}") for i in range(10)]
    assert [r.status_code for r in answers] == [404] * 10
    r = track(client, t.number.lower(), code, "198.51.100.7")
    assert r.status_code == 429 and TOO_MANY in text(r)
