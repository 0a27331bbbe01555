"""human tasks: partial assignee and done-by indexes; instances: no definition_id index

Revision ID: e8a41c07b2d5
Revises: d340f0915d1d
Create Date: 2026-11-22 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8a41c07b2d5'
down_revision = 'd340f0915d1d'
branch_labels = None
depends_on = None

ASSIGNED = sa.text("assignee IS NOT NULL")
COMPLETED = sa.text("completed_by IS NOT NULL")


def upgrade():
    with op.batch_alter_table('engine_human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_assignee')
        batch_op.drop_index('ix_task_done_by')
        batch_op.create_index('ix_task_assignee', ['tenant', 'assignee', 'status', 'due_key'],
                              unique=False, sqlite_where=ASSIGNED, postgresql_where=ASSIGNED)
        batch_op.create_index('ix_task_done_by', ['tenant', 'completed_by', 'completed_at'],
                              unique=False, sqlite_where=COMPLETED, postgresql_where=COMPLETED)
    with op.batch_alter_table('engine_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_engine_instance_definition_id')


def downgrade():
    with op.batch_alter_table('engine_instance', schema=None) as batch_op:
        batch_op.create_index('ix_engine_instance_definition_id', ['definition_id'], unique=False)
    with op.batch_alter_table('engine_human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_done_by')
        batch_op.drop_index('ix_task_assignee')
        batch_op.create_index('ix_task_done_by', ['tenant', 'completed_by', 'completed_at'],
                              unique=False)
        batch_op.create_index('ix_task_assignee', ['tenant', 'assignee', 'status', 'due_key'],
                              unique=False)
