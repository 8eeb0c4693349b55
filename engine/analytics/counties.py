"""The county (县/区) a ticket belongs to, in one place for the dashboard's 按区县, its drill-down, the hot spots by
place, the 专报 on a place and the ticket export.

A ticket's county is the county of its lead unit (the county office at the top of the unit's parent chain: a county
government and its departments, towns and streets hang under their county's 热线办); without a county lead unit, the
county of the county office it was sent through; otherwise 市直 when a city department or enterprise leads it, and
未派单 when no unit has it yet. A county is keyed by its county office's id and named after its county government
with 人民政府 left off (和平县人民政府 → 和平县), as the office itself names it.

The unit tree is small and read once per call into a lookup; counts are grouped in SQL by (lead unit, county office)
and folded through the lookup, and the ticket lists filter with ``IN`` lists of unit ids, so nothing evaluates the
lookup per ticket.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from engine.common import Invalid
from engine.domain.roles import UnitKind
from engine.models import Ticket, Unit

#: The key of tickets led by a city department or enterprise, and of those no unit has yet.
CITY_KEY, NONE_KEY = "city", "none"
CITY_LABEL, NONE_LABEL = "市直", "未派单"
#: What a county government's (or, lacking one, its hotline office's) name adds to the county's own name.
_NAME_SUFFIXES = ("人民政府", "12345热线办", "热线办")

CountyKey = int | str


def _short(name: str) -> str:
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Counties:
    """Which county every unit lies in (``of_unit``: unit id → county office id) and each county's name."""

    of_unit: dict[int, int]
    names: dict[int, str]

    def key(self, lead_unit_id: int | None, county_office_id: int | None) -> CountyKey:
        """The county of a ticket with this lead unit and county office (see the module's rule)."""
        if lead_unit_id is not None and lead_unit_id in self.of_unit:
            return self.of_unit[lead_unit_id]
        if county_office_id is not None and county_office_id in self.of_unit:
            return self.of_unit[county_office_id]
        return CITY_KEY if lead_unit_id is not None else NONE_KEY

    def label(self, key: CountyKey) -> str:
        if key == CITY_KEY:
            return CITY_LABEL
        if key == NONE_KEY:
            return NONE_LABEL
        return self.names.get(key, str(key))

    def name_of(self, lead_unit_id: int | None, county_office_id: int | None) -> str:
        return self.label(self.key(lead_unit_id, county_office_id))

    def choices(self) -> list[tuple[int, str]]:
        """The counties as (key, name), by name."""
        return sorted(self.names.items(), key=lambda kv: kv[1])

    def parse(self, text: str, message: str = "请选择地区") -> CountyKey:
        """A county key from a query string: a county office's id, ``city`` or ``none``.

        :raises Invalid: for anything else, with ``message``.
        """
        text = (text or "").strip()
        if text in (CITY_KEY, NONE_KEY):
            return text
        if text.isdigit() and int(text) in self.names:
            return int(text)
        raise Invalid(message, f"unknown county {text[:40]!r}", fields={"county": "地区无效"})

    def members(self, key: int) -> list[int]:
        return sorted(u for u, c in self.of_unit.items() if c == key)

    def condition(self, key: CountyKey):
        """The SQL condition on ``Ticket`` for the tickets of one county key, agreeing with :meth:`key`."""
        lead, office = Ticket.lead_unit_id, Ticket.county_office_id
        everywhere = sorted(self.of_unit)
        if not everywhere:
            return {CITY_KEY: lead.is_not(None), NONE_KEY: lead.is_(None)}.get(key, false())
        lead_outside = or_(lead.is_(None), lead.not_in(everywhere))
        office_outside = or_(office.is_(None), office.not_in(everywhere))
        if key == CITY_KEY:
            return and_(lead.is_not(None), lead.not_in(everywhere), office_outside)
        if key == NONE_KEY:
            return and_(lead.is_(None), office_outside)
        units = self.members(key)
        if not units:
            return false()
        return or_(lead.in_(units), and_(lead_outside, office.in_(units)))

    def fold(self, rows) -> dict[CountyKey, int]:
        """Counts grouped by (lead unit id, county office id, count) folded into counts per county key."""
        out: dict[CountyKey, int] = {}
        for lead, office, n in rows:
            k = self.key(lead, office)
            out[k] = out.get(k, 0) + n
        return out


def load_counties(session: Session) -> Counties:
    """Read the unit tree once and work out every unit's county (see :func:`counties_of`)."""
    return counties_of(session.execute(select(Unit.id, Unit.kind, Unit.parent_id, Unit.name)).all())


def counties_of(rows) -> Counties:
    """Every unit's county from (id, kind, parent_id, name) rows of the unit tree: the county office met first going
    up its parent chain; a unit outside any county office has none."""
    units = {r[0]: r for r in rows}
    office_kind, government_kind = UnitKind.COUNTY_OFFICE.value, UnitKind.COUNTY_GOVERNMENT.value
    of_unit: dict[int, int] = {}
    for uid in units:
        seen, at = set(), uid
        while at is not None and at in units and at not in seen:
            if units[at][1] == office_kind:
                of_unit[uid] = at
                break
            seen.add(at)
            at = units[at][2]
    names = {}
    for office in (r for r in units.values() if r[1] == office_kind):
        governments = sorted(u for u, c in of_unit.items() if c == office[0] and units[u][1] == government_kind)
        names[office[0]] = _short(units[governments[0]][3] if governments else office[3])
    return Counties(of_unit, names)
