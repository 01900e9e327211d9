"""Trusts, staff accounts and their roles, rounds: what the API takes and gives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from app.choices import (
    Role,
    RoundStatus,
)
from app.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.schemas.common import (
    INPUT_MODEL_CONFIG,
    Email,
    IsoDate,
    RoundName,
    TrustName,
)


class UserCreate(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    email: Email
    password: Annotated[
        str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    ]
    is_admin: StrictBool = False


class UserPublic(BaseModel):
    id: int
    email: str
    is_admin: bool
    is_active: bool
    created_at: datetime


class MembershipSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class MembershipPublic(BaseModel):
    user_id: int
    trust_id: int
    role: Role


class TrustCreate(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    name: TrustName


class TrustPublic(BaseModel):
    id: int
    name: str
    created_at: datetime


class RoundCreate(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    name: RoundName
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None

    @field_validator("period_end")
    @classmethod
    def _period_in_order(cls, period_end: date | None, info: ValidationInfo) -> date | None:
        period_start = info.data.get("period_start")
        if period_start and period_end and period_end < period_start:
            raise ValueError("must not be before the start of the period")
        return period_end


class RoundPublic(BaseModel):
    id: int
    trust_id: int
    name: str
    period_start: date | None
    period_end: date | None
    framework_version: str
    status: RoundStatus
    created_at: datetime


class MePublic(BaseModel):
    id: int
    email: str
    is_admin: bool
    memberships: list[MembershipPublic]
