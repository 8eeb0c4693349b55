"""Working-day calendar for time limits (民法典 Art. 201/203): pure, immutable, fast.

A day is a working day when an override says so; days without an override follow Mon–Fri working, Sat/Sun off.
Only years listed in ``known_years`` have had their State Council holiday notice entered; a deadline that reaches
into any other year was decided by weekends alone and is marked provisional.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")

_MAX_CACHE = 200_000


@dataclass(frozen=True, slots=True)
class Deadline:
    """The end of a period of N working days counted from a receipt instant."""

    end: datetime  # 24:00 of last_day in Asia/Shanghai, as an aware UTC datetime
    last_day: date  # the N-th working day
    skipped: tuple[date, ...]  # non-working days between the receipt date and last_day
    provisional: bool  # some counted day lies in a year whose notice is not entered
    provisional_years: tuple[int, ...]


class _Year:
    """Per-year lookup arrays, built once on first use."""

    __slots__ = ("cum", "first_ord", "off_dates", "work_ords")

    def __init__(self, year: int, overrides: Mapping[date, bool]) -> None:
        first = date(year, 1, 1)
        self.first_ord = first.toordinal()
        ndays = date(year, 12, 31).toordinal() - self.first_ord + 1
        # cum[i] = working days among the first i days of the year, so day index i is "through" at cum[i + 1].
        cum = [0] * (ndays + 1)
        work_ords: list[int] = []
        off_dates: list[date] = []
        count = 0
        for i in range(ndays):
            d = first + timedelta(days=i)
            flag = overrides.get(d)
            if flag is None:
                flag = d.weekday() < 5
            if flag:
                count += 1
                work_ords.append(self.first_ord + i)
            else:
                off_dates.append(d)
            cum[i + 1] = count
        self.cum = cum
        self.work_ords = work_ords
        self.off_dates = tuple(off_dates)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def local_date(instant: datetime) -> date:
    """Return the Asia/Shanghai calendar date of an aware instant.

    :raises ValueError: when ``instant`` is naive.
    """
    _require_aware(instant, "instant")
    return instant.astimezone(TZ).date()


class WorkingCalendar:
    """Answer working-day questions from entered holiday notices; immutable once built."""

    def __init__(
        self,
        overrides: Mapping[date, bool],
        known_years: Iterable[int],
        names: Mapping[date, str] | None = None,
    ) -> None:
        clean: dict[date, bool] = {}
        for d, flag in overrides.items():
            if isinstance(d, datetime) or not isinstance(d, date):
                raise TypeError(f"override keys must be dates, got {d!r}")
            clean[d] = bool(flag)
        self._overrides = clean
        self._known = frozenset(int(y) for y in known_years)
        self._names = dict(names or {})
        self._years: dict[int, _Year] = {}
        self._ends: dict[int, datetime] = {}
        self._cache: dict[tuple[int, int], Deadline] = {}

    def __repr__(self) -> str:
        years = sorted(self._known)
        span = f"{years[0]}–{years[-1]}" if years else "none"
        return f"<WorkingCalendar {len(self._overrides)} overrides, known years {span}>"

    # -- plain questions -------------------------------------------------------------------------------------------

    @property
    def known_years(self) -> frozenset[int]:
        return self._known

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def is_known_year(self, year: int) -> bool:
        """Tell whether the holiday notice for ``year`` has been entered."""
        return year in self._known

    def is_working_day(self, d: date) -> bool:
        """Tell whether ``d`` is a working day (override first, else Mon–Fri)."""
        if isinstance(d, datetime):
            raise TypeError("is_working_day takes a date; convert instants with local_date() first")
        flag = self._overrides.get(d)
        return d.weekday() < 5 if flag is None else flag

    def day_name(self, d: date) -> str | None:
        """Return the holiday name entered for ``d``, if any (e.g. 国庆节)."""
        return self._names.get(d)

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after ``d``."""
        return self.add_working_days_from_date(d, 1).last_day

    # -- counting ------------------------------------------------------------------------------------------------

    def add_working_days(self, start: datetime, n: int) -> Deadline:
        """Return the end of ``n`` working days counted from ``start``; the receipt day itself is not counted.

        :raises ValueError: when ``start`` is naive or ``n`` < 1.
        """
        _require_aware(start, "start")
        return self.add_working_days_from_date(start.astimezone(TZ).date(), n)

    def add_working_days_from_date(self, receipt: date, n: int) -> Deadline:
        """Return the end of ``n`` working days after the receipt date ``receipt`` (not counted itself).

        :raises ValueError: when ``n`` < 1.
        """
        if isinstance(receipt, datetime):
            raise TypeError("receipt must be a date; use add_working_days() for instants")
        if type(n) is not int:
            if isinstance(n, bool) or not isinstance(n, int):
                raise TypeError(f"n must be an int, got {type(n).__name__}")
            n = int(n)
        if n < 1:
            raise ValueError(f"n must be at least 1 working day, got {n}")
        r_ord = receipt.toordinal()
        key = (r_ord, n)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        deadline = self._compute(r_ord, receipt.year, n)
        if len(self._cache) >= _MAX_CACHE:
            self._cache.clear()
        self._cache[key] = deadline
        return deadline

    def working_days_elapsed(self, start: datetime, now: datetime) -> int:
        """Return how many working days after the receipt day have fully passed (reached 24:00) by ``now``.

        ``working_days_elapsed(start, now) >= n`` exactly when ``now >= add_working_days(start, n).end``.

        :raises ValueError: when ``start`` or ``now`` is naive.
        """
        _require_aware(start, "start")
        _require_aware(now, "now")
        receipt = start.astimezone(TZ).date()
        # A day has fully passed once its 24:00 (= the next day's 00:00) is reached.
        through = now.astimezone(TZ).date() - timedelta(days=1)
        if through <= receipt:
            return 0
        return self._count_between(receipt, through)

    # -- internals -------------------------------------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        data = self._years.get(year)
        if data is None:
            if not 1 <= year <= 9999:
                raise ValueError(f"date out of the supported range (year {year})")
            data = self._years[year] = _Year(year, self._overrides)
        return data

    def _count_between(self, a: date, b: date) -> int:
        """Count working days in (a, b]; ``a`` < ``b``."""
        a_data, b_data = self._year(a.year), self._year(b.year)
        a_through = a_data.cum[a.toordinal() - a_data.first_ord + 1]
        b_through = b_data.cum[b.toordinal() - b_data.first_ord + 1]
        if a.year == b.year:
            return b_through - a_through
        middle = sum(len(self._year(y).work_ords) for y in range(a.year + 1, b.year))
        return (len(a_data.work_ords) - a_through) + middle + b_through

    def _compute(self, r_ord: int, r_year: int, n: int) -> Deadline:
        r_data = self._year(r_year)
        r_idx = r_ord - r_data.first_ord
        k = r_data.cum[r_idx + 1] + n
        year, data = r_year, r_data
        while k > len(data.work_ords):
            k -= len(data.work_ords)
            year += 1
            data = self._year(year)
        last_ord = data.work_ords[k - 1]
        last_idx = last_ord - data.first_ord

        # Off days in (receipt, last]: the off-day index of day i is i - cum[i] (off days before day i).
        off_from = (r_idx + 1) - r_data.cum[r_idx + 1]
        if year == r_year:
            skipped = r_data.off_dates[off_from:(last_idx + 1) - data.cum[last_idx + 1]]
        else:
            parts = [r_data.off_dates[off_from:]]
            for y in range(r_year + 1, year):
                parts.append(self._year(y).off_dates)
            parts.append(data.off_dates[:(last_idx + 1) - data.cum[last_idx + 1]])
            skipped = tuple(d for part in parts for d in part)

        # Years touched by the counted span (receipt + 1 … last day).
        first_year = r_year if r_idx + 1 < len(r_data.cum) - 1 else r_year + 1
        known = self._known
        if first_year == year:
            missing: tuple[int, ...] = () if year in known else (year,)
        else:
            missing = tuple(y for y in range(first_year, year + 1) if y not in known)

        return Deadline(
            end=self._end_of(last_ord),
            last_day=date.fromordinal(last_ord),
            skipped=skipped,
            provisional=bool(missing),
            provisional_years=missing,
        )

    def _end_of(self, last_ord: int) -> datetime:
        end = self._ends.get(last_ord)
        if end is None:
            nxt = date.fromordinal(last_ord + 1)
            end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=TZ).astimezone(UTC)
            self._ends[last_ord] = end
        return end
