"""Errors of the case services; each ``str()`` is a Chinese sentence fit to show as it is."""

from __future__ import annotations

# the field-problem types are the store's, shared by every form (re-exported here)
from app.store.errors import FieldProblem, FormInvalid, Problems, StoreError, ValidationError

__all__ = ["FieldProblem", "FormInvalid", "Problems", "ValidationError", "WorkflowRefused"]


class WorkflowRefused(StoreError):
    """A case change the rules refuse (wrong state, missing reason …)."""

    def __init__(self, reason: str, field: str | None = None):
        self.field = field
        super().__init__(reason)
