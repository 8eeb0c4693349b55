"""`flask calendar deadline`: the JSON contract operators and checks rely on, and its refusals."""
from __future__ import annotations

import json

import pytest

KEYS = ["type", "stage", "received", "due", "warning", "yellow", "red", "provisional"]


def deadline(app, *args):
    result = app.test_cli_runner().invoke(args=["calendar", "deadline", *args])
    return result


def one_json(result) -> dict:
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("}\n")
    data = json.loads(result.stdout)
    assert list(data) == KEYS
    return data


def test_domain_example_consult(app, db):
    data = one_json(deadline(app, "--type", "咨询", "--received", "2026-11-25T10:00:00+08:00"))
    assert data == {"type": "咨询", "stage": "handling", "received": "2026-11-25T10:00:00+08:00",
                    "due": "2026-11-28T00:00:00+08:00", "warning": "2026-11-27T00:00:00+08:00",
                    "yellow": "2026-11-28T00:00:00+08:00", "red": "2026-12-01T00:00:00+08:00", "provisional": False}


@pytest.mark.parametrize("type_arg", ["求助", "help", " 求助 "])
def test_type_by_label_or_code_help_is_three_days(app, db, type_arg):
    data = one_json(deadline(app, "--type", type_arg, "--received", "2026-11-25T10:00:00+08:00"))
    assert (data["type"], data["due"], data["warning"], data["yellow"], data["red"]) == (
        "求助", "2026-12-01T00:00:00+08:00", "2026-11-28T00:00:00+08:00", "2026-12-03T00:00:00+08:00",
        "2026-12-04T00:00:00+08:00")


def test_acceptance_stage_due_is_the_return_window(app, db):
    data = one_json(deadline(app, "--type", "投诉", "--received", "2026-11-27T16:00:00+08:00", "--stage",
                             "acceptance"))
    assert (data["stage"], data["due"], data["warning"], data["yellow"], data["red"]) == (
        "acceptance", "2026-12-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00",
        "2026-12-03T00:00:00+08:00")


def test_extension_days(app, db):
    data = one_json(deadline(app, "--type", "求助", "--received", "2026-11-25T10:00:00+08:00",
                             "--extension-days", "2"))
    assert (data["due"], data["warning"], data["yellow"], data["red"]) == (
        "2026-12-03T00:00:00+08:00", "2026-12-02T00:00:00+08:00", "2026-12-03T00:00:00+08:00",
        "2026-12-04T00:00:00+08:00")


def test_holidays_and_provisional_years(app, db):
    national_day = one_json(deadline(app, "--type", "求助", "--received", "2026-10-03T10:00:00+08:00"))
    assert national_day["due"] == "2026-10-11T00:00:00+08:00" and national_day["provisional"] is False
    into_2027 = one_json(deadline(app, "--type", "complaint", "--received", "2026-12-24T10:00:00+08:00"))
    assert into_2027["due"] == "2027-01-08T00:00:00+08:00" and into_2027["provisional"] is True


@pytest.mark.parametrize(("given", "received"), [
    ("2026-11-25T10:00", "2026-11-25T10:00:00+08:00"),  # no offset: Beijing time
    ("2026-11-25T02:00:00Z", "2026-11-25T10:00:00+08:00"),
    ("2026-11-25 10:00:00+08:00", "2026-11-25T10:00:00+08:00"),
])
def test_received_forms_are_written_back_in_beijing_time(app, db, given, received):
    assert one_json(deadline(app, "--type", "咨询", "--received", given))["received"] == received


@pytest.mark.parametrize(("args", "message"), [
    (["--type", "闲聊", "--received", "2026-11-25T10:00:00+08:00"], "未知的诉求类型"),
    (["--type", "咨询", "--received", "2026-11-31T10:00"], "时间格式不正确"),
    (["--type", "咨询", "--received", "yesterday"], "时间格式不正确"),
    (["--type", "求助", "--received", "2026-11-25T10:00", "--extension-days", "3"], "延期天数须在0至2"),
    (["--type", "求助", "--received", "2026-11-25T10:00", "--extension-days", "-1"], "延期天数"),
    (["--type", "求助", "--received", "2026-11-25T10:00", "--stage", "acceptance", "--extension-days", "1"],
     "签收阶段不能延期"),
])
def test_refusals_exit_non_zero_with_a_message_and_print_no_json(app, db, args, message):
    result = deadline(app, *args)
    assert result.exit_code != 0 and result.stdout == ""
    assert message in result.stderr


def test_missing_options_and_bad_stage_are_usage_errors(app, db):
    assert deadline(app, "--received", "2026-11-25T10:00").exit_code == 2
    assert deadline(app, "--type", "咨询", "--received", "2026-11-25T10:00", "--stage", "review").exit_code == 2
