"""human tasks: no separate escalated index (ix_task_open_due lists overdue tasks first)

Revision ID: d340f0915d1d
Revises: c156aebc255b
Create Date: 2026-11-22 13:17:32.050132

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd340f0915d1d'
down_revision = 'c156aebc255b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engine_human_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_escalated'))


def downgrade():
    with op.batch_alter_table('engine_human_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_escalated'), ['tenant', 'status', 'overdue', 'due_key'], unique=False)
