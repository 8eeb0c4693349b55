"""Who sees a citizen's name and phone (DOMAIN.md §10, Art. 26): one mode per role, chosen by the office.

"A citizen's name and phone are shown to those who need them for the task, masked elsewhere, and every view of them
is logged." The modes say what "need" means for a role:

- ``always`` 直接显示: shown on every ticket the role may see (for a role whose daily work is calling citizens);
- ``task`` 办理任务时显示: shown while the user has a task of that ticket to do (sign, reply, review, call back …);
  otherwise masked, and revealed with a stated reason;
- ``reveal`` 说明事由后查看: always masked; revealed with a stated reason;
- ``never`` 不得查看: always masked; no reveal.

Every unmasked view is logged once per user, ticket and reason. The defaults below are the product's decision; the
office changes them on its privacy page (系统管理员), and each change is audited.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .roles import Role

ALWAYS, TASK, REVEAL, NEVER = "always", "task", "reveal", "never"
MODES = (ALWAYS, TASK, REVEAL, NEVER)
MODE_LABELS = {ALWAYS: "直接显示", TASK: "办理任务时显示，其余说明事由后查看", REVEAL: "说明事由后查看",
               NEVER: "不得查看"}

#: The product's decision per role, with the reason a person can check it against (DOMAIN.md §1, §10).
DEFAULT_POLICY: dict[Role, str] = {
    Role.AGENT: TASK,              # registers the call; calls the citizen back to evaluate (回访评价)
    Role.DISPATCHER: REVEAL,       # dispatches on content and place, not on who called
    Role.REVIEWER: TASK,           # checks the reply's contact with the citizen, decides redo, tells new deadlines
    Role.SUPERVISOR: REVEAL,       # follows units, not citizens
    Role.COUNTY_DISPATCHER: REVEAL,  # dispatches again on content and place
    Role.RECEIVER: TASK,           # may call the citizen before signing for or returning the ticket
    Role.HANDLER: TASK,            # contacts the citizen and reports how (Art. 12)
    Role.UNIT_LEADER: REVEAL,      # answers supervision for the unit; the handler contacts the citizen
    Role.KB_EDITOR: NEVER,         # maintains knowledge entries; never contacts a citizen
    Role.PROCESS_OWNER: NEVER,     # edits diagrams and rules
    Role.CITY_LEADER: REVEAL,      # instructs tickets into supervision
    Role.ADMIN: REVEAL,            # supports users
}
DEFAULT_REASONS: dict[Role, str] = {
    Role.AGENT: "登记诉求，回访评价时联系诉求人", Role.DISPATCHER: "按诉求内容和地点派单，无需诉求人信息",
    Role.REVIEWER: "审核答复中与诉求人的联系情况、审定重办、告知延期", Role.SUPERVISOR: "督办的是承办单位",
    Role.COUNTY_DISPATCHER: "按诉求内容和地点二次派单", Role.RECEIVER: "签收或退回前可能需联系诉求人核实",
    Role.HANDLER: "办理中须联系诉求人并告知结果（第十二条）", Role.UNIT_LEADER: "答复督办，由经办人联系诉求人",
    Role.KB_EDITOR: "维护知识库，不接触诉求人", Role.PROCESS_OWNER: "维护流程和规则，不接触诉求人",
    Role.CITY_LEADER: "批示督办，需要时说明事由后查看", Role.ADMIN: "技术支持，需要时说明事由后查看",
}


#: Tasks whose work does not touch the citizen, so they do not show the details in ``task`` mode: a department
#: asked for its opinion on jurisdiction in a joint review (主管部门意见) holds no ticket and contacts no one.
NO_CONTACT_TASKS = frozenset({"jr_consult"})


@dataclass(frozen=True)
class Access:
    """What one viewer gets on one ticket: whether the details are shown, why (the logged reason) and whether
    a masked viewer may reveal them with a reason."""

    mode: str
    shown: bool
    reason: str | None
    can_reveal: bool


def access(mode: str, task_title: str | None) -> Access:
    """Decide for a viewer whose role has ``mode`` and who has a task titled ``task_title`` (or none) on the ticket.

    :raises ValueError: for an unknown mode.
    """
    if mode not in MODES:
        raise ValueError(f"unknown privacy mode {mode!r}")
    if mode == ALWAYS:
        return Access(mode, True, "岗位职责（直接显示）", False)
    if mode == TASK and task_title:
        return Access(mode, True, f"办理任务：{task_title}", False)
    return Access(mode, False, None, mode in (TASK, REVEAL))


def parse_policy(values: Mapping[str, str]) -> dict[Role, str]:
    """The policy from stored or submitted values (role code → mode); a role not given keeps its default.

    :raises ValueError: for an unknown role or mode.
    """
    policy = dict(DEFAULT_POLICY)
    for key, mode in values.items():
        try:
            role = Role(key)
        except ValueError:
            raise ValueError(f"unknown role {key!r} in the privacy policy") from None
        if mode not in MODES:
            raise ValueError(f"unknown privacy mode {mode!r} for {key}")
        policy[role] = mode
    return policy
