"""What funds publishes on ``funds.finance`` (docs/contract.md §2, docs/events.md): allocations, the project library's
stages, disbursements, subsidies to households, returns and anomalies."""

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from backstop_common.asyncapi import EventCatalog
from backstop_common.topics import FUNDS_FINANCE
from backstop_events.common import Actor

__all__ = ["Actor"]  # re-exported: a project's stage names who moved it


class FundAllocated(BaseModel):
    """资金下达: an allocation of one source, year and purpose to an area."""

    allocation_id: uuid.UUID
    source: str
    year: int
    purpose: str
    amount: Decimal
    area_code: str


class ProjectStageChanged(BaseModel):
    """A project moved one stage in the library (申报 → … → 资产移交); from_stage null on 申报."""

    project_id: uuid.UUID
    area_code: str
    project_type: str
    from_stage: str | None
    to_stage: str
    actor: Actor
    reason: str | None


class DisbursementMade(BaseModel):
    """拨付: money paid to a project from an allocation."""

    disbursement_id: uuid.UUID
    project_id: uuid.UUID
    allocation_id: uuid.UUID
    amount: Decimal
    paid_on: date


class SubsidyPaid(BaseModel):
    """A subsidy paid to a household (or one member), computed from the standard."""

    subsidy_id: uuid.UUID
    household_id: uuid.UUID
    member_id: uuid.UUID | None
    village_code: str
    kind: str
    period: str
    amount: Decimal
    allocation_id: uuid.UUID


class AnomalyDetected(BaseModel):
    """Something went astray: unknown/deceased beneficiary, duplicate, overspend, unspent, stuck stage."""

    anomaly_id: uuid.UUID
    kind: str
    area_code: str
    household_id: uuid.UUID | None
    project_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    amount: Decimal | None
    detail: str


class MoneyReturned(BaseModel):
    """退回: money of a disbursement or a subsidy came back to its allocation, with the reason."""

    return_id: uuid.UUID
    allocation_id: uuid.UUID
    disbursement_id: uuid.UUID | None
    subsidy_id: uuid.UUID | None
    project_id: uuid.UUID | None
    household_id: uuid.UUID | None
    amount: Decimal
    reason: str
    returned_on: date


class AnomalyResolved(BaseModel):
    """A flagged anomaly closed: what it flagged turned out fine (e.g. the registry's event came late)."""

    anomaly_id: uuid.UUID
    kind: str
    area_code: str
    household_id: uuid.UUID | None
    reason: str
    event_id: uuid.UUID | None  # the event that resolved it


catalog = EventCatalog("funds")
catalog.publishes(FUNDS_FINANCE, "fund.allocated", FundAllocated)
catalog.publishes(FUNDS_FINANCE, "money.returned", MoneyReturned)
catalog.publishes(FUNDS_FINANCE, "project.stage_changed", ProjectStageChanged)
catalog.publishes(FUNDS_FINANCE, "disbursement.made", DisbursementMade)
catalog.publishes(FUNDS_FINANCE, "subsidy.paid", SubsidyPaid)
catalog.publishes(FUNDS_FINANCE, "finance.anomaly_detected", AnomalyDetected)
catalog.publishes(FUNDS_FINANCE, "finance.anomaly_resolved", AnomalyResolved)
