"""Demo of the same matter (issue 21): a water cut-off surge (集中反映) waiting for the office's one-step merge, and
repeated complaints about one construction site already merged into one main ticket, dispatched on a suggestion.

Everything goes through the product's services (register, the suggestions, dispatch, merge, surge detection), so the
demo shows what a hotline would see: sign in as ``dispatcher`` → 集中反映 to merge the surge; open the construction
site's main ticket for its merged calls; 并单与派单统计 for the figures. Every person and place here is invented.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor, transaction
from engine.domain.roles import Role
from engine.matching import record_shown, refresh_stats, surges
from engine.matching import suggest as suggestions
from engine.models import Ticket, Unit, User
from engine.tickets import complete_task, merge, register

from .content import fake_phone

WATER = "公用事业/停水"
NOISE = "城乡建设/噪音扰民"
WATER_CALLS = (
    ("红旗路锦绣园", "我们锦绣园从中午开始停水了，一滴水都没有，也没收到停水通知，请问什么时候来水？"),
    ("红旗路锦绣园3栋", "锦绣园又冇水用，成栋楼都冇水，屋企老人要煮饭都冇水，几时先有水？"),
    ("红旗路幸福楼", "红旗路幸福楼一带突然断水，家里水龙头不出水，请尽快恢复供水。"),
    ("红旗路锦绣园", "锦绣园停水两个多小时了，小孩放学回来没水洗澡，能不能派送水车？"),
    ("红旗路78号", "红旗路这边没水了，是不是哪里水管爆了？我看到路口在冒水。"),
    ("红旗路锦绣园6栋", "六栋停水，楼上高层一点水压都没有，请供水公司处理。"),
    ("红旗路幸福楼", "幸福楼没有水，打供水公司电话一直占线，想知道恢复时间。"),
    ("红旗路锦绣园", "锦绣园整片停水，我们开餐馆的生意都做不了，请尽快抢修。"),
)
SITE = "源城区东埔街道华兴路城东花园三期工地"
SITE_CALLS = (
    "华兴路城东花园三期工地每天晚上十一点以后还在打桩，整个小区都睡不着，请管一管。",
    "城东花园三期工地半夜施工，好嘈，已经连续一个星期了，小孩第二天还要上学。",
    "华兴路那个工地凌晨一点还在浇混凝土，搅拌车轰隆隆的，严重扰民。",
    "城东花园三期又在夜间施工，之前投诉过还是没改，请住建部门严肃处理。",
    "华兴路工地晚上施工噪音太大，家里老人心脏不好，根本没法休息。",
)


def _staff(session: Session, role: str) -> Actor:
    return Actor.of_user(session.scalar(select(User).where(User.role == role, User.active.is_(True)).limit(1)))


def _call(session, agent, address, content, category, n, at) -> Ticket:
    data = {"channel": "phone" if n % 3 else "wechat", "citizen_name": f"市民{n:02d}",
            "citizen_phone": fake_phone(8000 + n), "address": address, "content": content, "ticket_type": "complaint",
            "category": category, "scope": "accept"}
    return register(session, agent, data, at)[0]


def seed_matters(session: Session, units: dict[str, Unit], now: datetime) -> dict:
    """Add the two matters once (nothing when the construction site's calls are already there)."""
    if session.scalar(select(Ticket.id).where(Ticket.address == SITE).limit(1)) is not None:
        return {}
    agent, dispatcher = _staff(session, "agent"), _staff(session, "dispatcher")
    receiver_unit = units.get("YC-ZJJ") or units["HY-ZJJ"]
    receiver = Actor("user", f"{receiver_unit.name}受理员", None, Role.RECEIVER, receiver_unit.id)
    site = []
    with transaction(session):
        for i, content in enumerate(SITE_CALLS):
            at = now - timedelta(days=9 - 2 * i, hours=3)
            site.append(_call(session, agent, SITE, content, NOISE, i, at))
        main = site[0]
        shown = suggestions.suggest(session, main, now - timedelta(days=8))
        record_shown(session, dispatcher, main, shown, now - timedelta(days=8))
        lead = shown[0].unit_id if shown else receiver_unit.id
        complete_task(session, dispatcher, main.id, "dispatch", {"lead_unit": lead}, now - timedelta(days=8))
        if lead == receiver_unit.id:
            complete_task(session, receiver, main.id, "sign", {"decision": "sign"}, now - timedelta(days=7, hours=20))
        merge(session, dispatcher, main.id, [t.id for t in site[1:]],
              "同一工地夜间施工噪音，多位居民反复投诉，并单办理", now - timedelta(hours=2))
    water = []
    with transaction(session):
        for i, (place, content) in enumerate(WATER_CALLS):
            at = now - timedelta(minutes=95 - 12 * i)
            water.append(_call(session, agent, f"源城区新江街道{place}", content, WATER if i % 4 else None, 20 + i, at))
    with transaction(session):
        refresh_stats(session, now)
        alerts = surges.detect(session, now)
    return {"site_main": site[0].number, "water": [t.number for t in water], "alerts": [a.id for a in alerts]}
