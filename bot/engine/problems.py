"""Positions and problems reported by the loader and the checks.

Every problem a maintainer sees has one shape::

    flows/young/sextortion.yaml:12:9: error [unknown-target] ... . How to fix it.

The rule id in brackets is stable: tests, docs and ``--format github`` rely on it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..errors import ContentError

__all__ = ["ContentError", "Pos", "Problem", "Report", "Severity", "suggest"]

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


def suggest(word: str, choices: Iterable[str],
            otherwise: str = "Check the spelling of the name.") -> str:
    """The hint for an unknown name: "Did you mean 'x'?" for a close one, else ``otherwise``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f"Did you mean '{close[0]}'?" if close else otherwise
