"""``monitoring.campaign`` events (docs/events.md), registered on monitoring's catalog, and what the
campaigns consume for target progress."""

import uuid
from datetime import datetime

from pydantic import BaseModel

from backstop_common.envelope import event_type
from backstop_common.topics import FUNDS_FINANCE, MONITORING_CAMPAIGN, REGISTRY_HOUSEHOLD
from monitoring.events import catalog

TOPIC = MONITORING_CAMPAIGN


class Actor(BaseModel):
    user_id: str
    role: str


class CampaignStarted(BaseModel):
    """An investigation campaign (大排查) began over an area with its checklist and deadlines."""

    campaign_id: uuid.UUID
    name: str
    area_code: str
    investigation_due: datetime
    rectification_due: datetime
    checks: list[str]
    actor: Actor | None = None


class ProblemEvent(BaseModel):
    """A problem of a campaign's list moved: opened / rectified / verified / deferred / overdue.

    Beyond docs/events.md: ``status`` (after the step), ``title`` (of the check), ``note`` (what was done,
    the reason, or ``data`` when the data showed it fixed)."""

    problem_id: uuid.UUID
    campaign_id: uuid.UUID
    check: str
    title: str | None = None
    household_id: uuid.UUID | None
    village_code: str
    responsible_unit: str
    due_at: datetime
    status: str
    note: str | None = None
    actor: Actor | None = None


class TargetProgressed(BaseModel):
    """Counted progress of an annual target (挂图作战) moved."""

    target_id: uuid.UUID
    year: int
    area_code: str
    measure: str
    target: int
    done: int


#: docs/events.md's five, plus ``problem.started`` (work began / resumed after deferral) and
#: ``problem.rejected`` (the level above refused a rectification), so every step has its event
PROBLEM_EVENTS = ("problem.opened", "problem.started", "problem.rectified", "problem.verified", "problem.rejected",
                  "problem.deferred", "problem.overdue")
catalog.publishes(TOPIC, "campaign.started", CampaignStarted)
for _name in PROBLEM_EVENTS:
    catalog.publishes(TOPIC, _name, ProblemEvent)
catalog.publishes(TOPIC, "target.progressed", TargetProgressed)

MEASURE_GIVEN = event_type("registry", "household.measure_given")
STATUS_CHANGED = event_type("registry", "household.status_changed")
SUBSIDY_PAID = event_type("funds", "subsidy.paid")

for _topic, _type in ((REGISTRY_HOUSEHOLD, MEASURE_GIVEN), (REGISTRY_HOUSEHOLD, STATUS_CHANGED),
                      (FUNDS_FINANCE, SUBSIDY_PAID)):
    if not any(e.type == _type for e in catalog.consumed):
        catalog.consumes(_topic, _type)
