"""Errors that carry their HTTP status, raised by service code and turned into responses in one place.

    AppError (500)
    ├── BadRequest (400)
    ├── NotFound (404)
    └── ServiceUnavailable (503)

This module is a leaf: it imports nothing from the rest of the app.
"""

from __future__ import annotations


class AppError(Exception):
    """An error the service reports to the client as `status` with `detail` (safe to show)."""

    status = 500
    title = "Something went wrong"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(AppError):
    status = 400
    title = "That request could not be understood"


class NotFound(AppError):
    status = 404
    title = "Not found"


class ServiceUnavailable(AppError):
    status = 503
    title = "The service is not available just now"
