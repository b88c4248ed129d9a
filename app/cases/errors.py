"""Errors of the case services; each ``str()`` is a Chinese sentence fit to show as it is."""

from __future__ import annotations

from dataclasses import dataclass

from app.store.errors import StoreError, ValidationError


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field of a form: ``key`` addresses the widget, ``label`` names it."""

    key: str
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}：{self.message}"


class FormInvalid(ValidationError):
    """Several field problems at once; the form shows each next to its field."""

    def __init__(self, problems: list[FieldProblem]):
        self.problems = list(problems)
        first = self.problems[0]
        more = f"（另有{len(self.problems) - 1}处问题）" if len(self.problems) > 1 else ""
        super().__init__(first.message + more, field=first.label)

    def by_key(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in self.problems:
            out.setdefault(p.key, p.message)
        return out


class WorkflowRefused(StoreError):
    """A case change the rules refuse (wrong state, missing reason …)."""

    def __init__(self, reason: str, field: str | None = None):
        self.field = field
        super().__init__(reason)


class Problems:
    """Collects field problems; ``raise_if_any()`` at the end."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, key: str, label: str, message: str) -> None:
        self.items.append(FieldProblem(key, label, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise FormInvalid(self.items)
