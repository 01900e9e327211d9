"""Why people who rated different numbers of a cell's statements are figures of their own.

A cell shows two sums over its people's ratings: its distribution counts every rating (each weighs the same),
and its mean is the mean of each person's arc score (each rating weighs 1/m for someone who rated m of the
cell's statements, "don't know" leaving one out). When the raters fall into two classes of m, the two sums
are two equations in the two classes' totals, and give each away: one child who said "don't know" once
among six who rated everything is found out exactly. So, whenever a cell's raters rated different numbers of
its statements, each class (people who rated m statements) is a figure nested in the cell, and must be none
or at least k by the k-difference rule: among all the cell's raters, among those who came since each earlier
publication (the difference of two publications is again two such sums), and among those a member of staff
did not type in (what they typed in is known to them). The attacker of tests/disclosure found this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from sqlalchemy import case, func, literal, select
from sqlmodel import Session, col

from app.db.tables import Answer, FocusSession, Participant
from framework.disclosure import FigureKey, Nesting

#: (viewpoint, arc) -> m -> (publications before the person, who typed them in) -> people
_Classes = dict[tuple[str, str], dict[int, dict[tuple[int, int | None], int]]]


def rated_count_nestings(
    db: Session,
    round_id: int,
    live: Mapping[FigureKey, object],
    *,
    earlier_last_participants: Sequence[int],
    shown_before: Iterable[FigureKey],
) -> Iterable[Nesting]:
    """A nesting for each class of people by how many of a cell's statements they rated, where a cell's people
    (or its newcomers since a publication that showed it, or those some member of staff did not type in)
    fall into more than one class."""
    arcs = sorted({key.arc for key in live if key.scope == "cell"})
    if not arcs:
        return
    thresholds = sorted(set(earlier_last_participants))
    classes = _classes(db, round_id, arcs, thresholds)
    before = set(shown_before)
    for (viewpoint, arc), by_m in classes.items():
        key = FigureKey.cell(arc, viewpoint)
        if key not in live:
            continue
        yield from _split(by_m, _everyone, key)
        if key in before:
            for j in range(len(thresholds)):
                yield from _split(by_m, _after(j), key)
        for staff in {s for per in by_m.values() for _, s in per if s is not None}:
            yield from _split(by_m, _not_typed_by(staff), key)


def _everyone(_bucket: int, _staff: int | None) -> bool:
    return True


def _after(publications: int) -> Callable[[int, int | None], bool]:
    """Those who came after the first `publications` + 1 earlier publications' last participants."""
    return lambda bucket, _staff: bucket > publications


def _not_typed_by(staff_id: int) -> Callable[[int, int | None], bool]:
    return lambda _bucket, staff: staff != staff_id


def _split(
    by_m: Mapping[int, Mapping[tuple[int, int | None], int]],
    keep: Callable[[int, int | None], bool],
    key: FigureKey,
) -> Iterable[Nesting]:
    """The classes among the people `keep` picks (by bucket and who typed them in): a nesting for each, when
    there are two or more."""
    sizes = [
        sum(people for (bucket, staff), people in per.items() if keep(bucket, staff)) for per in by_m.values()
    ]
    present = [size for size in sizes if size]
    if len(present) > 1:
        for size in present:
            yield Nesting(key, size)


def _classes(db: Session, round_id: int, arcs: Sequence[str], thresholds: Sequence[int]) -> _Classes:
    """People of the round by (viewpoint, arc), how many of its statements they rated, how many earlier
    publications' last participants they come after, and who typed them in."""
    arc = case(*((col(Answer.item_code).startswith(f"{a}."), literal(a)) for a in arcs), else_=literal(""))
    bucket = sum(
        (case((col(Participant.id) > threshold, 1), else_=0) for threshold in thresholds), literal(0)
    )
    per_person = (
        select(
            col(FocusSession.viewpoint).label("viewpoint"),
            arc.label("arc"),
            func.count().label("m"),
            bucket.label("bucket"),
            col(Participant.entered_by_id).label("staff"),
        )
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .join(FocusSession, col(FocusSession.id) == col(Participant.session_id))
        .where(col(FocusSession.round_id) == round_id, col(Answer.kind) == "rating")
        .group_by(col(Participant.id), col(FocusSession.viewpoint), arc, col(Participant.entered_by_id))
        .subquery()
    )
    rows = db.execute(
        select(
            per_person.c.viewpoint,
            per_person.c.arc,
            per_person.c.m,
            per_person.c.bucket,
            per_person.c.staff,
            func.count(),
        ).group_by(
            per_person.c.viewpoint, per_person.c.arc, per_person.c.m, per_person.c.bucket, per_person.c.staff
        )
    ).all()
    found: _Classes = defaultdict(lambda: defaultdict(dict))
    for viewpoint, arc_key, m, bucket_value, staff, people in rows:
        found[(viewpoint, arc_key)][int(m)][(int(bucket_value), staff)] = int(people)
    return found
