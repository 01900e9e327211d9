"""The demo trust's action plan, in the Leicestershire table's shape: a few actions for each arc that started
lowest, some done, some on track, some at risk. Everything is made up; lead officers are posts, not people.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from app.choices import ActionStatus
from app.db.tables import Action

#: The demo's action plan (the Leicestershire table's columns): a few actions for each arc that started
#: lowest, each in words a Children's Trust would use. Lead officers are posts, never people's names.
DemoAction = tuple[str, tuple[str, ...], str, str, date | None, str, str, str]
DEMO_ACTIONS: tuple[DemoAction, ...] = (
    (
        "Develop and run a programme of multi-agency training for the children's workforce",
        ("green", "blue"),
        "i. Better multi-agency working: shared understanding and networks\nii. Better skills and knowledge",
        "Phased from April 2010",
        date(2011, 3, 31),
        "Workforce development manager",
        "Officer time; materials and promotion (about £1,000) plus the cost of running the programme",
        "done",
    ),
    (
        "Agree a shared glossary and common values across the partnership",
        ("orange",),
        "i. Families and children meet the same words in every service\nii. Fewer misunderstandings",
        "By September 2010",
        date(2010, 9, 30),
        "Head of integrated services",
        "Officer time; printing (about £500)",
        "done",
    ),
    (
        "Put the common assessment framework and team around the child in place in every locality",
        ("green",),
        "i. A lead professional named within a fortnight\nii. Children tell their story once",
        "Locality by locality, 2010 to 2011",
        date(2011, 6, 30),
        "Integrated working lead",
        "Locality co-ordinators' time; CAF training places",
        "on_track",
    ),
    (
        "Develop workforce data standards and a shared collection across the partnership",
        ("violet",),
        "i. Decisions based on evidence\nii. Targeted workforce development\niii. Benchmarking",
        "April 2010",
        date(2011, 9, 30),
        "Workforce planning officer",
        "Officer time; possible development costs for a shared system",
        "at_risk",
    ),
    (
        "Recruit and keep social workers and health visitors: a joint campaign and a retention offer",
        ("violet",),
        "i. Fewer vacancies and less agency cover\nii. Children keep the same helper",
        "2010 to 2012",
        date(2012, 3, 31),
        "Head of human resources, children's services",
        "Campaign (about £15,000); retention payments from the workforce grant",
        "at_risk",
    ),
    (
        "Involve children and young people in recruiting and training the workforce",
        ("pink",),
        "i. Young people on interview panels in every service\nii. Training designed with children",
        "From January 2010",
        date(2011, 12, 31),
        "Participation officer",
        "Youth service time; expenses and vouchers for young people (about £2,000 a year)",
        "on_track",
    ),
    (
        "Tell children what changed because of their feedback",
        ("yellow", "pink"),
        "i. Every service reports back to children twice a year",
        "From April 2011",
        None,
        "Participation officer",
        "Officer time",
        "not_started",
    ),
    (
        "A common induction for everyone new to the children's workforce, built on the common core",
        ("orange", "blue"),
        "i. Every new starter knows partners' roles\nii. Induction meets the national standards",
        "From April 2010",
        date(2010, 12, 31),
        "Workforce development manager",
        "Officer time; induction packs (about £3,000)",
        "done",
    ),
    (
        "Joint supervision and management development for managers of all services",
        ("indigo",),
        "i. Regular supervision in every service\nii. Managers who plan together",
        "2011 to 2012",
        date(2012, 3, 31),
        "Assistant director, children's services",
        "Leadership programme places (about £8,000)",
        "on_track",
    ),
)


def add_action_plan(db: Session, *, trust_id: int) -> int:
    """The demo's actions, in plan order, added to the trust; how many."""
    at = datetime(2010, 1, 15, 10, 0, tzinfo=UTC)
    db.add_all(
        Action(
            trust_id=trust_id,
            title=title,
            arcs=",".join(arcs),
            outcomes=outcomes,
            timescale=timescale,
            due=due,
            lead_officer=lead,
            resources=resources,
            status=ActionStatus(status),
            position=position,
            created_at=at,
            updated_at=at,
        )
        for position, (title, arcs, outcomes, timescale, due, lead, resources, status) in enumerate(
            DEMO_ACTIONS
        )
    )
    return len(DEMO_ACTIONS)
