"""The event catalog of one service and the AsyncAPI 3.0 document generated from it.

The same pydantic models that shape an event's ``data`` (``backstop_events``: the producer builds them, the
consumer parses into them) are the document's payload schemas, so the contract served at ``/asyncapi.json``
cannot drift from what is published. Schemas a payload nests (an ``Actor``, a listed member) are in
``components.schemas`` and referenced from there, so every ``$ref`` resolves at the document's root and a
code generator can follow it; each message carries an example its model accepts.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from backstop_common.envelope import event_type, source_of

CE_HEADERS = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time"],
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid"},
        "ce_source": {"type": "string"},
        "ce_type": {"type": "string"},
        "ce_subject": {"type": "string", "description": "aggregate id; also the Kafka key"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_areacode": {"type": "string", "pattern": "^[0-9]{12}$"},
        "ce_correlationid": {"type": "string"},
        "content-type": {"const": "application/json"},
    },
}


@dataclass
class CatalogEntry:
    topic: str
    type: str
    model: type[BaseModel] | None
    summary: str = ""


@dataclass
class EventCatalog:
    service: str
    published: list[CatalogEntry] = field(default_factory=list)
    consumed: list[CatalogEntry] = field(default_factory=list)
    #: documents made (building one takes about a second: every schema and example), by what they depend on
    _documents: dict[tuple, dict] = field(default_factory=dict, repr=False, compare=False)

    def publishes(self, topic: str, name: str, model: type[BaseModel], version: int = 1) -> str:
        full = event_type(self.service, name, version)
        self.published.append(CatalogEntry(topic, full, model, (model.__doc__ or "").strip()))
        return full

    def consumes(self, topic: str, full_type: str, model: type[BaseModel] | None = None) -> str:
        self.consumed.append(CatalogEntry(topic, full_type, model, (model.__doc__ or "").strip() if model else ""))
        return full_type

    @classmethod
    def serving(cls, contract: "EventCatalog") -> "EventCatalog":
        """A service's own catalog: what its contract (``backstop_events.<service>.catalog``) says it
        publishes, plus what it will consume."""
        return cls(contract.service, published=list(contract.published))

    def follows(self, publisher: "EventCatalog", names: tuple[str, ...] | list[str]) -> dict[str, str]:
        """Consume these events of another service's contract, with its payload models; returns each short
        name's full ce type. A name the publisher does not publish is a programming error (KeyError)."""
        types = {}
        for name in names:
            entry = publisher.entry(name)
            types[name] = self.consumes(entry.topic, entry.type, entry.model)
        return types

    def entry(self, name: str) -> CatalogEntry:
        """The event this catalog publishes under a short name (``member.added``): its topic, type, model."""
        full = event_type(self.service, name)
        entry = next((e for e in self.published if e.type == full), None)
        if entry is None:
            raise KeyError(f"{self.service} publishes no {name}")
        return entry

    def consumed_models(self) -> dict[str, type[BaseModel]]:
        """The payload model of each consumed ce type that has one: what the consumer parses ``data`` into."""
        return {e.type: e.model for e in self.consumed if e.model is not None}

    @property
    def consumed_topics(self) -> list[str]:
        return sorted({e.topic for e in self.consumed})

    def asyncapi(self, title: str, version: str, bootstrap: str) -> dict:
        key = (title, version, bootstrap, len(self.published), len(self.consumed))
        if key not in self._documents:
            self._documents[key] = self._document(title, version, bootstrap)
        return self._documents[key]  # shared: served as JSON, never changed by a caller

    def _document(self, title: str, version: str, bootstrap: str) -> dict:
        entries = [("send", e) for e in self.published] + [("receive", e) for e in self.consumed]
        schemas = _schemas([e.model for _, e in entries if e.model is not None])
        messages, channels, operations = {}, {}, {}
        for action, entry in entries:
            msg_id = entry.type.replace(".", "_")
            payload = dict(schemas[entry.model.__name__]) if entry.model else {"type": "object"}
            messages[msg_id] = {
                "name": entry.type, "title": entry.type, "summary": entry.summary,
                "contentType": "application/json", "headers": CE_HEADERS, "payload": payload,
                "bindings": {"kafka": {"key": {"type": "string", "description": "aggregate id"}}},
            }
            if entry.model is not None:
                messages[msg_id]["examples"] = [_message_example(entry, schemas)]
            channel_id = entry.topic.replace(".", "_")
            channel = channels.setdefault(channel_id, {"address": entry.topic, "messages": {}})
            channel["messages"][msg_id] = {"$ref": f"#/components/messages/{msg_id}"}
            operations[f"{action}_{msg_id}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{msg_id}"}],
            }
        return {
            "asyncapi": "3.0.0",
            "info": {"title": f"{title} events", "version": version,
                     "description": "CloudEvents 1.0, Kafka binary mode (docs/events.md). Payload models: "
                                    "the backstop_events package."},
            "defaultContentType": "application/json",
            "servers": {"kafka": {"host": bootstrap, "protocol": "kafka"}},
            "channels": channels,
            "operations": operations,
            "components": {"messages": messages, "schemas": schemas},
        }


SCHEMA_REF = "#/components/schemas/{model}"


class _WireSchema(GenerateJsonSchema):
    """Money travels as a decimal string ("1234.50", docs/events.md): say so, so a generated client parses
    it into a decimal, never a float."""

    def decimal_schema(self, schema) -> dict:
        return {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}


def _schemas(models: list[type[BaseModel]]) -> dict[str, dict]:
    """Every payload model and every model it nests, by name, referring to each other under
    ``#/components/schemas/``. Two distinct models of one name would get qualified names here, so
    ``backstop_events`` keeps one class per name (one ``Actor``)."""
    unique = list(dict.fromkeys(models))
    names = {m.__name__ for m in unique}
    if len(names) != len(unique):
        raise ValueError(f"two payload models share a name: {sorted(m.__qualname__ for m in unique)}")
    _, top = models_json_schema([(m, "serialization") for m in unique], ref_template=SCHEMA_REF,
                                schema_generator=_WireSchema)
    return top.get("$defs", {})


#: plausible values for the fields an example would otherwise fill with a placeholder
EXAMPLE_VALUES: dict[str, Any] = {
    "village_code": "211204001001", "previous_village_code": "211204001002", "area_code": "211204001000",
    "handling_area": "211204001000", "escalate_to_area": "211204000000", "level_area": "211204000000",
    "year": 2026, "previous_year": 2025, "birth_year": 1968, "income_year": 2025, "year_lifted": 2019,
    "size": 4, "labour_capable_members": 2, "age": 14, "disability_grade": 0, "attempts": 1, "window_days": 30,
    "households_with_signals": 6, "households_total": 40, "target": 120, "done": 45,
    "user_id": "u-helper-0042", "helper_user_id": "u-helper-0042", "role": "township_staff",
    "poverty_status": "lifted", "previous_status": "poor", "relation": "spouse", "sex": "F",
    "health": "chronic", "previous_health": "healthy", "labour_capacity": "full", "housing_grade": "B",
    "grade": "C", "previous_grade": "B", "main_cause": "illness", "monitoring_category": "unstable_lifted",
    "category": "unstable_lifted", "risk_type": "income", "rule": "income.below_line", "stage": "verified",
    "method": "income", "measure_type": "employment", "responsible_unit": "人社局", "unit": "县农业农村局",
    "employment": "local_work", "reason": "death", "disaster_type": "flood", "kind": "linkage", "status": "open",
    "step": "verify", "source": "event", "channel": "sms", "check": "work.relocation_support",
    "measure": "employment", "purpose": "衔接资金 2026", "project_type": "industry", "period": "2026-03",
    "to_stage": "approved", "from_stage": "applied", "error": "smtp 550", "event_type":
        "backstop.monitoring.case.opened.v1", "name": "2026年防返贫大排查", "title": "易地搬迁后续扶持",
    "schooling_stage": "junior", "schooling_status": "enrolled",
}


def _example_value(schema: dict, schemas: dict[str, dict], name: str) -> Any:
    if "$ref" in schema:
        return _example_value(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, name)
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:  # an optional field: show its value, not null
        options = [o for o in schema["anyOf"] if o.get("type") != "null"] or schema["anyOf"]
        return _example_value(options[0], schemas, name)
    kind = schema.get("type")
    if kind == "object":
        return {key: _example_value(sub, schemas, key) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example_value(schema.get("items", {}), schemas, name.removesuffix("s"))]
    if name in EXAMPLE_VALUES and kind in ("string", "integer"):
        return EXAMPLE_VALUES[name]
    fmt = schema.get("format")
    if kind == "string" and fmt == "uuid":
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"backstop:{name}"))
    if kind == "string" and fmt == "date":
        return "2026-03-02"
    if kind == "string" and fmt == "date-time":
        return "2026-03-02T09:30:00+08:00"
    if kind == "string" and fmt == "decimal":
        return "1234.50"
    return {"integer": 1, "boolean": True, "string": name}.get(kind, {})


def _message_example(entry: CatalogEntry, schemas: dict[str, dict]) -> dict:
    """One event as it travels: the ``ce_*`` headers and a payload the model accepts (and serializes back)."""
    payload = _example_value(schemas[entry.model.__name__], schemas, entry.model.__name__)
    payload = entry.model.model_validate(payload).model_dump(mode="json")
    service = entry.type.split(".")[1]
    # the aggregate id is the payload's first id (case_id of a case event, household_id of a household's…)
    subject = next((v for k, v in payload.items() if k.endswith("_id") and isinstance(v, str)),
                   str(uuid.uuid5(uuid.NAMESPACE_URL, entry.type)))
    headers = {"ce_specversion": "1.0", "ce_id": "0b6f3c1e-6a52-4d7e-9a43-5f4f1b0d2c11",
               "ce_source": source_of(service), "ce_type": entry.type, "ce_subject": str(subject),
               "ce_time": "2026-03-02T01:30:00Z", "content-type": "application/json"}
    return {"name": entry.type.replace(".", "_"), "summary": entry.summary or entry.type,
            "headers": headers, "payload": payload}
