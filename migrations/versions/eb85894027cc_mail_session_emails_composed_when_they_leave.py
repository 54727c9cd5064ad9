"""mail: session emails composed when they leave (the draft waiting in the row)

Revision ID: eb85894027cc
Revises: 444a607c4824
Create Date: 2026-11-27 13:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eb85894027cc'
down_revision = '444a607c4824'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('outgoing_emails', sa.Column('draft', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('outgoing_emails', 'draft')
