"""SMS another service asked for directly (a one-time code, a decline): only the reference, never the phone."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backstop_common.columns import created


class DirectSms(SQLModel, table=True):
    """One request by its opaque reference: a retry by the caller sends nothing twice."""

    __tablename__ = "direct_sms"

    ref: uuid.UUID = Field(primary_key=True)
    template: str
    requested_by: str
    created_at: datetime | None = created()
