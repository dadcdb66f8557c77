"""公告公示: what funds makes public — allocation results and village/township project arrangements."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb, timestamp
from funds.models.columns import uid

NOTICE_KINDS = ("allocation", "project_arrangement")


class PublicNotice(SQLModel, table=True):
    """One public notice; ``content`` holds facts only (no names, ID numbers, phones or health details)."""

    __tablename__ = "public_notices"
    __table_args__ = (
        CheckConstraint("kind IN ('allocation', 'project_arrangement')", name="public_notice_kind"),
        Index("ix_public_notices_subject", "kind", "subject_id", "published_at", unique=True),
    )

    id: uuid.UUID = uid()
    kind: str
    subject_id: uuid.UUID                   # the allocation or the project
    area_code: str = Field(index=True)
    year: int
    title: str
    content: dict = jsonb(dict)
    published_at: datetime | None = created()
    notice_ends_at: datetime | None = timestamp()
