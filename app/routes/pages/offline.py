"""What a tablet needs to keep working offline (issue 15): the service worker (``/sw.js``, served from the
root so that it may look after ``/join`` and ``/respond``), the web app manifest, and the rule that makes the
blank questionnaire copies a tablet keeps cacheable (`OfflineCopyMiddleware`).

The service worker's code is ``static/js/sw.js``; this route puts in front of it the list of files to keep,
each with a digest of its content, so that a changed file gives a changed service worker and tablets update.
`app.services.offline` explains the join pass the copies are asked for with.
"""

from __future__ import annotations

import functools
import hashlib
import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services.offline import PASS_HEADER
from app.web.pages import PageRoute
from app.web.state import State
from app.web.templating import STATIC_DIR

router = APIRouter(include_in_schema=False, route_class=PageRoute)

#: The app's shell, kept on a tablet once it has opened a respondent page: styles, scripts and images.
SHELL_FILES = (
    "css/rainbow.css",
    "css/respond.css",
    "js/respond.js",
    "js/outbox-core.js",
    "js/outbox.js",
    "vendor/htmx.min.js",
    "vendor/idb-keyval.js",
)
SHELL_IMAGES = "img/*.svg"


@functools.cache
def precache_list() -> tuple[dict[str, str], ...]:
    """Each shell file's URL and a digest of its content (Workbox's revision)."""
    files = [STATIC_DIR / name for name in SHELL_FILES] + sorted(STATIC_DIR.glob(SHELL_IMAGES))
    return tuple(
        {
            "url": "/static/" + path.relative_to(STATIC_DIR).as_posix(),
            "revision": hashlib.sha256(path.read_bytes()).hexdigest()[:16],
        }
        for path in files
        if path.exists()
    )


@router.get("/sw.js", name="offline.service_worker")
def service_worker(state: State) -> Response:
    """Anyone: the service worker, with the shell to keep and its revisions."""
    shell = [*precache_list(), {"url": "/framework.css", "revision": state.framework.version}]
    body = f"self.RAINBOW_PRECACHE = {json.dumps(shell)};\n" + (STATIC_DIR / "js" / "sw.js").read_text()
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@router.get("/manifest.webmanifest", name="offline.manifest")
def manifest(request: Request) -> Response:
    """Anyone: the web app manifest, so a facilitator can add the questionnaire to a tablet's home screen."""
    body = {
        "name": "OCW Rainbow questionnaire",
        "short_name": "Rainbow",
        "description": "Answer a One Children's Workforce focus group on this tablet, even offline.",
        "start_url": "/join",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d3557",
        "icons": [{"src": "/static/img/favicon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return Response(
        json.dumps(body), media_type="application/manifest+json", headers={"Cache-Control": "no-cache"}
    )


class OfflineCopyMiddleware:
    """A respondent page (or the join page) asked for with a join pass is the blank copy a tablet keeps, so
    it may be cached (``private, no-cache``) where every other page is ``no-store``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _is_copy(scope):
            await self.app(scope, receive, send)
            return

        async def send_cacheable(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers += [(b"cache-control", b"private, no-cache"), (b"vary", PASS_HEADER.encode())]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_cacheable)


def _is_copy(scope: Scope) -> bool:
    path: str = scope["path"]
    if path != "/join" and path != "/respond" and not path.startswith("/respond/"):
        return False
    wanted = PASS_HEADER.lower().encode()
    return any(name == wanted for name, _ in scope.get("headers", []))
