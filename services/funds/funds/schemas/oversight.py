"""Standards, anomalies and suggestions."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from backstop_common.examples import example
from backstop_common.i18n import msg, term
from backstop_common.money import Money
from funds.enums import FIRST_POLICY_YEAR, RATE_KINDS, STANDARD_ITEMS, SubsidyKind
from funds.schemas.base import AreaCode, In, Out, Yuan

#: every item of every kind; which kind takes which is checked on the whole line
StandardItem = Literal[tuple(dict.fromkeys(i for items in STANDARD_ITEMS.values() for i in items))]  # type: ignore
PolicyYear = Annotated[int, Field(ge=FIRST_POLICY_YEAR, le=2100)]
RATE_FIELDS = ("rate", "threshold", "cap")


@example({"year": 2026, "area_code": "211204000000", "kind": "education", "item": "junior", "amount": "1250.00"})
class StandardIn(In):
    """One line: housing and education set an ``amount``; medical relief sets ``rate``, ``threshold`` and ``cap``."""

    year: PolicyYear
    area_code: AreaCode
    kind: SubsidyKind
    item: StandardItem
    amount: Money | None = None
    rate: Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)] | None = None
    threshold: Money | None = None
    cap: Money | None = None

    @model_validator(mode="after")
    def _a_line_of_its_kind(self):
        if self.item not in STANDARD_ITEMS[self.kind]:
            items = ", ".join(STANDARD_ITEMS[self.kind])
            raise ValueError(msg("item {item} is not a {kind} line; one of {items}", item=repr(self.item),
                                 kind=term("subsidy_kind", self.kind), items=items))
        if self.kind in RATE_KINDS:
            missing = [f for f in RATE_FIELDS if getattr(self, f) is None]
            if missing or self.amount is not None:
                raise ValueError(msg("a {kind} line sets {fields} and no amount", kind=term("subsidy_kind", self.kind),
                                     fields=", ".join(RATE_FIELDS)))
        elif self.amount is None or any(getattr(self, f) is not None for f in RATE_FIELDS):
            raise ValueError(msg("a {kind} line sets an amount and no {fields}", kind=term("subsidy_kind", self.kind),
                                 fields=", ".join(RATE_FIELDS)))
        return self


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
    resolved_at: datetime | None = None
    resolution: str | None = None
    resolved_by_event: uuid.UUID | None = None


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
