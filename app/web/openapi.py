"""The OpenAPI document, saying what the API really answers.

FastAPI documents its own validation-error shape (``loc``/``msg``/``type``); ours is
``{"detail": [{"field", "message"}]}`` (see app.web.error_pages), so the document is corrected here. Every
operation that takes a body may also answer 400 for a body that cannot be parsed.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    """Every error but a validation error: ``{"detail": "what went wrong, in words"}``."""

    detail: str


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the errors an operation may answer."""
    return {status: {"model": ErrorDetail, "description": _DESCRIPTIONS[status]} for status in statuses}


_DESCRIPTIONS = {
    400: "The request is missing something it needs (e.g. a header)",
    401: "Not signed in, or the API token is not valid",
    403: "Signed in, but the role does not allow this",
    404: "No such object, or it belongs to another trust",
    409: "It clashes with something that exists, or with the object's state",
    410: "Gone for good (a closed session): Outbox-Action: drop tells an offline outbox not to retry",
    413: "The request body is larger than this operation takes (RAINBOW_MAX_BODY_BYTES, or the import's own)",
    429: "Too many failed attempts lately; Retry-After says when to try again",
}

_FIELD_PROBLEM = {
    "title": "FieldProblem",
    "type": "object",
    "required": ["field", "message"],
    "properties": {
        "field": {"type": "string", "description": "Where the problem is, e.g. body.name or path.round_id"},
        "message": {"type": "string"},
    },
}
_VALIDATION_PROBLEMS = {
    "title": "ValidationProblems",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}}},
}
_ERROR_DETAIL_REF = {"$ref": "#/components/schemas/ErrorDetail"}


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["HTTPValidationError"] = _VALIDATION_PROBLEMS
    schemas["FieldProblem"] = _FIELD_PROBLEM
    schemas.pop("ValidationError", None)
    schemas.setdefault("ErrorDetail", ErrorDetail.model_json_schema())
    _name_framework_keys(schemas, app)
    _require_idempotency_keys(document)
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if "requestBody" in operation:
                operation["responses"].setdefault(
                    "400",
                    {
                        "description": "The body could not be read (not JSON, or not UTF-8)",
                        "content": {"application/json": {"schema": _ERROR_DETAIL_REF}},
                    },
                )
    app.openapi_schema = document
    return document


def _name_framework_keys(schemas: dict[str, Any], app: FastAPI) -> None:
    """The framework is data, so the models take any text for arcs and viewpoints and check it against the
    framework in use; the document names the keys that framework has."""
    framework = app.state.rainbow.framework
    arcs, viewpoints = list(framework.arc_keys), list(framework.viewpoint_keys)
    create = schemas.get("SessionCreate", {}).get("properties", {})
    if create:
        create["viewpoint"] = {**create["viewpoint"], "enum": viewpoints}
        create["arcs"]["items"] = {"type": "string", "enum": arcs}
    for name in ("TargetIn", "SupportNeedIn"):
        properties = schemas.get(name, {}).get("properties", {})
        if properties:
            properties["arc"] = {**properties["arc"], "enum": arcs}
    target = schemas.get("TargetIn", {}).get("properties", {})
    if target:
        target["viewpoint"] = {
            "anyOf": [{"type": "string", "enum": viewpoints}, {"type": "null"}],
            "description": target["viewpoint"].get("description", ""),
        }
    action = schemas.get("ActionIn", {}).get("properties", {})
    if action:
        action["arcs"]["items"] = {"type": "string", "enum": arcs}


def _require_idempotency_keys(document: dict[str, Any]) -> None:
    """The handler takes the header as optional only so that a missing key gets the 400 the contract asks for
    (FastAPI would answer 422); the document says it is required."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header" and parameter["name"].lower() == "idempotency-key":
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 200}
