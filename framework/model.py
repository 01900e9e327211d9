"""The One Children's Workforce framework as a typed model, loaded from YAML.

A framework is a version, a five-point journey scale (1 fragmented ... 5 integrated), the five viewpoints and
the arcs of the rainbow, each arc describing its integrated and fragmented ends and what success looks like
from every viewpoint. `load_framework` validates a file and raises `DataError` listing every problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from framework.problems import DataError, Problem, read_yaml, validation_problems

DEFAULT_FRAMEWORK_FILE = Path(__file__).with_name("ocw.yaml")

#: The viewpoints every framework describes, in the order the framework lists them.
VIEWPOINT_KEYS = ("child", "practitioner", "team", "service", "trust")
SCALE_VALUES = (1, 2, 3, 4, 5)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScalePoint(_Frozen):
    """One point of the 1-5 scale: the words staff answer with ("Mostly true"), the journey stage it stands
    for when scores are read ("Established"), the children's words ("Mostly"), and what the stage means."""

    value: int = Field(ge=1, le=5)
    label: Text
    stage: Text
    child_label: Text
    description: Text


class Viewpoint(_Frozen):
    key: Key
    label: Text
    description: Text


class Arc(_Frozen):
    key: Key = Field(description="The arc's colour name, e.g. 'orange'")
    colour: Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
    title: Text
    short_title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=28)]
    about: Text
    integrated: Text
    fragmented: Text
    success: dict[str, Text]
    provenance: Text

    @property
    def text_colour(self) -> str:
        """Black or white, whichever reads better on the arc's colour."""
        return readable_text_colour(self.colour)


class Framework(_Frozen):
    version: Text
    title: Text
    provenance: Text
    scale: list[ScalePoint]
    viewpoints: list[Viewpoint]
    arcs: list[Arc] = Field(min_length=1)

    @property
    def arc_keys(self) -> tuple[str, ...]:
        return tuple(arc.key for arc in self.arcs)

    @property
    def viewpoint_keys(self) -> tuple[str, ...]:
        return tuple(viewpoint.key for viewpoint in self.viewpoints)

    def arc(self, key: str) -> Arc:
        """The arc with this key; `KeyError` when there is none."""
        for arc in self.arcs:
            if arc.key == key:
                return arc
        raise KeyError(key)

    def viewpoint(self, key: str) -> Viewpoint:
        """The viewpoint with this key; `KeyError` when there is none."""
        for viewpoint in self.viewpoints:
            if viewpoint.key == key:
                return viewpoint
        raise KeyError(key)


def load_framework(path: Path = DEFAULT_FRAMEWORK_FILE) -> Framework:
    """Read and validate a framework file.

    :raises DataError: listing every problem in the file, each with the file name and path.
    """
    raw, problems = read_yaml(path)
    if problems:
        raise DataError(problems)
    return parse_framework(raw, file=path.name)


def parse_framework(raw: Any, *, file: str) -> Framework:
    """Validate already-parsed framework data; `file` names it in problems."""
    problems = _rule_problems(raw, file)
    framework = None
    try:
        framework = Framework.model_validate(raw)
    except ValidationError as error:
        problems.extend(validation_problems(file, error))
    if problems or framework is None:
        raise DataError(sorted(set(problems), key=problems.index))
    return framework


def _rule_problems(raw: Any, file: str) -> list[Problem]:
    """Checks that span fields (keys, scale points, success per viewpoint), made on the raw data.

    They run on raw data rather than on the model so that they are reported together with any field errors
    pydantic finds, not only once every field is right.
    """
    if not isinstance(raw, dict):
        return [Problem(file, "", "must be a mapping with version, title, scale, viewpoints and arcs")]
    problems: list[Problem] = []
    scale = raw.get("scale")
    if isinstance(scale, list):
        values = [point.get("value") for point in scale if isinstance(point, dict)]
        if values != list(SCALE_VALUES):
            problems.append(Problem(file, "scale", f"must list the points 1 to 5 in order, found {values}"))
    viewpoints = _keys(raw.get("viewpoints"), "viewpoints", "viewpoint", file, problems)
    for key in VIEWPOINT_KEYS:
        if viewpoints is not None and key not in viewpoints:
            problems.append(Problem(file, "viewpoints", f"missing viewpoint '{key}'"))
    for key in viewpoints or ():
        if key not in VIEWPOINT_KEYS:
            problems.append(Problem(file, "viewpoints", f"unknown viewpoint '{key}'"))
    _keys(raw.get("arcs"), "arcs", "arc", file, problems)
    for index, arc in enumerate(raw.get("arcs") or []):
        if isinstance(arc, dict) and isinstance(arc.get("success"), dict):
            problems.extend(_success_problems(arc["success"], f"arcs[{index}].success", file))
    return problems


def _keys(entries: Any, path: str, noun: str, file: str, problems: list[Problem]) -> list[str] | None:
    """The keys of a list of keyed entries, recording duplicates; None when the list is malformed."""
    if not isinstance(entries, list):
        return None
    seen: list[str] = []
    for index, entry in enumerate(entries):
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str):
            continue
        if key in seen:
            problems.append(Problem(file, f"{path}[{index}].key", f"duplicate {noun} '{key}'"))
        seen.append(key)
    return seen


def _success_problems(success: dict[Any, Any], path: str, file: str) -> list[Problem]:
    problems = [
        Problem(file, path, f"missing viewpoint '{key}'")
        for key in VIEWPOINT_KEYS
        if key not in success or success[key] in (None, "")
    ]
    problems.extend(
        Problem(file, f"{path}.{key}", f"unknown viewpoint '{key}'")
        for key in success
        if key not in VIEWPOINT_KEYS
    )
    return problems


def readable_text_colour(background: str) -> str:
    """The text colour (black or white) with the higher WCAG contrast ratio against `background`."""
    luminance = _relative_luminance(background)
    on_white = (1.0 + 0.05) / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#ffffff" if on_white >= on_black else "#000000"


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio between two ``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((_relative_luminance(first), _relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
