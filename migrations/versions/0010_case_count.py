"""case list: a maintained count of cases (共 N 件 without counting), a covering list index

* ``case_count``: the number of cases that are not deleted, per (status, collective, migrant
  worker), kept exact by SQL triggers on ``dispute_case`` whatever code writes the cases (ORM,
  Core bulk insert, sync, import); local to the station, never synced;
* ``ix_dispute_case_list``: the list's order (registration time, then id) with the columns its
  common filters test (deleted, received on), so that the first page of a filter that skips many
  cases (a date range long ago) walks the index without reading the cases it skips.

Revision ID: 0010_case_count
Revises: 0004
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_case_count'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "status, is_collective, is_migrant_worker"


def _add(row: str) -> str:
    return (
        f"INSERT INTO case_count ({KEY}, n) "
        f"VALUES ({row}.status, {row}.is_collective, {row}.is_migrant_worker, 1) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;"
    )


def _remove(row: str) -> str:
    return (
        f"UPDATE case_count SET n = n - 1 WHERE status = {row}.status "
        f"AND is_collective = {row}.is_collective AND is_migrant_worker = {row}.is_migrant_worker;"
    )


SQL_UP = [
    f"CREATE TRIGGER case_count_on_insert AFTER INSERT ON dispute_case "
    f"WHEN NEW.deleted = 0 BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER case_count_on_delete AFTER DELETE ON dispute_case "
    f"WHEN OLD.deleted = 0 BEGIN {_remove('OLD')} END",
    # Two triggers for an update, each for its side, so that a row going to or from deleted
    # counts once; nothing is written when none of the counted columns changed.
    f"CREATE TRIGGER case_count_on_update_old AFTER UPDATE OF {KEY}, deleted ON dispute_case "
    f"WHEN OLD.deleted = 0 AND (NEW.deleted IS NOT 0 OR NEW.status IS NOT OLD.status "
    f"OR NEW.is_collective IS NOT OLD.is_collective "
    f"OR NEW.is_migrant_worker IS NOT OLD.is_migrant_worker) BEGIN {_remove('OLD')} END",
    f"CREATE TRIGGER case_count_on_update_new AFTER UPDATE OF {KEY}, deleted ON dispute_case "
    f"WHEN NEW.deleted = 0 AND (OLD.deleted IS NOT 0 OR NEW.status IS NOT OLD.status "
    f"OR NEW.is_collective IS NOT OLD.is_collective "
    f"OR NEW.is_migrant_worker IS NOT OLD.is_migrant_worker) BEGIN {_add('NEW')} END",
    f"INSERT INTO case_count ({KEY}, n) SELECT {KEY}, count(*) FROM dispute_case "
    f"WHERE deleted = 0 GROUP BY {KEY}",
]

SQL_DOWN = [
    "DROP TRIGGER IF EXISTS case_count_on_update_new",
    "DROP TRIGGER IF EXISTS case_count_on_update_old",
    "DROP TRIGGER IF EXISTS case_count_on_delete",
    "DROP TRIGGER IF EXISTS case_count_on_insert",
]


def upgrade() -> None:
    op.create_table('case_count',
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('is_collective', sa.Boolean(), nullable=False),
    sa.Column('is_migrant_worker', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status', 'is_collective', 'is_migrant_worker', name=op.f('pk_case_count'))
    )
    for statement in SQL_UP:
        op.execute(statement)
    with op.batch_alter_table('dispute_case', schema=None) as batch_op:
        batch_op.drop_index('ix_dispute_case_registered_at')
        batch_op.drop_index('ix_dispute_case_status_registered')
        batch_op.drop_index('ix_dispute_case_collective_registered')
        batch_op.create_index('ix_dispute_case_list', ['registered_at', 'id', 'deleted', 'received_on'], unique=False)
        batch_op.create_index('ix_dispute_case_status_list', ['status', 'registered_at', 'id'], unique=False)
        batch_op.create_index('ix_dispute_case_collective_list', ['is_collective', 'registered_at', 'id', 'deleted', 'is_migrant_worker'], unique=False)
    with op.batch_alter_table('case_claim', schema=None) as batch_op:
        batch_op.create_index('ix_case_claim_type_case', ['dispute_type', 'case_id', 'deleted'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_claim', schema=None) as batch_op:
        batch_op.drop_index('ix_case_claim_type_case')
    with op.batch_alter_table('dispute_case', schema=None) as batch_op:
        batch_op.drop_index('ix_dispute_case_collective_list')
        batch_op.drop_index('ix_dispute_case_status_list')
        batch_op.drop_index('ix_dispute_case_list')
        batch_op.create_index('ix_dispute_case_collective_registered', ['is_collective', 'registered_at'], unique=False)
        batch_op.create_index('ix_dispute_case_status_registered', ['status', 'registered_at'], unique=False)
        batch_op.create_index('ix_dispute_case_registered_at', ['registered_at'], unique=False)
    for statement in SQL_DOWN:
        op.execute(statement)
    op.drop_table('case_count')
