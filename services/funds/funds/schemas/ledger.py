"""Allocations, commitments, disbursements and subsidies."""

import uuid
from datetime import date, datetime

from pydantic import Field

from backstop_common.dates import CalendarDate
from backstop_common.examples import example
from funds.enums import Source, SubsidyKind
from funds.schemas.base import Amount, AreaCode, In, Out, Year, Yuan


@example({"source": "central",
          "year": 2026,
          "purpose": "衔接推进乡村振兴补助资金",
          "amount": "5000000.00",
          "area_code": "211204000000",
          "document_no": "辽财农〔2026〕12号"})
class AllocationCreate(In):
    source: Source
    year: Year
    purpose: str = Field(min_length=1, max_length=200)
    amount: Amount
    area_code: AreaCode
    document_no: str | None = Field(default=None, max_length=100)


class AllocationRead(Out):
    id: uuid.UUID
    source: str
    year: int
    purpose: str
    area_code: str
    amount: Yuan
    committed: Yuan
    spent: Yuan
    document_no: str | None
    created_at: datetime
    version: int


@example({"allocation_id": "2e4f6a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b", "amount": "800000.00"})
class FundingIn(In):
    allocation_id: uuid.UUID
    amount: Amount


@example({"project_id": "7a1b3c5d-9e0f-4a2b-8c4d-6e8f0a2b4c6d",
          "allocation_id": "2e4f6a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b",
          "amount": "300000.00",
          "paid_on": "2026-06-30",
          "note": "第一期工程款"})
class DisbursementIn(In):
    project_id: uuid.UUID
    allocation_id: uuid.UUID
    amount: Amount
    paid_on: CalendarDate | None = None
    note: str | None = Field(default=None, max_length=500)


class DisbursementRead(Out):
    id: uuid.UUID
    project_id: uuid.UUID
    allocation_id: uuid.UUID
    amount: Yuan
    paid_on: date


@example({"kind": "education",
          "household_id": "5b0a3c1e-6f1d-4c53-9e0b-2d7d8f5e4a10",
          "member_id": "8c9d7e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
          "period": "2026-spring",
          "allocation_id": "2e4f6a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b"})
class SubsidyIn(In):
    """No amount: it is computed from the standard for the household's area and the period's year."""

    kind: SubsidyKind
    household_id: uuid.UUID
    member_id: uuid.UUID | None = None
    period: str = Field(pattern=r"^[0-9]{4}([-/][0-9A-Za-z]{1,10})?$")
    allocation_id: uuid.UUID
    paid_on: CalendarDate | None = None


class SubsidyRead(Out):
    id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    member_id: uuid.UUID | None
    village_code: str
    period: str
    year: int
    amount: Yuan
    allocation_id: uuid.UUID
    basis: dict
    paid_on: date


@example({"subsidy_id": "3d5f7a9b-1c2e-4f6a-8b0c-2e4f6a8c0e1f",
          "amount": "500.00",
          "reason": "重复发放，已追回",
          "returned_on": "2026-08-01"})
class ReturnIn(In):
    """退回 of one payment: ``disbursement_id`` or ``subsidy_id``, the amount that came back and why."""

    disbursement_id: uuid.UUID | None = None
    subsidy_id: uuid.UUID | None = None
    amount: Amount
    reason: str = Field(min_length=1, max_length=500)
    returned_on: CalendarDate | None = None


class ReturnRead(Out):
    id: uuid.UUID
    allocation_id: uuid.UUID
    disbursement_id: uuid.UUID | None
    subsidy_id: uuid.UUID | None
    project_id: uuid.UUID | None
    household_id: uuid.UUID | None
    area_code: str
    amount: Yuan
    reason: str
    returned_on: date
    recorded_by: str
