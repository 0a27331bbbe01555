"""message subscriptions: kind (message | signal), so instances waiting for a signal are found

Revision ID: f3b7c2d9e4a1
Revises: e8a41c07b2d5
Create Date: 2026-11-22 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b7c2d9e4a1'
down_revision = 'e8a41c07b2d5'
branch_labels = None
depends_on = None


def upgrade():
    # Every existing row is a message subscription: signals were not projected before.
    with op.batch_alter_table('engine_message_subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='message',
                                      nullable=False))


def downgrade():
    op.execute("DELETE FROM engine_message_subscription WHERE kind = 'signal'")
    with op.batch_alter_table('engine_message_subscription', schema=None) as batch_op:
        batch_op.drop_column('kind')
