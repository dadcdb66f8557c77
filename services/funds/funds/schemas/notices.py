"""Public notices (公告公示) as anyone reads them."""

import uuid
from datetime import datetime
from typing import Literal

from funds.schemas.base import Out

NoticeKind = Literal["allocation", "project_arrangement"]


class NoticeRead(Out):
    id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    area_code: str
    year: int
    title: str
    content: dict
    published_at: datetime
    notice_ends_at: datetime | None
