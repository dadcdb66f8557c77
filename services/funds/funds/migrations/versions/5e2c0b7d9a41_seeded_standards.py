"""standards from the seeds; the medical-insurance premium subsidy (参保补贴); members' insurance fact

Replaces the initial revision's DESIGN.md examples that an office has not changed with the lines of
funds.seed.SEED_LINES (each from a county plan, docs/funds.md), allows the subsidy kind
``medical_insurance`` and keeps whether a member has basic medical insurance (member.insurance_changed).

Revision ID: 5e2c0b7d9a41
Revises: bb1704dbaeb5
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = '5e2c0b7d9a41'
down_revision = 'bb1704dbaeb5'
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('housing_renovation', 'education', 'medical_relief')"
KINDS_AFTER = "kind IN ('housing_renovation', 'education', 'medical_relief', 'medical_insurance')"
STANDARDS = sa.table("subsidy_standards", *(sa.column(c) for c in (
    "id", "year", "area_code", "area_prefix", "kind", "item", "amount", "rate", "threshold", "cap")))


def _unchanged(area, kind, item, amount, rate, threshold, cap):
    """The initial revision's line, as long as nobody has set it since."""
    values = {"amount": amount, "rate": rate, "threshold": threshold, "cap": cap}
    return sa.and_(STANDARDS.c.year == 2021, STANDARDS.c.area_code == area, STANDARDS.c.kind == kind,
                   STANDARDS.c.item == item,
                   *(STANDARDS.c[k].is_(None) if v is None else STANDARDS.c[k] == v for k, v in values.items()))


def upgrade() -> None:
    from sqlalchemy.dialects.postgresql import insert

    from backstop_common.auth import area_prefix
    from funds.seed import SEED_AREAS, SEED_LINES, SEED_YEAR, STANDARD_LINES

    op.drop_constraint("subsidy_kind", "subsidies", type_="check")
    op.create_check_constraint("subsidy_kind", "subsidies", KINDS_AFTER)
    op.add_column("members", sa.Column("medical_insurance", sa.Boolean(), nullable=True))
    for area in SEED_AREAS:
        for line in STANDARD_LINES:
            op.execute(STANDARDS.delete().where(_unchanged(area, *line)))
    rows = [{"id": uuid.uuid4(), "year": SEED_YEAR, "area_code": area, "area_prefix": area_prefix(area), "kind": kind,
             "item": item, "amount": amount, "rate": rate, "threshold": threshold, "cap": cap}
            for area, kind, item, amount, rate, threshold, cap, _source in SEED_LINES]
    op.execute(insert(STANDARDS).values(rows).on_conflict_do_nothing(
        index_elements=["year", "area_code", "kind", "item"]))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM subsidies WHERE kind = 'medical_insurance'"))
    op.execute(STANDARDS.delete().where(STANDARDS.c.kind == "medical_insurance"))
    op.drop_constraint("subsidy_kind", "subsidies", type_="check")
    op.create_check_constraint("subsidy_kind", "subsidies", KINDS_BEFORE)
    op.drop_column("members", "medical_insurance")
