"""The attacker: a trust lead and a viewer of trust A who drive a round through the app's HTTP routes (or, for
answers, the app's own store, as tablets leave them), record every figure any output gives them, and ask
`algebra.Knowledge` whether those figures determine what any small group of respondents said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from tests.answers import add_people
from tests.api import bearer
from tests.disclosure import readers
from tests.disclosure.algebra import RATINGS, Finding, Knowledge, Target
from tests.disclosure.readers import Figure, Labels
from tests.disclosure.truth import Answer, Scope, Truth
from tests.factories import World, app_state, browse_as, csrf_headers

ARC = "orange"
VIEWPOINTS = ("child", "team")
#: The statements the generated respondents answer (the cell holds five; three keep the rounds small).
ITEMS = {viewpoint: tuple(f"{ARC}.{viewpoint}.{n}" for n in (1, 2, 3)) for viewpoint in VIEWPOINTS}


@dataclass
class Tally:
    """The attacker's numbers, for the issue note."""

    rounds: int = 0
    figures: int = 0
    equations: int = 0
    groups_checked: int = 0  # small groups (fewer than k raters) and single respondents
    quantities_checked: int = 0  # their sums and counts of each rating
    determined: int = 0
    refused: int = 0
    publications: int = 0
    reveals: int = 0


@dataclass
class Session:
    id: int
    viewpoint: str
    state: str = "open"


@dataclass
class Attacker:
    client: TestClient
    world: World
    k: int = 5
    truth: Truth = field(init=False)
    knowledge: Knowledge = field(default_factory=Knowledge)
    sessions: list[Session] = field(default_factory=list)
    publications: dict[int, int] = field(default_factory=dict)  # number -> moment
    published: bool = False
    figures: list[Figure] = field(default_factory=list)
    _room_moment: dict[tuple[int, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.truth = Truth(self.k)
        state = app_state(self.client)
        self.labels = Labels.of(state.framework)
        self.cell_items = {
            viewpoint: tuple(item.code for item in state.surveys.items(ARC, viewpoint))
            for viewpoint in VIEWPOINTS
        }
        self.arc_of = {code: ARC for items in self.cell_items.values() for code in items}
        self.lead = bearer(self.world, "lead_a")
        self.viewer = bearer(self.world, "viewer_a")
        self.round_id = self.world.round_a
        # The world's own practitioners' group of round A has nobody in it: closed, so the round can publish.
        closed = self.client.post(
            f"/api/sessions/{self.world.session_a}/state", json={"state": "closed"}, headers=self.lead
        )
        assert closed.status_code == 200, closed.text

    # --- events ------------------------------------------------------------------

    def new_session(self, viewpoint: str) -> int | None:
        response = self.client.post(
            f"/api/rounds/{self.round_id}/sessions",
            json={"viewpoint": viewpoint, "arcs": [ARC], "title": f"Group {len(self.sessions) + 1}"},
            headers=self.lead,
        )
        if self.published:
            assert response.status_code in (201, 409), response.text
        else:
            assert response.status_code == 201, response.text
        if response.status_code != 201:
            return None
        session_id = response.json()["id"]
        opened = self.client.post(
            f"/api/sessions/{session_id}/state", json={"state": "open"}, headers=self.lead
        )
        assert opened.status_code == 200, opened.text
        self.sessions.append(Session(session_id, viewpoint))
        return len(self.sessions) - 1

    def arrive(self, index: int, people: Sequence[Mapping[str, Answer]], via: str) -> None:
        """People answer in a focus group: on tablets (through the store, as the tablets' route leaves them),
        or on paper typed in by the facilitator (store) or the lead (the paper form)."""
        session = self.sessions[index]
        self.truth.tick()
        if via == "paper_lead":
            for person in people:
                self._paper_by_lead(index, session, person)
            return
        if session.state == "closed" or self.published:
            return  # nothing a tablet can send to a closed session; the paper form's refusal is tested
        entered = self.world.users["facilitator_a"] if via == "paper_facilitator" else None
        engine = app_state(self.client).engine
        add_people(engine, session.id, [dict(p) for p in people], entered_by=entered)
        for person in people:
            self.truth.add(index, session.viewpoint, dict(person), "facilitator" if entered else None)

    def _paper_by_lead(self, index: int, session: Session, person: Mapping[str, Answer]) -> None:
        browse_as(self.client, self.world.users["lead_a"])
        form = {f"rating-{code}": str(answer) for code, answer in person.items()}
        response = self.client.post(
            f"/facilitate/sessions/{session.id}/paper",
            data=form,
            headers=csrf_headers(self.client),
            follow_redirects=False,
        )
        if session.state == "closed" or self.published:
            assert response.status_code == 409, (response.status_code, session, self.published)
            Stats.tally.refused += 1
            return
        assert response.status_code == 303, response.text
        self.truth.add(index, session.viewpoint, dict(person), "lead")

    def import_csv(self, viewpoint: str, people: Sequence[Mapping[str, Answer]]) -> None:
        """The lead imports answers: a new closed focus group, refused once the round is published."""
        self.truth.tick()
        rows = [
            f"r{self.truth.now}-{n},{viewpoint},{code},{answer}"
            for n, person in enumerate(people)
            for code, answer in person.items()
        ]
        body = "respondent,viewpoint,item,rating\n" + "\n".join(rows) + "\n"
        response = self.client.post(
            f"/api/rounds/{self.round_id}/answers/import",
            content=body.encode(),
            headers={**self.lead, "content-type": "text/csv"},
        )
        if self.published:
            assert response.status_code == 409, response.text
            Stats.tally.refused += 1
            return
        assert response.status_code == 200, response.text
        self.sessions.append(Session(response.json()["sessions"][0], viewpoint, "closed"))
        for person in people:
            self.truth.add(len(self.sessions) - 1, viewpoint, dict(person), "lead")

    def reveal(self, index: int) -> None:
        """The lead shows the room its answers, and reads them."""
        session = self.sessions[index]
        shown = self.client.post(
            f"/api/sessions/{session.id}/reveal", json={"revealed": True}, headers=self.lead
        )
        assert shown.status_code in (200, 409), shown.text
        self.truth.moments.append(self.truth.tick())
        Stats.tally.reveals += 1
        for figure in readers.room_json(self.client, self.lead, session.id, self.arc_of):
            self.record(Figure(**{**figure.__dict__, "viewpoint": session.viewpoint}), index=index)
        browse_as(self.client, self.world.users["lead_a"])
        page = self.client.get(f"/facilitate/sessions/{session.id}")
        if page.status_code == 200:
            for figure in readers.room_page(page.text, session.id, session.viewpoint, self.arc_of):
                self.record(figure, index=index)

    def close(self, index: int) -> None:
        session = self.sessions[index]
        response = self.client.post(
            f"/api/sessions/{session.id}/state", json={"state": "closed"}, headers=self.lead
        )
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:
            session.state = "closed"

    def publish(self) -> None:
        response = self.client.post(f"/api/rounds/{self.round_id}/publish", headers=self.lead)
        still_open = any(s.state != "closed" for s in self.sessions)
        if self.published or still_open:
            assert response.status_code == 409, response.text
            Stats.tally.refused += 1
            return
        assert response.status_code == 200, response.text
        moment = self.truth.tick()
        self.truth.moments.append(moment)
        self.publications[int(response.json()["publication"])] = moment
        self.published = True
        Stats.tally.publications += 1
        self.observe(full=True)

    def reopen(self) -> None:
        response = self.client.post(f"/api/rounds/{self.round_id}/reopen", headers=self.lead)
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:
            self.published = False

    def other_trust_publishes(self) -> None:
        """Trust B imports answers and publishes its own round (its figures feed the cross-trust bands)."""
        lead_b = bearer(self.world, "lead_b")
        round_b = self.world.round_b
        self.client.post(f"/api/rounds/{round_b}/reopen", headers=lead_b)
        body = "respondent,viewpoint,item,rating\n" + "\n".join(
            f"b{self.truth.tick()}-{n},team,{ARC}.team.1,{1 + n % 5}" for n in range(6)
        )
        imported = self.client.post(
            f"/api/rounds/{round_b}/answers/import",
            content=body.encode(),
            headers={**lead_b, "content-type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        assert self.client.post(f"/api/rounds/{round_b}/publish", headers=lead_b).status_code == 200

    def finish(self, *, pdf: bool = True) -> None:
        """The round's end: every group closed, the round published (again), everything read (the PDF too,
        with `pdf`)."""
        for index in range(len(self.sessions)):
            self.close(index)
        if not self.published:
            self.publish()
        self.observe(full=True, pdf=pdf)

    # --- reading ------------------------------------------------------------------

    def observe(self, *, full: bool = False, pdf: bool = False) -> None:
        """Read what the lead and the viewer can: the scores, coverage and the arc's page always; with `full`
        every download, chart and page too."""
        publication, figures = readers.scores_json(self.client, self.lead, self.round_id)
        _, seen_by_viewer = readers.scores_json(self.client, self.viewer, self.round_id)
        self._check_coverage()
        self._check_arc_scores()
        as_published = {(f.arc, f.viewpoint): f.as_published for f in figures}
        browse_as(self.client, self.world.users["viewer_a"])
        page = self.client.get(f"/trust/rounds/{self.round_id}/arcs/{ARC}")
        if page.status_code == 200:
            figures += readers.arc_page(page.text, self.round_id, ARC, self.labels)
        statements = {(f.viewpoint, f.item): f.as_published for f in figures if f.kind == "statement"}
        if full:
            figures += self._everything_else()
        if pdf:  # seconds to draw: read at the end of a round, not at every publication
            figures += readers.board_pack_pdf(self.client, self.viewer, self.round_id, self.labels)
        for figure in [*figures, *seen_by_viewer]:
            if figure.as_published is None:
                earlier = (
                    as_published.get((figure.arc, figure.viewpoint))
                    if figure.kind == "cell"
                    else statements.get((figure.viewpoint, figure.item))
                )
                figure = Figure(**{**figure.__dict__, "as_published": earlier})
            self.record(figure, publication=publication)

    def _everything_else(self) -> list[Figure]:
        figures = readers.scores_csv(self.client, self.lead, self.round_id)
        figures += readers.scores_xlsx(self.client, self.lead, self.round_id, self.arc_of)
        for viewpoint in VIEWPOINTS:
            figures += readers.rainbow_svg(self.client, self.viewer, self.round_id, viewpoint, self.labels)
        browse_as(self.client, self.world.users["viewer_a"])
        dashboard = self.client.get(f"/trust/rounds/{self.round_id}")
        if dashboard.status_code == 200:
            figures += readers.dashboard_page(dashboard.text, self.round_id, self.labels, VIEWPOINTS)
        return [f for f in figures if f.arc == ARC and f.viewpoint in VIEWPOINTS]

    def _check_arc_scores(self) -> None:
        """An arc's score is the mean of its cells shown, the round's the mean of its arcs: nothing of a
        hidden cell goes into either (so they add no equation beyond the cells')."""
        response = self.client.get(f"/api/rounds/{self.round_id}/scores", headers=self.lead)
        if response.status_code != 200:
            return
        body = response.json()
        arcs = {arc["arc"]: arc["score"] for arc in body["arcs"]}
        for arc, score in arcs.items():
            means = [c["mean"] for c in body["cells"] if c["arc"] == arc and c["mean"] is not None]
            expected = sum(means) / len(means) if means else None
            assert (score is None) == (expected is None), f"arc {arc} scored {score} from cells {means}"
            assert score is None or abs(score - expected) < 1e-9, f"arc {arc}: {score}, its cells {means}"
        scored = [score for score in arcs.values() if score is not None]
        if body["overall"] is not None:
            assert abs(body["overall"] - sum(scored) / len(scored)) < 1e-9, "the round score"
        self._check_trend(arcs, body["overall"])

    def _check_trend(self, arcs: dict[str, float | None], overall: float | None) -> None:
        """The trust's trend gives the round's arc and round scores exactly as its scores do (so it adds no
        equation either); its intervals are bootstrap quantiles, no sum of anyone's ratings."""
        response = self.client.get(f"/api/trusts/{self.world.trust_a}/trend", headers=self.viewer)
        assert response.status_code == 200, response.text
        body = response.json()
        rounds = {r["id"]: r for r in body["rounds"]}
        assert self.round_id in rounds, "a published round is on its trust's trend"
        assert rounds[self.round_id]["overall"] == overall
        for line in body["arcs"]:
            point = next(p for p in line["points"] if p["round_id"] == self.round_id)
            assert point["score"] == arcs[line["arc"]], f"trend of {line['arc']}: {point}, scores {arcs}"
            assert (point["ci_low"] is None) == (point["score"] is None)

    def _check_coverage(self) -> None:
        """Coverage gives counts of people, never one below k (nor how many more a cell needs, which is the
        same thing)."""
        for arc, viewpoint, respondents, _ in readers.coverage_json(self.client, self.lead, self.round_id):
            assert respondents == 0 or respondents >= self.k, (
                f"coverage gives {respondents} people for {arc}/{viewpoint}, fewer than {self.k}"
            )

    def record(self, figure: Figure, *, publication: int | None = None, index: int | None = None) -> None:
        """The figure as equations over the hidden ratings, after checking it is what the attacker thinks it
        is (the right people, the right values)."""
        scope = self._scope(figure, publication, index)
        self.figures.append(figure)
        Stats.tally.figures += 1
        label = figure.label + (f" (publication {publication})" if publication else "")
        expected_counts = self.truth.value_counts(scope)
        if figure.counts is not None:
            assert figure.counts == expected_counts, (
                f"{label}: {figure.counts} but the scope gives {expected_counts}"
            )
            for rating in RATINGS:
                self.knowledge.add(f"{label} count of {rating}s", self.truth.counts(scope, rating))
        if figure.mean is not None:
            mean = self.truth.value_mean(scope)
            assert mean is not None and abs(figure.mean - mean) <= figure.precision, (
                f"{label}: mean {figure.mean}, scope {mean}"
            )
            self.knowledge.add(f"{label} mean x n", self.truth.total(scope))
        if figure.n is not None:
            assert figure.n == len(self.truth.raters(scope)), f"{label}: n {figure.n}"

    def _scope(self, figure: Figure, publication: int | None, index: int | None) -> Scope:
        items = self.cell_items[figure.viewpoint] if figure.kind == "cell" else (figure.item or "",)
        if figure.kind == "room":
            assert index is not None and figure.item is not None
            key = (index, figure.item)
            if not figure.as_revealed:
                self._room_moment[key] = self.truth.now
            return Scope(figure.viewpoint, items, self._room_moment[key], session=index)
        if figure.as_published is not None:
            moment = self.publications[figure.as_published]
        elif publication is not None:
            moment = self.publications[publication]
        else:
            moment = self.truth.now  # figures given live, before any publication
        return Scope(figure.viewpoint, items, moment, cell=figure.kind == "cell")

    # --- the proof ------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        for label, vector in [*self.truth.one_rating_each(), *self.truth.known_to_lead()]:
            self.knowledge.add(label, vector)
        targets = self.truth.targets([(v, self.cell_items[v]) for v in VIEWPOINTS])
        Stats.tally.equations += len(self.knowledge.equations)
        found = self.knowledge.determined(targets)
        Stats.tally.groups_checked += self.truth.groups
        Stats.tally.quantities_checked += len(targets)
        Stats.tally.determined += len(found)
        return found

    def sum_is_determined(self, respondents: Sequence[int], items: Sequence[str]) -> bool:
        """Whether the figures fix the sum of these respondents' ratings of `items` (the proof of one
        attack's target, beside `findings`)."""
        for label, vector in [*self.truth.one_rating_each(), *self.truth.known_to_lead()]:
            self.knowledge.add(label, vector)
        target = Target(
            "the attack's target",
            {
                (r.number, item, rating): float(rating)
                for r in self.truth.respondents
                if r.number in respondents
                for item in r.rated(items)
                for rating in RATINGS
            },
        )
        assert target.coefficients, "the attack's target has no ratings"
        return bool(self.knowledge.determined([target]))


class Stats:
    """The numbers of this test run, printed at its end (tests/disclosure/conftest.py)."""

    tally = Tally()
