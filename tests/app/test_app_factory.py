"""`create_app` reads the framework and questionnaires its settings name, or uses parsed ones it is given."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from framework.model import DEFAULT_FRAMEWORK_FILE
from tests.apps import build_app, shipped_catalogue
from tests.factories import app_state

pytestmark = pytest.mark.database


def test_an_app_given_the_parsed_framework_and_questionnaires_uses_them(migrated: Settings) -> None:
    framework, surveys = shipped_catalogue()
    with TestClient(create_app(migrated, framework=framework, surveys=surveys)) as client:
        state = app_state(client)
        assert state.framework is framework and state.surveys is surveys
        assert client.get("/api/surveys/orange/child").status_code == 200


def test_an_app_given_only_a_framework_reads_the_questionnaires_against_it(migrated: Settings) -> None:
    framework, surveys = shipped_catalogue()
    state = create_app(migrated, framework=framework).state.rainbow
    assert state.framework is framework
    assert state.surveys is not surveys and state.surveys.item_count == surveys.item_count
    state.engine.dispose()


def test_questionnaires_without_their_framework_are_refused(migrated: Settings) -> None:
    _, surveys = shipped_catalogue()
    with pytest.raises(ValueError, match="pass the framework the surveys were loaded with"):
        create_app(migrated, surveys=surveys)


def test_an_app_whose_settings_name_another_framework_reads_it(migrated: Settings, tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_FRAMEWORK_FILE.read_text(encoding="utf-8"))
    raw["version"] = "2010.7"
    own = tmp_path / "own.yaml"
    own.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    settings = migrated.model_copy(update={"framework_file": own})
    with TestClient(build_app(settings)) as client:
        assert client.get("/api/framework").json()["version"] == "2010.7"
        assert app_state(client).framework is not shipped_catalogue()[0]
