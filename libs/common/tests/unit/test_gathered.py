"""hot.Gathered without a database: how many of a kind are written at once, when the others wait, how they are
grouped (together, or one after another alone below ``least``), and that each request gets its own answer or
its own error."""

import asyncio
import contextvars
from types import SimpleNamespace

import pytest

from backstop_common.hot import Gathered


class Writes:
    """``alone`` and ``together`` that take a moment (a round trip) and note what they were given."""

    def __init__(self):
        self.alone_calls: list[int] = []
        self.groups: list[list[int]] = []
        self.under_way = self.most_under_way = 0

    async def _moment(self):
        self.under_way += 1
        self.most_under_way = max(self.most_under_way, self.under_way)
        try:
            await asyncio.sleep(0.01)
        finally:
            self.under_way -= 1

    async def alone(self, request, write):
        self.alone_calls.append(write)
        await self._moment()
        if write < 0:
            raise ValueError(f"refused {write}")
        return f"alone {write}"

    async def together(self, requests, writes):
        self.groups.append(list(writes))
        await self._moment()
        return [None if w < 0 else f"together {w}" for w in writes]


def _request(connections=10, **settings):
    app = SimpleNamespace(state=SimpleNamespace(hot_pool=SimpleNamespace(get_max_size=lambda: connections),
                                                settings=SimpleNamespace(**settings)))
    return SimpleNamespace(app=app)


def _kind(writes: Writes, **kw) -> Gathered:
    return Gathered(writes.alone, writes.together, writers=lambda s: s.writers, least=lambda s: s.least, **kw)


async def _sent(kind, request, values):
    return await asyncio.gather(*(kind.write(request, v) for v in values), return_exceptions=True)


async def test_writes_beyond_the_writers_wait_and_are_written_together_each_its_own_answer():
    writes = Writes()
    kind = _kind(writes)
    answers = await _sent(kind, _request(writers=2, least=2), [1, 2, 3, -4, 5])
    assert writes.alone_calls == [1, 2] and writes.groups == [[3, -4, 5]]
    assert answers == ["alone 1", "alone 2", "together 3", None, "together 5"]
    assert writes.most_under_way == 2  # the pool's other connections stay free for the other routes


async def test_a_quiet_rate_writes_each_alone_and_nothing_waits():
    writes = Writes()
    kind, request = _kind(writes), _request(writers=2, least=2)
    for value in range(4):
        assert await kind.write(request, value) == f"alone {value}"
    assert writes.alone_calls == [0, 1, 2, 3] and writes.groups == []


async def test_fewer_than_least_waiting_are_written_alone_one_after_another_each_its_own_error():
    writes = Writes()
    kind = _kind(writes)
    answers = await _sent(kind, _request(writers=1, least=3), [1, 2, -3])
    assert writes.groups == [] and writes.alone_calls == [1, 2, -3] and writes.most_under_way == 1
    assert answers[:2] == ["alone 1", "alone 2"]
    assert isinstance(answers[2], ValueError) and str(answers[2]) == "refused -3"


async def test_one_waiting_is_written_alone_whatever_least_says():
    writes = Writes()
    answers = await _sent(_kind(writes), _request(writers=1, least=2), [1, 2])
    assert answers == ["alone 1", "alone 2"] and writes.groups == []


async def test_without_writers_the_hot_pool_bounds_them_and_more_than_it_holds_is_the_pool():
    writes = Writes()
    answers = await _sent(Gathered(writes.alone, writes.together), _request(connections=3), list(range(6)))
    assert writes.alone_calls == [0, 1, 2] and writes.groups == [[3, 4, 5]]
    assert answers == ["alone 0", "alone 1", "alone 2", "together 3", "together 4", "together 5"]
    writes = Writes()
    await _sent(_kind(writes), _request(connections=2, writers=8, least=2), list(range(5)))
    assert writes.most_under_way == 2 and writes.groups == [[2, 3, 4]]


@pytest.mark.parametrize("least", [2, 50])
async def test_a_group_that_fails_whole_fails_each_of_its_requests(least):
    writes = Writes()

    async def broken(requests, values):
        raise ConnectionResetError("the database went away")

    kind = Gathered(writes.alone, broken, writers=lambda s: 1, least=lambda s: least)
    answers = await _sent(kind, _request(), [1, 2, 3])
    assert answers[0] == "alone 1"
    if least == 2:
        assert all(isinstance(a, ConnectionResetError) for a in answers[1:])
    else:  # written alone: each its own answer
        assert answers[1:] == ["alone 2", "alone 3"]


WHO = contextvars.ContextVar("who")


async def test_a_write_written_alone_after_waiting_runs_in_its_own_requests_context():
    """Its request's correlation id, language: what it publishes and logs is its own, not the group starter's."""
    seen = []

    async def alone(request, write):
        seen.append((write, WHO.get()))
        await asyncio.sleep(0.01)
        return write

    async def together(requests, writes):
        raise AssertionError("fewer than least are written alone")

    kind, request = Gathered(alone, together, writers=lambda s: 1, least=lambda s: 50), _request()

    async def send(value):
        WHO.set(f"request {value}")
        return await kind.write(request, value)

    assert await asyncio.gather(*(send(v) for v in range(3))) == [0, 1, 2]
    assert seen == [(0, "request 0"), (1, "request 1"), (2, "request 2")]
