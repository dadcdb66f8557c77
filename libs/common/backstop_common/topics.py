"""Topic names of docs/contract.md §2: one topic per publishing aggregate family."""

REGISTRY_HOUSEHOLD = "registry.household"
MONITORING_CASE = "monitoring.case"
MONITORING_CAMPAIGN = "monitoring.campaign"
MONITORING_SUPERVISION = "monitoring.supervision"
FUNDS_FINANCE = "funds.finance"
NOTIFICATIONS_DELIVERY = "notifications.delivery"

ALL = (REGISTRY_HOUSEHOLD, MONITORING_CASE, MONITORING_CAMPAIGN, MONITORING_SUPERVISION, FUNDS_FINANCE,
       NOTIFICATIONS_DELIVERY)

#: the consumer groups (service names) that must have read a topic's event before its publisher may forget
#: where it put it: on a broker that lost its log, the publisher republishes what they had not read yet
#: (docs/architecture.md "Delivery guarantees"; tests/test_architecture.py holds it to the catalogues)
CONSUMERS: dict[str, tuple[str, ...]] = {
    REGISTRY_HOUSEHOLD: ("monitoring", "funds", "notifications"),
    MONITORING_CASE: ("funds", "notifications", "registry"),
    MONITORING_CAMPAIGN: ("notifications",),
    MONITORING_SUPERVISION: ("notifications",),
    FUNDS_FINANCE: ("monitoring", "notifications"),
    NOTIFICATIONS_DELIVERY: (),
}


def dlq(topic: str) -> str:
    """Where a consumer parks what it cannot process after its retries."""
    return f"{topic}.dlq"


def all_with_dlq() -> list[str]:
    return [name for topic in ALL for name in (topic, dlq(topic))]
