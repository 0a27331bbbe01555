"""audit events: no tenant index (events are read by instance; one index less per write)

Revision ID: c156aebc255b
Revises: dab393ffe630
Create Date: 2026-11-22 12:08:48.652480

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c156aebc255b'
down_revision = 'dab393ffe630'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engine_audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engine_audit_event_tenant'))


def downgrade():
    with op.batch_alter_table('engine_audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engine_audit_event_tenant'), ['tenant'], unique=False)
