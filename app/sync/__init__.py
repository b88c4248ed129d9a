"""Station side of the sync protocol (see docs/sync.md). No Qt: the GUI, CLI and tests call it."""

from app.sync.client import SyncProblem
from app.sync.run import SyncResult, enroll, set_server_url, sync_once
from app.sync.state import SyncStatus, status

__all__ = [
    "SyncProblem",
    "SyncResult",
    "SyncStatus",
    "enroll",
    "set_server_url",
    "status",
    "sync_once",
]
