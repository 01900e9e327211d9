"""The leads' download of individual answers: anonymous rows, and nothing that could pick someone out.

Only answers the latest publication included, and only to statements it showed (of cells it showed). Sector
and role level are generalised ("other") until every combination of (viewpoint, sector, role level) in the
download holds at least k people, so that knowing who the one voluntary-sector team leader is tells no one
their answers (k-anonymity).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select
from sqlmodel import Session, col

from app.db.tables import Answer, FocusSession, Participant
from app.exports.content import RawAnswer
from app.services.disclosure.published import PublishedRound
from surveys import arc_of_code

#: What a generalised sector or role level reads.
OTHER = "other"
#: An XLSX sheet holds about a million rows; a round with more answers than this gets no answers sheet.
MAX_RAW_ANSWERS = 1_000_000

Profile = tuple[str | None, str | None]  # (sector, role level)


def raw_answers(
    db: Session, *, published: PublishedRound, round_id: int, min_group_size: int
) -> list[RawAnswer] | None:
    """The answers a lead may download, each respondent numbered 1, 2, ... in this list only; None when there
    are too many for a spreadsheet. No comments: they are shown only where a cell is large enough."""
    # A statement shown as an earlier publication showed it keeps that publication's people only.
    shown = {
        key: published.included_up_to(figures.as_published)
        for key, figures in published.statements.items()
        if not figures.suppressed
    }
    rows = db.execute(
        select(
            col(Answer.participant_id),
            col(FocusSession.viewpoint),
            col(Answer.item_code),
            col(Answer.kind),
            col(Answer.rating),
            col(Participant.sector),
            col(Participant.role_level),
        )
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .join(FocusSession, col(FocusSession.id) == col(Participant.session_id))
        .where(
            col(FocusSession.round_id) == round_id,
            col(Participant.id) <= published.publication.last_participant_id,
        )
        .order_by(col(Answer.participant_id), col(Answer.item_code))
        .limit(MAX_RAW_ANSWERS + 1)
    ).all()
    if len(rows) > MAX_RAW_ANSWERS:
        return None
    kept = [row for row in rows if row[0] <= shown.get((row[1], row[2]), 0)]
    profiles = generalised(
        {(pid, viewpoint): (sector, role) for pid, viewpoint, _, _, _, sector, role in kept}, k=min_group_size
    )
    numbers: dict[int, int] = {}
    found = []
    for participant_id, viewpoint, code, kind, rating, _, _ in kept:
        number = numbers.setdefault(participant_id, len(numbers) + 1)
        sector, role_level = profiles[(participant_id, viewpoint)]
        found.append(RawAnswer(number, viewpoint, arc_of_code(code), code, rating, kind, sector, role_level))
    return found


def generalised(people: dict[tuple[int, str], Profile], *, k: int) -> dict[tuple[int, str], Profile]:
    """Each person's (sector, role level), generalised until every combination within a viewpoint holds at
    least k people: first the role levels of small groups become "other", then their sectors, then the
    smallest groups left join the "other, other" group until it is large enough."""
    by_viewpoint: dict[str, dict[int, Profile]] = defaultdict(dict)
    for (pid, viewpoint), profile in people.items():
        by_viewpoint[viewpoint][pid] = profile
    result: dict[tuple[int, str], Profile] = {}
    for viewpoint, group in by_viewpoint.items():
        for pid, profile in _k_anonymous(group, k).items():
            result[(pid, viewpoint)] = profile
    return result


def _k_anonymous(group: dict[int, Profile], k: int) -> dict[int, Profile]:
    profiles = dict(group)
    for step in (_generalise_role, _generalise_sector, _generalise_both):
        sizes = Counter(profiles.values())
        profiles = {pid: step(p) if sizes[p] < k else p for pid, p in profiles.items()}
    sizes = Counter(profiles.values())
    everything_else = (OTHER, OTHER)
    # Still too few in "other, other": the smallest groups join it until it holds k (a viewpoint in the
    # download has at least k people: its cells were shown).
    for profile in sorted((p for p in sizes if p != everything_else), key=lambda p: (sizes[p], str(p))):
        if not 0 < sizes[everything_else] < k:
            break
        profiles = {pid: everything_else if p == profile else p for pid, p in profiles.items()}
        sizes = Counter(profiles.values())
    return profiles


def _generalise_role(profile: Profile) -> Profile:
    return (profile[0], OTHER)


def _generalise_sector(profile: Profile) -> Profile:
    return (OTHER, profile[1])


def _generalise_both(_profile: Profile) -> Profile:
    return (OTHER, OTHER)
