"""`flask documents kinds` and `flask documents specimen KIND OUT.pdf`."""
from __future__ import annotations

import io

import pypdf

from documents import KINDS

from .conftest import pdf_text


def test_kinds_lists_code_title_abbreviation_and_required_facts(app):
    result = app.test_cli_runner().invoke(args=["documents", "kinds"])
    assert result.exit_code == 0, result.output
    for kind in KINDS:
        assert kind.code in result.output and kind.title in result.output
        assert f"文号简称：{kind.abbr}" in result.output
    assert "必备事实：number, date, addressee, ticket_no" in result.output
    assert "河热线督〔2026〕1号" in result.output


def test_specimen_renders_an_a4_pdf(app, tmp_path):
    out = tmp_path / "督办通知单.pdf"
    result = app.test_cli_runner().invoke(args=["documents", "specimen", "supervision_notice", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert "督办通知单" in pdf_text(pdf) and "已生成督办通知单样张" in result.output


def test_specimen_accepts_the_chinese_title(app, tmp_path):
    out = tmp_path / "x.pdf"
    result = app.test_cli_runner().invoke(args=["documents", "specimen", "工单办理单", str(out)])
    assert result.exit_code == 0 and "工单办理单" in pdf_text(out.read_bytes())


def test_specimen_of_an_unknown_kind_fails_clearly(app, tmp_path):
    out = tmp_path / "x.pdf"
    result = app.test_cli_runner().invoke(args=["documents", "specimen", "love_letter", str(out)])
    assert result.exit_code != 0
    assert "未知的公文种类“love_letter”" in result.output and "督办通知单（supervision_notice）" in result.output
    assert not out.exists()
