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


# (2009 notes, 2010 notes) for staff groups, and (2009 note, 2010 note) for children's groups.
STAFF_EVIDENCE = {
    "red": (
        (
            "The group agreed that safeguarding referrals are handled well, but cover for absences is thin.",
            "Several people described waiting lists that grew while posts stood empty.",
        ),
        (
            "Referral routes are clear and well used; the group still worried about cover during holidays.",
            "The group gave examples of quick joint visits, but said caseloads remain high.",
        ),
    ),
    "orange": (
        (
            "Practitioners said each service has its own terms for the same thing, which confuses parents.",
            "The group could not name values that all partners had signed up to.",
        ),
        (
            "The shared glossary is used in locality meetings and the group felt jargon had dropped a lot.",
            "People quoted the shared values and gave two examples of using them with families.",
        ),
    ),
    "yellow": (
        (
            "The group said reports mostly count contacts made rather than changes for children.",
            "Some teams review outcomes with families; most do not yet.",
        ),
        (
            "A few more teams review outcomes with families, but the picture is much as it was last year.",
            "The group agreed outcome measures exist on paper but are patchy in practice.",
        ),
    ),
    "green": (
        (
            "Practitioners described using the CAF form with schools but not yet with health visitors.",
            "The group knew of team around the child meetings in only one locality.",
        ),
        (
            "Health visitors now start CAFs too; the group gave three examples of a lead professional named "
            "within a fortnight.",
            "Team around the child meetings are routine in every locality; information sharing still stalls "
            "at times.",
        ),
    ),
    "blue": (
        (
            "Most of the group had done the common core training; few had trained alongside other services.",
            "Induction differs between services and rarely mentions partners' roles.",
        ),
        (
            "The multi-agency induction day has started and people valued it, though places are limited.",
            "The group said releasing staff for training is still the main obstacle.",
        ),
    ),
    "indigo": (
        (
            "Supervision is regular in social care but patchy elsewhere, the group said.",
            "People felt senior leaders set direction but are rarely seen at the front line.",
        ),
        (
            "Little has changed: supervision remains strong in social care and uneven in other services.",
            "The group noted more joint management meetings, but no change yet in day-to-day support.",
        ),
    ),
    "violet": (
        (
            "The group knew of a workforce survey but had not seen its results used.",
            "Recruitment is handled service by service, with no shared picture of vacancies.",
        ),
        (
            "Vacancies have grown in two services and the group felt retention had slipped since last year.",
            "Agency staff cover more posts than a year ago, which the group saw as a step back.",
        ),
    ),
    "pink": (
        (
            "Only the youth service has involved young people in interviews, the group said.",
            "Feedback from children is collected but the group could not say what it had changed.",
        ),
        (
            "Young people now sit on interview panels in two services, and the group wants this to spread.",
            "Children helped design one training session this year; parents have not yet been involved.",
        ),
    ),
}


CHILD_EVIDENCE = {
    "red": (
        "Most children said they know an adult to tell if they feel unsafe.",
        "Children said they feel safe and know who to talk to; a few said helpers change too often.",
    ),
    "orange": (
        "Children said meetings about them use words they do not understand.",
        "Children said adults explain things more clearly, though some letters are still hard to follow.",
    ),
    "yellow": (
        "Children said adults ask how they are doing but not often what they want to change.",
        "Children gave examples of adults helping them reach a goal they had set themselves.",
    ),
    "green": (
        "Children said they have to tell their story again to each new person.",
        "Several children said one main grown-up now sorts out their help, so they repeat themselves less.",
    ),
    "blue": (
        "Children said most adults who help them seem to know what they are doing.",
        "Children said new helpers seem well prepared, but some do not know about other services.",
    ),
    "indigo": (
        "Children said they do not know who is in charge of the people who help them.",
        "Children still did not know who to go to if their helper could not sort something out.",
    ),
    "violet": (
        "Children said their helpers change often and they have to get to know someone new.",
        "Children said helpers had changed more often this year, which they did not like.",
    ),
    "pink": (
        "No child in the group had been asked to help choose or train a helper.",
        "Two children in the group had been on an interview panel and said they felt listened to.",
    ),
}
