"""Publishing a round (design.md section 3a): its figures exist for staff only once a lead publishes it, after
all its focus groups have closed; late answers need the round reopened, then published again."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.db.engine import write_session
from app.permissions import LEADS
from app.services.disclosure.publication import PublicationRules, publish, reopen
from app.store import rounds
from app.web.auth import StaffUser
from app.web.openapi import error_responses
from app.web.params import RoundId
from app.web.state import AppState, State

router = APIRouter(prefix="/api", tags=["publication"])


class PublicationOut(BaseModel):
    round_id: int
    publication: int = Field(description="1 for the round's first publication, 2 for the next, ...")
    published_at: datetime


class ReopenOut(BaseModel):
    round_id: int
    taking_answers: bool


def publication_rules(state: AppState) -> PublicationRules:
    return PublicationRules(state.settings.min_group_size, state.settings.max_publications_per_day)


@router.post(
    "/rounds/{round_id}/publish",
    response_model=PublicationOut,
    responses=error_responses(401, 403, 404, 409, 429),
)
def publish_round(round_id: RoundId, staff: StaffUser, state: State) -> PublicationOut:
    """Leads of the round's trust: publish the round, so that its figures (scores, charts, comparisons,
    downloads) exist for the trust's staff, each checked against everything shown before. 409 naming the
    focus groups not yet closed; 429 with Retry-After once the trust has published as often as a day
    allows."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        disclosure = publish(db, actor=staff, db_round=db_round, rules=publication_rules(state))
        return PublicationOut(
            round_id=round_id, publication=disclosure.number or 0, published_at=disclosure.at
        )


@router.post(
    "/rounds/{round_id}/reopen", response_model=ReopenOut, responses=error_responses(401, 403, 404, 409)
)
def reopen_round(round_id: RoundId, staff: StaffUser, state: State) -> ReopenOut:
    """Leads of the round's trust: let a published round take late answers (new focus groups, paper entries,
    an import). Staff go on seeing its last publication until it is published again."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        reopen(db, actor=staff, db_round=db_round)
    return ReopenOut(round_id=round_id, taking_answers=True)
