"""Administrative divisions: county (县/区) → township (乡镇/街道) → village (村/社区)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from backstop_common.columns import created


class Area(SQLModel, table=True):
    """One division with its 12-digit statistical code (GB/T 2260 + 3 township + 3 village digits)."""

    __tablename__ = "areas"

    code: str = Field(primary_key=True, min_length=12, max_length=12)
    name: str
    level: str = Field(index=True)  # county / township / village (or city / province above)
    parent_code: str | None = Field(default=None, index=True, max_length=12)
    created_at: datetime | None = created()
