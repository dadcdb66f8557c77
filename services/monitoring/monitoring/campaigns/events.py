"""``monitoring.campaign`` events (docs/events.md; models in ``backstop_events.monitoring``), and what the
campaigns consume for target progress."""

from backstop_common.envelope import event_type
from backstop_common.topics import MONITORING_CAMPAIGN
from backstop_events import funds as funds_events
from backstop_events import registry as registry_events
from backstop_events.monitoring import PROBLEM_EVENTS, Actor, CampaignStarted, ProblemEvent, TargetProgressed
from monitoring.events import catalog

__all__ = ["PROBLEM_EVENTS", "Actor", "CampaignStarted", "ProblemEvent", "TargetProgressed"]

TOPIC = MONITORING_CAMPAIGN


MEASURE_GIVEN = event_type("registry", "household.measure_given")
STATUS_CHANGED = event_type("registry", "household.status_changed")
SUBSIDY_PAID = event_type("funds", "subsidy.paid")

for _publisher, _name in ((registry_events.catalog, "household.measure_given"),
                          (registry_events.catalog, "household.status_changed"), (funds_events.catalog, "subsidy.paid")):
    if not any(e.type == event_type(_publisher.service, _name) for e in catalog.consumed):
        catalog.follows(_publisher, (_name,))
