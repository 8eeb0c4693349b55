"""The workbench services without the web: file names and sizes of drafts, and every English rule-set error
turned into Chinese with its field path."""
from __future__ import annotations

import copy

import pytest

from engine.common.errors import Invalid
from engine.domain.timelimits import HEYUAN_DEFAULT, RuleSet
from engine.process.drafts import check_files, clean_file_name, rules_error_zh, rules_fields, rules_from_fields
from engine.workflow.safexml import MAX_BYTES

BASE = HEYUAN_DEFAULT.to_dict()


@pytest.mark.parametrize("raw, clean", [
    ("hotline.bpmn", "hotline.bpmn"), ("/home/po/hotline.bpmn", "hotline.bpmn"),
    ("C:\\Users\\po\\joint_review.BPMN", "joint_review.bpmn"), ("热线 流程.bpmn", "热线 流程.bpmn"),
    ("a;rm -rf.bpmn", "a_rm -rf.bpmn"), ("<x>.bpmn", "_x_.bpmn"),
])
def test_file_names_are_reduced_to_a_safe_base_name(raw, clean):
    assert clean_file_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "notes.txt", ".bpmn", "../..", "..bpmn"])
def test_names_that_are_not_bpmn_files_are_refused(raw):
    with pytest.raises(Invalid):
        clean_file_name(raw)


def test_files_are_checked_for_size_and_encoding_without_parsing():
    assert check_files({"a.bpmn": b"<not even xml"}) == {"a.bpmn": "<not even xml"}  # parsing is the engine's job
    for files, says in [({"a.bpmn": b"x" * (MAX_BYTES + 1)}, "文件 a.bpmn 超过 2 MB 上限"),
                        ({"a.bpmn": "流程".encode("gbk")}, "文件 a.bpmn 不是 UTF-8 编码的文本"),
                        ({}, "草稿至少要包含一个流程图文件")]:
        with pytest.raises(Invalid) as err:
            check_files(files)
        assert err.value.message_zh == says


def mutate(path: str, value):
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[p]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize("path, value, expected", [
    ("types.complaint.limit", "10", "「投诉·办理时限」（types.complaint.limit）须为整数个工作日，当前为 '10'"),
    ("types.consult.limit", 0, "「咨询·办理时限」（types.consult.limit）须在 1 至 366 个工作日之间，当前为 0"),
    ("acceptance", [], "「签收监控」（acceptance）须为 JSON 对象，当前为 list"),
    ("types.report.red_after", KeyError, "「举报」（types.report）缺少字段：red_after"),
    ("types.extra", {}, "「各类型时限」（types）含有未知字段：extra"),
    ("colour", 1, "规则含有未知字段：colour"),
    ("acceptance.yellow_after", 1, "「签收监控」（acceptance）的预警、黄牌、红牌天数须依次递增"),
    ("types.economic.limit", 29, "「经济违法」（types.economic）的预警须早于办理时限"),
    ("types.help.max_extension", 4, "「求助·最长延期」（types.help.max_extension）不得超过该类型的办理时限 3 个工作日"),
    ("schema", 2, "「格式版本」（schema）须为 1，当前为 2"),
    ("dispatch_several_units", 1, None),  # equal to dispatch: allowed
    ("dispatch", 3, "「多单位派单时限」（dispatch_several_units）（2）不得短于「派单时限」（dispatch，3）"),
])
def test_every_rule_set_error_is_chinese_with_its_field(path, value, expected):
    data = mutate(path, value)
    if expected is None:
        RuleSet.from_dict(data)
        return
    with pytest.raises(ValueError) as err:
        RuleSet.from_dict(data)
    message, field = rules_error_zh(str(err.value))
    assert message.startswith(expected), message
    assert not message.startswith("时限规则不合法") and field


def test_an_unknown_message_still_reads_as_a_refusal():
    assert rules_error_zh("something new") == ("时限规则不合法：something new", None)


def test_the_table_form_round_trips():
    fields = {k: str(v) for k, v in rules_fields(BASE).items()}
    data, errors = rules_from_fields(fields)
    assert errors == {} and RuleSet.from_dict(data) == HEYUAN_DEFAULT
    data, errors = rules_from_fields({**fields, "dispatch": "一"})
    assert errors == {"dispatch": "「派单时限」（dispatch）须填写整数个工作日"}
