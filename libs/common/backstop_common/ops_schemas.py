"""What the ops routes of every service answer (``/healthz``, ``/readyz``, ``/_ops/position``, ``/asyncapi.json``),
typed so their OpenAPI documents say it."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Health(BaseModel):
    status: Literal["ok"]
    service: str


class Ready(BaseModel):
    status: Literal["ready"]
    checks: dict[str, bool]


class PartitionPosition(BaseModel):
    topic: str
    partition: int
    position: int | None = None
    end: int | None = None
    lag: int | None = None


class ConsumerPosition(BaseModel):
    topics: list[str]
    caught_up: bool
    lag: int | None = None
    partitions: list[PartitionPosition]


class Position(BaseModel):
    service: str
    outbox_unsent: int
    broker_checked: bool
    consumer: ConsumerPosition | None = None


class AsyncApiDocument(BaseModel):
    """An AsyncAPI 3.0 document (its own schema: https://www.asyncapi.com/docs/reference/specification/v3.0.0)."""

    model_config = ConfigDict(extra="allow")

    asyncapi: str
    info: dict[str, Any]
