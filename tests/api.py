"""Using the JSON API as a client would, for tests that need rounds with answers: tokens, imports, rounds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import World, add_round, app_state


def bearer(world: World, role: str = "lead_a") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def import_csv(client: TestClient, world: World, round_id: int, rows: list[str]) -> None:
    body = "respondent,viewpoint,item,rating\n" + "\n".join(rows) + "\n"
    response = client.post(
        f"/api/rounds/{round_id}/answers/import",
        content=body.encode(),
        headers={**bearer(world), "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text


def two_rounds(client: TestClient, world: World) -> tuple[int, int]:
    """Trust A's baseline (world.round_a) and a re-assessment where team scores rose on orange."""
    later = add_round(app_state(client).engine, trust_id=world.trust_a, name="2010 re-assessment")
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,{1 + n % 3}" for n in range(12)])
    import_csv(client, world, later, [f"t{n},team,orange.team.1,{3 + n % 3}" for n in range(12)])
    return world.round_a, later
