"""legal: employment status at intake, the decline decision (category, day, who decided), and in
the session record whether rights were explained and any request for 回避

``employment_status`` of cases registered before: ``ended`` where a termination date was
recorded, otherwise ``unknown`` (the old store could not tell "ongoing" from "not asked", and only
a recorded "ongoing" may print that wage claims are not bound by the year of Art. 27).
The decline day of older declined cases is their ``outcome_on``.

Revision ID: 0005
Revises: 0011
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('dispute_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decline_category', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('declined_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('declined_by', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('employment_status', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('review_applied_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('court_confirmation_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('confirmation_note', sa.Text(), nullable=True))
    with op.batch_alter_table('mediation_session', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('rights_explained', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('recusal_note', sa.Text(), nullable=True))
    op.execute(
        "UPDATE dispute_case SET employment_status = CASE WHEN employment_ended_on IS NOT NULL "
        "THEN 'ended' ELSE 'unknown' END"
    )
    op.execute(
        "UPDATE dispute_case SET declined_on = outcome_on "
        "WHERE status = 'declined' OR (declined_reason IS NOT NULL AND declined_on IS NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table('mediation_session', schema=None) as batch_op:
        batch_op.drop_column('recusal_note')
        batch_op.drop_column('rights_explained')
    with op.batch_alter_table('dispute_case', schema=None) as batch_op:
        batch_op.drop_column('confirmation_note')
        batch_op.drop_column('court_confirmation_on')
        batch_op.drop_column('review_applied_on')
        batch_op.drop_column('employment_status')
        batch_op.drop_column('declined_by')
        batch_op.drop_column('declined_on')
        batch_op.drop_column('decline_category')
