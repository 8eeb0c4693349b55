"""Administration: users (list and create with role and unit), the unit tree (read-only) and the office's rule on
who sees a citizen's name and phone (诉求人信息查看规则)."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.common import Forbidden, throttle, transaction
from engine.domain.roles import OFFICE_ROLES, Role, UnitKind
from engine.models import Unit, User
from engine.tickets import pages, privacy
from forms import ConfirmForm, PrivacyForm, UserForm
from forms.base import options

from ..common import PII_LOG_ROLES, actor, roles_required
from ..extensions import db
from ..security import hash_password, now

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger("hotline.accounts")


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    return render_template("accounts/users.html", users=pages.users(db.session))


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
                db.session.add(User(username=data["username"], password_hash=hash_password(data["password"]),
                                    display_name=data["display_name"], phone=data["phone"], role=data["role"],
                                    unit_id=unit.id if unit else None, created_at=now()))
            flash(f"用户 {data['username']} 已创建", "ok")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors else 200
    return render_template("accounts/user_new.html", form=form), status


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
