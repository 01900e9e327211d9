"""The audit log, for site administrators: filtered by who, what, when and outcome, a page at a time, and
as CSV (/admin/audit.csv) with the same filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.db.engine import read_session
from app.errors import Invalid
from app.services.audit_log import ACTION_WORDS, OUTCOME_WORDS, AuditFilter, AuditView, audit_csv, audit_view
from app.web.auth import AdminUser
from app.web.pages import PageRoute, path_for, render_page
from app.web.state import State

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=PageRoute)
Text = Annotated[str, Query(max_length=320)]


@dataclass(frozen=True)
class AuditPage:
    view: AuditView
    wanted: AuditFilter
    actions: dict[str, str]  # code -> words, for the filter
    outcomes: dict[str, str]
    csv_url: str
    newer_url: str | None
    older_url: str | None


def _day(field: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(field, "give a date as YYYY-MM-DD, for example 2010-04-01") from None


def audit_filter(
    who: Text = "", action: Text = "", since: Text = "", until: Text = "", outcome: Text = ""
) -> AuditFilter:
    """The filter a form or link asked for.

    :raises Invalid: naming the field: an unknown action or outcome, a date that is not YYYY-MM-DD, or a
        range that ends before it starts.
    """
    if action and action not in ACTION_WORDS:
        raise Invalid("action", "choose an action from the list")
    if outcome and outcome not in OUTCOME_WORDS:
        raise Invalid("outcome", "choose succeeded or failed")
    wanted = AuditFilter(who.strip(), action, _day("since", since), _day("until", until), outcome)
    if wanted.since and wanted.until and wanted.until < wanted.since:
        raise Invalid("until", "the last day comes before the first")
    return wanted


Wanted = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("/audit", response_class=HTMLResponse, name="admin.audit_log")
def audit_log(
    request: Request,
    staff: AdminUser,
    state: State,
    wanted: Wanted,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Site administrators: the audit log, newest first, filtered and a page at a time."""
    with read_session(state.engine) as db:
        view = audit_view(db, wanted=wanted, page=page)
    query = wanted.query()

    def page_url(number: int) -> str:
        return path_for(request, "admin.audit_log", query={**query, "page": number})

    return render_page(
        request,
        "admin/audit.html",
        AuditPage(
            view=view,
            wanted=wanted,
            actions=ACTION_WORDS,
            outcomes=OUTCOME_WORDS,
            csv_url=path_for(request, "admin.audit_log_csv", query=query),
            newer_url=page_url(view.page - 1) if view.page > 1 else None,
            older_url=page_url(view.page + 1) if view.page < view.pages else None,
        ),
    )


@router.get("/audit.csv", name="admin.audit_log_csv")
def audit_log_csv(staff: AdminUser, state: State, wanted: Wanted) -> Response:
    """Site administrators: the filtered audit log as CSV, newest first."""
    with read_session(state.engine) as db:
        body = audit_csv(db, wanted=wanted)
    return Response(
        ("\ufeff" + body).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
