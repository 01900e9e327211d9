"""GET /healthz: 200 while the database answers, 503 with a reason when it does not."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def test_healthy_service_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unreachable_database_answers_503() -> None:
    settings = Settings(_env_file=None, database_url="postgresql://nobody@127.0.0.1:1/none")  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "detail": "the database is not answering"}
