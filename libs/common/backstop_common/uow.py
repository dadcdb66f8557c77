"""Unit of work: the state change and the events describing it commit in one transaction."""

from collections.abc import Callable
from typing import Any

from asgi_correlation_id import correlation_id
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.clock import Clock
from backstop_common.envelope import Event, event_type, source_of
from backstop_common.messaging_models import OutboxMessage


class UnitOfWork:
    """Holds one session; ``publish`` stages an event in the outbox, ``commit`` makes both durable.

    Services flush and publish, never commit; the route, the consumer or the job runner
    (``jobs.unit_of_work``) commits. ``clock`` is the app's clock (a fresh real-time one if none is given).
    """

    def __init__(self, session: AsyncSession, service: str, on_commit: Callable[[], None] | None = None,
                 defer_to: Any = None, clock: Clock | None = None):
        self.session = session
        self.clock = clock or Clock()
        #: a request sent with Idempotency-Key: its transaction commits with the stored answer
        #: (``idempotency.Idempotency``), so ``commit`` only flushes and says so
        self._held = defer_to
        self.service = service
        self._on_commit = on_commit
        self.published: list[Event] = []

    def publish(
        self,
        topic: str,
        name: str,
        *,
        subject: Any,
        data: BaseModel | dict,
        area_code: str | None = None,
        version: int = 1,
    ) -> Event:
        payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
        event = Event(
            type=event_type(self.service, name, version),
            source=source_of(self.service),
            subject=str(subject),
            data=payload,
            area_code=area_code,
            correlation_id=correlation_id.get(),
        )
        self.session.add(
            OutboxMessage(
                id=event.id,
                topic=topic,
                key=event.subject,
                type=event.type,
                source=event.source,
                subject=event.subject,
                area_code=event.area_code,
                correlation_id=event.correlation_id,
                time=event.time,
                data=event.data,
            )
        )
        self.published.append(event)
        return event

    async def commit(self) -> None:
        if self._held is not None:
            await self.session.flush()
            self._held.committed = True
            if self.published and self._on_commit:
                self._held.wakes.append(self._on_commit)
            self.published = []
            return
        await self.session.commit()
        if self.published and self._on_commit:
            self._on_commit()
        self.published = []

    async def rollback(self) -> None:
        await self.session.rollback()
        if self._held is not None:
            self._held.committed = False
        self.published = []
