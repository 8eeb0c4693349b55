"""Roles of DOMAIN.md §1, their Chinese labels (also the BPMN lane names) and unit kinds."""
from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    AGENT = "agent"
    DISPATCHER = "dispatcher"
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    COUNTY_DISPATCHER = "county_dispatcher"
    RECEIVER = "receiver"
    HANDLER = "handler"
    UNIT_LEADER = "unit_leader"
    KB_EDITOR = "kb_editor"
    PROCESS_OWNER = "process_owner"
    CITY_LEADER = "city_leader"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_office(self) -> bool:
        """Whether the role belongs to the city hotline office (sees every ticket)."""
        return self in OFFICE_ROLES

    @property
    def is_unit(self) -> bool:
        return self in UNIT_ROLES


ROLE_LABELS = {
    Role.AGENT: "话务员",
    Role.DISPATCHER: "派单员",
    Role.REVIEWER: "审核员",
    Role.SUPERVISOR: "督办员",
    Role.COUNTY_DISPATCHER: "县级热线办",
    Role.RECEIVER: "受理人",
    Role.HANDLER: "经办人",
    Role.UNIT_LEADER: "分管领导",
    Role.KB_EDITOR: "信息采编员",
    Role.PROCESS_OWNER: "流程管理员",
    Role.CITY_LEADER: "市领导",
    Role.ADMIN: "系统管理员",
}

OFFICE_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR, Role.PROCESS_OWNER,
                          Role.CITY_LEADER, Role.ADMIN})
UNIT_ROLES = frozenset({Role.RECEIVER, Role.HANDLER, Role.UNIT_LEADER, Role.KB_EDITOR})


def role_for_lane(lane_name: str | None) -> Role | None:
    """Map a BPMN lane name (a Chinese role label or a role code) to its role."""
    if not lane_name:
        return None
    for role, label in ROLE_LABELS.items():
        if lane_name in (label, role.value):
            return role
    return None


class UnitKind(str, Enum):
    CITY_OFFICE = "city_office"
    COUNTY_OFFICE = "county_office"
    COUNTY_GOVERNMENT = "county_government"
    COUNTY_DEPARTMENT = "county_department"
    CITY_DEPARTMENT = "city_department"
    ENTERPRISE = "enterprise"

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]


UNIT_KIND_LABELS = {
    UnitKind.CITY_OFFICE: "市热线办",
    UnitKind.COUNTY_OFFICE: "县（区）热线办",
    UnitKind.COUNTY_GOVERNMENT: "县（区）政府",
    UnitKind.COUNTY_DEPARTMENT: "县（区）部门",
    UnitKind.CITY_DEPARTMENT: "市直部门",
    UnitKind.ENTERPRISE: "公共服务企业",
}

HANDLING_KINDS = frozenset({UnitKind.COUNTY_GOVERNMENT, UnitKind.COUNTY_DEPARTMENT, UnitKind.CITY_DEPARTMENT,
                            UnitKind.ENTERPRISE})


def mask_name(name: str | None) -> str:
    """Show the surname only: 张三丰 → 张**."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_address(address: str | None) -> str:
    """Keep the first half (at most 6 characters) of an address: 源城区新江街道永和路18号 → 源城区新江街****."""
    text = (address or "").strip()
    if not text:
        return ""
    return text[:min(6, len(text) // 2)] + "****"


def mask_phone(phone: str | None) -> str:
    """Keep the first 3 and last 4 digits: 13800001234 → 138****1234."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
