"""Settings: typed, read from RAINBOW_* variables, refused with a message naming the field, all documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings
from tests.paths import PROJECT_ROOT


def test_defaults_use_a_sqlite_file_in_var() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite:///var/rainbow.db"
    assert settings.framework_file.name == "ocw.yaml"


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAINBOW_DATABASE_URL", "postgresql://someone@db.example:5432/rainbow")
    monkeypatch.setenv("RAINBOW_LOG_LEVEL", "debug")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgresql://someone@db.example:5432/rainbow"
    assert settings.log_level == "debug"


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RAINBOW_SQLITE_BUSY_TIMEOUT_MS=1234\n", encoding="utf-8")
    assert Settings(_env_file=env_file).sqlite_busy_timeout_ms == 1234  # type: ignore[call-arg]


def test_an_unsupported_database_is_refused_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAINBOW_DATABASE_URL", "mysql://root@localhost/test")
    with pytest.raises(ValidationError, match="database_url"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_a_bad_number_is_refused_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAINBOW_SQLITE_BUSY_TIMEOUT_MS", "soon")
    with pytest.raises(ValidationError, match="sqlite_busy_timeout_ms"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_every_setting_is_described() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name


def test_the_readme_configuration_table_lists_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(RAINBOW_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    expected = {f"RAINBOW_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected
