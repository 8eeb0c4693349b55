"""Administration: users (list, create with role and unit, 停用/启用, 重置密码), channel clients (接口客户端: list,
create showing the token once, revoke), the unit tree (read-only) and the office's rule on who sees a citizen's name
and phone (诉求人信息查看规则). Every change to an account is audited (``engine.common.accounts``)."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.common import Forbidden, Invalid, ServiceError, accounts, throttle, transaction
from engine.domain.roles import OFFICE_ROLES, Role, UnitKind
from engine.models import Unit, User
from engine.tickets import pages, privacy
from forms import ApiClientForm, ConfirmForm, PrivacyForm, ResetPasswordForm, UserForm
from forms.base import options

from ..common import PII_LOG_ROLES, actor, roles_required
from ..extensions import db
from ..security import hash_password, hash_token, new_channel_token, now

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger("hotline.accounts")


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    return render_template("accounts/users.html", users=pages.users(db.session), form=ConfirmForm(),
                           me=actor().user_id)


@bp.get("/units")
@roles_required(Role.ADMIN)
def units():
    return render_template("accounts/units.html", units=pages.all_units(db.session))


@bp.get("/locks")
@roles_required(Role.ADMIN)
def locks():
    """登录锁定: the sign-in names locked now, from which address, until when; the office can lift a lock."""
    return render_template("accounts/locks.html", locks=throttle.locked(db.session, now()),
                           form=ConfirmForm())


@bp.post("/locks/unlock")
@roles_required(Role.ADMIN)
def unlock():
    form = ConfirmForm()
    account = request.form.get("account", "")
    if form.validate_on_submit() and account:
        with transaction(db.session):
            lifted = throttle.unlock_account(db.session, account)
        log.info("%s lifted %s sign-in lock(s) of %r", actor().label, lifted, account)
        flash(f"已解除账号 {account} 的登录锁定" if lifted else f"账号 {account} 当前没有登录锁定", "ok")
    return redirect(url_for("admin.locks"))


def _unit_problem(role: Role, unit: Unit | None) -> str | None:
    """Which unit a role belongs to: unit staff to a handling unit, a county dispatcher to a county office."""
    if role.is_unit and (unit is None or UnitKind(unit.kind) in (UnitKind.CITY_OFFICE, UnitKind.COUNTY_OFFICE)):
        return "承办单位人员须选择所属的承办单位"
    if role == Role.COUNTY_DISPATCHER and (unit is None or unit.kind != UnitKind.COUNTY_OFFICE.value):
        return "县级热线办人员须选择所属的县（区）热线办"
    if role in OFFICE_ROLES and role != Role.CITY_LEADER and unit is not None \
            and unit.kind != UnitKind.CITY_OFFICE.value:
        return "市热线办人员只能属于市热线办"
    return None


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = UserForm()
    form.unit_id.choices = [form.unit_id.choices[0], *options((u["id"], u["name"]) for u in
                                                              pages.all_units(db.session, active_only=True))]
    if form.validate_on_submit():
        data = form.to_command()
        unit = db.session.get(Unit, data["unit_id"]) if data["unit_id"] else None
        problem = _unit_problem(Role(data["role"]), unit)
        if problem:
            form.unit_id.errors = [*form.unit_id.errors, problem]
        elif db.session.scalar(select(User.id).where(User.username == data["username"])):
            form.username.errors = [*form.username.errors, "该用户名已被使用"]
        else:
            with transaction(db.session):
                user = User(username=data["username"], password_hash=hash_password(data["password"]),
                            display_name=data["display_name"], phone=data["phone"], role=data["role"],
                            unit_id=unit.id if unit else None, created_at=now())
                db.session.add(user)
                accounts.user_created(db.session, actor(), user, now())
            flash(f"用户 {data['username']} 已创建", "ok")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors else 200
    return render_template("accounts/user_new.html", form=form), status


@bp.route("/users/<username>/deactivate", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def deactivate_user(username):
    """停用: a page asks to confirm; the POST switches the account off and signs it out everywhere at once."""
    return _switch(username, active=False)


@bp.route("/users/<username>/activate", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def activate_user(username):
    return _switch(username, active=True)


def _switch(username: str, *, active: bool):
    user = accounts.find_user(db.session, username)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            with transaction(db.session):
                changed = accounts.set_active(db.session, actor(), user, active, now())
        except Invalid as exc:
            flash(exc.message_zh, "error")
            return redirect(url_for("admin.users"))
        log.info("%s %s user %r", actor().label, "activated" if active else "deactivated", username)
        word = "启用" if active else "停用"
        flash(f"用户 {username} 已{word}" if changed else f"用户 {username} 原已{word}，未作改动", "ok")
        return redirect(url_for("admin.users"))
    if not active and user.id == actor().user_id:
        flash("不能停用自己的账号", "error")
        return redirect(url_for("admin.users"))
    return render_template("accounts/user_switch.html", user=user, active=active, form=form)


@bp.route("/users/<username>/password", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def reset_password(username):
    """重置密码: the administrator sets a new one (rules of 新建用户); the user's sessions and tokens are void."""
    user = accounts.find_user(db.session, username)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with transaction(db.session):
            accounts.reset_password(db.session, actor(), user, hash_password(form.to_command()["password"]), now())
        log.info("%s reset the password of %r", actor().label, username)
        flash(f"用户 {username} 的密码已重置，其已登录的会话和接口令牌均已失效", "ok")
        return redirect(url_for("admin.users"))
    return render_template("accounts/user_password.html", user=user, form=form), 400 if form.errors else 200


@bp.get("/api-clients")
@roles_required(Role.ADMIN)
def api_clients():
    """接口客户端: the channel integrations, whether each still works; never a token."""
    return render_template("accounts/api_clients.html", clients=accounts.clients(db.session), form=ConfirmForm())


@bp.route("/api-clients/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_api_client():
    """新建接口客户端, as ``create-api-client``: the token is shown on this answer only, never again."""
    form = ApiClientForm()
    if form.validate_on_submit():
        data = form.to_command()
        token = new_channel_token()
        try:
            with transaction(db.session):
                accounts.create_client(db.session, actor(), data["name"], data["channel"], hash_token(token), now())
        except ServiceError as exc:
            form.name.errors = [*form.name.errors, exc.message_zh]
        else:
            log.info("%s created api client %r (%s)", actor().label, data["name"], data["channel"])
            resp = render_template("accounts/api_client_token.html", name=data["name"], token=token)
            return resp, 200, {"Cache-Control": "no-store"}
    return render_template("accounts/api_client_new.html", form=form), 400 if form.errors else 200


@bp.route("/api-clients/revoke", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def revoke_api_client():
    """吊销: a page asks to confirm; the POST stops the client's token at once (its calls get 401)."""
    name = request.values.get("name", "")
    client = accounts.client(db.session, name)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        with transaction(db.session):
            changed = accounts.revoke_client(db.session, actor(), name, now())
        log.info("%s revoked api client %r", actor().label, name)
        flash(f"接口客户端 {name} 已吊销，其令牌立即失效" if changed else f"接口客户端 {name} 原已吊销", "ok")
        return redirect(url_for("admin.api_clients"))
    return render_template("accounts/api_client_revoke.html", client=client, form=form)


@bp.route("/privacy", methods=["GET", "POST"])
@roles_required(*PII_LOG_ROLES)
def privacy_policy():
    """诉求人信息查看规则: the office's readers of the view log see it; the 系统管理员 changes it (audited)."""
    a = actor()
    may_edit = a.role in privacy.EDIT_ROLES
    form = PrivacyForm()
    if form.is_submitted() and not may_edit:
        raise Forbidden("只有系统管理员可以修改诉求人信息查看规则", f"{a.label} may not change the privacy policy")
    if form.validate_on_submit():
        with transaction(db.session):
            privacy.set_policy(db.session, a, form.to_command(), now())
        flash("诉求人信息查看规则已保存，即时生效", "ok")
        return redirect(url_for("admin.privacy_policy"))
    rows = privacy.policy_rows(db.session)
    form.set_policy({r["role"]: r["mode"] for r in rows})
    return render_template("accounts/privacy.html", form=form, rows=rows, may_edit=may_edit), \
        400 if form.errors else 200
