"""What an attacker can work out from figures that are linear in the hidden ratings.

Each hidden answer (a respondent, a statement) is five unknowns y[r] (1 when the respondent gave rating r, 0
otherwise), so that every count of a distribution, every sum, and every mean times its n is a linear equation
over them. A quantity (a group's sum of ratings, its count of 3s, one respondent's rating...) is *determined*
by the equations when its coefficient vector v lies in their row space: rank([A; v]) == rank(A). The values on
the right-hand side never matter for that, so the test holds whatever the respondents said.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

RATINGS = (1, 2, 3, 4, 5)
#: One unknown: (respondent, statement code, rating).
Unknown = tuple[int, str, int]
Vector = Mapping[Unknown, float]
_TOLERANCE = 1e-7
#: Labels of equations that are the attacker's background knowledge rather than a figure shown.
BACKGROUND = ("the lead's own entry", "each answer is one rating")


@dataclass(frozen=True)
class Equation:
    """A figure someone was given, as coefficients over the unknowns; `label` says where it was read."""

    label: str
    coefficients: Vector


@dataclass(frozen=True)
class Target:
    """A quantity that must stay hidden: a small group's sum or count, or one respondent's rating."""

    label: str
    coefficients: Vector


@dataclass(frozen=True)
class Finding:
    target: Target
    #: the figures whose combination gives it, the largest part first
    given_away_by: tuple[str, ...]

    def __str__(self) -> str:
        figures = "; ".join(self.given_away_by[:8])
        more = f" and {len(self.given_away_by) - 8} more" if len(self.given_away_by) > 8 else ""
        return f"{self.target.label} is determined by: {figures}{more}"


@dataclass
class Knowledge:
    """Every equation recorded so far, without repeats."""

    equations: list[Equation] = field(default_factory=list)
    _seen: set[tuple[tuple[Unknown, float], ...]] = field(default_factory=set)

    def add(self, label: str, coefficients: Vector) -> None:
        row = tuple(sorted((u, round(c, 9)) for u, c in coefficients.items() if abs(c) > _TOLERANCE))
        if row and row not in self._seen:
            self._seen.add(row)
            self.equations.append(Equation(label, dict(row)))

    def determined(self, targets: Iterable[Target]) -> list[Finding]:
        """The targets whose value the equations fix, each with the figures that fix it."""
        targets = [t for t in targets if t.coefficients]
        if not targets or not self.equations:
            return []
        index = _index(self.equations, targets)
        a = _matrix([e.coefficients for e in self.equations], index)
        v = _matrix([t.coefficients for t in targets], index)
        basis = _row_space(a)
        residual = v - (v @ basis.T) @ basis
        scale = np.maximum(np.linalg.norm(v, axis=1), 1.0)
        fixed = np.linalg.norm(residual, axis=1) <= _TOLERANCE * 100 * scale
        return [Finding(target, self._culprits(a, v[i])) for i, target in enumerate(targets) if fixed[i]]

    def _culprits(self, a: np.ndarray, v: np.ndarray) -> tuple[str, ...]:
        """The equations of the smallest combination giving v (least squares: v = c @ A)."""
        c, *_ = np.linalg.lstsq(a.T, v, rcond=None)
        order = np.argsort(-np.abs(c), kind="stable")
        labels = [self.equations[i].label for i in order if abs(c[i]) > 1e-6]
        # The figures shown come first; what the attacker knew anyway (their own entries, one rating per
        # answer) after.
        return tuple(sorted(labels, key=lambda label: label.startswith(BACKGROUND)))


def rank_says_determined(equations: list[Vector], target: Vector) -> bool:
    """The definition itself, rank([A; v]) == rank(A), for small cases and for checking `Knowledge`."""
    index = _index([Equation("", e) for e in equations], [Target("", target)])
    a = _matrix(equations, index)
    both = np.vstack([a, _matrix([target], index)])
    return bool(np.linalg.matrix_rank(both) == np.linalg.matrix_rank(a))


def _index(equations: Iterable[Equation], targets: Iterable[Target]) -> dict[Unknown, int]:
    unknowns: dict[Unknown, int] = {}
    for row in [*(e.coefficients for e in equations), *(t.coefficients for t in targets)]:
        for unknown in row:
            unknowns.setdefault(unknown, len(unknowns))
    return unknowns


def _matrix(rows: list[Vector], index: Mapping[Unknown, int]) -> np.ndarray:
    matrix = np.zeros((len(rows), len(index)))
    for i, row in enumerate(rows):
        for unknown, coefficient in row.items():
            matrix[i, index[unknown]] = coefficient
    return matrix


def _row_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the rows of `a` (rank(A) rows)."""
    _, singular, vt = np.linalg.svd(a, full_matrices=False)
    rank = int(np.sum(singular > _TOLERANCE * max(1.0, float(singular[0]) if singular.size else 1.0)))
    return vt[:rank]
