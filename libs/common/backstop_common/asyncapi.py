"""The event catalog of one service and the AsyncAPI 3.0 document generated from it.

The same pydantic models that shape an event's ``data`` are the document's payload schemas, so the
contract served at ``/asyncapi.json`` cannot drift from what is published.
"""

from dataclasses import dataclass, field

from pydantic import BaseModel

from backstop_common.envelope import event_type

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

    def publishes(self, topic: str, name: str, model: type[BaseModel], version: int = 1) -> str:
        full = event_type(self.service, name, version)
        self.published.append(CatalogEntry(topic, full, model, (model.__doc__ or "").strip()))
        return full

    def consumes(self, topic: str, full_type: str, model: type[BaseModel] | None = None) -> str:
        self.consumed.append(CatalogEntry(topic, full_type, model, (model.__doc__ or "").strip() if model else ""))
        return full_type

    @property
    def consumed_topics(self) -> list[str]:
        return sorted({e.topic for e in self.consumed})

    def asyncapi(self, title: str, version: str, bootstrap: str) -> dict:
        messages, channels, operations = {}, {}, {}
        for action, entries in (("send", self.published), ("receive", self.consumed)):
            for entry in entries:
                msg_id = entry.type.replace(".", "_")
                payload = entry.model.model_json_schema() if entry.model else {"type": "object"}
                messages[msg_id] = {
                    "name": entry.type, "title": entry.type, "summary": entry.summary,
                    "contentType": "application/json", "headers": CE_HEADERS, "payload": payload,
                    "bindings": {"kafka": {"key": {"type": "string", "description": "aggregate id"}}},
                }
                channel = channels.setdefault(entry.topic.replace(".", "_"), {"address": entry.topic, "messages": {}})
                channel["messages"][msg_id] = {"$ref": f"#/components/messages/{msg_id}"}
                operations[f"{action}_{msg_id}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{entry.topic.replace('.', '_')}"},
                    "messages": [{"$ref": f"#/channels/{entry.topic.replace('.', '_')}/messages/{msg_id}"}],
                }
        return {
            "asyncapi": "3.0.0",
            "info": {"title": f"{title} events", "version": version,
                     "description": "CloudEvents 1.0, Kafka binary mode (DESIGN.md §2)."},
            "defaultContentType": "application/json",
            "servers": {"kafka": {"host": bootstrap, "protocol": "kafka"}},
            "channels": channels,
            "operations": operations,
            "components": {"messages": messages},
        }
