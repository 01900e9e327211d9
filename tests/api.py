"""Using the JSON API as a client would, for tests that need rounds with answers: tokens, imports, rounds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import World, add_round, app_state


def bearer(world: World, role: str = "lead_a") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def import_csv(
    client: TestClient, world: World, round_id: int, rows: list[str], *, publish_it: bool = True
) -> None:
    """Import answers into the round as a lead, then (by default) publish it, so that its figures exist; a
    round already published is reopened for the late answers first."""
    if publish_it and _is_published(client, world, round_id):
        reopen(client, world, round_id)
    body = "respondent,viewpoint,item,rating\n" + "\n".join(rows) + "\n"
    response = client.post(
        f"/api/rounds/{round_id}/answers/import",
        content=body.encode(),
        headers={**bearer(world), "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    if publish_it:
        publish(client, world, round_id)


def _is_published(client: TestClient, world: World, round_id: int) -> bool:
    return client.get(f"/api/rounds/{round_id}/scores", headers=bearer(world)).status_code == 200


def two_rounds(client: TestClient, world: World) -> tuple[int, int]:
    """Trust A's baseline (world.round_a) and a re-assessment where team scores rose on orange."""
    later = add_round(app_state(client).engine, trust_id=world.trust_a, name="2010 re-assessment")
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,{1 + n % 3}" for n in range(12)])
    import_csv(client, world, later, [f"t{n},team,orange.team.1,{3 + n % 3}" for n in range(12)])
    return world.round_a, later


def publish(client: TestClient, world: World, round_id: int, role: str = "lead_a") -> dict[str, object]:
    """Publish the round as a lead, closing its focus groups still open first (a round is published only
    once they are all closed): its figures then exist."""
    sessions = client.get(f"/api/rounds/{round_id}/sessions", headers=bearer(world, role))
    assert sessions.status_code == 200, sessions.text
    for session in sessions.json():
        if session["state"] != "closed":
            closed = client.post(
                f"/api/sessions/{session['id']}/state", json={"state": "closed"}, headers=bearer(world, role)
            )
            assert closed.status_code == 200, closed.text
    response = client.post(f"/api/rounds/{round_id}/publish", headers=bearer(world, role))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def reopen(client: TestClient, world: World, round_id: int, role: str = "lead_a") -> None:
    """Let a published round take late answers again."""
    response = client.post(f"/api/rounds/{round_id}/reopen", headers=bearer(world, role))
    assert response.status_code == 200, response.text
