"""Citizens' phone numbers (engine/domain/phones.py): mobiles of 11 digits starting 13–19 with or without +86,
landlines with their area code, short service numbers; one stored form; a Chinese message for everything else."""
from __future__ import annotations

import pytest

from engine.domain.phones import LANDLINE, MOBILE, SERVICE, PhoneError, normalize_phone, parse_phone


@pytest.mark.parametrize("typed", [
    "13800001234", "138 0000 1234", "138-0000-1234", "+86 138 0000 1234", "+8613800001234", "+86-138-0000-1234",
    "0086 138 0000 1234", "8613800001234", " 13800001234 ", "１３８００００１２３４", "＋86 13800001234",
])
def test_a_mobile_is_stored_as_its_eleven_digits(typed):
    assert parse_phone(typed) == parse_phone("13800001234")
    assert (parse_phone(typed).kind, parse_phone(typed).number, parse_phone(typed).sms_capable) == (
        MOBILE, "13800001234", True)


@pytest.mark.parametrize("second", list("3456789"))
def test_every_mobile_prefix_13_to_19_is_accepted(second):
    assert normalize_phone(f"1{second}912345678") == f"1{second}912345678"


@pytest.mark.parametrize("typed, message", [
    ("1380000123", "手机号码应为11位数字，您填写了10位"),
    ("138000012345", "手机号码应为11位数字，您填写了12位"),
    ("+86 138 0000 123", "手机号码应为11位数字，您填写了10位"),
    ("1380000", "手机号码应为11位数字，您填写了7位"),
    ("12800001234", "手机号码应以13至19开头"),
    ("10800001234", "手机号码应以13至19开头"),
])
def test_a_wrong_mobile_gets_a_message_that_says_what_is_wrong(typed, message):
    with pytest.raises(PhoneError) as err:
        parse_phone(typed)
    assert err.value.message_zh == message


@pytest.mark.parametrize("typed, stored", [
    ("0762-3388123", "0762-3388123"), ("0762 3388123", "0762-3388123"), ("07623388123", "0762-3388123"),
    ("(0762)3388123", "0762-3388123"), ("（0762）3388123", "0762-3388123"), ("+86 762 3388123", "0762-3388123"),
    ("010-62345678", "010-62345678"), ("020 87654321", "020-87654321"), ("0755-26543210", "0755-26543210"),
    ("0762-3388123转8001", "0762-3388123转8001"), ("0762-3388123 转 8001", "0762-3388123转8001"),
])
def test_a_landline_keeps_its_area_code(typed, stored):
    phone = parse_phone(typed)
    assert (phone.kind, phone.number, phone.sms_capable) == (LANDLINE, stored, False)


@pytest.mark.parametrize("typed, stored", [("110", "110"), ("12345", "12345"), ("95598", "95598"),
                                           ("10086", "10086"), ("400-830-0123", "4008300123")])
def test_short_service_numbers_stay_allowed(typed, stored):
    assert (parse_phone(typed).kind, parse_phone(typed).number) == (SERVICE, stored)


@pytest.mark.parametrize("typed, message", [
    ("", "请填写联系电话"),
    ("   ", "请填写联系电话"),
    ("3388123", "固定电话须带区号，如0762-3388123"),
    ("0762-123", "固定电话格式不正确：区号后应为7至8位号码，如0762-3388123"),
    ("0762-0388123", "固定电话格式不正确：区号后应为7至8位号码，如0762-3388123"),
    ("12", "联系电话格式不正确：手机号码为11位数字，固定电话须带区号（如0762-3388123）"),
    ("abc", "联系电话格式不正确：只能填写数字，可带+86、空格和连字符，分机号写在“转”之后"),
    ("138-0000-1234 ext 5", "联系电话格式不正确：只能填写数字，可带+86、空格和连字符，分机号写在“转”之后"),
    ("13800001234转1", "只有固定电话可以带分机号"),
    ("+1 415 555 0100", "仅接受中国大陆的电话号码（+86）"),
])
def test_anything_else_is_refused_in_chinese(typed, message):
    with pytest.raises(PhoneError) as err:
        parse_phone(typed)
    assert err.value.message_zh == message
    assert "bad phone number" in str(err.value)  # the log line is English


def test_every_stored_form_fits_the_column_and_reads_back_unchanged():
    for typed in ("+86 138 0000 1234", "0762-33881234转12345", "400-830-0123", "12345"):
        stored = normalize_phone(typed)
        assert len(stored) <= 20 and normalize_phone(stored) == stored


@pytest.mark.parametrize("typed", ["0", "02", "0-"])
def test_a_lone_trunk_prefix_is_refused_with_a_message_not_a_crash(typed):
    with pytest.raises(PhoneError, match="phone"):
        normalize_phone(typed)
