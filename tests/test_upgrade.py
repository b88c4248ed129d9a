"""Upgrading: a populated store made by the first release (schema 0001) opens with this version.

The fixture in tests/data/stores/v0.1.0 was written by the 0.1.0 code (tests/data/make_release_store.py)
and is never regenerated: it stands for a station PC that installs a newer version over the old one.
"""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from app.store import backup, migrate
from app.store.store import Store

FIXTURE = Path(__file__).parent / "data" / "stores" / "v0.1.0"
PASSWORD = "Release-010-pass"
COUNTS = {
    "enterprise": 120,
    "person": 6,
    "dispute_case": 6,
    "case_party": 12,
    "case_claim": 6,
    "mediation_session": 6,
    "mediation_agreement": 1,
    "agreement_term": 1,
    "performance_record": 1,
    "enterprise_visit": 1,
    "finding": 1,
    "activity": 1,
    "team_member": 1,
    "user_account": 3,
}


@pytest.fixture
def old_store(tmp_path) -> Path:
    target = tmp_path / "old-station"
    shutil.copytree(FIXTURE, target)
    return target


def test_release_store_is_at_the_first_schema(old_store):
    from app.store.engine import make_engine
    from app.store.keyslots import KeySlotFile

    keys = KeySlotFile.load(Store.keys_path_in(old_store))
    engine = make_engine(Store.db_path_in(old_store), keys.unlock_user("admin", PASSWORD))
    try:
        assert migrate.current_revision(engine) == "0001"
    finally:
        engine.dispose()


def test_first_release_store_migrates_to_head_with_every_record(old_store):
    with Store.open(old_store, "admin", PASSWORD) as store:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        with store.read() as s:
            for table, expected in COUNTS.items():
                assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() == expected, table
            assert (
                s.execute(text("SELECT amount FROM agreement_term")).scalar() == 800000
            )  # 8000.00 yuan in fen, exact
        made = backup.list_backups(old_store)
        if migrate.head_revision() != "0001":
            assert any(b.reason.startswith("pre-migrate-0001") for b in made)
            store.verify_backup(next(b.path for b in made if b.reason.startswith("pre-migrate")))
    # all three users still log in with their passwords
    for user in ("mediator", "viewer"):
        Store.open(old_store, user, PASSWORD).close()
