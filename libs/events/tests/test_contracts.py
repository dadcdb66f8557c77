"""The contracts without a broker or a database: each publisher's catalog makes an AsyncAPI document whose
refs resolve and whose examples its own models accept, and the models keep the wire format."""

import uuid
from decimal import Decimal

import pytest

from backstop_common.envelope import Event, from_kafka, to_kafka
from backstop_events import funds, monitoring, notifications, registry

CONTRACTS = [registry.catalog, monitoring.catalog, funds.catalog, notifications.catalog]


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from [value] if key == "$ref" else _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.service)
def test_every_published_event_has_a_schema_whose_refs_resolve_and_an_example_its_model_accepts(contract):
    doc = contract.asyncapi("t", "1", "localhost:9092")
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        kind, _, name = ref.removeprefix("#/").rpartition("/")
        assert kind in ("components/schemas", "components/messages") or ref.startswith("#/channels/"), ref
        assert kind != "components/schemas" or name in schemas, ref
    messages = {m["name"]: m for m in doc["components"]["messages"].values()}
    for entry in contract.published:
        [example] = messages[entry.type]["examples"]
        assert entry.model.model_validate(example["payload"]).model_dump(mode="json") == example["payload"]
        assert "$defs" not in messages[entry.type]["payload"]  # nested models are referenced, not inlined


def test_money_stays_a_two_place_string_through_the_envelope():
    """The producer's model serializes, the envelope carries it, the consumer's model parses it back."""
    sent = registry.MeasureGiven(household_id=uuid.uuid4(), village_code="211204001001", measure_id=uuid.uuid4(),
                                 measure_type="employment", amount=Decimal("1200"), given_on="2026-03-02",
                                 unit="县人社局")
    record = to_kafka(Event(type="t", source="/s", subject=str(sent.household_id),
                            data=sent.model_dump(mode="json")))
    received = from_kafka(record.headers, record.key, record.value)
    assert received.data["amount"] == "1200.00"
    assert registry.MeasureGiven.model_validate(received.data) == sent


def test_a_consumer_ignores_fields_a_newer_producer_added():
    data = {"household_id": str(uuid.uuid4()), "village_code": "211204001001", "member_id": str(uuid.uuid4()),
            "medical_insurance": True, "added_in_a_later_v1": 1}
    assert registry.MemberInsuranceChanged.model_validate(data).medical_insurance is True


def test_one_actor_for_every_publisher():
    assert monitoring.Actor is funds.Actor
