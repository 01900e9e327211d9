"""Loading questionnaires: every file is checked against the framework and every problem is reported."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from framework.model import load_framework
from framework.problems import DataError
from surveys import DEFAULT_SURVEYS_DIR, load_surveys

FRAMEWORK = load_framework()


@pytest.fixture
def surveys_dir(tmp_path: Path) -> Path:
    """A copy of the default questionnaires that a test may break."""
    target = tmp_path / "surveys"
    target.mkdir()
    for path in DEFAULT_SURVEYS_DIR.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def edit(directory: Path, arc: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / f"{arc}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_surveys(directory, FRAMEWORK)
    return [str(problem) for problem in caught.value.problems]


def test_the_default_questionnaires_cover_every_arc_and_viewpoint() -> None:
    book = load_surveys(DEFAULT_SURVEYS_DIR, FRAMEWORK)
    assert book.questionnaire_count == 40
    assert book.item("orange.child.1").child_text


def test_unknown_arc_is_refused(surveys_dir: Path) -> None:
    (surveys_dir / "crimson.yaml").write_text("arc: crimson\nitems: {}\n", encoding="utf-8")
    assert problems_of(surveys_dir) == [
        "crimson.yaml: arc: unknown arc 'crimson' "
        "(the framework has red, orange, yellow, green, blue, indigo, violet, pink)"
    ]


def test_unknown_viewpoint_is_refused(surveys_dir: Path) -> None:
    item = {"code": "red.parent.1", "text": "Parents are told who to call."}
    edit(surveys_dir, "red", lambda raw: raw["items"].update(parent=[item]))
    assert problems_of(surveys_dir) == ["red.yaml: items.parent: unknown viewpoint 'parent'"]


def test_duplicate_code_names_both_places(surveys_dir: Path) -> None:
    edit(surveys_dir, "blue", lambda raw: raw["items"]["team"][1].update(code="blue.team.1"))
    assert problems_of(surveys_dir) == [
        "blue.yaml: items.team[1].code: duplicate code 'blue.team.1' (also blue.yaml items.team[0])"
    ]


def test_viewpoint_without_statements_is_refused(surveys_dir: Path) -> None:
    edit(surveys_dir, "green", lambda raw: raw["items"].update(team=[]))
    assert problems_of(surveys_dir) == ["green.yaml: items.team: no statements for viewpoint 'team'"]


def test_missing_viewpoint_is_refused(surveys_dir: Path) -> None:
    edit(surveys_dir, "green", lambda raw: raw["items"].pop("service"))
    assert problems_of(surveys_dir) == ["green.yaml: items.service: no statements for viewpoint 'service'"]


def test_arc_without_a_questionnaire_is_refused(surveys_dir: Path) -> None:
    (surveys_dir / "pink.yaml").unlink()
    assert problems_of(surveys_dir) == ["surveys: no questionnaire for arc 'pink' (expected pink.yaml)"]


def test_code_must_match_its_arc_and_viewpoint(surveys_dir: Path) -> None:
    edit(surveys_dir, "red", lambda raw: raw["items"]["team"][0].update(code="red.service.9"))
    assert problems_of(surveys_dir) == [
        "red.yaml: items.team[0].code: 'red.service.9' should be 'red.team.<number>'"
    ]


def test_a_malformed_code_is_reported_once_with_what_it_should_be(surveys_dir: Path) -> None:
    edit(surveys_dir, "red", lambda raw: raw["items"]["team"][0].update(code="red-team-1"))
    assert problems_of(surveys_dir) == [
        "red.yaml: items.team[0].code: 'red-team-1' should be 'red.team.<number>'"
    ]


def test_children_need_child_wording(surveys_dir: Path) -> None:
    edit(surveys_dir, "red", lambda raw: raw["items"]["child"][0].pop("child_text"))
    assert problems_of(surveys_dir) == [
        "red.yaml: items.child[0].child_text: children's statements need child-friendly text"
    ]


def test_adults_have_no_child_wording(surveys_dir: Path) -> None:
    edit(surveys_dir, "red", lambda raw: raw["items"]["trust"][0].update(child_text="Hello"))
    assert problems_of(surveys_dir) == [
        "red.yaml: items.trust[0].child_text: only children's statements have child_text"
    ]


def test_file_must_be_named_for_its_arc(surveys_dir: Path) -> None:
    (surveys_dir / "violet.yaml").rename(surveys_dir / "purple.yaml")
    assert problems_of(surveys_dir) == [
        "purple.yaml: arc: is 'violet' but the file is named purple.yaml; name it violet.yaml"
    ]


def test_problems_in_several_files_are_reported_together(surveys_dir: Path) -> None:
    edit(surveys_dir, "red", lambda raw: raw["items"].update(team=[]))
    edit(surveys_dir, "pink", lambda raw: raw["items"]["child"][0].pop("text"))
    (surveys_dir / "orange.yaml").write_text("arc: orange\nitems: [oops\n", encoding="utf-8")
    found = problems_of(surveys_dir)
    assert "red.yaml: items.team: no statements for viewpoint 'team'" in found
    assert "pink.yaml: items.child[0].text: required field is missing" in found
    assert any(problem.startswith("orange.yaml: line ") for problem in found)
    assert len(found) == 3


def test_a_missing_folder_is_reported(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: is not a folder of questionnaire files"
    ]
