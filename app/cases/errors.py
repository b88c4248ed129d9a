"""Errors of the case services; each ``str()`` is a Chinese sentence fit to show as it is."""

from __future__ import annotations

# the field-problem types are the store's, shared by every form (re-exported here)
from app.store.errors import FieldProblem, FormInvalid, Problems, StoreError, ValidationError

__all__ = [
    "FieldProblem",
    "FieldRefused",
    "FormInvalid",
    "Problems",
    "ValidationError",
    "WorkflowRefused",
]


class WorkflowRefused(StoreError):
    """A case change the rules refuse (wrong state, missing reason …)."""

    def __init__(self, reason: str, field: str | None = None):
        self.field = field
        super().__init__(reason)

    @classmethod
    def at(cls, reason: str, field: str | None, key: str | None = None) -> WorkflowRefused:
        """The refusal; one that concerns a field is a :class:`FieldRefused` (a form shows it
        under that field)."""
        if field:
            return FieldRefused(reason, field, key)
        return cls(reason)


class FieldRefused(WorkflowRefused, FormInvalid):
    """A refusal that concerns one field of the form (the date, the reason …): both a
    :class:`WorkflowRefused` and a :class:`FormInvalid` with that one problem, so the form shows it
    under the field. ``str()`` is the reason alone."""

    def __init__(self, reason: str, field: str, key: str | None = None):
        FormInvalid.__init__(self, [FieldProblem(key or field, field, reason)])
        self.args = (reason,)
        self.field = field
