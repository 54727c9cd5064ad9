"""mail: when a message's single-use link stops working

Staff pages no longer show a live single-use link (it opens the client's account); they
say when it expires instead. Messages queued before keep no expiry until they leave:
an invitation's or a reset's link lived ACCOUNT_TOKEN_HOURS (24), a data download's
DOWNLOAD_DAYS (7), from when the message was written.

Revision ID: 7c2d4e6f8a10
Revises: 5e1f0c7a9b21
Create Date: 2026-12-07 18:40:00.000000

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '7c2d4e6f8a10'
down_revision = '5e1f0c7a9b21'
branch_labels = None
depends_on = None

LIFETIMES = {
    'invitation': timedelta(hours=24),
    'password_reset': timedelta(hours=24),
    'request_outcome': timedelta(days=7),
}


def upgrade():
    op.add_column(
        'outgoing_emails', sa.Column('link_expires_at', sa.DateTime(timezone=True), nullable=True)
    )
    emails = sa.table(
        'outgoing_emails',
        sa.column('id', sa.Integer),
        sa.column('kind', sa.String),
        sa.column('created_at', UTCDateTime()),
        sa.column('secret_link', sa.Text),
        sa.column('link_expires_at', UTCDateTime()),
    )
    connection = op.get_bind()
    waiting = connection.execute(
        sa.select(emails.c.id, emails.c.kind, emails.c.created_at).where(
            emails.c.secret_link.is_not(None)
        )
    ).all()
    for email_id, kind, created_at in waiting:
        lifetime = LIFETIMES.get(kind)
        if lifetime is not None and created_at is not None:
            connection.execute(
                emails.update()
                .where(emails.c.id == email_id)
                .values(link_expires_at=created_at + lifetime)
            )


def downgrade():
    # A plain DROP COLUMN (SQLite has it): a batch copy would reflect the clients table
    # the messages point at, and its expression index.
    op.drop_column('outgoing_emails', 'link_expires_at')
