"""The public's forms: submit a 诉求 online, track it by number and query code, evaluate it online."""
from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import Regexp

from ..base import Choice, CommandForm, blank, check_phone, strip, text
from .intake import TYPE_CHOICES
from .office import RatingsForm


class CitizenSubmitForm(CommandForm):
    """网上提交诉求 (channel 网站)."""

    citizen_name = text("您的姓名", 60, message="请填写您的姓名")
    citizen_phone = text("联系电话", 40, message="请填写联系电话")
    ticket_type = Choice("诉求类型", choices=[blank(), *TYPE_CHOICES], required="请选择诉求类型")
    address = text("事发地址或地点", 255, required=False)
    content = text("诉求内容", 5000, area=True, message="请写明您的诉求内容")

    def validate_citizen_phone(self, field):
        check_phone(field)

    def to_command(self) -> dict:
        return {"channel": "web", "citizen_name": self.citizen_name.data, "citizen_phone": self.citizen_phone.data,
                "ticket_type": self.ticket_type.data, "address": self.address.data or None,
                "content": self.content.data}


class TrackForm(CommandForm):
    """查询办理进度: ticket number and the 6-digit query code given at registration."""

    number = text("工单编号", 32, message="请填写工单编号")
    code = text("查询码", 6, message="请填写6位查询码")

    def validate_code(self, field):
        Regexp(r"^\d{6}$", message="查询码为6位数字")(self, field)

    def to_command(self) -> dict:
        return {"number": self.number.data, "code": self.code.data}


class CitizenEvaluateForm(RatingsForm):
    """网上评价: the citizen rates the intake and the handling; the number and code prove who they are."""

    number = HiddenField(filters=[strip])
    code = HiddenField(filters=[strip])

    def to_command(self) -> dict:
        return self.ratings_command()
