"""Routing rules added by a later revision: inserted once by name, removed by name on downgrade.

A database made by the initial revision after the rules joined ``DEFAULT_RULES`` has them already, hence
``ON CONFLICT (name) DO NOTHING``; the id is derived from the name, as the initial seed derives it.
"""

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

_RULES = sa.table('routing_rules', *(sa.column(c) for c in (
    'id', 'name', 'event_type', 'area_prefix', 'urgent', 'needs_ack', 'ack_hours', 'enabled', 'version',
    'template_zh', 'template_en')), sa.column('conditions', postgresql.JSONB),
    sa.column('targets', postgresql.JSONB), sa.column('channels', postgresql.JSONB))


def add_rules(rules: list[dict]) -> None:
    op.execute(postgresql.insert(_RULES).values(
        [{**rule, 'id': uuid.uuid5(uuid.NAMESPACE_URL, f'backstop:rule:{rule["name"]}'), 'version': 1}
         for rule in rules]).on_conflict_do_nothing(index_elements=['name']))


def drop_rules(rules: list[dict]) -> None:
    op.execute(sa.text("DELETE FROM routing_rules WHERE name = ANY(:names)").bindparams(
        names=[rule['name'] for rule in rules]))
