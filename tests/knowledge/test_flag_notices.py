"""The knowledge-base fix clock's notices come from the configurable notice templates, like tickets' notices."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine.common.db import transaction
from engine.knowledge import flags as knowledge_flags
from engine.models import Outbox
from engine.notices import outbox as notify
from tests.support.helpers import user


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_flag_notices_use_the_configured_templates(db, kb):
    s = db.session
    templates = {**notify.DEFAULT_TEMPLATES,
                 "kb_flag.warning": "{office}提醒{unit}：{target}{problem}请于{due}前修正（{level}）"}
    notify.check_templates(templates)
    with transaction(s):
        row = knowledge_flags.flag(s, user(s, "reviewer"), kind="error", text="办理地址已变更",
                                   entry_id=kb["KB-YSBZ"], now=at("2026-11-25T10:00:00+08:00"))
    # Flagged Wed 11-25: the 5th working day is Wed 12-02, the warning comes a working day earlier.
    with transaction(s):
        done = knowledge_flags.kb_monitor_pass(s, at("2026-12-02T08:00:00+08:00"), office="河源12345",
                                               templates=templates)
    assert done.crossings["warning"] == 1 and done.notices >= 1
    texts = {o.text for o in s.scalars(select(Outbox).where(Outbox.dedupe_key.like(f"kb_flag:{row.id}:%")))}
    assert texts == {"河源12345提醒河源市住房和城乡建设局：条目“施工噪声与夜间施工规定”信息错误请于2026-12-03 00:00前修正（预警）"}
    # The levels nobody changed keep the default texts.
    with transaction(s):
        knowledge_flags.kb_monitor_pass(s, at("2026-12-03T08:00:00+08:00"), templates=templates)
    yellow = s.scalars(select(Outbox.text).where(Outbox.template == "kb_flag.yellow")).all()
    # …signed as every other message: the office's name on record, unless the deployment configures a signature.
    assert yellow and all(t.startswith(f"【{notify.sign(s)}】黄牌：知识库信息错误") for t in yellow)
    assert notify.sign(s) == "河源市12345政府服务热线办公室"


def test_a_flag_template_is_checked_against_its_own_placeholders():
    notify.check_templates({**notify.DEFAULT_TEMPLATES, "kb_flag.red": "{target}{problem}已超期，{unit}"})
    with pytest.raises(ValueError, match="kb_flag.red"):  # a ticket's placeholder means nothing for a flag
        notify.check_templates({**notify.DEFAULT_TEMPLATES, "kb_flag.red": "工单{number}"})
    with pytest.raises(ValueError, match="handling.red"):  # and a flag's nothing for a ticket
        notify.check_templates({**notify.DEFAULT_TEMPLATES, "handling.red": "{problem}"})
    with pytest.raises(ValueError, match="kb_flag.warning"):
        notify.check_templates({k: v for k, v in notify.DEFAULT_TEMPLATES.items() if k != "kb_flag.warning"})
