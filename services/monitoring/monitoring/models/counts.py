"""Dashboard counters per village, kept by statement-level triggers on the tables they count.

The triggers (hand-added to the migration, see docs/monitoring.md) add and subtract per statement
from the transition tables, so the ORM paths and the set-based re-screen keep them alike. Metrics:
``households``, ``signals``/<risk type>, ``stage``/<stage>, ``open_risk``/<risk type of open cases>.
"""

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel


class AreaCount(SQLModel, table=True):
    __tablename__ = "area_counts"
    __table_args__ = (Index("ix_area_counts_village_pattern", "village_code",
                            postgresql_ops={"village_code": "text_pattern_ops"}),)

    village_code: str = Field(primary_key=True)
    metric: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    n: int = Field(sa_column=Column(BigInteger, nullable=False))
