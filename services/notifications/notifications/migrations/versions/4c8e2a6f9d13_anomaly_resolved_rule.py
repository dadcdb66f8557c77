"""a finance anomaly closed by a late registry event: the finance.anomaly_resolved rule

Revision ID: 4c8e2a6f9d13
Revises: 4a6f8b0c2e35
Create Date: 2026-12-01 17:10:00
"""
import uuid

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from notifications.domain.default_rules import ANOMALY_RESOLVED_RULES

revision = '4c8e2a6f9d13'
down_revision = '4a6f8b0c2e35'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a database made by the initial revision after these rules joined DEFAULT_RULES has them already
    rules = sa.table('routing_rules', *(sa.column(c) for c in (
        'id', 'name', 'event_type', 'area_prefix', 'urgent', 'needs_ack', 'ack_hours', 'enabled', 'version',
        'template_zh', 'template_en')), sa.column('conditions', postgresql.JSONB),
        sa.column('targets', postgresql.JSONB), sa.column('channels', postgresql.JSONB))
    op.execute(postgresql.insert(rules).values(
        [{**rule, 'id': uuid.uuid5(uuid.NAMESPACE_URL, f'backstop:rule:{rule["name"]}'), 'version': 1}
         for rule in ANOMALY_RESOLVED_RULES]).on_conflict_do_nothing(index_elements=['name']))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM routing_rules WHERE name = ANY(:names)").bindparams(
        names=[rule['name'] for rule in ANOMALY_RESOLVED_RULES]))
