"""A trust's action plan: what it will do about which arcs, the outcomes it expects, by when, led by whom,
with what resources, and how it is going (the columns of the Leicestershire plan)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from app.choices import ActionStatus
from app.db.columns import utcnow
from app.db.tables import Action
from app.errors import Invalid, NotFound
from app.identity import Staff
from app.schemas.plans import ActionIn, ActionPublic
from app.store import audit
from framework.model import Framework

#: The order in which a plan lists statuses when sorted by status: what needs attention first.
STATUS_ORDER = (ActionStatus.AT_RISK, ActionStatus.NOT_STARTED, ActionStatus.ON_TRACK, ActionStatus.DONE)
SORTS = ("plan", "due", "status")


def public(action: Action) -> ActionPublic:
    assert action.id is not None
    return ActionPublic(
        id=action.id,
        trust_id=action.trust_id,
        title=action.title,
        arcs=action.arc_keys,
        outcomes=action.outcomes,
        timescale=action.timescale,
        due=action.due.isoformat() if action.due else None,
        lead_officer=action.lead_officer,
        resources=action.resources,
        status=action.status,
        position=action.position,
    )


def _checked_arcs(arcs: list[str], framework: Framework) -> str:
    for index, arc in enumerate(arcs):
        if arc not in framework.arc_keys:
            raise Invalid(
                f"arcs[{index}]", f"'{arc}' is not an arc; choose from {', '.join(framework.arc_keys)}"
            )
    return ",".join(arc for arc in framework.arc_keys if arc in arcs)


def add_action(
    db: Session, *, actor: Staff, trust_id: int, action_in: ActionIn, framework: Framework
) -> Action:
    """:raises Invalid: an arc the framework does not have."""
    arcs = _checked_arcs(action_in.arcs, framework)
    last = db.scalar(select(func.max(Action.position)).where(col(Action.trust_id) == trust_id))
    action = Action(
        trust_id=trust_id,
        **action_in.model_dump(exclude={"arcs"}),
        arcs=arcs,
        position=(last or 0) + 1,
    )
    db.add(action)
    db.flush()
    audit.record(db, action="action.add", actor=actor, trust_id=trust_id, target=f"action {action.id}")
    return action


def update_action(
    db: Session, *, actor: Staff, action: Action, action_in: ActionIn, framework: Framework
) -> Action:
    arcs = _checked_arcs(action_in.arcs, framework)
    for name, value in action_in.model_dump(exclude={"arcs"}).items():
        setattr(action, name, value)
    action.arcs = arcs
    action.updated_at = utcnow()
    db.flush()
    audit.record(
        db, action="action.edit", actor=actor, trust_id=action.trust_id, target=f"action {action.id}"
    )
    return action


def get_action(db: Session, *, trust_id: int, action_id: int) -> Action:
    """:raises NotFound: no such action in this trust."""
    action = db.get(Action, action_id)
    if action is None or action.trust_id != trust_id:
        raise NotFound("This trust has no action with that id.")
    return action


def delete_action(db: Session, *, actor: Staff, action: Action) -> None:
    db.execute(delete(Action).where(col(Action.id) == action.id))
    audit.record(
        db, action="action.delete", actor=actor, trust_id=action.trust_id, target=f"action {action.id}"
    )


def move_action(db: Session, *, action: Action, by: int) -> None:
    """Swap the action with its neighbour in the plan's order (by = -1 up, +1 down); at an end, nothing."""
    plan = list(actions_of(db, trust_id=action.trust_id))
    index = next(i for i, a in enumerate(plan) if a.id == action.id)
    other = index + by
    if not 0 <= other < len(plan):
        return
    plan[index], plan[other] = plan[other], plan[index]
    for position, entry in enumerate(plan, start=1):
        entry.position = position
    db.flush()


def actions_of(
    db: Session,
    *,
    trust_id: int,
    arc: str | None = None,
    status: ActionStatus | None = None,
    sort: str = "plan",
) -> list[Action]:
    """The trust's actions (only those on `arc`, or with `status`, if given) in plan, due or status order."""
    query = select(Action).where(col(Action.trust_id) == trust_id)
    if status is not None:
        query = query.where(col(Action.status) == status)
    found = [
        a
        for a in db.scalars(query.order_by(col(Action.position), col(Action.id)))
        if arc is None or arc in a.arc_keys
    ]
    if sort == "due":
        found.sort(key=lambda a: (a.due is None, a.due or "", a.position))
    elif sort == "status":
        found.sort(key=lambda a: (STATUS_ORDER.index(a.status), a.due is None, a.due or "", a.position))
    return found


def actions_by_arc(actions: Sequence[Action]) -> dict[str, list[Action]]:
    found: dict[str, list[Action]] = {}
    for action in actions:
        for arc in action.arc_keys:
            found.setdefault(arc, []).append(action)
    return found
