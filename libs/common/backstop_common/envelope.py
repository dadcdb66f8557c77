"""The CloudEvents 1.0 envelope of docs/contract.md §2, built and parsed here and nowhere else.

Binary mode on Kafka: attributes ride in ``ce_*`` headers, ``content-type: application/json``, the
record value is the plain JSON of ``data`` and the record key is the aggregate id (``ce_subject``).
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

SPEC_PREFIX = "backstop"
CONTENT_TYPE = "application/json"
SPECVERSION = "1.0"


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


def _timestamp(at: datetime) -> str:
    """RFC 3339, UTC written ``Z`` (as the CloudEvents SDK writes it)."""
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return _timestamp(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_kafka(event: Event, data_json: str | None = None) -> KafkaRecord:
    """Binary content mode written directly (the CloudEvents SDK's objects and validation cost more than the rest of
    a relay round's Python; ``tests/test_envelope.py`` checks both ways against the SDK). ``data_json``: the data
    already written as JSON (the outbox's row as PostgreSQL writes its jsonb out), sent as it is instead of
    ``event.data``."""
    headers = [("ce_id", str(event.id).encode()), ("ce_source", event.source.encode()),
               ("ce_type", event.type.encode()), ("ce_subject", event.subject.encode()),
               ("ce_time", _timestamp(event.time).encode()), ("content-type", CONTENT_TYPE.encode())]
    if event.area_code:
        headers.append(("ce_areacode", event.area_code.encode()))
    if event.correlation_id:
        headers.append(("ce_correlationid", event.correlation_id.encode()))
    headers.append(("ce_specversion", SPECVERSION.encode()))
    if data_json is None:
        data_json = json.dumps(event.data, default=_json_default)
    return KafkaRecord(key=event.subject.encode(), value=data_json.encode(), headers=headers)


def _attributes(headers: list[tuple[str, bytes]] | tuple) -> dict[str, str]:
    attributes = {}
    for name, raw in headers:
        name = name.lower()
        if name.startswith("ce_"):
            attributes[name[3:]] = raw.decode()
        elif name == "content-type":
            attributes["datacontenttype"] = raw.decode()
    return attributes


def from_kafka(headers: list[tuple[str, bytes]] | tuple, key: bytes | None, value: bytes) -> Event:
    """Parse a binary-mode record; raises ``ValueError`` on anything that is not our envelope (CloudEvents 1.0:
    ``id``, ``source``, ``type``; a JSON object as data). Read directly, as ``to_kafka`` writes: on a consumer's
    hot path the SDK's parse (a dateutil time parser, an event object validated attribute by attribute) was
    3–13 % of the loop (bench/RESULTS.md)."""
    try:
        attributes = _attributes(headers)
        if attributes.get("specversion", SPECVERSION) != SPECVERSION:
            raise ValueError(f"specversion {attributes['specversion']!r}")
        missing = [a for a in ("id", "source", "type") if not attributes.get(a)]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        event_id = uuid.UUID(attributes["id"])
        at = datetime.fromisoformat(attributes["time"]) if "time" in attributes else datetime.now(UTC)
        if at.tzinfo is None:
            raise ValueError("time without a zone")
        if "json" not in attributes.get("datacontenttype", CONTENT_TYPE):
            raise ValueError(f"content type {attributes['datacontenttype']!r}")
        data = orjson.loads(value) if value else None  # a quarter of json's time for an import's registrations
    except (ValueError, UnicodeDecodeError, TypeError) as exc:
        raise ValueError(f"not a CloudEvents binary-mode record: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("event data must be a JSON object")
    return Event(
        id=event_id,
        type=attributes["type"],
        source=attributes["source"],
        subject=attributes.get("subject") or "",
        time=at,
        data=data,
        area_code=attributes.get("areacode"),
        correlation_id=attributes.get("correlationid"),
    )
