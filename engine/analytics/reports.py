"""Printed reports from the data (Art. 20, 22, 23): the 考核通报 of a period and the 工作简报 of a period, gathered
here as plain facts and issued through the documents machinery (numbered, stored unchanged, reprintable).

Charts are SVG drawn here in Python and passed as ``data:`` URIs, the only images the renderer accepts.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from documents.charts import bar_chart, line_chart
from engine.common import Actor, Invalid
from engine.docstore import issue_document, next_number, next_seq
from engine.domain import assessment as A
from engine.domain.calendar import TZ
from engine.domain.states import TYPE_LABELS, TicketType
from engine.models import Evaluation, IssuedDocument, Ticket

from . import metrics as analytics
from .counties import load_counties
from .tables import inclusive_dates

TOP = 10


# -- formatting -----------------------------------------------------------------------------------------------------

def period_label(start: datetime, end: datetime) -> str:
    """``[start, end)`` in words with both days included: 2026年11月1日至11月30日."""
    first, last = start.astimezone(TZ), (end - timedelta(microseconds=1)).astimezone(TZ)
    tail = f"{last.month}月{last.day}日" if last.year == first.year else f"{last.year}年{last.month}月{last.day}日"
    if first.date() == last.date():
        return f"{first.year}年{first.month}月{first.day}日"
    return f"{first.year}年{first.month}月{first.day}日至{tail}"


def period_name(start: datetime, end: datetime) -> str:
    """A period as a title names it: a whole calendar month as 2026年11月, any other as :func:`period_label`."""
    first, last = start.astimezone(TZ), end.astimezone(TZ)
    whole = (first.day == 1 and first.time() == last.time() == datetime.min.time() and last.day == 1
             and (last.year * 12 + last.month) - (first.year * 12 + first.month) == 1)
    return f"{first.year}年{first.month}月" if whole else period_label(start, end)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def num(value: int) -> str:
    return f"{value:,}"


def daily_chart(per_day: Mapping[str, int], start: datetime, end: datetime) -> dict | None:
    """The 每日受理量 line over every Beijing day of ``[start, end)``, a day without tickets at 0 (as the dashboard
    draws it), from counts keyed by ISO day; None for a period of one day or with no tickets at all."""
    first, last = inclusive_dates(start, end)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if len(days) < 2 or not any(per_day.values()):
        return None
    return {"title": "每日受理量（件）", "src": line_chart([f"{d:%m-%d}" for d in days],
                                                        [per_day.get(d.isoformat(), 0) for d in days])}


# -- 考核通报 -------------------------------------------------------------------------------------------------------

RANK_COLUMNS = ["排名", "承办单位", "得分", "签收及时率", "按时办结率", "满意率", "重办率", "退单率", "督办率",
                "知识库维护"]
#: The signing rate as the assessment names it (the page, the files and every document say the same).
SIGN_RATE = A.METRIC_LABELS["sign_rate"]


def _weights_text(version: str, weights: Mapping[str, float]) -> str:
    parts = [f"{A.METRIC_LABELS[m].split('（')[0]}{weights[m] * 100:g}%" for m in A.METRICS if weights.get(m)]
    return (f"考核采用百分制，按权重版本“{version}”计算：" + "、".join(parts)
            + "。重办率、退单率、督办率按（1－比率）计分；"
            "某项指标无可计量数据的，不计入该单位得分，其余权重按比例折算。")


def _excluded(session: Session, start: datetime, end: datetime) -> tuple[int, dict[int, int]]:
    rows = session.execute(
        select(Ticket.lead_unit_id, func.count()).select_from(Evaluation)
        .join(Ticket, Ticket.id == Evaluation.ticket_id)
        .where(Evaluation.excluded_from_assessment.is_(True), Evaluation.evaluated_at >= start,
               Evaluation.evaluated_at < end).group_by(Ticket.lead_unit_id)).all()
    per_unit = {u: int(n) for u, n in rows if u is not None}
    return sum(int(n) for _, n in rows), per_unit


def bulletin_context(session: Session, start: datetime, end: datetime, *, version: str | None = None,
                     title: str | None = None) -> dict:
    """The facts of a 考核通报: the ranking under the weights version, the overall rates, excluded ratings."""
    report = analytics.assessment_report(session, start, end, version=version)
    rows, label = report["rows"], period_label(start, end)
    names = analytics.unit_names(session)
    table = []
    for rank, r in enumerate((r for r in rows if r["score"] is not None), start=1):
        m = r["metrics"]
        table.append([rank, r["unit"], f"{r['score']:.2f}", pct(m["sign_rate"]), pct(m["on_time_rate"]),
                      pct(m["satisfaction_rate"]), pct(m["redo_rate"]), pct(m["return_rate"]),
                      pct(m["supervision_rate"]), pct(m["kb_upkeep_rate"])])
    totals = A.UnitCounts(**{k: sum(r["counts"][k] for r in rows) for k in A.UnitCounts.__dataclass_fields__})
    overall = totals.metrics()
    excluded, per_unit = _excluded(session, start, end)
    notes = [f"本期共有{excluded}条办理评价经市热线办认定为不合理或恶意评价，依照管理办法第十五条不计入满意率。"]
    if per_unit:
        notes.append("涉及单位：" + "、".join(f"{names.get(u, u)}{n}条" for u, n in
                                              sorted(per_unit.items(), key=lambda kv: (-kv[1], str(kv[0])))) + "。")
    notes.append("“—”表示该单位本期该项指标无可计量数据。")
    overview = (f"{label}，参加考核的承办单位共{len(table)}个，主办派单{num(totals.dispatched)}件，"
                f"{SIGN_RATE}{pct(overall['sign_rate'])}，按时办结率{pct(overall['on_time_rate'])}，"
                f"满意率{pct(overall['satisfaction_rate'])}，重办率{pct(overall['redo_rate'])}，"
                f"退单率{pct(overall['return_rate'])}，督办{num(totals.supervisions)}件。")
    context = {
        "title": title, "addressee": "各县（区）热线办，市直各承办单位", "period": label, "overview": [overview],
        "method": _weights_text(report["weights_version"], report["weights"]),
        "weights_version": report["weights_version"],
        "tables": [{"caption": f"表1　{label}承办单位考核结果", "columns": RANK_COLUMNS, "rows": table,
                    "numeric_from": 2}],
        "notes": notes,
    }
    if table:
        top = table[:15]
        context["charts"] = [{"title": "承办单位综合得分" + ("（前15位）" if len(table) > 15 else ""),
                              "src": bar_chart([row[1] for row in top], [float(row[2]) for row in top], "分",
                                                 decimals=2)}]  # as the table writes the score
    else:
        context["overview"].append("本期无可计量的考核数据。")
    return context


def issue_bulletin(session: Session, actor: Actor, start: datetime, end: datetime, now: datetime, *,
                   version: str | None = None, defaults: Mapping | None = None) -> IssuedDocument:
    """Issue the 考核通报 of a period (numbered, stored unchanged).

    :raises Forbidden: for a role that may not issue documents.
    :raises NotFound: for an unknown weights version.
    """
    analytics.check_period(start, end)
    context = {**(defaults or {}), **bulletin_context(session, start, end, version=version)}
    return issue_document(session, "assessment_bulletin", context, actor, now)


# -- 工作简报 -------------------------------------------------------------------------------------------------------

def _share_rows(rows: list[dict], total: int, limit: int | None = None) -> list[list]:
    out = [[r["label"], num(r["count"]), pct(r["count"] / total if total else None)] for r in rows]
    return out[:limit] if limit else out


def brief_context(session: Session, start: datetime, end: datetime, *, issue: int | None = None,
                  title: str | None = None) -> dict:
    """The facts of a 工作简报: volumes by channel and type, top categories, on-time and satisfaction rates,
    units, hot spots, and charts."""
    label = period_label(start, end)
    dash = analytics.dashboard(session, start, end)
    total = dash["total"]
    counts = analytics.unit_counts(session, start, end)
    totals = A.UnitCounts(**{k: sum(getattr(c, k) for c in counts.values())
                             for k in A.UnitCounts.__dataclass_fields__})
    overall = totals.metrics()
    names = analytics.unit_names(session)
    channels = "、".join(f"{r['label']}{num(r['count'])}件" for r in dash["by_channel"]) or "无"
    overview = [
        f"{label}，12345政府服务热线共受理群众诉求{num(total)}件，其中{channels}。",
        f"承办单位{SIGN_RATE}{pct(overall['sign_rate'])}，按时办结率{pct(overall['on_time_rate'])}"
        f"（办结{num(totals.replied)}件，按时{num(totals.replied_on_time)}件），满意率{pct(overall['satisfaction_rate'])}"
        f"（有效评价{num(totals.evaluated)}件，基本满意及以上{num(totals.satisfied)}件），"
        f"重办率{pct(overall['redo_rate'])}，督办{num(totals.supervisions)}件。",
    ]
    volume = {r["key"]: r["count"] for r in dash["by_unit"] if r["key"] is not None}
    units = sorted(set(volume) | set(counts), key=lambda u: (-volume.get(u, 0), names.get(u, str(u))))[:TOP]
    unit_rows = []
    for u in units:
        m = counts.get(u, A.UnitCounts()).metrics()
        unit_rows.append([names.get(u, str(u)), num(volume.get(u, 0)), pct(m["on_time_rate"]),
                          pct(m["satisfaction_rate"])])
    tables = [
        {"caption": "表1　诉求渠道分布", "columns": ["渠道", "件数", "占比"],
         "rows": _share_rows(dash["by_channel"], total), "numeric_from": 1},
        {"caption": "表2　诉求类型分布", "columns": ["诉求类型", "件数", "占比"],
         "rows": _share_rows(dash["by_type"], total), "numeric_from": 1},
        {"caption": f"表3　诉求量前{TOP}位的类别", "columns": ["类别", "件数", "占比"],
         "rows": _share_rows(dash["by_category"], total, TOP), "numeric_from": 1},
        {"caption": f"表4　工单量前{TOP}位的承办单位", "columns": ["承办单位", "工单量", "按时办结率", "满意率"],
         "rows": unit_rows, "numeric_from": 1},
    ]
    tables = [t for t in tables if t["rows"]]
    hotspots = []
    for dimension, what in (("category", "类别"), ("county", "地区")):
        for f in analytics.hot_spots(session, start, end, dimension)[:5]:
            hotspots.append({"topic": f"{f['label']}（{what}）", "count": f["count"],
                             "note": f"本期{f['count']}件，前{len(f['baseline'])}个同长度期间分别为"
                                     f"{'、'.join(str(b) for b in f['baseline'])}件（均值{f['mean']:g}），"
                                     f"超过预警阈值{f['threshold']:g}件，明显上升。"})
    charts = []
    if dash["by_type"]:
        charts.append({"title": "诉求类型分布（件）", "src": bar_chart([r["label"] for r in dash["by_type"]],
                                                                    [r["count"] for r in dash["by_type"]])})
    trend = daily_chart({r["day"]: r["count"] for r in dash["trend"]}, start, end)
    if trend:
        charts.append(trend)
    if issue is None:
        issue = next_seq(session, "work_brief", end.astimezone(TZ).year)
    return {"title": title, "issue": issue, "period": label, "overview": overview, "tables": tables or [
        {"caption": "表1　诉求渠道分布", "columns": ["渠道", "件数", "占比"], "rows": [["合计", "0", "—"]]}],
        "charts": charts, "hotspots": hotspots}


def issue_brief(session: Session, actor: Actor, start: datetime, end: datetime, now: datetime, *,
                defaults: Mapping | None = None) -> IssuedDocument:
    """Issue the 工作简报 of a period; its issue number (期数) is its sequence number of the year.

    :raises Forbidden: for a role that may not issue documents.
    :raises Invalid: for a bad period.
    """
    analytics.check_period(start, end)
    issue = next_seq(session, "work_brief", now.astimezone(TZ).year)
    context = {**(defaults or {}), **brief_context(session, start, end, issue=issue)}
    doc = issue_document(session, "work_brief", context, actor, now)
    doc.title = f"{period_name(start, end)}工作简报"  # the archive's title: which period (the PDF's stays 工作简报)
    return doc


def check_period(start: datetime, end: datetime, max_days: int = 400) -> None:
    """:raises Invalid: for a period that is reversed, naive or longer than ``max_days``."""
    analytics.check_period(start, end)
    if end - start > timedelta(days=max_days):
        raise Invalid(f"统计期间不能超过{max_days}天", f"period too long {start} .. {end}",
                      fields={"period": "期间过长"})


# -- 专报 -----------------------------------------------------------------------------------------------------------

SUBJECTS = {"category": "类别", "county": "地区"}


def _subject_filter(session: Session, dimension: str, key: str):
    if dimension == "category":
        if not key:
            raise Invalid("请填写专报的类别", "no category for a special report", fields={"key": "请填写类别"})
        return Ticket.category == key, f"{key}类诉求"
    if dimension == "county":
        counties = load_counties(session)
        county = counties.parse(str(key or ""))
        if not isinstance(county, int):  # 市直 and undispatched tickets are not a place
            raise Invalid("请选择地区", f"not a county {key!r}", fields={"key": "地区无效"})
        return counties.condition(county), f"{counties.label(county)}辖区诉求"
    raise Invalid("专报对象只能是类别或地区", f"unknown subject dimension {dimension!r}")


def special_context(session: Session, start: datetime, end: datetime, dimension: str, key: str, *,
                    issue: int | None = None) -> dict:
    """The facts of a 专报 on one category or one place: volume against the period before, types, lead units
    with their on-time and satisfaction rates (as defined for the assessment), and the daily trend.

    :raises Invalid: for an unknown dimension or place.
    """
    analytics.check_period(start, end)
    where, subject = _subject_filter(session, dimension, key)
    label = period_label(start, end)
    names = analytics.unit_names(session)
    span = end - start
    count = session.scalar(select(func.count()).where(where, Ticket.created_at >= start, Ticket.created_at < end))
    before = session.scalar(select(func.count()).where(where, Ticket.created_at >= start - span,
                                                      Ticket.created_at < start))
    everything = session.scalar(select(func.count()).where(Ticket.created_at >= start, Ticket.created_at < end))
    types = session.execute(select(Ticket.ticket_type, func.count()).where(
        where, Ticket.created_at >= start, Ticket.created_at < end).group_by(Ticket.ticket_type)
        .order_by(func.count().desc())).all()
    type_text = "、".join(f"{TYPE_LABELS[TicketType(t)]}{n}件" for t, n in types) or "无"
    change = (f"较上一期间（{before}件）{'增长' if count >= before else '下降'}"
              f"{abs(count - before) / before * 100:.1f}%" if before else "上一期间无此类诉求")
    counts = analytics.unit_counts(session, start, end, tickets=where)
    totals = A.UnitCounts(**{k: sum(getattr(c, k) for c in counts.values())
                             for k in A.UnitCounts.__dataclass_fields__})
    overall = totals.metrics()
    overview = [
        f"{label}，市12345政府服务热线受理{subject}{num(count)}件，{change}，占全部诉求的"
        f"{pct(count / everything if everything else None)}；其中{type_text}。",
        f"首次办结{num(totals.replied)}件，按时办结率{pct(overall['on_time_rate'])}；"
        f"有效评价{num(totals.evaluated)}件，满意率{pct(overall['satisfaction_rate'])}；重办{num(totals.redone)}件，督办{num(totals.supervisions)}件。",
    ]
    volume = dict(session.execute(select(Ticket.lead_unit_id, func.count()).where(
        where, Ticket.created_at >= start, Ticket.created_at < end, Ticket.lead_unit_id.is_not(None))
        .group_by(Ticket.lead_unit_id)).all())
    units = sorted(set(volume) | set(counts), key=lambda u: (-volume.get(u, 0), names.get(u, str(u))))[:TOP]
    rows = []
    for u in units:
        m = counts.get(u, A.UnitCounts()).metrics()
        rows.append([names.get(u, str(u)), num(volume.get(u, 0)), pct(m["on_time_rate"]),
                     pct(m["satisfaction_rate"])])
    tables = [{"caption": "表1　主要承办单位", "columns": ["承办单位", "工单量", "按时办结率", "满意率"],
               "rows": rows or [["—", "0", "—", "—"]], "numeric_from": 1}]
    day = analytics._day(session)
    trend = session.execute(select(day, func.count()).where(where, Ticket.created_at >= start,
                                                            Ticket.created_at < end).group_by(day).order_by(day)).all()
    chart = daily_chart({str(d): n for d, n in trend}, start, end)
    charts = [chart] if chart else []
    if issue is None:
        issue = next_seq(session, "special_report", end.astimezone(TZ).year)
    return {"issue": issue, "subject": subject, "period": label, "overview": overview, "tables": tables,
            "charts": charts}


def issue_special(session: Session, actor: Actor, start: datetime, end: datetime, dimension: str, key: str,
                  now: datetime, *, defaults: Mapping | None = None) -> IssuedDocument:
    """Issue a 专报 on one category or one place for a period.

    :raises Forbidden: for a role that may not issue documents.
    :raises Invalid: for a bad period or subject.
    """
    issue = next_seq(session, "special_report", now.astimezone(TZ).year)
    context = {**(defaults or {}), **special_context(session, start, end, dimension, key, issue=issue)}
    doc = issue_document(session, "special_report", context, actor, now)
    # The archive's title says what it covers, as the PDF's 「关于…的专报」 does, with the period.
    doc.title = f"关于{period_name(start, end)}{context['subject']}情况的专报"
    return doc


# -- before issuing -------------------------------------------------------------------------------------------------

#: The reports the assessment page issues, by the page's name for them.
REPORT_KINDS = {"bulletin": "assessment_bulletin", "brief": "work_brief", "special": "special_report"}
REPORT_TITLES = {"bulletin": "考核通报", "brief": "工作简报", "special": "专报"}


def preview(session: Session, report: str, start: datetime, end: datetime, now: datetime, *,
            dimension: str | None = None, key: str | None = None, defaults: Mapping | None = None) -> dict:
    """What issuing ``report`` (a key of ``REPORT_KINDS``) now would produce, reserving nothing: its title, the
    period in words, a 专报's subject and the number it would get.

    :raises Invalid: for an unknown report, a bad period or a bad 专报 subject.
    """
    if report not in REPORT_KINDS:
        raise Invalid("未知的报告种类", f"unknown report {report!r}")
    analytics.check_period(start, end)
    subject = _subject_filter(session, dimension or "", key or "")[1] if report == "special" else None
    return {"report": report, "title": REPORT_TITLES[report], "period": period_label(start, end),
            "subject": subject,
            "number": next_number(session, REPORT_KINDS[report], now, (defaults or {}).get("office_short"))}
