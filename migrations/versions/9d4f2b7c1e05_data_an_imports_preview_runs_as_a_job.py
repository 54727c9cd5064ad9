"""data: an import's preview runs as a job, and what it found is kept

Reading and checking a whole file moved out of the request: the upload reads a sample,
and the preview (the dry run over every row) is a background job whose result waits on
the import, encrypted, for any web worker to show.

Revision ID: 9d4f2b7c1e05
Revises: 7c2d4e6f8a10
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4f2b7c1e05'
down_revision = '7c2d4e6f8a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('client_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview_job_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('preview', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_client_imports_preview_job_id_jobs'),
            'jobs',
            ['preview_job_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('client_imports', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_client_imports_preview_job_id_jobs'), type_='foreignkey'
        )
        batch_op.drop_column('preview')
        batch_op.drop_column('preview_job_id')
