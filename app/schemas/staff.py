"""Trusts, staff accounts and their roles, rounds: what the API takes and gives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.choices import (
    Role,
    RoundStatus,
)
from app.passwords import MAX_PASSWORD_LENGTH, password_problem
from app.schemas.common import (
    INPUT_MODEL_CONFIG,
    Email,
    IsoDate,
    RoundName,
    TrustName,
)


def _meets_policy(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return password


#: A password someone chooses: the policy of `app.passwords` (length after NFC, not all spaces, no control
#: characters, not common or breached).
NewPassword = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH), AfterValidator(_meets_policy)
]


class UserCreate(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    email: Email
    password: NewPassword
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


class InvitationCreate(BaseModel):
    """Inviting a person: their email, and either a role in a trust, or site administration, or both."""

    model_config = INPUT_MODEL_CONFIG

    email: Email
    trust_id: int | None = None
    role: Role | None = None
    is_admin: StrictBool = False

    @model_validator(mode="after")
    def _role_in_a_trust(self) -> InvitationCreate:
        if self.trust_id is not None and self.role is None:
            raise PydanticCustomError("role_missing", "Choose the person's role in the trust.", {})
        if self.role is not None and self.trust_id is None:
            raise PydanticCustomError("trust_missing", "Choose the trust the role is in.", {})
        if self.role is None and not self.is_admin:
            raise PydanticCustomError(
                "role_missing", "Choose a trust and a role, or make the person a site administrator.", {}
            )
        return self


class PasswordSet(BaseModel):
    """Choosing a password, from an invitation or a reset link."""

    model_config = INPUT_MODEL_CONFIG

    password: NewPassword
    confirm: str = ""

    @field_validator("confirm")
    @classmethod
    def _same_twice(cls, confirm: str, info: ValidationInfo) -> str:
        if "password" in info.data and confirm != info.data["password"]:
            raise ValueError("must be the same password again")
        return confirm


class PasswordChange(PasswordSet):
    """Changing one's own password: the current one, then the new one twice."""

    current_password: Annotated[str, StringConstraints(max_length=MAX_PASSWORD_LENGTH)] = ""
