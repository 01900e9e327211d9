"""Errors that carry their HTTP status, raised by service code and turned into responses in one place.

    AppError (500)
    ├── BadRequest (400)
    ├── NotAuthenticated (401)   pages answer it with a redirect to /login
    │   └── SessionClosed (410)  answers for a closed session: the tablet drops them (``Outbox-Action``)
    ├── Forbidden (403)
    │   └── SecondFactorRequired (403)   pages answer it with a redirect to /account/security
    ├── NotFound (404)           also for objects of another trust: their existence is not revealed
    ├── Conflict (409)
    ├── Gone (410)               a link that has expired or has been used
    ├── Invalid (422)            names the field
    ├── TooManyRequests (429)    carries Retry-After
    └── ServiceUnavailable (503)

This module is a leaf: it imports nothing from the rest of the app.
"""

from __future__ import annotations


class AppError(Exception):
    """An error the service reports to the client as `status` with `detail` (safe to show)."""

    status = 500
    title = "Something went wrong"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(AppError):
    status = 400
    title = "That request could not be understood"


class NotAuthenticated(AppError):
    status = 401
    title = "Please sign in"


class SessionClosed(NotAuthenticated):
    """Answers for a session that has closed: they will never be taken, so a tablet's outbox should drop them
    rather than retry (the ``Outbox-Action: drop`` header says so)."""

    status = 410
    title = "This session has finished"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Outbox-Action": "drop"})


class Forbidden(AppError):
    status = 403
    title = "You do not have access to this"


class SecondFactorRequired(Forbidden):
    """Signed in, but `RAINBOW_REQUIRE_MFA_FOR` asks this person to set up a second factor first."""

    title = "Set up your second factor first"


class NotFound(AppError):
    status = 404
    title = "Not found"


class Conflict(AppError):
    status = 409
    title = "That clashes with something that already exists"


class Gone(AppError):
    status = 410
    title = "That link no longer works"


class Invalid(AppError):
    """Input that breaks a rule; `field` names the input at fault (`problems` lists all, when several)."""

    status = 422
    title = "Some of what was sent is not valid"

    def __init__(self, field: str, message: str, *, more: list[tuple[str, str]] | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.problems = [(field, message), *(more or [])]

    @classmethod
    def every(cls, problems: list[tuple[str, str]]) -> Invalid:
        """One error carrying several problems, e.g. every bad line of an imported file."""
        (field, message), *more = problems
        return cls(field, message, more=more)


class TooManyRequests(AppError):
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status = 503
    title = "The service is not available just now"
