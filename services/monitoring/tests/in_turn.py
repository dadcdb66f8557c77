"""Two transactions at once, the second begun while the first is held open after writing its event: the second
must wait for the first, so their outbox rows take the order they commit in (one subject's events in order)."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import select, text

from backstop_common.messaging_models import OutboxMessage
from backstop_common.testing import eventually
from backstop_common.uow import UnitOfWork

from .clock import clock

Work = Callable[[UnitOfWork], Awaitable[object]]


async def _held_open(app, work: Work, pid: list, entered: asyncio.Event, release: asyncio.Event) -> uuid.UUID:
    """``work`` in a transaction of its own, held open after its outbox row is written (its seq drawn)."""
    async with app.state.sessions() as session:
        pid.append(await session.scalar(text("SELECT pg_backend_pid()")))
        uow = UnitOfWork(session, "monitoring", clock=clock)
        await work(uow)
        await session.flush()
        entered.set()
        await release.wait()
        event_id = uow.published[0].id
        await uow.commit()
        return event_id


async def _waits_on_a_lock(app, pid: int) -> bool:
    async with app.state.sessions() as session:
        return bool(await session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND wait_event_type = 'Lock'"), {"pid": pid}))


async def in_turn(app, first: Work, second: Work) -> tuple[list[uuid.UUID], list[OutboxMessage]]:
    """``second`` begun while ``first`` is held open: asserts it waits on a lock, its event not written, until the
    first commits. The two events' ids (first's, second's) and their outbox rows in seq order."""
    first_in, second_in, release_first, go = (asyncio.Event() for _ in range(4))
    go.set()
    first_pid, second_pid = [], []
    one = asyncio.create_task(_held_open(app, first, first_pid, first_in, release_first))
    await first_in.wait()
    two = asyncio.create_task(_held_open(app, second, second_pid, second_in, go))
    assert await eventually(lambda: second_pid and _waits_on_a_lock(app, second_pid[0]), timeout=10)
    assert not second_in.is_set()
    release_first.set()
    ids = list(await asyncio.gather(one, two))
    async with app.state.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                      .order_by(OutboxMessage.seq))).scalars().all()
    return ids, list(rows)
