"""Time-limit rules (DOMAIN.md §4, Art. 9, 10, 14, 15, 17, 18) as versionable data: every number is data in a
:class:`RuleSet`, validated, and a ticket keeps the rule set it started with. The clocks are in ``timelimits``."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

RULESET_SCHEMA = 1

TICKET_TYPES = ("consult", "help", "complaint", "suggestion", "report", "economic")
TICKET_TYPE_LABELS = MappingProxyType({
    "consult": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "suggestion": "建议",
    "report": "举报",
    "economic": "经济违法",
})

STAGES = ("handling", "acceptance", "dispatch", "evaluation", "supervision")
STAGE_LABELS = MappingProxyType({
    "handling": "办理",
    "acceptance": "签收",
    "dispatch": "派单",
    "evaluation": "回访评价",
    "supervision": "督办答复",
})

LEVELS = ("normal", "warning", "yellow", "red")
LEVEL_LABELS = MappingProxyType({"normal": "正常", "warning": "预警", "yellow": "黄牌", "red": "红牌"})

# A limit longer than a year is a typing mistake, not a rule.
_MAX_DAYS = 366


def _canonical_type(ticket_type: str) -> str:
    # Accepts str-valued enums too and hands back the plain code.
    for code in TICKET_TYPES:
        if code == ticket_type:
            return code
    raise ValueError(f"unknown ticket type {ticket_type!r}; expected one of {', '.join(TICKET_TYPES)}")


def _days(value: Any, where: str, *, minimum: int = 1) -> int:
    # Rule data is validated with ValueError throughout, wrong types included, so callers catch one error type.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where} must be a whole number of working days, got {value!r}")  # noqa: TRY004
    if not minimum <= value <= _MAX_DAYS:
        raise ValueError(f"{where} must be between {minimum} and {_MAX_DAYS} working days, got {value}")
    return value


def _exact_keys(data: Any, expected: tuple[str, ...], where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} must be a mapping, got {type(data).__name__}")  # noqa: TRY004 -- stored data
    missing = [k for k in expected if k not in data]
    unknown = [k for k in data if k not in expected]
    if missing:
        raise ValueError(f"{where} is missing {', '.join(missing)}")
    if unknown:
        raise ValueError(f"{where} has unknown keys {', '.join(map(str, unknown))}")
    return data


@dataclass(frozen=True)
class Thresholds:
    """Monitoring thresholds: the level applies once N working days have passed since receipt."""

    warning_after: int
    yellow_after: int
    red_after: int

    def validate(self, where: str) -> None:
        _days(self.warning_after, f"{where}.warning_after")
        _days(self.yellow_after, f"{where}.yellow_after")
        _days(self.red_after, f"{where}.red_after")
        if not self.warning_after < self.yellow_after < self.red_after:
            raise ValueError(
                f"{where}: thresholds must rise warning < yellow < red, got "
                f"{self.warning_after}, {self.yellow_after}, {self.red_after}"
            )


@dataclass(frozen=True)
class TypeLimits:
    """Handling limit, thresholds and extension cap of one ticket type."""

    limit: int
    warning_after: int
    yellow_after: int
    red_after: int
    max_extension: int  # working days one approved extension may add

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(self.warning_after, self.yellow_after, self.red_after)

    def validate(self, where: str) -> None:
        _days(self.limit, f"{where}.limit")
        self.thresholds.validate(where)
        if not self.warning_after < self.limit <= self.yellow_after:
            raise ValueError(
                f"{where}: the warning must come before the limit and the yellow card at or after it "
                f"(warning_after < limit <= yellow_after), got {self.warning_after}, {self.limit}, {self.yellow_after}"
            )
        _days(self.max_extension, f"{where}.max_extension", minimum=0)
        if self.max_extension > self.limit:
            raise ValueError(
                f"{where}.max_extension may not exceed the type's own limit {self.limit}, got {self.max_extension}"
            )


_TYPE_KEYS = ("limit", "warning_after", "yellow_after", "red_after", "max_extension")
_THRESHOLD_KEYS = ("warning_after", "yellow_after", "red_after")
_SCALAR_KEYS = (
    "return_window", "dispatch", "dispatch_several_units", "supervision_reply", "evaluation_window",
    "extension_warning_before", "extension_red_after",
)
_TOP_KEYS = ("schema", "types", "acceptance", *_SCALAR_KEYS)


@dataclass(frozen=True)
class RuleSet:
    """Every time-limit number of DOMAIN.md §4, in working days."""

    types: Mapping[str, TypeLimits]
    acceptance: Thresholds  # 签收 monitoring, every type
    return_window: int  # Art. 10(1): a unit may return a ticket only this long after receipt
    dispatch: int  # Art. 9: dispatch after the ticket is formed
    dispatch_several_units: int  # Art. 9: several units or unclear duties
    supervision_reply: int  # Art. 18: the unit answers a supervision
    evaluation_window: int  # Art. 14 Decision: no answer by then is 未评价
    extension_warning_before: int  # after an extension: warning this many WD before the new deadline
    extension_red_after: int  # after an extension: red this many WD after it (yellow is at it)

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", MappingProxyType(dict(self.types)))
        self.validate()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def validate(self) -> None:
        """Check every number.

        :raises ValueError: naming the first bad value.
        """
        missing = [t for t in TICKET_TYPES if t not in self.types]
        unknown = [t for t in self.types if t not in TICKET_TYPES]
        if missing:
            raise ValueError(f"types is missing {', '.join(missing)}")
        if unknown:
            raise ValueError(f"types has unknown ticket types {', '.join(map(str, unknown))}")
        for code in TICKET_TYPES:
            limits = self.types[code]
            if not isinstance(limits, TypeLimits):
                raise ValueError(f"types.{code} must be TypeLimits, got {type(limits).__name__}")  # noqa: TRY004
            limits.validate(f"types.{code}")
        if not isinstance(self.acceptance, Thresholds):
            raise ValueError("acceptance must be Thresholds")  # noqa: TRY004 -- one error type for bad rules
        self.acceptance.validate("acceptance")
        _days(self.return_window, "return_window")
        _days(self.dispatch, "dispatch")
        _days(self.dispatch_several_units, "dispatch_several_units")
        if self.dispatch_several_units < self.dispatch:
            raise ValueError(
                f"dispatch_several_units ({self.dispatch_several_units}) may not be shorter than dispatch "
                f"({self.dispatch})"
            )
        _days(self.supervision_reply, "supervision_reply")
        _days(self.evaluation_window, "evaluation_window")
        _days(self.extension_warning_before, "extension_warning_before", minimum=0)
        _days(self.extension_red_after, "extension_red_after")

    def for_type(self, ticket_type: str) -> TypeLimits:
        """Return the limits of one ticket type.

        :raises ValueError: for an unknown type.
        """
        return self.types[_canonical_type(ticket_type)]

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-able data that :meth:`from_dict` reads back."""
        return {
            "schema": RULESET_SCHEMA,
            "types": {
                code: {key: getattr(self.types[code], key) for key in _TYPE_KEYS} for code in TICKET_TYPES
            },
            "acceptance": {key: getattr(self.acceptance, key) for key in _THRESHOLD_KEYS},
            **{key: getattr(self, key) for key in _SCALAR_KEYS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        """Build and validate a rule set from :meth:`to_dict` data.

        :raises ValueError: on a missing, unknown or out-of-range value.
        """
        data = _exact_keys(data, _TOP_KEYS, "rule set")
        if data["schema"] != RULESET_SCHEMA:
            raise ValueError(f"unsupported rule set schema {data['schema']!r}; expected {RULESET_SCHEMA}")
        types_data = _exact_keys(data["types"], TICKET_TYPES, "types")
        return cls(
            types={code: TypeLimits(**_exact_keys(types_data[code], _TYPE_KEYS, f"types.{code}"))
                   for code in TICKET_TYPES},
            acceptance=Thresholds(**_exact_keys(data["acceptance"], _THRESHOLD_KEYS, "acceptance")),
            **{key: data[key] for key in _SCALAR_KEYS},
        )


# DOMAIN.md §4. 求助 "3 (at most 5)": one extension may add at most 2 WD, so the handling period never exceeds 5;
# its yellow (5) and red (6) cards match the extended deadline. Every other type may extend by its own limit.
HEYUAN_DEFAULT = RuleSet(
    types={
        "consult": TypeLimits(limit=2, warning_after=1, yellow_after=2, red_after=3, max_extension=2),
        "help": TypeLimits(limit=3, warning_after=2, yellow_after=5, red_after=6, max_extension=2),
        "complaint": TypeLimits(limit=10, warning_after=9, yellow_after=10, red_after=11, max_extension=10),
        "suggestion": TypeLimits(limit=10, warning_after=9, yellow_after=10, red_after=11, max_extension=10),
        "report": TypeLimits(limit=10, warning_after=9, yellow_after=10, red_after=11, max_extension=10),
        "economic": TypeLimits(limit=30, warning_after=29, yellow_after=30, red_after=31, max_extension=30),
    },
    acceptance=Thresholds(warning_after=1, yellow_after=2, red_after=3),
    return_window=1,
    dispatch=1,
    dispatch_several_units=2,
    supervision_reply=2,
    evaluation_window=3,
    extension_warning_before=1,
    extension_red_after=1,
)


_CN_NUMERALS = "〇一二三四五六七八九"


def refusal_item(code: int) -> str:
    """A refusal reason's item of Art. 6 as the measures number it: 「（七）」 (Chinese numerals in full-width
    brackets), for lists under the heading 第六条."""
    tens, ones = divmod(int(code), 10)
    number = _CN_NUMERALS[code] if code < 10 else ("" if tens == 1 else _CN_NUMERALS[tens]) + "十" + (
        _CN_NUMERALS[ones] if ones else "")
    return f"（{number}）"


def refusal_clause(code: int) -> str:
    """The clause of a refusal reason as the measures are cited to users: 「第六条第（七）项」, the same on the pages,
    the tracking page and the printed notice."""
    return f"第六条第{refusal_item(code)}项"
