"""Render every kind of formal document and check what a reader, an archivist and an attacker would check."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from pathlib import Path

import pypdf
import pytest

from documents import (
    KINDS,
    DocumentError,
    chinese_date,
    format_number,
    get_kind,
    render_batch,
    render_html,
    render_pdf,
    specimen_context,
)
from documents import fonts as fonts_module
from documents import pdf as pdf_module
from documents import render as render_module

KIND_CODES = [kind.code for kind in KINDS]
A4_POINTS = (595.28, 841.89)
PACKAGE_DIR = Path(render_module.__file__).parent


def squash(text: str) -> str:
    """Drop all whitespace: pypdf breaks CJK lines wherever the layout wrapped them."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return squash("".join(page.extract_text() for page in reader.pages))


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def specimens() -> dict[str, bytes]:
    return {code: render_pdf(code, specimen_context(code)) for code in KIND_CODES}


# --- Kinds, numbers, dates ----------------------------------------------------------------------------------------

def test_the_kinds_of_domain_section_11():
    expected = {
        "refusal_notice": ("不予受理告知书", "不"),
        "return_explanation": ("退回说明", "退"),
        "extension_form": ("延期申请审批单", "延"),
        "supervision_notice": ("督办通知单", "督"),
        "written_explanation": ("书面说明", "说"),
        "redo_notice": ("重办通知", "重"),
        "joint_review_minutes": ("联合审定纪要", "审"),
        "proposed_opinion": ("拟办意见", "拟"),
        "accountability_proposal": ("责任追究建议书", "责"),
        "ticket_record": ("工单办理单", "单"),
        "kb_correction_notice": ("知识库纠错通知", "纠"),
        "work_brief": ("工作简报", "简"),
        "assessment_bulletin": ("考核通报", "考"),
        "special_report": ("专报", "专"),
        "police_referral": ("移送函", "移"),  # Art. 27: a malicious caller referred to public security
    }
    assert {kind.code: (kind.title, kind.abbr) for kind in KINDS} == expected
    for kind in KINDS:
        assert (PACKAGE_DIR / "templates" / kind.template).is_file()
        assert {"number", "date"} <= set(kind.missing({}))


def test_format_number():
    assert format_number("河热线", "督", 2026, 12) == "河热线督〔2026〕12号"
    assert format_number("源热线", get_kind("work_brief").abbr, 2027, 1) == "源热线简〔2027〕1号"
    for year, seq in ((2026, 0), (26, 1), (2026, "3")):
        with pytest.raises(DocumentError):
            format_number("河热线", "督", year, seq)


@pytest.mark.parametrize(("value", "expected"), [
    (dt.date(2026, 11, 25), "二〇二六年十一月二十五日"),
    (dt.date(2026, 1, 1), "二〇二六年一月一日"),
    (dt.date(2030, 10, 10), "二〇三〇年十月十日"),
    (dt.date(2026, 2, 20), "二〇二六年二月二十日"),
    (dt.date(2026, 12, 31), "二〇二六年十二月三十一日"),
    (dt.date(2009, 7, 19), "二〇〇九年七月十九日"),
    (dt.datetime(2026, 11, 25, 23, 59), "二〇二六年十一月二十五日"),
    ("2026-03-08", "二〇二六年三月八日"),
])
def test_chinese_date(value, expected):
    assert chinese_date(value) == expected


def test_chinese_date_refuses_what_is_not_a_date():
    for value in ("next Monday", None, 20261125):
        with pytest.raises(DocumentError):
            chinese_date(value)


def test_deadline_at_midnight_reads_as_24_hours_of_the_day_before():
    assert render_module.format_deadline(dt.datetime(2026, 12, 23)) == "2026年12月22日（星期二）24时"
    assert render_module.format_deadline(dt.date(2026, 12, 22)) == "2026年12月22日（星期二）"
    assert render_module.format_when(dt.datetime(2026, 11, 25, 9, 5)) == "2026年11月25日 09:05"


# --- Every specimen ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", KIND_CODES)
def test_specimen_prints_the_facts_it_rests_on(code, specimens):
    context = specimen_context(code)
    text = pdf_text(specimens[code])
    facts = [context["number"], chinese_date(context["date"]), get_kind(code).title, "河源市12345政府服务热线办公室"]
    facts += [context[key] for key in ("ticket_no", "unit", "addressee", "lead_unit", "period") if key in context]
    for fact in facts:
        assert squash(str(fact)) in text, f"{code}: {fact!r} missing from the PDF text"
    assert "—1—" in text, "page numbers are printed as — 1 —"


@pytest.mark.parametrize("code", KIND_CODES)
def test_specimen_is_a4_with_the_cjk_font_embedded(code, specimens):
    reader = pypdf.PdfReader(io.BytesIO(specimens[code]))
    names = set()
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(A4_POINTS[0], abs=1)
        assert float(box.height) == pytest.approx(A4_POINTS[1], abs=1)
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            names.add(str(font["/BaseFont"]))
    assert names and all("Noto" in name and "CJK" in name for name in names), names


def test_specimens_embed_only_the_compact_faces(specimens):
    """Two faces, both the compact GB 2312 copies: the fast path (see documents/fonts.py) is really taken."""
    for code, pdf in specimens.items():
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        names = {str(font.get_object()["/BaseFont"]).split("+", 1)[1]
                 for page in reader.pages for font in page["/Resources"]["/Font"].values()}
        assert names <= {"Noto-Serif-CJK-SC-GB2312", "Noto-Serif-CJK-SC-GB2312-Bold"}, (code, names)


def test_compact_faces_cover_every_character_of_the_templates():
    covered = set(fonts_module.coverage())
    text = "".join(path.read_text(encoding="utf-8") for path in (PACKAGE_DIR / "templates").glob("*.html"))
    text += "〇一二三四五六七八九十" + "".join(kind.title + kind.abbr for kind in KINDS) + "〔〕—★"
    assert {char for char in text if ord(char) >= 0x80 and ord(char) not in covered} == set()


def test_rare_characters_fall_back_to_the_installed_face():
    context = specimen_context("refusal_notice") | {"addressee": "李喆堃女士"}
    pdf = render_pdf("refusal_notice", context)
    assert "李喆堃女士" in pdf_text(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert any(name.endswith("+Noto-Serif-CJK-SC") for name in names), names


def test_without_compact_faces_the_installed_ones_are_used(monkeypatch):
    monkeypatch.setattr(pdf_module, "_resources", None)
    monkeypatch.setattr(fonts_module, "compact_faces", lambda: ("", {}))
    pdf = render_pdf("kb_correction_notice", specimen_context("kb_correction_notice"))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = {str(font.get_object()["/BaseFont"]).split("+", 1)[1]
             for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert names == {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"}
    assert squash(specimen_context("kb_correction_notice")["entry_title"]) in pdf_text(pdf)


def test_specimen_facts_cover_table_content(specimens):
    text = pdf_text(specimens["ticket_record"])
    for step in specimen_context("ticket_record")["timeline"]:
        assert squash(step["action"]) in text
    assert "暂定" in text, "a deadline in a year without holiday data is marked provisional"
    bulletin = pdf_text(specimens["assessment_bulletin"])
    assert "广东电网有限责任公司河源供电局" in bulletin


def test_same_context_renders_the_same_text():
    context = specimen_context("redo_notice")
    assert pdf_text(render_pdf("redo_notice", context)) == pdf_text(render_pdf("redo_notice", context))


def test_office_and_city_can_be_overridden():
    context = specimen_context("kb_correction_notice") | {
        "office_name": "东源县12345政府服务热线办公室", "measures": "《东源县12345政府服务热线管理办法》"}
    text = pdf_text(render_pdf("kb_correction_notice", context))
    assert "东源县12345政府服务热线办公室" in text and "《东源县12345政府服务热线管理办法》第二十五条" in text


# --- Refusals ------------------------------------------------------------------------------------------------------

def test_unknown_kind():
    with pytest.raises(DocumentError, match="unknown document kind 'memo'"):
        render_pdf("memo", {"number": "x", "date": dt.date(2026, 1, 5)})
    with pytest.raises(DocumentError):
        specimen_context("memo")


def test_missing_facts_are_named():
    context = specimen_context("supervision_notice")
    del context["ticket_no"]
    context["contact"] = ""
    context["deadline"] = None
    with pytest.raises(DocumentError) as error:
        render_pdf("supervision_notice", context)
    message = str(error.value)
    assert message.startswith("supervision_notice: missing required context keys:")
    for key in ("ticket_no", "contact", "deadline"):
        assert key in message


@pytest.mark.parametrize(("code", "changes", "missing"), [
    ("supervision_notice", {"reason_code": "leader_instruction"}, "instruction, instructed_by"),
    ("extension_form", {"decision": "denied"}, "decision_reason"),
    ("extension_form", {"decision": "approved", "new_deadline": None}, "new_deadline"),
    ("joint_review_minutes", {"lead_unit": None}, "lead_unit"),
    ("refusal_notice", {"reason_code": 8}, "earlier_ticket_no"),
])
def test_facts_required_by_a_coded_value(code, changes, missing):
    with pytest.raises(DocumentError, match=missing):
        render_pdf(code, specimen_context(code) | changes)


@pytest.mark.parametrize(("code", "key", "value"), [
    ("supervision_notice", "reason_code", "boss_said_so"),
    ("accountability_proposal", "situation_code", 11),
    ("refusal_notice", "reason_code", "5"),
    ("extension_form", "decision", "同意"),
])
def test_unknown_codes_are_refused(code, key, value):
    with pytest.raises(DocumentError, match=key):
        render_pdf(code, specimen_context(code) | {key: value})


def test_leader_instruction_prints_who_instructed():
    context = specimen_context("supervision_notice") | {
        "reason_code": "leader_instruction", "instruction": "请住建局三日内解决夜间施工扰民问题。",
        "instructed_by": "市政府副市长", "instructed_at": dt.datetime(2026, 12, 17, 15, 30)}
    text = pdf_text(render_pdf("supervision_notice", context))
    assert "领导批示" in text and "市政府副市长于2026年12月17日15时30分批示" in text


# --- Hostile input -------------------------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=file:///etc/hostname>",
    "</style><style>body{display:none}</style>",
    '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
    "{{ 7*7 }}",
]


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Record every URL WeasyPrint asks the fetcher for."""
    urls: list[str] = []
    original = pdf_module.DataOnlyFetcher.fetch

    def spy(self, url, headers=None):
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf_module.DataOnlyFetcher, "fetch", spy)
    return urls


def test_markup_in_a_complaint_prints_as_literal_text(fetched):
    context = specimen_context("supervision_notice")
    context["content_summary"] = "诉求人反映：" + " ".join(PAYLOADS)
    context["addressee"] = "<b>源城区住房和城乡建设局</b>"
    html = render_html("supervision_notice", context)
    assert "<script>" not in html and "<img src=file" not in html and "</style><style>" not in html
    assert "&lt;script&gt;" in html

    text = pdf_text(render_pdf("supervision_notice", context))
    for payload in PAYLOADS:
        assert squash(payload) in text
    assert "<b>源城区住房和城乡建设局</b>" in text
    assert "督办通知单" in text, "an injected stylesheet must not hide the body"
    assert fetched == [], "nothing may be fetched on behalf of context text"
    hostname = Path("/etc/hostname")
    if hostname.exists() and len(hostname.read_text().strip()) >= 4:
        assert squash(hostname.read_text()) not in text


def test_fetcher_refuses_everything_but_data_uris():
    fetcher = pdf_module.DataOnlyFetcher()
    for url in ("file:///etc/hostname", "FILE:///etc/passwd", "http://127.0.0.1/", "https://example.org/x.png",
                "ftp://example.org/x", "/etc/hostname", " file:///etc/hostname"):
        with pytest.raises(pdf_module.RefusedURLError):
            fetcher.fetch(url)
    response = fetcher.fetch("data:text/plain;base64," + base64.b64encode(b"ok").decode())
    assert response.read() == b"ok"


@pytest.mark.parametrize("src", [
    "file:///etc/hostname",
    "https://example.org/chart.png",
    "data:text/html;base64,PGgxPng8L2gxPg==",
    "data:image/png;base64,***not base64***",
])
def test_chart_images_must_be_inline_png_or_svg(src):
    context = specimen_context("work_brief") | {"charts": [{"title": "图", "src": src}]}
    with pytest.raises(DocumentError, match="charts"):
        render_pdf("work_brief", context)


def test_svg_chart_cannot_reach_the_file_system(fetched):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" ' \
          b'height="10"><image xlink:href="file:///etc/hostname" width="10" height="10"/></svg>'
    src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    context = specimen_context("work_brief") | {"charts": [{"title": "图", "src": src}]}
    with pytest.raises(DocumentError, match="refused"):
        render_pdf("work_brief", context)
    assert "file:///etc/hostname" in fetched


# --- Batches -------------------------------------------------------------------------------------------------------

def test_batch_keeps_every_page_and_reports_progress(specimens):
    codes = ["refusal_notice", "supervision_notice", "ticket_record"]
    calls = []
    pdf = render_batch([(code, specimen_context(code)) for code in codes], progress=lambda *call: calls.append(call))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert page_count(pdf) == sum(page_count(specimens[code]) for code in codes)
    text = pdf_text(pdf)
    assert text.count("—1—") == len(codes), "each document numbers its own pages"
    for code in codes:
        assert squash(specimen_context(code)["number"]) in text


def test_batch_refuses_empty_input_and_stops_at_a_bad_document():
    with pytest.raises(DocumentError):
        render_batch([])
    calls = []
    with pytest.raises(DocumentError, match="ticket_no"):
        render_batch([("redo_notice", specimen_context("redo_notice")), ("redo_notice", {"number": "x"})],
                     progress=lambda *call: calls.append(call))
    assert calls == [(1, 2)]
