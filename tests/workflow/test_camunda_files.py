"""Diagrams that come from Camunda Modeler: every process of every file is checked in one pass, and each Camunda
engine feature is named in Chinese on its element (errors for what cannot run, warnings for what does nothing)."""
from __future__ import annotations

from pathlib import Path

from engine.process.deploy import validate_draft

from .chinese import assert_chinese
from .variants import files

INVOICE = (Path(__file__).parent / "fixtures" / "camunda_invoice.bpmn").read_bytes()


def by_element(problems):
    out = {}
    for p in problems:
        assert_chinese(p.message)
        out.setdefault(p.element, []).append(p)
    return out


def test_a_camunda_example_beside_the_live_diagrams_is_never_passed():
    problems = validate_draft({**files(), "invoice.bpmn": INVOICE})
    assert any(p.is_error for p in problems)
    found = by_element(problems)
    process = found["invoice"][0]
    assert process.is_error and process.kind == "process"
    assert_chinese(process.message, "「发票审批」（invoice）不在本平台运行", "「工单主流程」（hotline_ticket）")
    # its content is checked too, all in one pass
    assert {"start_invoice", "assign_approver", "approve", "archive_invoice", "log_rejection", "wait_weekly",
            "Flow_yes", "Flow_no"} <= set(found)
    assert not any(p.file == "hotline.bpmn" for p in problems)


def test_each_camunda_feature_is_named_in_chinese():
    found = by_element(validate_draft({"invoice.bpmn": INVOICE}))
    text = {k: " ".join(p.message for p in v) for k, v in found.items()}
    assert "消息开始事件" in text["start_invoice"] and "「收到发票」（start_invoice）" in text["start_invoice"]
    assert "业务规则任务" in text["assign_approver"] and "DMN" in text["assign_approver"]
    assert "Java 类 org.camunda.bpm.example.invoice.service.ArchiveInvoiceService" in text["archive_invoice"]
    assert "groovy" in text["log_rejection"] and "只运行 Python 脚本" in text["log_rejection"]
    assert "循环定时器" in text["wait_weekly"]
    assert "Camunda 的表达式语言" in text["Flow_no"] and "not approved and amount > 1000" in text["Flow_no"]
    approve = {p.kind: p for p in found["approve"]}
    assert approve["lane"].is_error and "「Team Assistant」" in approve["lane"].message
    warnings = [p for p in found["approve"] if not p.is_error]
    said = " ".join(p.message for p in warnings)
    for feature in ("候选组 accounting", "到期时间", "任务监听器", "异步延续", "输入/输出映射"):
        assert feature in said, feature
    assert all("不生效" in p.message for p in warnings)
    assert "没有「工单主流程」（hotline_ticket）" in " ".join(p.message for p in found["hotline_ticket"])


def test_warnings_alone_do_not_stop_a_deployment():
    hotline = files()["hotline.bpmn"].decode().replace(
        '<bpmn:userTask id="review" name="审核答复" camunda:formKey="review">',
        '<bpmn:userTask id="review" name="审核答复" camunda:formKey="review" camunda:candidateGroups="office">', 1)
    problems = validate_draft(files(hotline))
    assert problems and not any(p.is_error for p in problems)
    assert_chinese(problems[0].message, "「审核答复」（review）", "候选组 office", "「审核员」泳道")
