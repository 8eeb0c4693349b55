"""The base form, Chinese validation messages and the few field kinds every form uses."""
from __future__ import annotations

import re
from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from engine.domain.phones import MOBILE, PhoneError, parse_phone

# WTForms' own Chinese catalogue misses a few messages and words others stiffly; ours win.
MESSAGES = {
    "This field is required.": "此项必填",
    "Not a valid choice.": "所选项无效，请重新选择",
    "Invalid Choice: could not coerce.": "所选项无效，请重新选择",
    "Invalid Choice(s): one or more data inputs could not be coerced.": "所选项无效，请重新选择",
    "'%(value)s' is not a valid choice for this field.": "所选项无效，请重新选择",
    "'%(value)s' are not valid choices for this field.": "所选项无效，请重新选择",
    "Not a valid integer value.": "请填写整数",
    "Not a valid date value.": "日期格式不正确",
    "Not a valid datetime value.": "时间格式不正确",
    "Invalid input.": "输入格式不正确",
    "Field must be at most %(max)d character long.": "不能超过%(max)d个字",
    "Field must be at most %(max)d characters long.": "不能超过%(max)d个字",
    "The CSRF token is missing.": "页面已过期，请刷新后重新提交",
    "The CSRF token is invalid.": "页面已过期，请刷新后重新提交",
    "The CSRF token has expired.": "页面已过期，请刷新后重新提交",
    "The CSRF tokens do not match.": "页面已过期，请刷新后重新提交",
}


class ChineseTranslations:
    """Translate WTForms' built-in messages: ours first, then WTForms' zh catalogue."""

    def __init__(self):
        self._zh = get_translations(["zh"])

    def gettext(self, string: str) -> str:
        return MESSAGES.get(string) or self._zh.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return MESSAGES.get(singular) or self._zh.ngettext(singular, plural, n)


ZH = ChineseTranslations()


class CommandForm(FlaskForm):
    """A form whose ``to_command()`` returns the dict a service takes."""

    class Meta:
        def get_translations(self, form):
            return ZH

    def to_command(self) -> dict:
        raise NotImplementedError

    def add_errors(self, fields: dict[str, str]) -> list[str]:
        """Show a service's per-field messages next to the fields; return those no field shows."""
        rest = []
        for key, message in (fields or {}).items():
            field = self._fields.get(key)
            if field is None or field.type in ("CSRFTokenField", "HiddenField"):
                rest.append(message)
            else:
                field.errors = [*field.errors, message]
        return rest

    @property
    def visible_fields(self):
        return [f for f in self if f.type not in ("CSRFTokenField", "HiddenField")]


class ConfirmForm(CommandForm):
    """A task without fields: one button completes it."""

    def to_command(self) -> dict:
        return {}


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    """Trim, write line breaks as one LF (browsers send CRLF from a text area), and drop control characters no
    person types (PostgreSQL refuses NUL in text). A line break then counts as one character, as the browser
    counted it while the person typed."""
    if not isinstance(value, str):
        return value
    return CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


MAX_ID = 2**31 - 1  # ids are database integers; a bigger number cannot name a row


def opt_int(value):
    """Coerce a submitted id: empty means none; not a positive database integer is a ValueError."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(f"id out of range: {value!r}")
    return number


def text(label: str, max_len: int = 255, *, required: bool = True, area: bool = False, message: str | None = None,
         **kw):
    """A stripped text field with Chinese messages."""
    validators = [DataRequired(message or f"请填写{label}")] if required else [Optional()]
    validators.append(Length(max=max_len, message=f"{label}不能超过{max_len}个字"))
    cls = TextAreaField if area else StringField
    return cls(label, validators=validators, filters=[strip], **kw)


def check_phone(field, *, mobile_only: bool = False) -> None:
    """Refuse a phone number the domain rule does not accept, with its Chinese message; keep its stored form.

    :raises ValidationError: for a malformed or wrong-length number (or a landline where a mobile is needed).
    """
    try:
        phone = parse_phone(field.data)
    except PhoneError as exc:
        raise ValidationError(exc.message_zh) from None
    if mobile_only and phone.kind != MOBILE:
        raise ValidationError("请填写11位手机号码（用于接收短信提醒）")
    field.data = phone.number


class _Choice:
    """Empty is refused with the field's own Chinese message (or allowed when optional)."""

    def __init__(self, label=None, validators=None, *, required: str | None = None, **kw):
        super().__init__(label, validators, **kw)
        self.required_message = required
        if required:
            self.flags.required = True

    def pre_validate(self, form):
        if self.data in (None, "", [], ()):
            raise StopValidation(self.required_message or "")
        super().pre_validate(form)


class Choice(_Choice, SelectField):
    """A drop-down list."""


class Radio(_Choice, RadioField):
    """A group of radio buttons."""

    shown_as = "radio"  # web/templates/_macros.html draws it by this, so subclasses keep the look


class MultiCheck(_Choice, SelectMultipleField):
    """A group of check boxes; submits a list."""

    shown_as = "checks"
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        if not self.data:
            if self.required_message:
                raise StopValidation(self.required_message)
            return
        known = {c.value for c in self.choices}
        if any(v not in known for v in self.data):
            raise ValidationError("所选项无效，请重新选择")


class OptionalInt(StringField):
    """An optional whole number (an id picked from a list rendered by the page)."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0] not in ("", None):
            try:
                self.data = opt_int(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError("请选择有效的项目") from exc

    def _value(self):
        return "" if self.data is None else str(self.data)


class _LocalTime(StringField):
    """A date or time typed as text in one explicit format, so it reads the same in every browser language.

    The browsers' own date and time pickers (``type=date`` / ``datetime-local``) show 11/25/2026, 25.11.2026 or
    2026/11/25 depending on the browser's language; a text box with the format written beside it does not.
    """

    FORMATS: tuple[str, ...] = ()
    SHOWN = ""
    EXAMPLE = ""

    def __init__(self, label=None, validators=None, **kw):
        render_kw = {"placeholder": self.EXAMPLE, "autocomplete": "off", "spellcheck": "false",
                     **kw.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kw)
        self.hint = f"格式：{self.SHOWN}，例如 {self.EXAMPLE}"

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "") or ""
        raw = re.sub(r"\s+", " ", strip(raw).replace("／", "/").replace("：", ":"))
        self.raw_data = [raw]
        if not raw:
            return
        for fmt in self.FORMATS:
            try:
                self.data = self._convert(datetime.strptime(raw, fmt))
                return
            except ValueError:
                continue
        raise ValueError(f"{self.label.text}格式不正确，应为{self.SHOWN}，例如 {self.EXAMPLE}")

    def _convert(self, value: datetime):
        return value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime(self.FORMATS[0]) if self.data else ""


class LocalDateTimeField(_LocalTime):
    """A Beijing-time instant typed as 2026-11-25 10:00 (``data`` is a naive local datetime)."""

    FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S")
    SHOWN = "年-月-日 时:分"
    EXAMPLE = "2026-11-25 10:00"


class LocalDateField(_LocalTime):
    """A date typed as 2026-11-25 (``data`` is a date)."""

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
    SHOWN = "年-月-日"
    EXAMPLE = "2026-11-25"

    def _convert(self, value: datetime) -> date:
        return value.date()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""


def options(pairs, group: str | None = None) -> list[SelectChoice]:
    """Choices from ``(value, label)`` pairs, optionally inside one ``<optgroup>``."""
    return [SelectChoice(value, label, optgroup=group) for value, label in pairs]


def blank(label: str = "请选择") -> SelectChoice:
    return SelectChoice("", label)


def unit_choices(units: list[dict], first: str = "请选择", *, grouped: bool = False) -> list[SelectChoice]:
    """Choices for a unit drop-down: a blank first entry, then the units (grouped by kind if asked)."""
    return [blank(first), *[SelectChoice(u["id"], u["name"], optgroup=u["kind_label"] if grouped else None)
                            for u in sorted(units, key=lambda u: u["kind_label"] if grouped else "")]]
