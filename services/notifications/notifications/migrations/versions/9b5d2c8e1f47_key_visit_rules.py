"""key households visited without a case (seed 004): the key_visit.overdue rule

Revision ID: 9b5d2c8e1f47
Revises: 8e4f1a2b3c75
Create Date: 2026-12-01 16:40:00
"""
import uuid

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from notifications.domain.default_rules import KEY_VISIT_RULES

revision = '9b5d2c8e1f47'
down_revision = '8e4f1a2b3c75'
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
         for rule in KEY_VISIT_RULES]).on_conflict_do_nothing(index_elements=['name']))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM routing_rules WHERE name = ANY(:names)").bindparams(
        names=[rule['name'] for rule in KEY_VISIT_RULES]))
