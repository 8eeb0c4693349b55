"""The process owner's command line: validate prints file/line/element and exits non-zero when invalid."""
from __future__ import annotations

import re

from engine.models import ProcessVersion
from tests.workflow.variants import HOTLINE, JOINT, replace, with_leader_approval


def write(tmp_path, hotline: str) -> list[str]:
    (tmp_path / "hotline.bpmn").write_text(hotline, encoding="utf-8")
    (tmp_path / "joint_review.bpmn").write_text(JOINT, encoding="utf-8")
    return [str(tmp_path / "hotline.bpmn"), str(tmp_path / "joint_review.bpmn")]


def test_validate_good_and_bad(app, db, tmp_path):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["bpmn", "validate", *write(tmp_path, HOTLINE)])
    assert ok.exit_code == 0 and "路径 正常办结（happy）：通过  受理审查 → 派单" in ok.output
    assert ok.output.strip().endswith("校验通过")
    bad = runner.invoke(args=["bpmn", "validate", *write(tmp_path, replace(HOTLINE, 'review_decision == "back"',
                                                                           'review_decision === "back"'))])
    assert bad.exit_code == 1
    assert "hotline.bpmn:" in bad.output and "[Flow_sent_back] 错误：" in bad.output
    assert "顺序流「退回修改」（Flow_sent_back）的条件" in bad.output and "不能部署" in bad.output


def test_deploy_versions_diff_activate_migrate(app, db, tmp_path):
    runner = app.test_cli_runner()
    before = db.session.query(ProcessVersion).filter_by(active=True, process_id="hotline_ticket").one()
    try:
        out = runner.invoke(args=["bpmn", "deploy", *write(tmp_path, with_leader_approval()), "--author", "po",
                                  "--note", "领导审批"])
        assert out.exit_code == 0, out.output
        new_version = int(re.search(r"已部署版本 (\d+)", out.output).group(1))
        listing = runner.invoke(args=["bpmn", "versions"]).output
        assert f"* v{new_version}" in listing and "领导审批" in listing
        # Beijing time with its zone, as on the pages: the clock is frozen at 10:00 in Asia/Shanghai
        assert re.search(rf"\* v{new_version} +2026-11-25 10:00 \+08:00", listing), listing
        diff = runner.invoke(args=["bpmn", "diff", str(before.version), str(new_version)]).output
        assert '"element": "leader_approval"' in diff and '"label": "「领导审批」（leader_approval）"' in diff
        mig = runner.invoke(args=["bpmn", "migrate", "--to", str(new_version), "--dry-run"])
        assert mig.exit_code == 0 and '"dry_run": true' in mig.output
    finally:
        assert runner.invoke(args=["bpmn", "activate", str(before.version)]).exit_code == 0


def test_supervision_process_is_validated_dry_run_and_deployed_on_its_own(app, db, tmp_path):
    from tests.workflow.variants import ROOT

    runner = app.test_cli_runner()
    sup = (ROOT / "bpmn" / "supervision.bpmn").read_text(encoding="utf-8")
    good, bad = tmp_path / "supervision.bpmn", tmp_path / "broken" / "supervision.bpmn"
    good.write_text(sup.replace('name="督办审核"', 'name="督办审核（督办员）"'), encoding="utf-8")
    bad.parent.mkdir()
    bad.write_text(sup.replace('check_decision == "back"', 'check_decision == "accept"'), encoding="utf-8")
    ok = runner.invoke(args=["bpmn", "validate", "--process", "supervision", str(good)])
    assert ok.exit_code == 0 and "sup_back" in ok.output, ok.output
    broken = runner.invoke(args=["bpmn", "validate", "--process", "supervision", str(bad)])
    assert broken.exit_code == 1 and "督办答复退回后合格（sup_back）：未通过" in broken.output
    before = db.session.query(ProcessVersion).filter_by(active=True, process_id="supervision").one()
    try:
        out = runner.invoke(args=["bpmn", "deploy", "--process", "supervision", str(good), "--author", "po"])
        assert out.exit_code == 0, out.output
        listing = runner.invoke(args=["bpmn", "versions", "--process", "supervision"]).output
        assert f"* v{before.version + 1}" in listing
        main = db.session.query(ProcessVersion).filter_by(active=True, process_id="hotline_ticket").one()
        assert main.files.keys() == {"hotline.bpmn", "joint_review.bpmn"}  # the main process is untouched
    finally:
        assert runner.invoke(args=["bpmn", "activate", "--process", "supervision", str(before.version)]).exit_code == 0
