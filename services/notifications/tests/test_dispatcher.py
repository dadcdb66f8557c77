"""The dispatcher's sends: a tick drains full batches up to its bound, and a step's outcomes (sent, retried after a
backoff, failed after the last attempt, a digest held again) are written with their attempts and events.

The app's own dispatcher runs beside these tests on the app's clock; the deliveries here fall due only on a clock
1,000 days ahead of it, which the steps below are handed (an app whose state is the running one's but that clock),
so nothing else sends them. What other tests left due by then (held for a digest, past quiet hours) is sent first."""

import uuid
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import text

from backstop_common.clock import Clock
from backstop_common.jobs import unit_of_work
from notifications import dispatcher
from notifications.domain import sending
from notifications.providers import DeliveryError

from .helpers import load, person, village

MESSAGE = text("""
INSERT INTO messages (id, event_id, event_type, event_subject, event_area, recipient_id, body_zh, body_en, urgent,
                      needs_ack, created_at)
VALUES (:id, :event_id, 'risk.detected', :subject, :area, :recipient_id, '风险提示', 'Risk', true, false, :now)
""")
DELIVERY = text("""
INSERT INTO deliveries (id, message_id, recipient_id, channel, status, attempts, next_attempt_at, created_at)
VALUES (:id, :message_id, :recipient_id, :channel, :status, 0, :due, :due)
""")
STATE = text("SELECT channel, status, attempts, last_error, sent_at, next_attempt_at, digest_id FROM deliveries "
             "WHERE message_id = ANY(:ids) ORDER BY channel")
TRIED = text("SELECT number, ok, error FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
             "WHERE d.message_id = ANY(:ids) AND d.channel = :channel ORDER BY number")
REPORTED = text("SELECT type, subject, data FROM outbox WHERE subject = ANY(:subjects) ORDER BY seq")


class Failing:
    """An SMS gateway that refuses every message."""

    channel = "sms"

    def __init__(self):
        self.sent = 0

    async def send(self, recipient, text, *, message_ref: str) -> None:
        self.sent += 1
        raise DeliveryError("answered HTTP 503")


async def _ahead(app) -> SimpleNamespace:
    """The running app's sessions, settings and relay on a clock of its own, 1,000 days ahead of the app's, with
    nothing due on it yet."""
    clock = Clock()
    clock.advance(app.state.clock.offset + timedelta(days=1000))
    state = app.state
    ahead = SimpleNamespace(state=SimpleNamespace(sessions=state.sessions, settings=state.settings,
                                                  relay=state.relay, clock=clock))
    while await dispatcher.send_all_due(state.ctx, ahead):
        pass
    while True:
        async with unit_of_work(ahead) as uow:
            if not await sending.send_digests(uow, state.ctx):
                return ahead


async def _recipient(app, client, admin, n: int) -> uuid.UUID:
    user = f"d-{uuid.uuid4().hex[:6]}"
    await load(client, admin, person(user, "village_cadre", village(n), phone="13600000001",
                                     email="cadre@example.org", channels=["sms", "email"]))
    async with app.state.sessions() as session:
        return (await session.execute(text("SELECT id FROM recipients WHERE user_id = :u"), {"u": user})).scalar_one()


async def _messages(ahead, recipient_id, count: int, channels=("sms",), status="pending") -> list[uuid.UUID]:
    """``count`` messages, each with a delivery on every channel in ``status``, due on ``ahead``'s clock."""
    now, ids = ahead.state.clock.now(), []
    async with ahead.state.sessions() as session:
        for _ in range(count):
            ids.append(uuid.uuid4())
            await session.execute(MESSAGE, {"id": ids[-1], "event_id": uuid.uuid4(), "subject": str(uuid.uuid4()),
                                            "area": "211204", "recipient_id": recipient_id, "now": now})
            for channel in channels:
                await session.execute(DELIVERY, {"id": uuid.uuid4(), "message_id": ids[-1], "channel": channel,
                                                 "recipient_id": recipient_id, "status": status,
                                                 "due": now - timedelta(seconds=1)})
        await session.commit()
    return ids


async def _read(app, statement, **params) -> list:
    async with app.state.sessions() as session:
        return list((await session.execute(statement, params)).all())


async def test_a_tick_sends_full_batches_until_its_bound(app, client, admin):
    ahead = await _ahead(app)
    ctx = replace(app.state.ctx, settings=app.state.settings.model_copy(
        update={"dispatch_batch_size": 3, "dispatch_max_batches": 2}))
    ids = await _messages(ahead, await _recipient(app, client, admin, 1201), 10)

    assert await dispatcher.send_all_due(ctx, ahead) == 6  # two full batches: the bound, not the queue, stops it
    assert sorted(status for _, status, *_ in await _read(app, STATE, ids=ids)) == ["pending"] * 4 + ["sent"] * 6
    assert await dispatcher.send_all_due(ctx, ahead) == 4  # a full batch, then one of 1: nothing more was due
    states = await _read(app, STATE, ids=ids)
    assert {(status, attempts, error) for _, status, attempts, error, *_ in states} == {("sent", 1, None)}
    assert all(sent_at is not None for *_, sent_at, _, _ in states)
    reported = await _read(app, REPORTED, subjects=[str(i) for i in ids])
    assert len(reported) == 10 and {t for t, _, _ in reported} == {"backstop.notifications.notification.delivered.v1"}


async def test_a_failing_channel_is_retried_after_a_backoff_and_failed_after_the_last_attempt(app, client, admin,
                                                                                               settings):
    ahead, gateway = await _ahead(app), Failing()
    ctx = replace(app.state.ctx, providers={**app.state.ctx.providers, "sms": gateway})
    [message] = await _messages(ahead, await _recipient(app, client, admin, 1202), 1, channels=("email", "sms"))

    for attempt in range(1, settings.delivery_max_attempts + 1):
        before = ahead.state.clock.now()
        await dispatcher.send_all_due(ctx, ahead)
        (_, email, *_), (_, sms, attempts, error, sent_at, next_at, _) = await _read(app, STATE, ids=[message])
        assert email == "sent" and attempts == attempt and error == "answered HTTP 503" and sent_at is None
        if attempt < settings.delivery_max_attempts:  # again after half to all of the backoff's window
            window = timedelta(seconds=min(settings.backoff_max_s, settings.backoff_base_s * 2 ** (attempt - 1)))
            assert sms == "pending" and before + window / 2 <= next_at <= ahead.state.clock.now() + window
            ahead.state.clock.advance(window)
    assert sms == "failed" and gateway.sent == settings.delivery_max_attempts
    assert await _read(app, TRIED, ids=[message], channel="sms") == [
        (n, False, "answered HTTP 503") for n in range(1, settings.delivery_max_attempts + 1)]
    assert await _read(app, TRIED, ids=[message], channel="email") == [(1, True, None)]
    reported = [(t.split(".")[-2], data["channel"], data["attempts"], data.get("error"))
                for t, _, data in await _read(app, REPORTED, subjects=[str(message)])]
    assert reported == [("delivered", "email", 1, None),
                        ("failed", "sms", settings.delivery_max_attempts, "answered HTTP 503")]


async def test_a_failed_digest_is_held_for_the_next_one(app, client, admin):
    ahead, gateway = await _ahead(app), Failing()
    ctx = replace(app.state.ctx, providers={**app.state.ctx.providers, "sms": gateway})
    ids = await _messages(ahead, await _recipient(app, client, admin, 1203), 2, status="held")
    before = ahead.state.clock.now()
    async with unit_of_work(ahead) as uow:
        assert await sending.send_digests(uow, ctx) == 1  # one SMS for the recipient's two
    states = await _read(app, STATE, ids=ids)
    assert gateway.sent == 1 and {(s, a, e) for _, s, a, e, *_ in states} == {("held", 1, "answered HTTP 503")}
    assert len({digest for *_, digest in states}) == 1 and states[0][-1] is not None
    backoff = timedelta(seconds=app.state.settings.backoff_base_s / 2)
    assert all(next_at >= before + backoff for *_, next_at, _ in states)
    assert await _read(app, REPORTED, subjects=[str(i) for i in ids]) == []  # retried: nothing to report yet
