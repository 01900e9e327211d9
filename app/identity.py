"""Who a member of staff is, as every layer sees them, and the one hash of secrets the service stores.

A leaf of the app: the store, the services and the web layer all use `Staff`, so it depends on nothing but
the roles in `app.choices`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.choices import Role


@dataclass(frozen=True)
class Staff:
    """A signed-in member of staff, with their role in each trust they belong to."""

    user_id: int
    email: str
    is_admin: bool
    roles: Mapping[int, Role] = field(default_factory=dict)
    via: Literal["session", "token"] = "session"
    mfa: bool = False  # their second factor is set up

    def role_in(self, trust_id: int) -> Role | None:
        return self.roles.get(trust_id)

    @property
    def can_facilitate(self) -> bool:
        """Whether they may run focus groups somewhere: a lead or facilitator of a trust, or an admin."""
        return self.is_admin or any(role in (Role.LEAD, Role.FACILITATOR) for role in self.roles.values())


def secret_hash(secret: str) -> str:
    """What is stored of a random secret (a session, an API token, a participant token): its SHA-256.

    The secrets carry 256 random bits, so a fast hash is enough; passwords, which people choose, are hashed
    with argon2 instead (`app.passwords`).
    """
    return hashlib.sha256(secret.encode()).hexdigest()
