"""The demo's evidence: what each focus group said when it agreed a rating, in words that fit the rating and
the people in the room. Everything is made up."""

from __future__ import annotations

# What a group said when it agreed a rating, by how integrated it agreed things were: "low" for an agreed 1
# or 2, "middle" for 3, "high" for 4 or 5, so that the evidence always fits the rating beside it. Staff
# groups have two notes per arc and level, each said by the group's own people (`STAFF_SPEAKERS`), so that no
# two viewpoints of an arc read the same; children's groups have one, in children's words.
EvidenceLevel = str  # "low", "middle" or "high"


def evidence_level(agreed: int) -> EvidenceLevel:
    """Which notes fit a group's agreed rating (1 to 5)."""
    return "low" if agreed <= 2 else "middle" if agreed == 3 else "high"


STAFF_SPEAKERS = {
    "practitioner": "The practitioners",
    "team": "The team managers",
    "service": "The heads of service",
    "trust": "Board members",
}


STAFF_EVIDENCE: dict[str, dict[EvidenceLevel, tuple[str, str]]] = {
    "red": {
        "low": (
            "described waiting lists that grew while posts stood empty, and cover for absences that fails.",
            "could not agree who holds a referral when two services are both involved.",
        ),
        "middle": (
            "said referral routes are clear and well used, but cover during holidays is still thin.",
            "gave examples of quick joint visits, while saying caseloads remain high.",
        ),
        "high": (
            "described joint safeguarding visits within a day and cover arranged across services.",
            "said every service now follows the same escalation route, and showed the audit that checks it.",
        ),
    },
    "orange": {
        "low": (
            "said each service has its own terms for the same thing, which confuses parents.",
            "could not name values that all partners had signed up to.",
        ),
        "middle": (
            "said the shared glossary is used in locality meetings, though some forms still use old terms.",
            "quoted the shared values, but said not every service uses them with families yet.",
        ),
        "high": (
            "gave several examples of using the shared values and language with families and each other.",
            "said jargon has largely gone from meetings and letters, and new staff learn the glossary first.",
        ),
    },
    "yellow": {
        "low": (
            "said reports mostly count contacts made rather than changes for children.",
            "knew of no service that reviews outcomes with families.",
        ),
        "middle": (
            "said some teams review outcomes with families; most do not yet.",
            "agreed outcome measures exist on paper but are patchy in practice.",
        ),
        "high": (
            "described outcome reviews with families in every locality, and reports that lead with them.",
            "showed how outcome measures now shape the plan for each child.",
        ),
    },
    "green": {
        "low": (
            "described using the CAF with schools but not yet with health visitors.",
            "knew of team around the child meetings in only one locality.",
        ),
        "middle": (
            "said team around the child meetings happen in most localities, but information sharing stalls.",
            "gave examples of a lead professional named quickly, and others where no one took the role.",
        ),
        "high": (
            "gave three examples of a lead professional named within a fortnight, health visitors included.",
            "said team around the child meetings are routine in every locality.",
        ),
    },
    "blue": {
        "low": (
            "said few people have trained alongside other services, and induction ignores partners' roles.",
            "said releasing staff for training is rarely possible.",
        ),
        "middle": (
            "valued the new multi-agency induction day, though places are limited.",
            "said the common core training has reached most services but few schools.",
        ),
        "high": (
            "said everyone new does the multi-agency induction, and services share their training plans.",
            "described joint training that practitioners ask for by name.",
        ),
    },
    "indigo": {
        "low": (
            "said supervision is regular in social care but patchy elsewhere.",
            "said senior leaders set direction but are rarely seen at the front line.",
        ),
        "middle": (
            "noted more joint management meetings, but little change in day-to-day support.",
            "said supervision has improved in two services, and is still uneven in the rest.",
        ),
        "high": (
            "described regular supervision in every service and managers who plan together.",
            "said leaders from all partners visit localities and act on what they hear.",
        ),
    },
    "violet": {
        "low": (
            "said vacancies have grown and agency staff cover posts for months at a time.",
            "said recruitment is handled service by service, with no shared picture of vacancies.",
        ),
        "middle": (
            "said the shared vacancy picture has helped, though two services still rely on agency staff.",
            "described a workforce survey whose results were used for the first time this year.",
        ),
        "high": (
            "said posts are filled faster since recruitment was joined up, and fewer people leave.",
            "showed workforce data that all partners now use to plan.",
        ),
    },
    "pink": {
        "low": (
            "said children's feedback is collected but could not say what it had changed.",
            "said only the youth service has involved young people in interviews.",
        ),
        "middle": (
            "said young people now sit on interview panels in two services, and want this to spread.",
            "said children helped design one training session, while parents have not yet been involved.",
        ),
        "high": (
            "said young people sit on most interview panels and help run training.",
            "showed how children's feedback changed two services this year, and told the children so.",
        ),
    },
}


CHILD_EVIDENCE: dict[str, dict[EvidenceLevel, str]] = {
    "red": {
        "low": "Some children said they would not know which adult to tell if they felt unsafe.",
        "middle": "Most children said they know an adult to tell, but a few said helpers change too often.",
        "high": "Children said they feel safe and know who to talk to, at school and at home.",
    },
    "orange": {
        "low": "Children said meetings about them use words they do not understand.",
        "middle": "Children said adults explain things more clearly, though some letters are hard to follow.",
        "high": "Children said adults talk to them in words they understand and check they have understood.",
    },
    "yellow": {
        "low": "Children said adults ask how they are doing but not what they want to change.",
        "middle": "Some children said an adult helped them reach a goal; others were never asked for one.",
        "high": "Children gave examples of adults helping them reach goals they had set themselves.",
    },
    "green": {
        "low": "Children said they have to tell their story again to each new person.",
        "middle": "Some children said one main grown-up sorts out their help; others repeat their story.",
        "high": "Children said one main grown-up sorts out their help, so they no longer repeat themselves.",
    },
    "blue": {
        "low": "Children said some adults who help them do not seem to know what to do.",
        "middle": "Children said new helpers seem well prepared, but some do not know about other services.",
        "high": "Children said their helpers know what they are doing and know the other people who help.",
    },
    "indigo": {
        "low": "Children said they do not know who is in charge of the people who help them.",
        "middle": "Children knew who to go to if their helper could not sort something out, but it was slow.",
        "high": "Children said that when their helper could not sort something out, a manager quickly did.",
    },
    "violet": {
        "low": "Children said their helpers change often and they have to get to know someone new.",
        "middle": "Children said their helpers changed less often this year, though some still moved on.",
        "high": "Children said they have had the same helper for a long time and like it that way.",
    },
    "pink": {
        "low": "No child in the group had been asked to help choose or train a helper.",
        "middle": "Two children had been on an interview panel; the others did not know they could be.",
        "high": "Several children had helped choose or train helpers and said they felt listened to.",
    },
}


def evidence_for(arc: str, viewpoint: str, agreed: int, number: int) -> str:
    """A group's evidence for its agreed rating: words that fit the rating, said by the group's own people
    (a staff viewpoint's two notes alternate between its sessions)."""
    level = evidence_level(agreed)
    if viewpoint == "child":
        return CHILD_EVIDENCE[arc][level]
    notes = STAFF_EVIDENCE[arc][level]
    return f"{STAFF_SPEAKERS[viewpoint]} {notes[number % len(notes)]}"
