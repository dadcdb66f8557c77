"""``monitoring.supervision`` events (docs/supervision.md; models in ``backstop_events.monitoring``): ids,
areas, codes and deadlines only — never a reporter's or declarant's name, ID number or phone."""

from backstop_common.topics import MONITORING_SUPERVISION
from backstop_events.monitoring import DECLARATION_EVENTS, REPORT_EVENTS, DeclarationEvent, ReportEvent

__all__ = ["DECLARATION_EVENTS", "REPORT_EVENTS", "DeclarationEvent", "ReportEvent"]

TOPIC = MONITORING_SUPERVISION
