"""Enterprise roster: spreadsheet import and export, the enterprise service (issue 3). No Qt.

Importing this package installs the ORM events that keep ``Enterprise.name_initials`` and
``Enterprise.local_edits`` up to date (:mod:`app.roster.events`).
"""

from app.roster import events as _events  # noqa: F401  (installs the ORM events)
