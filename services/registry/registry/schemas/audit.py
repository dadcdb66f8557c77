"""Access-log shapes (no identifier values: only which fields were read)."""

import uuid
from datetime import datetime

from pydantic import BaseModel


class AccessRead(BaseModel):
    seq: int
    read_at: datetime
    subject: str
    role: str
    household_id: uuid.UUID
    village_code: str
    path: str
    fields: str
