"""accounts: the ledger's totals (redeemed, revoked, expired) kept beside the balance

The Credits box summed a client's whole ledger on every profile; the totals now change
with each ledger row, in the same statement as the balance. Existing rows are filled in
from the ledger.

Revision ID: 5e1f0c7a9b21
Revises: d27ed2d2b3a5
Create Date: 2026-11-27 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c7a9b21'
down_revision = 'd27ed2d2b3a5'
branch_labels = None
depends_on = None

# The kinds of ledger rows each total adds up (app.accounts.ledger.LEDGER_TOTALS then).
TOTALS = {"redeemed": ("redeem", "return"), "revoked": ("revoke",), "expired": ("expire",)}


def upgrade():
    for total in TOTALS:
        op.add_column(
            'client_credit_balances',
            sa.Column(total, sa.Integer(), server_default='0', nullable=False),
        )
    ledger = sa.table(
        'credit_ledger',
        sa.column('client_id', sa.Integer),
        sa.column('kind', sa.String),
        sa.column('amount', sa.Integer),
    )
    balances = sa.table(
        'client_credit_balances',
        sa.column('client_id', sa.Integer),
        *(sa.column(total, sa.Integer) for total in TOTALS),
    )
    op.execute(
        balances.update().values(
            **{
                total: sa.select(sa.func.coalesce(sa.func.sum(ledger.c.amount), 0))
                .where(ledger.c.client_id == balances.c.client_id, ledger.c.kind.in_(kinds))
                .scalar_subquery()
                for total, kinds in TOTALS.items()
            }
        )
    )


def downgrade():
    for total in reversed(TOTALS):
        op.drop_column('client_credit_balances', total)
