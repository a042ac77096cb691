"""Positions and problems reported by the loader and the checks.

Every problem a maintainer sees has one shape::

    flows/young/sextortion.yaml:12:9: error [unknown-target] ... . How to fix it.

The rule id in brackets is stable: tests, docs and ``--format github`` rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a content file (1-based line and column)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, with where it is and how to fix it."""

    pos: Pos
    rule: str
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        text = f"{self.pos}: {self.severity} [{self.rule}] {self.message}."
        if self.hint:
            text += f" {self.hint}"
        return text


@dataclass
class Report:
    """Problems collected over a whole run (every problem, not only the first)."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self, pos: Pos, rule: str, message: str, hint: str = "", severity: Severity = "error"
    ) -> None:
        self.problems.append(Problem(pos, rule, message, hint, severity))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(set(self.problems))


class ContentError(Exception):
    """The content could not be loaded; ``problems`` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the content:\n{lines}{more}")
