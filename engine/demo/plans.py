"""What the demo year will bring, drawn before it is lived: when each citizen calls and about what (with the
seasons and the recent incidents), what becomes of each call, which policies units upload and when, which entries
the office flags. Deterministic for a seed."""
from __future__ import annotations

import math
import random
import re
from datetime import date, datetime, time, timedelta
from itertools import count

from engine.domain.calendar import TZ
from engine.models import KnowledgeEntry
from engine.process import EXPLANATION_TEMPLATES

from . import content as dc
from . import generator as dg
from . import policies as dpol
from . import profiles as dp
from .lives import RATINGS, FlagAndFix, Plan, PolicyUpload, TicketLife

#: The newest tickets stay in a stage each, so the inboxes show every state: a stage and the working days that may
#: have fully passed since the ticket came in — later, its clock would have moved it on (deemed acceptance after 1,
#: 未评价 after 3) or into a red card (dispatch only ever turns yellow). Newest tickets take the stages with the
#: shortest clocks first.
STOPS = (("signing", 1), ("dispatching", 2), ("returned", 2), ("county", 2), ("scoping", 3), ("evaluating", 3),
         ("answered_open", 3), ("reviewing", 5), ("redo_deciding", 5), ("co_handling", 5), ("handling", 5),
         ("redo_handling", 5), ("refused", 9))
#: The share of replies that say the citizen could not be told the result (the rest were told).
UNINFORMED_SHARE = 0.05
# Calls the demo refuses, by the reason of Art. 6 (dp.REFUSAL_CODES): what such a caller says.
REFUSED_CALLS = {
    1: ("我在深圳买的房子开发商一直不交房，你们河源热线帮我去找深圳的开发商。",
        "我想让热线帮我查一下我在外省的公积金账户密码。"),
    2: ("小区门口有人打架，已经有人受伤流血了，情况很紧急！", "我家楼下的电动车着火了，烟很大，快派人来！",
        "路口两车相撞，有人被困在车里出不来。"),
    4: ("我和邻居的宅基地纠纷已经打了两年，想请热线直接判一下地界归谁。",
        "公司拖欠我三个月工资，老板说让我去告他，我想请热线帮我判他赔钱。"),
    9: ("没什么事，就是想找人聊聊天。", "（来电无声，多次询问无应答后挂断）"),
    11: ("我想咨询一下明天的彩票开奖号码。", "能不能帮我查一下某某人的手机号码和家庭住址？"),
}
# A reply's closing words that say the citizen was told, and any other mention of telling the citizen.
_TOLD_AT_END = re.compile(r"[，,]?并?已?(?:电话)?(?:回复|告知)诉求人。$")
_TOLD = re.compile(r"(?:回复|告知|向)诉求人")
#: Types with a 10-working-day handling limit: a ticket staying with a unit for days is still within it.
LONG_TYPES = ("complaint", "report", "suggestion")
#: Where a ticket staying in a stage comes from (categories, counties), so the demo logins find it in their
#: worklists: 住建局's receiver and handler (HY-ZJJ), 人社局 (HY-RSJ), 源城区热线办 and 源城区住建局 (YC-*).
SHOWCASE = {
    "returned": (("construction.old_community",), ("DY", "LC")),
    "signing": (("construction.property", "construction.noise"), ("DY", "LC", "LP")),
    "county": (("construction.property", "construction.noise"), ("YC",)),
    "reviewing": (("social.pension", "social.wage"), ("DY", "LC", "LP")),
    "redo_deciding": (("construction.noise",), ("LP",)),
    "co_handling": (("construction.property",), ("LC",)),
    "handling": (("construction.property",), ("DY", "LC", "LP")),
    "redo_handling": (("social.wage",), ("DY",)),
}
#: When in the day people call (hour → weight); the hotline answers around the clock.
HOURS = {h: w for h, w in zip(range(24), (1, 1, 0, 0, 0, 0, 1, 3, 8, 12, 12, 11, 7, 6, 9, 11, 11, 10, 7, 6, 5, 4, 3,
                                          2), strict=True)}
CITY_UNITS = [u["code"] for u in dc.CITY_DEPARTMENTS]


VILLAGES = ("新村", "上围", "下屋", "石坑", "水口", "塘背", "岭下", "龙岗", "田心", "黄沙")


def house(place: str, rng: random.Random) -> str:
    """A full address at ``place``: a house number on a road, a building in a compound, a village in a town."""
    if place.endswith(("路", "大道")):
        return f"{place}{rng.randint(1, 268)}号"
    if place.endswith(("小区", "家园", "花园")):
        return f"{place}{rng.randint(1, 18)}栋{rng.randint(1, 3)}单元"
    if place.endswith("园区"):
        return f"{place}{rng.choice('ABCDE')}区{rng.randint(1, 40)}号"
    return f"{place}{rng.choice(VILLAGES)}村"


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Planner:
    def __init__(self, world, kb: dict[str, KnowledgeEntry], rng: random.Random, now: datetime, seed: int):
        self.w, self.kb, self.rng, self.now, self.seed = world, kb, rng, now, seed
        self.seq = count(1)

    # -- tickets --------------------------------------------------------------------------------------------------

    def tickets(self, start: datetime, end: datetime, per_month: float) -> list[tuple[datetime, TicketLife]]:
        rng, cal, moments = self.rng, self.w.clock.cal, []
        first, last = start.astimezone(TZ).date(), end.astimezone(TZ).date()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        weights = [dp.MONTH_VOLUME[d.month] * (1.0 if cal.is_working_day(d) else 0.6) for d in days]
        scale = per_month * len(days) / 30.4 / sum(weights)  # fewer calls on days off, the same total
        for day, weight in zip(days, weights, strict=True):
            moments += [(self._moment(day), None) for _ in range(poisson(rng, weight * scale))]
        for inc in dp.INCIDENTS:
            for _ in range(max(4, round(per_month * inc.share))):
                when = self.now - timedelta(days=rng.uniform(*inc.days_ago))
                moments.append((self._moment(when.astimezone(TZ).date()), inc))
        moments = sorted((m for m in moments if start <= m[0] < end), key=lambda m: m[0])
        stops = self._stops([when for when, inc in moments if inc is None])
        return [(when, self._life(when, inc, stops.get(when))) for when, inc in moments]

    def _stops(self, moments: list[datetime]) -> dict[datetime, str]:
        """The stage each of the newest tickets stays in, newest first, every stage once while they fit."""
        out, todo = {}, list(STOPS)
        cal = self.w.clock.cal
        for when in sorted(moments, reverse=True):
            if self.now - when < timedelta(hours=1):
                continue  # too new to have got anywhere
            age = cal.working_days_elapsed(when, self.now)
            while todo and age >= todo[0][1]:
                todo.pop(0)
            if not todo:
                break
            out[when] = todo.pop(0)[0]
        return out

    def _moment(self, day: date) -> datetime:
        hour = self.rng.choices(list(HOURS), list(HOURS.values()))[0]
        return datetime.combine(day, time(hour), TZ) + timedelta(minutes=self.rng.uniform(0, 59.9))

    def _life(self, when: datetime, incident: dp.Incident | None, stop: str | None) -> TicketLife:
        i = next(self.seq)
        rng = random.Random(f"{self.seed}:{i}")
        return TicketLife(self.w, self._plan(i, when, rng, incident, stop), rng, self.w.habits)

    def _plan(self, i: int, when: datetime, rng: random.Random, incident: dp.Incident | None,
              stop: str | None) -> Plan:
        month = when.astimezone(TZ).month
        county = incident.county if incident else None
        if incident is not None:
            category = incident.category
        elif stop in SHOWCASE:
            categories, counties = SHOWCASE[stop]
            category, county = rng.choice(categories), rng.choice(counties)
        else:
            codes = list(dp.CATEGORY_WEIGHTS)
            category = rng.choices(codes, [dp.category_weight(c, month) for c in codes])[0]
        templates = dg.TEMPLATES_BY_CATEGORY[category]
        if stop in SHOWCASE:
            templates = [t for t in templates if dg.REQUEST_TEMPLATES[t]["type"] in LONG_TYPES] or templates
        if stop == "answered_open":
            templates = [t for t in range(len(dg.REQUEST_TEMPLATES)) if dg.REQUEST_TEMPLATES[t]["kb"] in self.kb]
        req = dg.request_for(i, rng, template_index=rng.choice(templates), county=county,
                             place=incident.place if incident else None)
        cat = dc.CATEGORIES_BY_CODE[req["category"]]
        address = req["address"] if incident else house(req["address"], rng)
        data = {"channel": req["channel"], "citizen_name": req["citizen_name"], "citizen_phone": req["phone"],
                "address": address, "content": req["content"], "ticket_type": req["type"],
                "category": cat["name"], "scope": "accept"}
        reply = {"handler_name": rng.choice(dg.SURNAMES) + "工", "result": req["reply"], "basis": req["basis"],
                 "contact_method": "电话联系诉求人并告知办理结果", "citizen_informed": True}
        # About one reply in twenty could not reach the citizen (Art. 12; an accountability candidate, Art. 19(4)).
        # Drawn from a stream of its own, so the ticket's other draws (and the rest of the demo) stay as they were.
        # Such a reply does not also say the result was given to the citizen: its closing words saying so go, and a
        # reply whose substance is telling the citizen something stays one that reached them.
        if random.Random(f"{self.seed}:{i}:informed").random() < UNINFORMED_SHARE:
            result = _TOLD_AT_END.sub("", reply["result"]).rstrip("，,")
            result += "" if result.endswith("。") else "。"
            if not _TOLD.search(result):
                reply.update(result=result, contact_method="多次致电诉求人均未接通，办理结果尚未告知",
                             citizen_informed=False)
        entry = self.kb.get(req.get("kb") or "")
        if stop == "scoping":
            data["channel"] = rng.choice(("web", "wechat", "app"))
        if stop == "answered_open" or (entry is not None and stop is None and rng.random() < 0.75):
            data.update(scope="answer", kb_entry_id=entry.id)
            return Plan(data, reply, stop=stop, evaluated=rng.random() > 0.1,
                        rating=rng.choices(RATINGS, (40, 45, 12, 3, 0))[0])
        if stop == "refused" or (stop is None and incident is None and rng.random() < 0.04):
            code = rng.choice(dp.REFUSAL_CODES)
            data.update(scope="refuse", refusal_code=code, refusal_explanation=EXPLANATION_TEMPLATES[code])
            # What the caller said fits the reason refused (a call handed to 110 is an emergency, not a pension
            # question); drawn from a stream of its own, so the rest of the demo stays as it was.
            said = REFUSED_CALLS.get(code)
            if said:
                data["content"] = random.Random(f"{self.seed}:{i}:refused").choice(said)
            if code == 2:  # Art. 6(2): the agent hands the caller over (no draw: the demo's random stream stays)
                data.update(handoff_line="110", handoff_outcome="transferred")
            return Plan(data, reply)
        return self._dispatched(data, reply, req, rng, stop)

    def _dispatched(self, data: dict, reply: dict, req: dict, rng: random.Random, stop: str | None) -> Plan:
        units = self.w.units
        first = units[req["local_unit"] or req["unit"]]
        county = units.get(f"{req['county']}-OFFICE")
        local = first.parent_id == (county.id if county else None)
        habits = self.w.habits
        will_return = stop == "returned" or (stop is None and rng.random() < habits[first.code].returns)
        second = units[req["unit"]] if local else units.get(req["local_unit"] or f"{req['county']}-GOV")
        if second is None or second.id == first.id:
            second = units[f"{req['county']}-GOV"]
        handler = second if will_return else first
        h = habits[handler.code]
        co = [] if stop != "co_handling" and rng.random() > 0.15 else [
            units[rng.choice([c for c in CITY_UNITS if c not in (first.code, second.code)])]]
        via = stop == "county" or (local and rng.random() < 0.5)
        x = rng.random()
        late = "red" if x < h.red else "yellow" if x < h.red + h.late else "on_time"
        rating = rng.choices(RATINGS, h.ratings)[0]
        if stop in ("redo_deciding", "redo_handling"):
            rating, late = "dissatisfied", "on_time"
        return Plan(data, reply, first=first, second=second, co=co, county=county if via and local else None,
                    will_return=will_return, late=late, deemed=rng.random() < h.deemed and stop is None,
                    sent_back=stop is None and rng.random() < 0.03, evaluated=stop is not None or rng.random() > 0.07,
                    rating=rating, reasonable=stop == "redo_handling" or rng.random() < h.grounds, stop=stop,
                    fast=stop is not None)

    # -- knowledge base -------------------------------------------------------------------------------------------

    def policies(self, start: datetime, end: datetime) -> list[tuple[datetime, PolicyUpload]]:
        rng, out = self.rng, []
        first, last = (start + timedelta(days=20)).astimezone(TZ).date(), (end + timedelta(days=25)).astimezone(
            TZ).date()
        for p in dpol.POLICIES:
            unit = self.w.units[p["unit"]]
            habits = self.w.habits[unit.code]
            if "{m}" in p["title"]:
                dates, d = [], first + timedelta(days=rng.randrange(0, 60))
                while d <= last:
                    dates.append(d)
                    d += timedelta(days=rng.choice((30, 61, 92)))
            else:
                dates = [first + timedelta(days=rng.randrange(0, (last - first).days + 1))]
            for eff in dates:
                eff = eff.replace(day=1) if rng.random() < 0.5 else eff
                lead = rng.uniform(1, 6) if rng.random() < habits.kb_late else rng.uniform(*habits.kb_lead)
                upload = self.w.clock.office_after(datetime.combine(eff, time(10), TZ) - timedelta(days=lead), 0)
                if not start <= upload < end or upload.date() >= eff:
                    continue
                fill = {"y": eff.year, "m": eff.month, "d": eff.day}
                cat = dc.CATEGORIES_BY_CODE[p["category"]]
                out.append((upload, PolicyUpload(self.w, unit, {
                    "title": p["title"].format(**fill), "category": cat["name"], "content": p["content"].format(**fill),
                    "basis": p["basis"], "keywords": p["keywords"], "effective_date": eff})))
        return out

    def flags(self, start: datetime, end: datetime, months: int) -> list[tuple[datetime, FlagAndFix]]:
        rng, out = self.rng, []
        entries = sorted(self.kb.values(), key=lambda e: e.id)
        span = (end - start).total_seconds()
        for _ in range(round(2.2 * months)):
            entry = rng.choice(entries)
            habits = self.w.habits[self.w.unit_code(entry.unit_id)]
            when = self.w.clock.office_after(start + timedelta(seconds=rng.uniform(0, span)), rng.uniform(0, 8))
            kind, text = rng.choice(dpol.FLAG_TEXTS)
            if when < end:
                out.append((when, FlagAndFix(self.w, entry.id, entry.unit_id, kind, text,
                                             rng.uniform(*habits.flag_days))))
        return out

