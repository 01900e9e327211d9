"""Loading and validating a framework file: the good file loads, every kind of broken file is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from framework.model import DEFAULT_FRAMEWORK_FILE, Framework, load_framework
from framework.problems import DataError

Mutation = Callable[[dict[str, Any]], None]


def write_broken(tmp_path: Path, mutate: Mutation, name: str = "broken.yaml") -> Path:
    """A copy of the default framework, changed by `mutate`."""
    raw = yaml.safe_load(DEFAULT_FRAMEWORK_FILE.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_framework(path)
    return [str(problem) for problem in caught.value.problems]


def test_default_framework_loads() -> None:
    framework = load_framework()
    assert isinstance(framework, Framework)
    assert framework.viewpoint_keys == ("child", "practitioner", "team", "service", "trust")


def test_missing_success_viewpoint_names_file_path_and_viewpoint(tmp_path: Path) -> None:
    path = write_broken(tmp_path, lambda raw: raw["arcs"][2]["success"].pop("team"))
    assert problems_of(path) == ["broken.yaml: arcs[2].success: missing viewpoint 'team'"]


def test_empty_success_statement_counts_as_missing(tmp_path: Path) -> None:
    path = write_broken(tmp_path, lambda raw: raw["arcs"][0]["success"].update(child=""))
    assert "broken.yaml: arcs[0].success: missing viewpoint 'child'" in problems_of(path)


def test_unknown_success_viewpoint_is_refused(tmp_path: Path) -> None:
    path = write_broken(tmp_path, lambda raw: raw["arcs"][1]["success"].update(parent="We are heard."))
    assert problems_of(path) == ["broken.yaml: arcs[1].success.parent: unknown viewpoint 'parent'"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def break_many(raw: dict[str, Any]) -> None:
        del raw["arcs"][0]["title"]
        raw["arcs"][1]["colour"] = "orange"
        raw["arcs"][3]["key"] = raw["arcs"][2]["key"]
        raw["arcs"][5]["success"].pop("trust")
        raw["scale"].pop()

    found = problems_of(write_broken(tmp_path, break_many))
    assert "broken.yaml: arcs[0].title: required field is missing" in found
    assert any(p.startswith("broken.yaml: arcs[1].colour: ") for p in found)
    assert "broken.yaml: arcs[3].key: duplicate arc 'yellow'" in found
    assert "broken.yaml: arcs[5].success: missing viewpoint 'trust'" in found
    assert "broken.yaml: scale: must list the points 1 to 5 in order, found [1, 2, 3, 4]" in found


def test_missing_viewpoint_is_refused(tmp_path: Path) -> None:
    path = write_broken(tmp_path, lambda raw: raw["viewpoints"].pop(2))
    assert "broken.yaml: viewpoints: missing viewpoint 'team'" in problems_of(path)


def test_unknown_viewpoint_is_refused(tmp_path: Path) -> None:
    extra = {"key": "parent", "label": "Parent", "description": "A parent or carer."}
    path = write_broken(tmp_path, lambda raw: raw["viewpoints"].append(extra))
    assert "broken.yaml: viewpoints: unknown viewpoint 'parent'" in problems_of(path)


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    path = write_broken(tmp_path, lambda raw: raw["arcs"][4].update(colur="#000000"))
    assert problems_of(path) == ["broken.yaml: arcs[4].colur: unknown field"]


def test_long_short_title_is_refused(tmp_path: Path) -> None:
    path = write_broken(tmp_path, lambda raw: raw["arcs"][0].update(short_title="x" * 29))
    assert any(p.startswith("broken.yaml: arcs[0].short_title: ") for p in problems_of(path))


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: '1'\narcs: [\n  - key: red\n", encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.startswith("broken.yaml: line ")
    assert "not valid YAML" in problem


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    assert problems_of(path)[0].startswith("broken.yaml: must be a mapping")


def test_a_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "absent.yaml")
    assert problem.startswith("absent.yaml: cannot be read")


def test_arc_lookup_by_key() -> None:
    framework = load_framework()
    assert framework.arc("orange").title == "Common values and language"
    with pytest.raises(KeyError):
        framework.arc("turquoise")
