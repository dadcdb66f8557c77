"""The CloudEvents 1.0 envelope of docs/contract.md §2, built and parsed here and nowhere else.

Binary mode on Kafka: attributes ride in ``ce_*`` headers, ``content-type: application/json``, the
record value is the plain JSON of ``data`` and the record key is the aggregate id (``ce_subject``).
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent

SPEC_PREFIX = "backstop"
CONTENT_TYPE = "application/json"


def event_type(service: str, name: str, version: int = 1) -> str:
    """``backstop.<service>.<event>.v<n>``, e.g. ``backstop.registry.household.registered.v1``."""
    return f"{SPEC_PREFIX}.{service}.{name}.v{version}"


def source_of(service: str) -> str:
    return f"/{SPEC_PREFIX}/{service}"


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    subject: str
    data: dict[str, Any]
    area_code: str | None = None
    correlation_id: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def name(self) -> str:
        """The short name of the catalog: ``household.registered``."""
        parts = self.type.split(".")
        return ".".join(parts[2:-1]) if parts[0] == SPEC_PREFIX and len(parts) > 3 else self.type


@dataclass(frozen=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def to_kafka(event: Event) -> KafkaRecord:
    attributes: dict[str, Any] = {
        "id": str(event.id),
        "source": event.source,
        "type": event.type,
        "subject": event.subject,
        "time": event.time,
        "datacontenttype": CONTENT_TYPE,
    }
    if event.area_code:
        attributes["areacode"] = event.area_code
    if event.correlation_id:
        attributes["correlationid"] = event.correlation_id
    message = ce_kafka.to_binary_event(
        CloudEvent(attributes, event.data), key_mapper=lambda e: e.get_subject()
    )
    key = message.key.encode() if isinstance(message.key, str) else message.key or b""
    return KafkaRecord(key=key, value=message.value, headers=list(message.headers.items()))


def from_kafka(headers: list[tuple[str, bytes]] | tuple, key: bytes | None, value: bytes) -> Event:
    """Parse a binary-mode record; raises ``ValueError`` on anything that is not our envelope."""
    message = ce_kafka.KafkaMessage(headers=dict(headers), key=key, value=value)
    try:
        ce = ce_kafka.from_binary_event(message)
        data = ce.get_data()
    except Exception as exc:  # the SDK raises several types for a malformed record
        raise ValueError(f"not a CloudEvents binary-mode record: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("event data must be a JSON object")
    extensions = ce.get_extension
    return Event(
        id=uuid.UUID(ce.get_id()),
        type=ce.get_type(),
        source=ce.get_source(),
        subject=ce.get_subject() or "",
        time=ce.get_time() or datetime.now(UTC),
        data=data,
        area_code=extensions("areacode"),
        correlation_id=extensions("correlationid"),
    )
