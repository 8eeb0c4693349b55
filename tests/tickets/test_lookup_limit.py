"""The citizens' look-up limit (/public/track, /public/evaluate) counts guesses, not citizens: only a wrong number and
query code pair counts, 10 within 10 minutes per client address and per ticket number. Behind the deployment's
proxy (HOTLINE_TRUSTED_PROXIES=1) each citizen's address is their own; without it, a forged X-Forwarded-For changes
nothing."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engine.models import AttemptCounter, Evaluation, Ticket
from tests.support.pages import Client, count, fresh, post, text

TOO_MANY = "查询过于频繁，请10分钟后再试"
WRONG = "工单编号或查询码不正确"


@pytest.fixture
def evaluating(db, tickets) -> tuple[Ticket, str]:
    """A ticket awaiting the citizen's evaluation, with its query code."""
    return tickets.evaluating_with_code()


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def track(client, number: str, code: str, address: str = "127.0.0.1", **headers):
    return post(client, "/public/track", {"number": number, "code": code}, headers=headers,
                environ_base={"REMOTE_ADDR": address})


def evaluate(client, number: str, code: str, address: str = "127.0.0.1", **ratings):
    return post(client, "/public/evaluate", {"number": number, "code": code, **ratings}, get_url="/public/track",
                environ_base={"REMOTE_ADDR": address})


def unknown(i: int) -> str:
    return f"HL2026112599{i:04d}"


def test_a_citizen_who_tracks_fifteen_times_and_evaluates_is_never_refused(client, db, evaluating):
    t, code = evaluating
    for _ in range(15):
        r = track(client, t.number, code)
        assert r.status_code == 200 and "提交评价" in text(r) and TOO_MANY not in text(r)
    # A first evaluation without the handling rating is sent back to be completed, not counted as a guess.
    r = evaluate(client, t.number, code, intake_rating="satisfied")
    assert r.status_code == 400 and "请选择对承办单位办理的评价" in text(r)
    r = evaluate(client, t.number, code, intake_rating="satisfied", handling_rating="very_satisfied")
    assert r.status_code == 200 and "感谢您的评价" in text(r)
    assert count(db, Evaluation) == 1 and fresh(db, t.id).status == "archived"
    for _ in range(5):
        r = track(client, t.number, code)
        assert r.status_code == 200 and "已归档" in text(r) and "提交评价" not in text(r)
    # None of those 22 requests used up anything: ten wrong codes still go through to their answer, the 11th waits.
    answers = [track(client, t.number, wrong(code)) for _ in range(11)]
    assert [r.status_code for r in answers] == [404] * 10 + [429]
    assert all(WRONG in text(r) for r in answers[:10]) and TOO_MANY in text(answers[10])


def test_wrong_codes_from_one_address_are_refused_after_ten_even_a_right_one(client, db, evaluating):
    t, code = evaluating
    answers = [track(client, unknown(i), "123456", "203.0.113.5") for i in range(10)]
    assert [r.status_code for r in answers] == [404] * 10 and all(WRONG in text(r) for r in answers)
    # The address waits 10 minutes for any number, its right code included: a guesser learns nothing from a lock.
    for number, query in ((unknown(10), "123456"), (t.number, code)):
        r = track(client, number, query, "203.0.113.5")
        assert r.status_code == 429 and TOO_MANY in text(r) and "提交评价" not in text(r)
    r = evaluate(client, t.number, code, "203.0.113.5", intake_rating="satisfied", handling_rating="satisfied")
    assert r.status_code == 429 and TOO_MANY in text(r) and count(db, Evaluation) == 0
    # The citizen at another address is not held up by the guesser.
    assert track(client, t.number, code, "198.51.100.7").status_code == 200


def test_wrong_codes_for_one_number_are_refused_after_ten_and_a_right_look_up_resets_nothing(client, db, clock,
                                                                                              evaluating):
    t, code = evaluating
    for i in range(9):  # guesses from nine addresses, each under its own address's limit
        assert track(client, t.number, wrong(code), f"203.0.113.{i + 1}").status_code == 404
    # The citizen looks up their ticket in between: served, and neither counted nor wiping the guesses counted.
    assert track(client, t.number, code, "198.51.100.7").status_code == 200
    assert track(client, t.number, wrong(code), "203.0.113.10").status_code == 404  # the tenth wrong code
    for address in ("203.0.113.11", "198.51.100.7"):  # the number now waits, for the citizen too
        r = track(client, t.number, code, address)
        assert r.status_code == 429 and TOO_MANY in text(r)
    assert track(client, unknown(1), "123456", "203.0.113.11").status_code == 404  # other numbers are unaffected
    clock.set("2026-11-25T10:10:00+08:00")  # ten minutes on: the lock has run out
    r = track(client, t.number, code, "198.51.100.7")
    assert r.status_code == 200 and "提交评价" in text(r)


def test_an_evaluation_with_a_wrong_code_counts_as_a_guess(client, db, evaluating):
    t, code = evaluating
    for _ in range(9):
        assert track(client, t.number, wrong(code)).status_code == 404
    r = evaluate(client, t.number, wrong(code), intake_rating="satisfied", handling_rating="satisfied")
    assert r.status_code == 404 and WRONG in text(r) and count(db, Evaluation) == 0
    r = evaluate(client, t.number, code, intake_rating="satisfied", handling_rating="satisfied")
    assert r.status_code == 429 and TOO_MANY in text(r) and count(db, Evaluation) == 0


def test_the_api_counts_only_wrong_codes_too(client, db, evaluating):
    t, code = evaluating
    for _ in range(15):
        r = client.post("/api/v1/progress", json={"number": t.number, "code": code})
        assert r.status_code == 200 and r.json["can_evaluate"]
    r = client.post("/api/v1/progress/evaluate", json={"number": t.number, "code": code,
                                                       "intake_rating": "satisfied", "handling_rating": "satisfied"})
    assert r.status_code == 200 and r.json["status"] == "archived"
    codes = [client.post("/api/v1/progress", json={"number": t.number, "code": wrong(code)}).status_code
             for _ in range(11)]
    assert codes == [404] * 10 + [429]


def test_forty_parallel_guesses_and_ten_right_look_ups_get_at_most_ten_wrong_checks(app, db, evaluating,
                                                                                    monkeypatch):
    import web.security as security

    t, code = evaluating
    number = t.number  # read here: the threads have no app context to load it in
    checks, real = [], security.queries.citizen_lookup

    def counting(session, number, query, now):
        checks.append(query == code)
        return real(session, number, query, now)

    monkeypatch.setattr(security.queries, "citizen_lookup", counting)
    results: list[tuple[bool, int]] = []
    barrier = threading.Barrier(50)

    def attempt(query: str):
        barrier.wait()
        with app.test_client() as c:
            results.append((query == code, c.post("/api/v1/progress", json={"number": number, "code": query})
                            .status_code))

    threads = [threading.Thread(target=attempt, args=(q,)) for q in [wrong(code)] * 40 + [code] * 10]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    # Right look-ups in flight hold an attempt until they give it back, so a guess may be refused in the meantime:
    # never more than ten wrong codes are checked, whatever the interleaving.
    guesses = checks.count(False)
    assert len(results) == 50 and 1 <= guesses <= 10
    assert sorted(status for right, status in results if not right) == [404] * guesses + [429] * (40 - guesses)
    assert {status for right, status in results if right} <= {200, 429}


# -- the client's address behind the proxy ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def proxied(database_url, clock):
    """A worker of the deployment recipe: one trusted proxy (nginx) in front, on the tests' database."""
    from web import create_app
    from web.extensions import db as _db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "CLOCK": clock, "SCHEDULER_ENABLED": False,
                      "TESTING": True, "SECRET_KEY": "test-secret", "TRUSTED_PROXIES": 1})
    yield app
    with app.app_context():
        _db.engine.dispose()


def through_proxy(client, number: str, code: str, forwarded: str):
    """A look-up as nginx passes it on: from 127.0.0.1, the client's address appended to X-Forwarded-For."""
    return track(client, number, code, "127.0.0.1", **{"X-Forwarded-For": forwarded})


def test_behind_the_trusted_proxy_each_citizen_has_their_own_budget(proxied, db, evaluating):
    t, code = evaluating
    client = Client(proxied, proxied.response_class)
    answers = [through_proxy(client, unknown(i), "123456", "198.51.100.1") for i in range(11)]
    assert [r.status_code for r in answers] == [404] * 10 + [429] and TOO_MANY in text(answers[10])
    # The guesser cannot borrow an address: nginx appends the real one, and only the last entry is trusted.
    r = through_proxy(client, unknown(20), "123456", "203.0.113.99, 198.51.100.1")
    assert r.status_code == 429
    # Another citizen behind the same proxy is served, wrong codes and right.
    assert through_proxy(client, unknown(21), "123456", "198.51.100.2").status_code == 404
    r = through_proxy(client, t.number, code, "198.51.100.2")
    assert r.status_code == 200 and "提交评价" in text(r)


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client, db):
    codes = [track(client, unknown(i), "123456", "203.0.113.5", **{"X-Forwarded-For": f"198.51.100.{i}"}).status_code
             for i in range(12)]
    assert codes == [404] * 10 + [429, 429]


def test_behind_the_trusted_proxy_sign_in_locks_are_per_citizen(proxied, db):
    client = Client(proxied, proxied.response_class)

    def sign_in(password: str, forwarded: str):
        return post(client, "/login", {"username": "handler", "password": password}, get_url="/login",
                    headers={"X-Forwarded-For": forwarded})

    for _ in range(5):
        r = sign_in("wrong", "198.51.100.1")
        assert r.status_code == 401 and "用户名或密码错误" in text(r)
    r = sign_in("demo12345", "198.51.100.1")
    assert r.status_code == 401 and "登录失败次数过多" in text(r)  # locked at that address
    assert sign_in("demo12345", "198.51.100.2").status_code == 302  # the owner at their own address signs in
    db.session.rollback()
    addresses = set(db.session.scalars(select(AttemptCounter.address).where(AttemptCounter.kind == "login")))
    assert "198.51.100.1" in addresses and "127.0.0.1" not in addresses


@pytest.mark.parametrize("hops", [-1, "1", True])
def test_a_wrong_number_of_proxies_stops_the_app_at_start(database_url, clock, hops):
    from web import create_app

    with pytest.raises(ValueError, match="HOTLINE_TRUSTED_PROXIES") as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "CLOCK": clock, "SCHEDULER_ENABLED": False,
                    "TESTING": True, "SECRET_KEY": "test-secret", "TRUSTED_PROXIES": hops})
    # What the command line prints (web/cli/errors.py), in Chinese.
    assert refused.value.message_zh == f"前置代理层数 HOTLINE_TRUSTED_PROXIES 应为0或正整数，现为 {hops}"

