"""Sign-in, revealing a citizen's contact details, creating users, resetting a password, creating channel clients."""
from __future__ import annotations

from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, Length, Regexp, ValidationError

from engine.domain.privacy import MODE_LABELS
from engine.domain.roles import ROLE_LABELS, Role
from engine.domain.states import CHANNEL_LABELS

from .base import Choice, CommandForm, blank, check_phone, opt_int, options, text

ROLE_CHOICES = options((r.value, label) for r, label in ROLE_LABELS.items())


class LoginForm(CommandForm):
    username = text("用户名", 60, message="请填写用户名")
    password = PasswordField("密码", validators=[InputRequired("请填写密码")])

    def to_command(self) -> dict:
        return {"username": self.username.data, "password": self.password.data}


class PasswordForm(CommandForm):
    """修改密码: the old one, then the new one twice."""

    old = PasswordField("原密码", validators=[InputRequired("请填写原密码")])
    password = PasswordField("新密码", validators=[InputRequired("请设置新密码"),
                                                Length(min=8, max=128, message="密码长度须为8至128位")])
    confirm = PasswordField("确认新密码", validators=[EqualTo("password", message="两次输入的密码不一致")])

    def to_command(self) -> dict:
        return {"old": self.old.data, "password": self.password.data}


class RevealForm(CommandForm):
    """查看完整信息: the reason is logged with who, when and which ticket (Art. 26)."""

    reason = text("查看事由", 200, message="请填写查看诉求人完整信息的事由")

    def validate_reason(self, field):
        if len(field.data or "") < 4:
            raise ValidationError("事由至少4个字，请写明为何需要查看")

    def to_command(self) -> dict:
        return {"reason": self.reason.data}


class UserForm(CommandForm):
    """新建用户 with a role and a unit."""

    username = text("用户名", 60)
    display_name = text("姓名", 60)
    phone = text("手机号码", 40, required=False)
    role = Choice("角色", choices=[blank(), *ROLE_CHOICES], required="请选择角色")
    unit_id = Choice("所属单位", coerce=opt_int, choices=[blank("无（市领导等）")])
    password = PasswordField("初始密码", validators=[InputRequired("请设置初始密码"),
                                                 Length(min=8, max=128, message="密码长度须为8至128位")])
    confirm = PasswordField("确认密码", validators=[EqualTo("password", message="两次输入的密码不一致")])

    def validate_phone(self, field):
        if field.data:  # 预警/黄牌 SMS go to it (Art. 17)
            check_phone(field, mobile_only=True)

    def validate_username(self, field):
        Regexp(r"^[A-Za-z0-9_.-]{3,60}$", message="用户名须为3至60位字母、数字、点、下划线或连字符")(self, field)

    def to_command(self) -> dict:
        return {"username": self.username.data, "display_name": self.display_name.data,
                "phone": self.phone.data or None, "role": self.role.data, "unit_id": self.unit_id.data,
                "password": self.password.data}


class ResetPasswordForm(CommandForm):
    """重置密码: the administrator sets the new password, by the rule of 新建用户."""

    password = PasswordField("新密码", validators=[InputRequired("请设置新密码"),
                                                Length(min=8, max=128, message="密码长度须为8至128位")])
    confirm = PasswordField("确认新密码", validators=[EqualTo("password", message="两次输入的密码不一致")])

    def to_command(self) -> dict:
        return {"password": self.password.data}


class ApiClientForm(CommandForm):
    """新建接口客户端: a name and the channel its tickets are filed under."""

    name = text("客户端名称", 80, message="请填写客户端名称")
    channel = Choice("渠道", choices=[blank(), *options((c.value, label) for c, label in CHANNEL_LABELS.items())],
                     required="请选择渠道")

    def to_command(self) -> dict:
        return {"name": self.name.data, "channel": self.channel.data}


class PrivacyForm(CommandForm):
    """诉求人信息查看规则: for each role, when it sees a citizen's name and phone (DOMAIN.md §10)."""

    def set_policy(self, policy: dict[str, str]) -> None:
        """Pre-select the policy in force (on a first visit, not over what was submitted)."""
        for role, mode in policy.items():
            field = self._fields.get(f"mode_{role}")
            if field is not None and not field.raw_data:
                field.data = mode

    def rows(self):
        return [(role, self[f"mode_{role.value}"]) for role in Role]

    def to_command(self) -> dict:
        return {role.value: self[f"mode_{role.value}"].data for role in Role}


for _role in Role:
    setattr(PrivacyForm, f"mode_{_role.value}",
            Choice(ROLE_LABELS[_role], choices=options(MODE_LABELS.items()), required="请选择查看方式"))
