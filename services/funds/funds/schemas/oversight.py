"""Standards, anomalies and suggestions."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from backstop_common.money import Money
from funds.enums import SubsidyKind
from funds.schemas.base import AreaCode, In, Out, Year, Yuan


class StandardIn(In):
    year: Year
    area_code: AreaCode
    kind: SubsidyKind
    item: str = Field(min_length=1, max_length=40)
    amount: Money | None = None
    rate: Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)] | None = None
    threshold: Money | None = None
    cap: Money | None = None


class StandardRead(Out):
    id: uuid.UUID
    year: int
    area_code: str
    kind: str
    item: str
    amount: Yuan | None
    rate: Decimal | None
    threshold: Yuan | None
    cap: Yuan | None


class AnomalyRead(Out):
    id: uuid.UUID
    kind: str
    area_code: str
    household_id: uuid.UUID | None
    member_id: uuid.UUID | None
    project_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    allocation_id: uuid.UUID | None
    amount: Yuan | None
    detail: str
    detected_at: datetime


class SuggestionRead(Out):
    id: uuid.UUID
    household_id: uuid.UUID
    village_code: str
    member_id: uuid.UUID | None
    kind: str
    period: str
    amount: Yuan
    basis: dict
    case_id: uuid.UUID | None
    status: str
