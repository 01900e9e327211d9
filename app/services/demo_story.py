"""The demo's story, as data: when its rounds ran, where each arc starts and how it moves, who came to which
focus group, and what people wrote. `app.services.demo` turns it into rows.

Everything is made up: the trust (Riverside Children's Trust), its places, its people and every word.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.choices import AgeBand, Role


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: Role | None  # None: a site administrator, in no trust
    name: str  # what the account is for, as printed


DEMO_ACCOUNTS = (
    DemoAccount("admin@riverside.example.org", "rainbow-demo-admin", None, "site administrator"),
    DemoAccount("lead@riverside.example.org", "rainbow-demo-lead", Role.LEAD, "trust lead"),
    DemoAccount(
        "facilitator1@riverside.example.org", "rainbow-demo-facilitator1", Role.FACILITATOR, "facilitator"
    ),
    DemoAccount(
        "facilitator2@riverside.example.org", "rainbow-demo-facilitator2", Role.FACILITATOR, "facilitator"
    ),
    DemoAccount("viewer@riverside.example.org", "rainbow-demo-viewer", Role.VIEWER, "viewer"),
)
LOGIN_URL = "http://127.0.0.1:8000/login"


def logins_text(url: str = LOGIN_URL) -> str:
    """The demo sign-ins, as printed at the end of ``rainbow demo``."""
    email_width = max(len(account.email) for account in DEMO_ACCOUNTS)
    password_width = max(len(account.password) for account in DEMO_ACCOUNTS)
    lines = [f"Sign in at {url} as:"]
    for account in DEMO_ACCOUNTS:
        lines.append(
            f"  {account.email:<{email_width}}  password: {account.password:<{password_width}}"
            f"  ({account.name})"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class DemoRound:
    name: str
    period_start: date
    period_end: date


ROUNDS = (
    DemoRound("2009 baseline", date(2009, 4, 1), date(2010, 3, 31)),
    DemoRound("2010 re-assessment", date(2010, 4, 1), date(2011, 3, 31)),
    DemoRound("2011 follow-up", date(2011, 4, 1), date(2012, 3, 31)),
)


# Where each arc starts in 2009 (on the 1-5 journey scale), and how far it moves by 2010.
BASELINE = {
    "red": 3.0,
    "orange": 2.3,
    "yellow": 2.8,
    "green": 2.2,
    "blue": 2.9,
    "indigo": 2.6,
    "violet": 2.7,
    "pink": 2.1,
}


CHANGE_BY_2010 = {
    "red": 0.05,
    "orange": 0.8,
    "yellow": 0.1,
    "green": 0.85,
    "blue": 0.2,
    "indigo": 0.0,
    "violet": -0.3,
    "pink": 0.3,
}


# How far each arc has moved from 2009 by 2011: orange and green keep rising (slower), the action on
# recruitment starts to turn violet round, pink keeps a slow climb, the rest hold steady.
CHANGE_BY_2011 = {
    "red": 0.1,
    "orange": 1.1,
    "yellow": 0.3,
    "green": 1.15,
    "blue": 0.45,
    "indigo": 0.15,
    "violet": -0.1,
    "pink": 0.55,
}


def arc_shift(arc: str, round_index: int) -> float:
    """How far `arc` has moved from the baseline by the round at `round_index` (0: the baseline)."""
    return (0.0, CHANGE_BY_2010[arc], CHANGE_BY_2011[arc])[round_index]


# Leaders tend to see things a little rosier than the front line ...
VIEWPOINT_LEAN = {"child": 0.0, "practitioner": 0.0, "team": 0.1, "service": 0.2, "trust": 0.35}


# ... and on some arcs children and the trust see things quite differently.
ARC_VIEWPOINT_LEAN = {
    ("orange", "child"): -0.6,  # children still meet jargon the partnership thinks it has dropped
    ("orange", "trust"): 0.4,
    ("pink", "child"): -0.7,  # few children feel they have shaped the workforce
    ("pink", "trust"): 0.6,
    ("red", "child"): 0.5,  # children mostly feel safe, while the trust worries about capacity
    ("red", "trust"): -0.5,
    ("green", "child"): -0.3,
}


DONT_KNOW = {"child": 0.07, "practitioner": 0.05, "team": 0.04, "service": 0.04, "trust": 0.03}


NOT_APPLICABLE = 0.02


SKIPPED = 0.02  # a statement left without any answer


STAFF_COMMENT = 0.04


# Which arcs each viewpoint's sessions take together: every arc once per viewpoint and round.
SESSION_ARCS = {
    "child": (("orange", "pink"), ("red", "yellow"), ("green", "blue"), ("indigo", "violet")),
    "practitioner": (("orange", "green"), ("red", "yellow", "blue"), ("indigo", "violet", "pink")),
    "team": (("orange", "yellow", "green"), ("red", "blue"), ("indigo", "violet", "pink")),
    "service": (("red", "orange", "green"), ("yellow", "blue", "indigo"), ("violet", "pink")),
    "trust": (("red", "orange", "yellow"), ("green", "blue", "indigo"), ("violet", "pink")),
}


# How many come to a viewpoint's focus group: (fewest, most).
GROUP_SIZE = {
    "child": (6, 14),
    "practitioner": (8, 25),
    "team": (6, 15),
    "service": (5, 12),
    "trust": (5, 10),
}


LOCALITIES = ("Millbrook", "Eastbank", "Old Town", "Northfield")


#: A children's group: its title, where it met and the age bands of those who came.
ChildGroup = tuple[str, str, tuple[AgeBand, ...]]
CHILD_GROUPS: tuple[ChildGroup, ...] = (
    ("School council, Willow Lane Primary", "Willow Lane Primary School", ("8-10",)),
    ("Youth forum", "Riverside Youth Centre", ("11-13", "14-16", "17-19")),
    ("After-school club, Millbrook", "Millbrook Children's Centre", ("under 8", "8-10")),
    ("Young people's panel", "Eastbank Library, meeting room", ("14-16", "17-19")),
)


SMALL_CHILD_GROUP: ChildGroup = ("Children in care council", "Riverside Youth Centre", ("11-13", "14-16"))


STAFF_GROUPS = {
    "practitioner": ("Frontline practitioners, {place} locality", "{place} Children's Centre"),
    "team": ("Team managers' workshop, {place}", "{place} locality office"),
    "service": ("Heads of service, {place} partnership", "Riverside Civic Centre, room 2"),
    "trust": ("Children's Trust Board workshop {part} of 3", "Riverside Civic Centre, council chamber"),
}


# Who comes, by viewpoint: sectors (with weights) and role levels (with weights).
SECTOR_WEIGHTS = (
    3,
    3,
    3,
    2,
    1,
    1,
    2,
    2,
)  # education, health, social care, youth, justice, sport, early years, voluntary


ROLE_WEIGHTS = {
    "practitioner": (8, 1, 0),
    "team": (4, 5, 1),
    "service": (0, 3, 4),
    "trust": (0, 1, 5),
}


STAFF_COMMENTS = {
    "red": (
        "Caseloads went up again after the summer and it shows.",
        "We know who to ring when we are worried about a child.",
        "Cover for sickness is the weak point.",
    ),
    "orange": (
        "Half the acronyms in our meetings mean nothing to the school nurses.",
        "The shared glossary has helped more than I expected.",
        "We say the same things about children now, even if our forms differ.",
    ),
    "yellow": (
        "Targets still count activity more than what changes for the child.",
        "We have started asking families what difference we made.",
        "Good practice depends on which manager you have.",
    ),
    "green": (
        "I have started two CAFs this year; both got a team around the child quickly.",
        "Health colleagues rarely come to team around the child meetings.",
        "Information sharing is easier since the protocol was agreed.",
    ),
    "blue": (
        "The multi-agency induction day was the best training I have had.",
        "Training is there but releasing staff to go is hard.",
        "Common core training has reached schools less than other services.",
    ),
    "indigo": (
        "Supervision happens, but it is mostly about cases rather than my development.",
        "Senior managers are more visible at locality meetings than before.",
        "Managers from different services rarely plan together.",
    ),
    "violet": (
        "Two posts in our team have been vacant since the spring.",
        "Nobody has asked us about workforce data for a long time.",
        "Agency staff fill gaps but leave before they know the families.",
    ),
    "pink": (
        "Young people sat on the interview panel for our new manager.",
        "We ask children for feedback but rarely tell them what we changed.",
        "Parents have never been involved in our training.",
    ),
}
