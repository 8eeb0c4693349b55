"""Who acts: a signed-in user, a channel client, a citizen with a query code, or the system clock."""
from __future__ import annotations

from dataclasses import dataclass

from engine.domain.roles import ROLE_LABELS, Role


@dataclass(frozen=True)
class Actor:
    kind: str  # 'user' | 'channel' | 'citizen' | 'system'
    name: str
    user_id: int | None = None
    role: Role | None = None
    unit_id: int | None = None
    channel: str | None = None

    @classmethod
    def of_user(cls, user) -> Actor:
        return cls("user", user.display_name, user.id, Role(user.role), user.unit_id)

    @classmethod
    def system(cls, what: str = "系统") -> Actor:
        return cls("system", what)

    @classmethod
    def citizen(cls) -> Actor:
        return cls("citizen", "诉求人")

    @classmethod
    def channel_client(cls, name: str, channel: str) -> Actor:
        return cls("channel", name, channel=channel)

    @property
    def label(self) -> str:
        if self.kind == "user" and self.role is not None:
            return f"{self.name}（{ROLE_LABELS[self.role]}）"
        return self.name
