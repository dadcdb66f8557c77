import json
import uuid

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent

from backstop_common.envelope import Event, event_type, from_kafka, source_of, to_kafka


def _event(**kw) -> Event:
    return Event(type=event_type("registry", "household.income_assessed"), source=source_of("registry"),
                 subject=str(uuid.uuid4()), data={"per_capita_income": "5321.50"},
                 area_code="211204001001", correlation_id="req-1", **kw)


def test_binary_mode_headers_key_and_plain_json_value():
    event = _event()
    record = to_kafka(event)
    headers = dict(record.headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"backstop.registry.household.income_assessed.v1"
    assert headers["ce_source"] == b"/backstop/registry"
    assert headers["ce_id"] == str(event.id).encode()
    assert headers["ce_areacode"] == b"211204001001"
    assert headers["ce_correlationid"] == b"req-1"
    assert headers["content-type"] == b"application/json"
    assert record.key == event.subject.encode()
    assert json.loads(record.value) == {"per_capita_income": "5321.50"}


def test_round_trip_keeps_every_attribute():
    event = _event()
    record = to_kafka(event)
    back = from_kafka(record.headers, record.key, record.value)
    assert back == event
    assert back.name == "household.income_assessed"


@pytest.mark.parametrize("headers,value", [
    ([], b"{}"),
    ([("ce_specversion", b"1.0"), ("ce_type", b"x")], b"{}"),
    ([("ce_specversion", b"1.0"), ("ce_id", b"not-a-uuid"), ("ce_type", b"t"), ("ce_source", b"/s"),
      ("content-type", b"application/json")], b"{}"),
    ([("ce_specversion", b"1.0"), ("ce_id", str(uuid.uuid4()).encode()), ("ce_type", b"t"),
      ("ce_source", b"/s"), ("content-type", b"application/json")], b"[1, 2]"),
])
def test_malformed_records_are_refused(headers, value):
    with pytest.raises(ValueError):
        from_kafka(headers, b"k", value)


def test_the_cloudevents_sdk_reads_what_we_write_and_we_read_what_it_writes():
    """The envelope is written and parsed without the SDK (its cost on the hot path): the wire stays the SDK's."""
    event = _event()
    record = to_kafka(event)
    parsed = ce_kafka.from_binary_event(ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key,
                                                              value=record.value))
    assert (parsed.get_id(), parsed.get_type(), parsed.get_source(), parsed.get_subject(), parsed.get_time()) == (
        str(event.id), event.type, event.source, event.subject, event.time)
    assert parsed.get_data() == event.data and parsed.get_specversion() == "1.0"
    assert (parsed.get_extension("areacode"), parsed.get_extension("correlationid")) == ("211204001001", "req-1")

    attributes = {"id": str(event.id), "source": event.source, "type": event.type, "subject": event.subject,
                  "time": event.time, "datacontenttype": "application/json", "areacode": "211204001001",
                  "correlationid": "req-1"}
    message = ce_kafka.to_binary_event(CloudEvent(attributes, event.data), key_mapper=lambda e: e.get_subject())
    assert from_kafka(list(message.headers.items()), message.key.encode(), message.value) == event
    assert sorted(message.headers.items()) == sorted(record.headers) and message.value == record.value


@pytest.mark.parametrize("headers", [
    [("ce_specversion", b"0.3"), ("ce_id", b"00000000-0000-4000-8000-000000000000"), ("ce_type", b"t"),
     ("ce_source", b"/s")],
    [("ce_id", b"00000000-0000-4000-8000-000000000000"), ("ce_type", b"t"), ("ce_source", b"/s"),
     ("ce_time", b"2026-12-02T01:00:00")],
    [("ce_id", b"00000000-0000-4000-8000-000000000000"), ("ce_type", b"t"), ("ce_source", b"/s"),
     ("content-type", b"text/plain")],
])
def test_another_version_a_time_without_zone_or_data_not_json_are_refused(headers):
    with pytest.raises(ValueError):
        from_kafka(headers, b"k", b"{}")
