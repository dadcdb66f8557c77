"""``monitoring.campaign`` events (docs/events.md; models in ``backstop_events.monitoring``), and what the
campaigns consume for target progress."""

from backstop_common.envelope import event_type
from backstop_common.topics import FUNDS_FINANCE, MONITORING_CAMPAIGN, REGISTRY_HOUSEHOLD
from backstop_events.monitoring import PROBLEM_EVENTS, Actor, CampaignStarted, ProblemEvent, TargetProgressed
from monitoring.events import catalog

__all__ = ["PROBLEM_EVENTS", "Actor", "CampaignStarted", "ProblemEvent", "TargetProgressed"]

TOPIC = MONITORING_CAMPAIGN


MEASURE_GIVEN = event_type("registry", "household.measure_given")
STATUS_CHANGED = event_type("registry", "household.status_changed")
SUBSIDY_PAID = event_type("funds", "subsidy.paid")

for _topic, _type in ((REGISTRY_HOUSEHOLD, MEASURE_GIVEN), (REGISTRY_HOUSEHOLD, STATUS_CHANGED),
                      (FUNDS_FINANCE, SUBSIDY_PAID)):
    if not any(e.type == _type for e in catalog.consumed):
        catalog.consumes(_topic, _type)
