"""Citizens' phone numbers: what is accepted and the one form it is stored in.

Extension and evaluation SMS go to the number a citizen gives (Art. 13, 14), so a mobile number must be a real one:
11 digits starting 13–19, written with or without +86 / 0086 and with spaces or hyphens anywhere; it is stored as the
11 digits. A landline must carry its area code (0762-3388123; 3-digit codes are 010 and 02X, the others have 4
digits; a local number has 7 or 8 digits; an extension may follow after 转) and is stored as ``区号-号码[转分机]``.
Short service numbers (110, 12345, 95598, 3 to 6 digits starting 1 or 9) and 400/800 numbers are accepted as written
without separators. Everything else is refused with a Chinese message saying what is wrong.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MOBILE = "mobile"
LANDLINE = "landline"
SERVICE = "service"
KIND_LABELS = {MOBILE: "手机", LANDLINE: "固定电话", SERVICE: "服务号码"}

MAX_LENGTH = 20  # the longest stored form: 0762-33881234转12345
_SEPARATORS = re.compile(r"[\s\-()]+")
_ALLOWED = re.compile(r"^\+?[0-9]+(?:转[0-9]{1,5})?$")
GENERAL = "联系电话格式不正确：手机号码为11位数字，固定电话须带区号（如0762-3388123）"


class PhoneError(ValueError):
    """A number that cannot be a citizen's phone; ``message_zh`` says why, for the person who typed it."""

    def __init__(self, message_zh: str, raw: str):
        super().__init__(f"bad phone number {raw!r}: {message_zh}")
        self.message_zh = message_zh


@dataclass(frozen=True)
class Phone:
    """A checked number: its kind (mobile, landline, service) and its stored form."""

    kind: str
    number: str

    @property
    def sms_capable(self) -> bool:
        return self.kind == MOBILE


def parse_phone(raw: str | None) -> Phone:
    """Check a phone number as a citizen or an agent typed it and return its stored form.

    :raises PhoneError: with a Chinese message for an empty, malformed or wrong-length number.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()  # full-width digits and brackets from Chinese IMEs
    if not text:
        raise PhoneError("请填写联系电话", text)
    compact = _SEPARATORS.sub("", text)
    if not _ALLOWED.match(compact):
        raise PhoneError("联系电话格式不正确：只能填写数字，可带+86、空格和连字符，分机号写在“转”之后", text)
    extension = ""
    if "转" in compact:
        compact, extension = compact.split("转", 1)
    plus = compact.startswith("+")
    digits = compact.lstrip("+")
    international = False
    if digits.startswith("0086") and not plus:
        digits, international = digits[4:], True
    elif digits.startswith("86") and (plus or (len(digits) == 13 and digits[2] == "1")):
        digits, international = digits[2:], True
    elif plus:
        raise PhoneError("仅接受中国大陆的电话号码（+86）", text)
    if international and digits[:1] not in ("0", "1"):
        digits = "0" + digits  # +86 762 3388123: a landline written without its trunk prefix
    if extension and not digits.startswith("0"):
        raise PhoneError("只有固定电话可以带分机号", text)
    if digits.startswith("1") and len(digits) > 6:
        return _mobile(digits, text)
    if digits.startswith("0"):
        return _landline(digits, extension, text)
    if len(digits) == 10 and digits[:3] in ("400", "800"):
        return Phone(SERVICE, digits)
    if 3 <= len(digits) <= 6 and digits[0] in "19" and not international:
        return Phone(SERVICE, digits)
    if 7 <= len(digits) <= 8:
        raise PhoneError("固定电话须带区号，如0762-3388123", text)
    raise PhoneError(GENERAL, text)


def _mobile(digits: str, raw: str) -> Phone:
    if len(digits) != 11:
        raise PhoneError(f"手机号码应为11位数字，您填写了{len(digits)}位", raw)
    if digits[1] not in "3456789":
        raise PhoneError("手机号码应以13至19开头", raw)
    return Phone(MOBILE, digits)


def _landline(digits: str, extension: str, raw: str) -> Phone:
    # 010 and 02X have 3 digits, every other area code 4; a lone "0" has no second digit and is refused below
    area = 3 if digits[1:2] in ("1", "2") else 4  # 010 and 02X have 3 digits, every other area code 4
    local = digits[area:]
    if digits.startswith("00") or not 7 <= len(local) <= 8 or local[0] in "01":
        raise PhoneError("固定电话格式不正确：区号后应为7至8位号码，如0762-3388123", raw)
    number = f"{digits[:area]}-{local}" + (f"转{extension}" if extension else "")
    return Phone(LANDLINE, number)


def normalize_phone(raw: str | None) -> str:
    """The stored form of a phone number (see :func:`parse_phone`).

    :raises PhoneError: as :func:`parse_phone`.
    """
    return parse_phone(raw).number
