"""Alembic migrations of the station schema, applied at login after an encrypted backup."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.paths import migrations_dir
from app.store.errors import MigrationFailed, StoreTooNew

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "no migrations found"
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in script_directory().walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


def ensure_current(
    engine: Engine,
    *,
    backup: Callable[[str], Path],
    restore: Callable[[Path], None],
) -> str | None:
    """Bring the schema to head. Returns the revision found before (None for a new store).

    A store from a newer program is refused untouched. Before migrating an existing store,
    ``backup(reason)`` makes an encrypted copy; if the migration fails, ``restore(path)`` puts it
    back and :class:`MigrationFailed` says so.
    """
    found = current_revision(engine)
    head = head_revision()
    if found == head:
        return found
    if found is not None and found not in known_revisions():
        raise StoreTooNew(found)
    if found is None:
        upgrade(engine)
        return None
    backup_path = backup(f"pre-migrate-{found[:12]}")
    log.info("migrating station schema %s -> %s (backup %s)", found, head, backup_path.name)
    try:
        upgrade(engine)
    except Exception as exc:
        log.exception("migration %s -> %s failed", found, head)
        try:
            restore(backup_path)
        except Exception:
            log.exception("restoring the pre-migration backup failed")
            raise MigrationFailed(type(exc).__name__, restored=False) from exc
        raise MigrationFailed(type(exc).__name__, restored=True) from exc
    return found
