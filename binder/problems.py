"""Problems found in the input: collected, never raised one by one; printed compiler-style."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One problem at one place: ``where`` is ``Sheet!C7`` or a file path."""

    where: str
    severity: str
    message: str
    hint: str = ""

    @classmethod
    def error(cls, where: str, message: str, hint: str = "") -> "Problem":
        return cls(where, ERROR, message, hint)

    @classmethod
    def warning(cls, where: str, message: str, hint: str = "") -> "Problem":
        return cls(where, WARNING, message, hint)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_error(self) -> "Problem":
        return Problem(self.where, ERROR, self.message, self.hint)

    def format(self, source: str = "") -> str:
        """``inputs/x.xlsx:Steps!I25: error: message (hint)``."""
        place = f"{source}:{self.where}" if source and "!" in self.where else (self.where or source)
        text = f"{place}: {self.severity}: {self.message}"
        return f"{text}. {self.hint[:1].upper()}{self.hint[1:]}" if self.hint else text


class Problems:
    """A collector that stages append to; keeps the order problems were found in."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def error(self, where: str, message: str, hint: str = "") -> None:
        self._items.append(Problem.error(where, message, hint))

    def warning(self, where: str, message: str, hint: str = "") -> None:
        self._items.append(Problem.warning(where, message, hint))

    def extend(self, problems) -> None:
        self._items.extend(problems)

    @property
    def items(self) -> tuple[Problem, ...]:
        return tuple(self._items)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self._items)

    def __len__(self) -> int:
        return len(self._items)


def strict(problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """``--strict``: every warning becomes an error."""
    return tuple(p.as_error() for p in problems)


def to_json(problems: tuple[Problem, ...], source: str) -> str:
    """The same problems as JSON, for other tools."""
    rows = []
    for p in problems:
        sheet, _, cell = p.where.partition("!") if "!" in p.where else ("", "", "")
        rows.append({**asdict(p), "file": source, "sheet": sheet, "cell": cell})
    errors = sum(1 for p in problems if p.is_error)
    return json.dumps({"file": source, "errors": errors, "warnings": len(problems) - errors,
                       "problems": rows}, indent=2, ensure_ascii=False)
