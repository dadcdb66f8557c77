import json
import uuid

import pytest

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
