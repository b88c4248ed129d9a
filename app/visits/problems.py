"""Input problems found by a service, each tied to the form field it is about.

The types are the store's own (one for every form): ``Problem`` is
:class:`app.store.errors.FieldProblem`, ``InvalidInput`` is :class:`app.store.errors.FormInvalid`.
"""

from __future__ import annotations

from app.store.errors import FieldProblem as Problem
from app.store.errors import FormInvalid as InvalidInput
from app.store.errors import raise_if

__all__ = ["InvalidInput", "Problem", "raise_if"]
