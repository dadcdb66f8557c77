"""supervision: routing rules for monitoring.supervision, and the direct SMS references

Revision ID: 5b1e0c2f7a31
Revises: 93f60acd30ea
Create Date: 2026-12-01 16:20:00
"""
import uuid

from alembic import op
import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from notifications.domain.default_rules import SUPERVISION_RULES

revision = '5b1e0c2f7a31'
down_revision = '93f60acd30ea'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('direct_sms',
    sa.Column('ref', sa.Uuid(), nullable=False),
    sa.Column('template', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('ref')
    )
    # a database made by the initial revision after these rules joined DEFAULT_RULES has them already
    rules = sa.table('routing_rules', *(sa.column(c) for c in (
        'id', 'name', 'event_type', 'area_prefix', 'urgent', 'needs_ack', 'ack_hours', 'enabled', 'version',
        'template_zh', 'template_en')), sa.column('conditions', postgresql.JSONB),
        sa.column('targets', postgresql.JSONB), sa.column('channels', postgresql.JSONB))
    op.execute(postgresql.insert(rules).values(
        [{**rule, 'id': uuid.uuid5(uuid.NAMESPACE_URL, f'backstop:rule:{rule["name"]}'), 'version': 1}
         for rule in SUPERVISION_RULES]).on_conflict_do_nothing(index_elements=['name']))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM routing_rules WHERE name = ANY(:names)").bindparams(
        names=[rule['name'] for rule in SUPERVISION_RULES]))
    op.drop_table('direct_sms')
