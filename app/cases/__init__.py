"""Mediation cases (issue 4): intake, numbering, workflow, sessions, agreements, performance,
queries. Plain Python over the store; the GUI, the command line and the tests all call these.

Importing the package installs the search-index hook (see :mod:`app.cases.search_index`).
"""

from app.cases import search_index as _search_index  # noqa: F401  (installs the commit hook)
