"""Problems found while loading framework and questionnaire data.

Loaders never stop at the first problem: they collect every one, each naming the file and the path inside it
(``broken.yaml: arcs[2].success: missing viewpoint 'team'``), and raise them together as a `DataError`, so
whoever edits the data can fix everything in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one data file."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else f"{self.file}: {self.message}"


class DataError(ValueError):
    """Framework or questionnaire data that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def format_path(location: Iterable[str | int]) -> str:
    """Turn a location such as ``("arcs", 2, "success")`` into ``arcs[2].success``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


#: libyaml's safe loader where PyYAML was built with it: the framework and questionnaires are read at every
#: start, and the pure-Python loader took a tenth of a second of it (P6).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; an unreadable or unparsable file is a problem, not an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return None, [Problem(path.name, "", f"cannot be read ({error.strerror or error})")]
    try:
        return yaml.load(text, Loader=_SAFE_LOADER), []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        return None, [Problem(path.name, where, f"not valid YAML: {reason}")]


_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
}


def validation_problems(file: str, error: ValidationError) -> list[Problem]:
    """Translate pydantic's errors into problems that name the file and the path."""
    problems = []
    for detail in error.errors(include_url=False):
        location = [part for part in detail["loc"] if not str(part).startswith("function-")]
        message = _MESSAGES.get(detail["type"], detail["msg"])
        problems.append(Problem(file, format_path(location), message))
    return problems
