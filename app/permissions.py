"""Who may do what in a trust. Every trust-scoped route calls `check_trust_access` with the roles it allows.

A trust the caller does not belong to answers 404, exactly as a trust that does not exist, so ids reveal
nothing across trusts. A member whose role is not enough gets 403. Site administrators may act everywhere.
"""

from __future__ import annotations

from app.choices import Role
from app.errors import Forbidden, NotFound
from app.identity import Staff

ANY_MEMBER = frozenset(Role)
LEADS = frozenset({Role.LEAD})
LEADS_AND_FACILITATORS = frozenset({Role.LEAD, Role.FACILITATOR})

_ROLE_NAMES = {Role.LEAD: "trust leads", Role.FACILITATOR: "facilitators", Role.VIEWER: "viewers"}


def check_trust_access(staff: Staff, trust_id: int, *, roles: frozenset[Role], what: str = "trust") -> None:
    """:raises NotFound: `staff` is not in the trust; :raises Forbidden: their role is not in `roles`."""
    if staff.is_admin:
        return
    role = staff.role_in(trust_id)
    if role is None:
        raise NotFound(f"There is no {what} with that id.")
    if role not in roles:
        allowed = " and ".join(_ROLE_NAMES[r] for r in Role if r in roles)
        raise Forbidden(f"Only {allowed} can do this; you are a {role.value} in this trust.")


def can(staff: Staff | None, trust_id: int, roles: frozenset[Role]) -> bool:
    """Whether `staff` may act in `trust_id` with one of `roles` (for deciding what a page offers)."""
    if staff is None:
        return False
    return staff.is_admin or staff.role_in(trust_id) in roles
