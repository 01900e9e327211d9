"""The questionnaires: one YAML file per arc, statements per viewpoint, validated against the framework.

Each file ``<arc>.yaml`` lists, for every viewpoint of the framework, the statements respondents rate on the
journey scale. Every statement has a stable code ``<arc>.<viewpoint>.<n>``; children's statements also carry
``child_text``, the wording a nine-year-old reads. `load_surveys` raises `DataError` listing every problem.

A code is read in one place, `parse_code`: `Item.arc`, `Item.viewpoint` and `Item.number` come from it, and so
does `arc_of_code` for a caller that holds only the code of a statement.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError

from framework.model import Framework
from framework.problems import DataError, Problem, read_yaml, validation_problems

DEFAULT_SURVEYS_DIR = Path(__file__).parent
CHILD_VIEWPOINT = "child"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_CODE = re.compile(r"(?P<arc>[a-z][a-z0-9_]*)\.(?P<viewpoint>[a-z][a-z0-9_]*)\.(?P<number>[1-9][0-9]*)")


class ItemCode(NamedTuple):
    """The parts of a statement code ``<arc>.<viewpoint>.<number>``, e.g. ``orange.child.2``."""

    arc: str
    viewpoint: str
    number: int


# Cached: the same few hundred codes come back with every answer the service counts.
@functools.lru_cache(maxsize=4096)
def parse_code(code: str) -> ItemCode:
    """The arc, viewpoint and number of a statement code such as ``orange.child.2``.

    Only the form is checked, not whether the framework has the arc or viewpoint (`load_surveys` checks that).

    :raises ValueError: for a code not of the form ``<arc>.<viewpoint>.<number>`` (lower-case keys, a number
        from 1 without leading zeros).
    """
    match = _CODE.fullmatch(code)
    if match is None:
        raise ValueError(f"{code!r} is not a statement code of the form '<arc>.<viewpoint>.<number>'")
    return ItemCode(match["arc"], match["viewpoint"], int(match["number"]))


def arc_of_code(code: str) -> str:
    """The arc of a statement code: ``arc_of_code("orange.child.2") == "orange"``.

    :raises ValueError: for a malformed code (see `parse_code`).
    """
    return parse_code(code).arc


def _well_formed(code: str) -> str:
    parse_code(code)
    return code


class Item(BaseModel):
    """One statement of a questionnaire; its code is always well formed, so its parts can be read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Annotated[Text, AfterValidator(_well_formed)]
    text: Text
    child_text: Text | None = None

    @property
    def arc(self) -> str:
        """The arc this statement belongs to, from its code: ``orange`` for ``orange.child.2``."""
        return parse_code(self.code).arc

    @property
    def viewpoint(self) -> str:
        """The viewpoint that rates this statement, from its code: ``child`` for ``orange.child.2``."""
        return parse_code(self.code).viewpoint

    @property
    def number(self) -> int:
        """The statement's number within its arc and viewpoint, from its code: 2 for ``orange.child.2``."""
        return parse_code(self.code).number


class _SurveyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    arc: Text
    items: dict[str, list[Item]]


class SurveyBook:
    """Every questionnaire, looked up by arc and viewpoint or by item code."""

    def __init__(self, items: dict[tuple[str, str], tuple[Item, ...]]) -> None:
        self._items = items
        self._by_code = {item.code: item for group in items.values() for item in group}

    def items(self, arc: str, viewpoint: str) -> tuple[Item, ...]:
        """The statements for one arc and viewpoint; `KeyError` when there is no such questionnaire."""
        return self._items[(arc, viewpoint)]

    def item(self, code: str) -> Item:
        """The statement with this code; `KeyError` when there is none."""
        return self._by_code[code]

    @property
    def questionnaire_count(self) -> int:
        return len(self._items)

    @property
    def item_count(self) -> int:
        return len(self._by_code)


def load_surveys(directory: Path, framework: Framework) -> SurveyBook:
    """Read every ``*.yaml`` in `directory` and validate it against `framework`.

    :raises DataError: listing every problem in every file: unknown arcs or viewpoints, malformed or duplicate
        codes, viewpoints without statements, arcs without a questionnaire.
    """
    problems: list[Problem] = []
    items: dict[tuple[str, str], tuple[Item, ...]] = {}
    code_places: dict[str, str] = {}
    arc_files: dict[str, str] = {}
    claimed_arcs: set[str] = set()  # arcs a file says it is for, even a file with problems
    paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not directory.is_dir():
        problems.append(Problem(str(directory), "", "is not a folder of questionnaire files"))
    for path in paths:
        raw, read_problems = read_yaml(path)
        problems.extend(read_problems)
        if read_problems:
            continue
        if isinstance(raw, dict) and isinstance(raw.get("arc"), str):
            claimed_arcs.add(raw["arc"])
        survey = _parse_file(raw, path.name, framework, problems)
        if survey is None:
            continue
        if survey.arc in arc_files:
            problems.append(
                Problem(path.name, "arc", f"arc '{survey.arc}' already has {arc_files[survey.arc]}")
            )
            continue
        arc_files[survey.arc] = path.name
        for viewpoint, group in survey.items.items():
            for index, item in enumerate(group):
                place = f"{path.name} items.{viewpoint}[{index}]"
                if item.code in code_places:
                    problems.append(
                        Problem(
                            path.name,
                            f"items.{viewpoint}[{index}].code",
                            f"duplicate code '{item.code}' (also {code_places[item.code]})",
                        )
                    )
                code_places.setdefault(item.code, place)
            items[(survey.arc, viewpoint)] = tuple(group)
    for arc in framework.arc_keys:
        if directory.is_dir() and arc not in claimed_arcs and not _has_file_for(arc, paths):
            problems.append(
                Problem(directory.name, "", f"no questionnaire for arc '{arc}' (expected {arc}.yaml)")
            )
    if problems:
        raise DataError(problems)
    return SurveyBook(items)


def _has_file_for(arc: str, paths: list[Path]) -> bool:
    # A file named for the arc that failed to parse has been reported already; do not report it missing too.
    return any(path.stem == arc for path in paths)


def _parse_file(raw: Any, file: str, framework: Framework, problems: list[Problem]) -> _SurveyFile | None:
    found = _rule_problems(raw, file, framework)
    try:
        survey = _SurveyFile.model_validate(raw)
    except ValidationError as error:
        # The rules know which arc and viewpoint a statement is in, so their message says more than
        # pydantic's about the same place (a malformed code is both).
        ruled = {problem.path for problem in found}
        found.extend(problem for problem in validation_problems(file, error) if problem.path not in ruled)
        survey = None
    problems.extend(sorted(set(found), key=found.index))
    return None if found else survey


def _rule_problems(raw: Any, file: str, framework: Framework) -> list[Problem]:
    if not isinstance(raw, dict):
        return [Problem(file, "", "must be a mapping with 'arc' and 'items'")]
    problems: list[Problem] = []
    arc = raw.get("arc")
    stem = Path(file).stem
    if isinstance(arc, str) and arc not in framework.arc_keys:
        known = ", ".join(framework.arc_keys)
        # The statements of an arc the framework does not have cannot be checked any further.
        return [Problem(file, "arc", f"unknown arc '{arc}' (the framework has {known})")]
    if isinstance(arc, str) and arc != stem:
        problems.append(Problem(file, "arc", f"is '{arc}' but the file is named {file}; name it {arc}.yaml"))
    items = raw.get("items")
    if not isinstance(items, dict):
        return problems
    for viewpoint in framework.viewpoint_keys:
        if not items.get(viewpoint):
            problems.append(Problem(file, f"items.{viewpoint}", f"no statements for viewpoint '{viewpoint}'"))
    for viewpoint, group in items.items():
        if viewpoint not in framework.viewpoint_keys:
            problems.append(Problem(file, f"items.{viewpoint}", f"unknown viewpoint '{viewpoint}'"))
        elif isinstance(group, list) and isinstance(arc, str):
            problems.extend(_item_problems(group, arc, viewpoint, file))
    return problems


def _item_problems(group: list[Any], arc: str, viewpoint: str, file: str) -> list[Problem]:
    problems = []
    for index, item in enumerate(group):
        if not isinstance(item, dict):
            continue
        path = f"items.{viewpoint}[{index}]"
        code = item.get("code")
        if isinstance(code, str) and not _code_fits(code, arc, viewpoint):
            problems.append(Problem(file, f"{path}.code", f"'{code}' should be '{arc}.{viewpoint}.<number>'"))
        has_child_text = bool(item.get("child_text"))
        if viewpoint == CHILD_VIEWPOINT and not has_child_text:
            problems.append(
                Problem(file, f"{path}.child_text", "children's statements need child-friendly text")
            )
        if viewpoint != CHILD_VIEWPOINT and "child_text" in item:
            problems.append(Problem(file, f"{path}.child_text", "only children's statements have child_text"))
    return problems


def _code_fits(code: str, arc: str, viewpoint: str) -> bool:
    try:
        parts = parse_code(code)
    except ValueError:
        return False
    return (parts.arc, parts.viewpoint) == (arc, viewpoint)
