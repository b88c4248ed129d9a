"""legal (issue 13 points 4 and 5): the per-worker schedule of a payment term, who signed the
agreement for each party and in what capacity, and follow-up visits (回访) on performance

* ``agreement_term.schedule``: JSON list of the workers' shares of a payment term.
* ``mediation_agreement.signatures``: JSON list recorded at signing; the trigger that keeps a
  signed agreement fixed is recreated so that it covers this column too.
* ``performance_followup``: date, method, contact, amount received; ``performance_record.
  followup_id`` links the payments a follow-up recorded.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-07 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIXED = "('signed', 'superseded')"
REFUSE = "SELECT RAISE(ABORT, 'signed agreement is fixed')"
AGREEMENT_COLUMNS = (
    "id",
    "station_code",
    "created_at",
    "created_by",
    "deleted",
    "deleted_at",
    "case_id",
    "version_no",
    "facts",
    "other_terms",
    "performance_deadline",
    "copies",
    "signed_on",
    "content_hash",
    "supersedes_id",
    "change_reason",
)


def _signed_update_trigger(columns) -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    return (
        "CREATE TRIGGER agreement_signed_update BEFORE UPDATE ON mediation_agreement "
        f"WHEN OLD.status IN {FIXED} AND ({changed} OR (NEW.status IS NOT OLD.status AND NOT "
        f"(OLD.status = 'signed' AND NEW.status = 'superseded'))) BEGIN {REFUSE}; END"
    )


def _term_and_delete_triggers() -> list[str]:
    """The triggers of 0003 on the agreement and its terms, as 0003 made them (a downgrade's
    table copy drops them)."""
    return [
        "CREATE TRIGGER agreement_signed_delete BEFORE DELETE ON mediation_agreement "
        f"WHEN OLD.status IN {FIXED} BEGIN {REFUSE}; END",
        "CREATE TRIGGER agreement_term_signed_insert BEFORE INSERT ON agreement_term "
        f"WHEN (SELECT status FROM mediation_agreement WHERE id = NEW.agreement_id) IN {FIXED} "
        f"BEGIN {REFUSE}; END",
        "CREATE TRIGGER agreement_term_signed_update BEFORE UPDATE ON agreement_term "
        f"WHEN (SELECT status FROM mediation_agreement WHERE id = OLD.agreement_id) IN {FIXED} "
        f"OR (SELECT status FROM mediation_agreement WHERE id = NEW.agreement_id) IN {FIXED} "
        f"BEGIN {REFUSE}; END",
        "CREATE TRIGGER agreement_term_signed_delete BEFORE DELETE ON agreement_term "
        f"WHEN (SELECT status FROM mediation_agreement WHERE id = OLD.agreement_id) IN {FIXED} "
        f"BEGIN {REFUSE}; END",
    ]


TRIGGER_NAMES = (
    "agreement_signed_update",
    "agreement_signed_delete",
    "agreement_term_signed_insert",
    "agreement_term_signed_update",
    "agreement_term_signed_delete",
)


def upgrade() -> None:
    op.create_table(
        "performance_followup",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("followed_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("amount_received", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["mediation_agreement.id"],
            name=op.f("fk_performance_followup_agreement_id_mediation_agreement"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_case.id"],
            name=op.f("fk_performance_followup_case_id_dispute_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_followup")),
    )
    with op.batch_alter_table("performance_followup", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_performance_followup_case_id"), ["case_id"], unique=False
        )
    with op.batch_alter_table("performance_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followup_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_performance_record_followup_id_performance_followup"),
            "performance_followup",
            ["followup_id"],
            ["id"],
        )
    with op.batch_alter_table("mediation_agreement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signatures", sa.JSON(), nullable=True))
    op.execute("DROP TRIGGER IF EXISTS agreement_signed_update")
    op.execute(_signed_update_trigger((*AGREEMENT_COLUMNS, "signatures")))
    # The term triggers refuse any update of a signed agreement's term: they cover the new column.
    with op.batch_alter_table("agreement_term", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agreement_term", schema=None) as batch_op:
        batch_op.drop_column("schedule")
    with op.batch_alter_table("mediation_agreement", schema=None) as batch_op:
        batch_op.drop_column("signatures")
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(_signed_update_trigger(AGREEMENT_COLUMNS))
    for statement in _term_and_delete_triggers():
        op.execute(statement)
    with op.batch_alter_table("performance_record", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_performance_record_followup_id_performance_followup"),
            type_="foreignkey",
        )
        batch_op.drop_column("followup_id")
    with op.batch_alter_table("performance_followup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_followup_case_id"))
    op.drop_table("performance_followup")
