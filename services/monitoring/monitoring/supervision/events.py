"""``monitoring.supervision`` events (docs/supervision.md): ids, areas, codes and deadlines only — never a
reporter's or declarant's name, ID number or phone."""

import uuid
from datetime import datetime

from pydantic import BaseModel

from backstop_common.topics import MONITORING_SUPERVISION
from monitoring.events import catalog

TOPIC = MONITORING_SUPERVISION


class ReportEvent(BaseModel):
    """A 12317 report (举报) moved: received / assigned / answered / overdue / closed."""

    report_id: uuid.UUID
    channel: str
    category: str
    area_code: str
    handling_area: str
    conflict_of_interest: bool
    status: str
    step: str
    due_at: datetime | None = None
    #: assigned: accepted / extended / reopened; closed: declined / satisfied / unsatisfied
    reason: str | None = None
    #: overdue: the office one level above the step's owner, told once
    escalate_to_area: str | None = None


class DeclarationEvent(BaseModel):
    """A household's self-declaration (自主申报) moved: received / verified / declined / overdue."""

    declaration_id: uuid.UUID
    kind: str
    area_code: str
    matched: bool
    household_id: uuid.UUID | None = None
    status: str
    due_at: datetime | None = None
    case_id: uuid.UUID | None = None
    #: declined: the opaque reference of the household's SMS (notifications logs the same reference)
    sms_ref: uuid.UUID | None = None
    escalate_to_area: str | None = None


REPORT_EVENTS = ("report.received", "report.assigned", "report.answered", "report.overdue", "report.closed")
DECLARATION_EVENTS = ("declaration.received", "declaration.verified", "declaration.declined",
                      "declaration.overdue")
for _name in REPORT_EVENTS:
    catalog.publishes(TOPIC, _name, ReportEvent)
for _name in DECLARATION_EVENTS:
    catalog.publishes(TOPIC, _name, DeclarationEvent)
