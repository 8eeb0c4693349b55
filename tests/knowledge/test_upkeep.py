"""Ownership and approval, versions, the 7-WD upload rule and the 5-WD fix clock with the 2026 National Day."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine.common.db import transaction
from engine.common.errors import Conflict, Forbidden
from engine.domain.roles import Role
from engine.knowledge import entries as knowledge
from engine.knowledge import flags as knowledge_flags
from engine.knowledge import search as kb_search
from engine.knowledge.richtext import sanitize
from engine.models import AuditLog, IssuedDocument, KnowledgeEntry, KnowledgeFlag, Outbox, User
from engine.tickets.lifecycle import register
from tests.support.helpers import CITIZEN, unit, unit_actor, user


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


NOW = at("2026-11-25T10:00:00+08:00")
ENTRY = {"title": "建筑工地夜间施工许可查询", "category": "城乡建设/噪音扰民", "keywords": "夜间施工,许可",
         "content": "<p>夜间施工须取得<strong>许可</strong>。</p><script>alert(1)</script>",
         "basis": "《中华人民共和国噪声污染防治法》第四十三条"}


def owner(db):
    return user(db.session, "kb_editor")  # 信息采编员 of 市住建局 (HY-ZJJ)


def make_entry(db, now=NOW, **extra):
    with transaction(db.session):
        return knowledge.create_entry(db.session, owner(db), {**ENTRY, **extra}, now)


def test_rich_text_keeps_the_allow_list_and_drops_the_rest():
    dirty = ('<p onclick="x()">a<strong>b</strong><em>c</em></p><ul><li>d</li></ul><br/>'
             '<a href="javascript:alert(1)">bad</a><a href="https://gd.gov.cn/x?a=1&b=2">ok</a>'
             '<img src=x onerror=alert(1)><table><tr><td>t</td></tr></table><div>unclosed')
    clean = sanitize(dirty)
    assert clean.startswith("<p>a<strong>b</strong><em>c</em></p><ul><li>d</li></ul><br>")
    assert '<a rel="noopener noreferrer">bad</a>' in clean
    assert '<a href="https://gd.gov.cn/x?a=1&amp;b=2" rel="noopener noreferrer">ok</a>' in clean
    assert "<img" not in clean and "onerror" not in clean and "<td>t</td>" in clean
    assert "<div" not in clean and "onclick" not in clean and clean.endswith("unclosed")


# Well-known vectors (OWASP XSS filter evasion cheat sheet and the html5sec list): none may leave an element, an
# attribute or a URL that runs script.
XSS = [
    "<script>alert(1)</script>", "<SCRIPT SRC=//xss.example/x.js></SCRIPT>", "<img src=x onerror=alert(1)>",
    "<p onmouseover=alert(1)>x</p>", '<a href="javascript:alert(1)">x</a>', '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>', '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>', '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<svg onload=alert(1)>", "<svg><script>alert(1)</script></svg>", "<math><mtext><script>alert(1)</script>",
    '<iframe src="javascript:alert(1)"></iframe>', "<body onload=alert(1)>", "<style>*{x:expression(alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>', "<<script>alert(1)//<</script>",
    "<img src=x onerror=alert(1)//", '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<!--<script>alert(1)</script>-->", "<![CDATA[<script>alert(1)</script>]]>", "<object data=javascript:alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>', "<details open ontoggle=alert(1)>",
    "<table><td background=javascript:alert(1)>x</td></table>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
]


@pytest.mark.parametrize("vector", XSS, ids=range(len(XSS)))
def test_well_known_xss_vectors_leave_nothing_that_runs(vector):
    from html.parser import HTMLParser

    clean = sanitize(vector)
    found: list[tuple[str, dict]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect(convert_charrefs=True).feed(clean)
    for tag, attrs in found:
        assert tag in {"p", "br", "ul", "ol", "li", "strong", "em", "a", "table", "thead", "tbody", "tr", "th", "td"}
        assert set(attrs) <= {"href", "rel"}, (vector, clean)
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("http://", "https://")), (vector, clean)
    assert "<script" not in clean.lower() and "javascript:" not in clean.lower()


def test_owner_edits_directly_and_every_change_is_a_version(db, kb):
    entry = make_entry(db)
    assert "script" not in entry.content and "alert" not in entry.content and entry.keywords == ["夜间施工", "许可"]
    with transaction(db.session):
        v = knowledge.edit_entry(db.session, owner(db), entry.id, {"content": "<p>夜间施工须提前申请许可。</p>"},
                                 at("2026-11-26T09:00:00+08:00"))
    assert v.version == 2
    assert [x.version for x in knowledge.versions(db.session, entry.id)] == [1, 2]
    assert kb_search.search(db.session, "夜间施工许可")[0].entry_id == entry.id


def test_another_units_editor_needs_the_owners_approval(db, kb):
    entry = make_entry(db)
    other = unit_actor(db.session, Role.KB_EDITOR, "HY-RSJ")
    with transaction(db.session):
        request = knowledge.edit_entry(db.session, other, entry.id, {"title": "夜间施工许可办理"}, NOW,
                                       reason="标题不准确")
    assert request.status == "pending" and db.session.get(KnowledgeEntry, entry.id).title == ENTRY["title"]
    with pytest.raises(Forbidden):
        knowledge.decide_edit_request(db.session, other, request.id, True, NOW)
    with pytest.raises(Forbidden):
        knowledge.edit_entry(db.session, user(db.session, "handler"), entry.id, {"title": "x"}, NOW)
    with transaction(db.session):
        knowledge.decide_edit_request(db.session, owner(db), request.id, True, NOW)
    entry = db.session.get(KnowledgeEntry, entry.id)
    assert entry.title == "夜间施工许可办理" and entry.current_version == 2
    with pytest.raises(Conflict):
        knowledge.decide_edit_request(db.session, owner(db), request.id, True, NOW)


def test_the_office_approves_and_a_stale_request_is_refused(db, kb):
    entry = make_entry(db)
    other = unit_actor(db.session, Role.KB_EDITOR, "HY-RSJ")
    with transaction(db.session):
        first = knowledge.edit_entry(db.session, other, entry.id, {"basis": "新依据"}, NOW)
        second = knowledge.edit_entry(db.session, other, entry.id, {"basis": "另一依据"}, NOW)
        knowledge.decide_edit_request(db.session, user(db.session, "reviewer"), first.id, True, NOW)
    with pytest.raises(Conflict):
        knowledge.decide_edit_request(db.session, user(db.session, "reviewer"), second.id, True, NOW)


def test_withdrawn_entries_leave_the_index(db, kb):
    entry = make_entry(db)
    with transaction(db.session):
        knowledge.change_status(db.session, owner(db), entry.id, "withdraw", NOW)
    assert entry.id not in [h.entry_id for h in kb_search.search(db.session, "夜间施工许可")]


# 2026 National Day: 10-01…07 off; 09-30, 10-08, 10-09, 10-10 (Sat, make-up) are working days; 10-11 is a Sunday.
# Uploaded Tue 09-29: the 7th working day after it is Wed 10-14 (09-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14).
@pytest.mark.parametrize(("effective", "late"), [(date(2026, 10, 12), True), (date(2026, 10, 14), True),
                                                 (date(2026, 10, 15), False)])
def test_the_seven_working_day_rule_skips_the_national_day(db, kb, effective, late):
    entry = make_entry(db, now=at("2026-09-29T16:00:00+08:00"), effective_date=effective.isoformat())
    assert entry.uploaded_late is late
    counted = knowledge.late_uploads(db.session, date(2026, 10, 1), date(2026, 10, 31))
    assert counted.get(entry.unit_id, 0) == (1 if late else 0)


def test_a_gap_report_full_path(db, kb):
    s = db.session
    zjj = unit(s, "HY-ZJJ")
    with transaction(s):
        t, _, _ = register(s, user(s, "agent"), {**CITIZEN, "ticket_type": "consult",
                                                 "content": "小区想装电动车充电桩，找谁申请？"}, at("2026-09-28T10:00:00+08:00"))
        assert kb_search.suggest(s, "电动车充电桩") == []  # no answer found
        gap = knowledge_flags.gap_from_ticket(s, user(s, "agent"), t.id, at("2026-09-28T10:05:00+08:00"),
                                        unit_id=zjj.id, category="城乡建设/老旧小区改造")
    # Flagged Mon 09-28: day 1 09-29, 2 09-30, 3 10-08, 4 10-09, 5 10-10 (make-up Saturday), 6 10-12.
    assert gap.unit_id == zjj.id and gap.kind == "gap"
    assert gap.warning_at == at("2026-10-10T00:00:00+08:00")
    assert gap.due_at == gap.yellow_at == at("2026-10-11T00:00:00+08:00")
    assert gap.red_at == at("2026-10-13T00:00:00+08:00")

    with transaction(s):
        assert knowledge_flags.kb_monitor_pass(s, at("2026-10-09T23:59:00+08:00")).notices == 0
        warned = knowledge_flags.kb_monitor_pass(s, at("2026-10-10T08:00:00+08:00"))
        again = knowledge_flags.kb_monitor_pass(s, at("2026-10-10T08:01:00+08:00"))
        late = knowledge_flags.kb_monitor_pass(s, at("2026-10-11T09:00:00+08:00"))
    assert warned.crossings["warning"] == 1 and again.flags == 0 and late.crossings["yellow"] == 1
    notices = s.scalars(select(Outbox).where(Outbox.template.like("kb_flag.%")).order_by(Outbox.id)).all()
    editor_phone = s.scalar(select(User.phone).where(User.username == "kb_editor"))
    assert notices[0].template == "kb_flag.warning" and "预警" in notices[0].text
    assert {n.recipient_role for n in notices if n.template == "kb_flag.yellow"} == {"receiver", "leader"}
    assert zjj.leader_phone in [n.recipient for n in notices]
    assert editor_phone in [n.recipient for n in notices if n.template == "kb_flag.warning"]
    assert s.get(KnowledgeFlag, gap.id).level == "yellow"
    actions = set(s.scalars(select(AuditLog.action).where(AuditLog.ticket_id == t.id)))
    assert {"kb_flag", "kb_flag_warning", "kb_flag_yellow"} <= actions

    with transaction(s):
        doc = knowledge_flags.print_correction_notice(s, user(s, "reviewer"), gap.id, at("2026-10-11T09:10:00+08:00"))
    doc = s.get(IssuedDocument, doc.id)
    assert doc.kind == "kb_correction_notice" and doc.pdf.startswith(b"%PDF") and doc.unit_id == zjj.id
    with pytest.raises(Conflict):
        knowledge_flags.print_correction_notice(s, user(s, "reviewer"), gap.id, at("2026-10-11T09:11:00+08:00"))

    with pytest.raises(Forbidden):
        knowledge_flags.fix_flag(s, unit_actor(s, Role.KB_EDITOR, "HY-RSJ"), gap.id, "x", at("2026-10-12T09:00:00+08:00"))
    with transaction(s):
        knowledge.create_entry(s, owner(db), {"title": "住宅小区电动车充电桩建设", "content": "<p>由业主向物业申请。</p>",
                                              "category": "城乡建设/老旧小区改造", "keywords": ["充电桩", "电动车"]},
                               at("2026-10-12T09:00:00+08:00"))
        fixed = knowledge_flags.fix_flag(s, owner(db), gap.id, "已补充条目", at("2026-10-12T09:30:00+08:00"))
    assert fixed.fixed_late is True and fixed.next_threshold_at is None
    with transaction(s):
        assert knowledge_flags.kb_monitor_pass(s, at("2026-10-20T09:00:00+08:00")).flags == 0  # cleared: no red card
    assert s.get(KnowledgeFlag, gap.id).level == "yellow"
    assert kb_search.suggest(s, "电动车充电桩")[0].title == "住宅小区电动车充电桩建设"


def test_only_the_office_flags(db, kb):
    with pytest.raises(Forbidden):
        knowledge_flags.flag(db.session, owner(db), kind="error", text="x", now=NOW, entry_id=kb["KB-JZZ"])
