"""member code: an opaque code for member cards and scanning

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_code', sa.String(length=12), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_residents_member_code'), ['member_code'])
    # Give every existing resident a code.
    from app.services.member_codes import new_member_code

    bind = op.get_bind()
    residents = sa.table('residents', sa.column('id', sa.Integer), sa.column('member_code', sa.String))
    ids = [row[0] for row in bind.execute(sa.select(residents.c.id))]
    used: set[str] = set()
    for rid in ids:
        code = new_member_code()
        while code in used:
            code = new_member_code()
        used.add(code)
        bind.execute(residents.update().where(residents.c.id == rid).values(member_code=code))


def downgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_residents_member_code'), type_='unique')
        batch_op.drop_column('member_code')
