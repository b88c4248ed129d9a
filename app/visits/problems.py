"""Input problems found by a service, each tied to the form field it is about."""

from __future__ import annotations

from dataclasses import dataclass

from app.store.errors import ValidationError


@dataclass(frozen=True)
class Problem:
    #: a key the form maps to its widget (``visitors``, ``check:wage_payment`` …)
    key: str
    #: the field's Chinese label, for messages shown away from the field
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}：{self.message}" if self.label else self.message


class InvalidInput(ValidationError):
    """Raised with every problem of a form at once; ``str()`` is the first, for one-line faces."""

    def __init__(self, problems: list[Problem]):
        assert problems
        self.problems = list(problems)
        first = problems[0]
        more = f"（另有{len(problems) - 1}处问题）" if len(problems) > 1 else ""
        super().__init__(first.message + more, field=first.label or None)


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise InvalidInput(problems)
