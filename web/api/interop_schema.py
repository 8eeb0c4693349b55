"""The declared shapes of the 12345 ↔ 110 statistics and the callers' endpoints (web/api/interop.py)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from engine.domain.interop import FLAG_KIND_LABELS

from .schemas import Body, Ids, Query, Text

FlagKinds = Literal[tuple(FLAG_KIND_LABELS)]  # type: ignore[valid-type]


class HandoffQuery(Query):
    year: Annotated[int, Field(ge=2000, le=2100)] | None = Field(None, title="年份")


class HandoffColumn(BaseModel):
    direction: str
    line: str
    label: str


class HandoffMonth(BaseModel):
    month: int
    cells: list[int]


class HandoffStatsOut(BaseModel):
    year: int
    columns: list[HandoffColumn]
    months: list[HandoffMonth]
    totals: list[int]


class CallerLookupIn(Body):
    phone: Text(40, True) = Field(title="来电号码")


class FlagIn(Body):
    phone: Text(40, True) = Field(title="来电号码")
    kind: FlagKinds = Field(title="标记类型")
    reason: Text(2000, True) = Field(title="标记理由")
    evidence: Ids = Field(title="证据工单")
    ends_on: Text(10, True) = Field(title="截止日期", description="年-月-日，如 2026-12-31")
    guidance: Text(1000) | None = Field(None, title="处置提示")


class LiftIn(Body):
    reason: Text(2000, True) = Field(title="解除理由")


class ReferralIn(Body):
    organ: Text(80, True) = Field(title="移送机关")
    law: Text(200, True) = Field(title="涉嫌违反的法律规定")
    facts: Text(2000) | None = Field(None, title="违法事实")


class FlagOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    reason: str
    guidance: str
    ends: str
    evidence: list[dict[str, Any]]


class CallerOut(BaseModel):
    phone: str
    name: str | None
    tickets: list[dict[str, Any]]
    refusals_9: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    flags: list[dict[str, Any]]


class ReferralOut(BaseModel):
    document_id: int
    number: str
