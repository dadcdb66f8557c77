"""A consumer's batch routed set-based gives what the same events give one by one (issue 18).

One village gets a sequence as one batch in one transaction, a twin village the same sequence event by event:
a risk before its household is known (parked for the helper), the registration that lets it go, SMS past the
day's threshold (held for the digest), a second helper assigned mid-batch. Their messages and deliveries must
match; the batch again repeats no message and no delivery.
"""

import uuid

import pytest
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import select

from backstop_common.envelope import Event, to_kafka
from backstop_common.testing import eventually, make_event, publish_events, read_events
from backstop_common.topics import MONITORING_CASE, REGISTRY_HOUSEHOLD, dlq
from backstop_common.uow import UnitOfWork
from backstop_events.registry import HelperAssigned, HouseholdRegistered
from notifications.events import CONSUMED_TYPES
from notifications.handlers import build_batch_handler, build_handlers
from notifications.models import Delivery, HouseholdFacts, Message, Recipient

from .helpers import inbox, load, person, registered, village

PAYLOADS = {"household.registered": HouseholdRegistered, "household.helper_assigned": HelperAssigned}


def _added(household: str, vil: str, size: int) -> Event:
    return make_event("registry", "member.added", household, area_code=vil, data={
        "household_id": household, "village_code": vil, "member_id": str(uuid.uuid4()), "relation": "child",
        "sex": "F", "birth_year": 2026, "size": size})


def _sequence(vil: str, helpers: list[str]) -> list[Event]:
    household = str(uuid.uuid4())
    risk = make_event("monitoring", "risk.detected", household, area_code=vil, data={
        "case_id": str(uuid.uuid4()), "household_id": household, "village_code": vil, "actor": None,
        "signal_id": str(uuid.uuid4()), "risk_type": "07", "rule": "job", "facts": {}, "source": "event"})
    assigned = make_event("registry", "household.helper_assigned", household, area_code=vil, data={
        "household_id": household, "village_code": vil, "helper_id": str(uuid.uuid4()),
        "helper_user_id": helpers[1], "unit": "县农业农村局"})
    return [risk, _added(household, vil, 2), registered(household, vil, helper_user_ids=[helpers[0]]),
            *(_added(household, vil, n) for n in range(3, 7)), assigned, _added(household, vil, 7)]


def _payload(event: Event):
    model = PAYLOADS.get(CONSUMED_TYPES[event.type])
    return model.model_validate(event.data) if model else None


async def _people(client, admin, n: int) -> tuple[str, list[str], str]:
    vil, tag = village(n), uuid.uuid4().hex[:6]
    helpers = [f"h1-{tag}", f"h2-{tag}"]
    await load(client, admin, person(f"c-{tag}", "village_cadre", vil, phone="13700000009", channels=["sms"]),
               *(person(h, "helper", vil, phone="13700000001", channels=["sms", "email"], email=f"{h}@example.cn")
                 for h in helpers))
    resp = await client.post("/api/v1/routing-rules", headers=admin, json={
        "name": f"member.added.sms-{vil}", "event_type": "member.added", "area_prefix": vil,
        "targets": [{"kind": "helpers"}], "channels": ["sms"],
        "template_zh": "农户新增成员，现{size}人。", "template_en": "Member added; size {size}."})
    assert resp.status_code == 201, resp.text
    return vil, helpers, tag


async def _in_one_transaction(app, items: list[tuple[Event, object]]) -> None:
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, "notifications", clock=app.state.clock)
        await build_batch_handler(app.state.ctx)(items, uow)
        await uow.commit()


async def _one_by_one(app, items: list[tuple[Event, object]]) -> None:
    handlers = build_handlers(app.state.ctx)
    for event, data in items:
        async with app.state.sessions() as session:
            uow = UnitOfWork(session, "notifications", clock=app.state.clock)
            await handlers[event.type](event, data, uow)
            await uow.commit()


async def _outcome(app, events: list[Event], tag: str, vil: str) -> list[tuple]:
    """Each message as (event's place, recipient, text, flags, its deliveries), the village's own names taken out."""
    place = {e.id: i for i, e in enumerate(events)}
    async with app.state.sessions() as session:
        rows = (await session.execute(
            select(Message, Recipient.user_id).join(Recipient, Recipient.id == Message.recipient_id)
            .where(Message.event_id.in_(list(place))))).all()
        deliveries = (await session.execute(select(Delivery).where(
            Delivery.message_id.in_([m.id for m, _ in rows])))).scalars().all()
    by_message = {}
    for d in deliveries:
        by_message.setdefault(d.message_id, []).append((d.channel, d.status == "held"))
    subjects = {str(e.subject): f"<{i}>" for i, e in enumerate(events)}

    def plain(text: str) -> str:
        for subject, mark in subjects.items():
            text = text.replace(subject, mark)
        return text.replace(tag, "*").replace(vil, "<village>")
    return sorted((place[m.event_id], user.replace(tag, "*"), plain(m.body_zh), m.urgent, m.needs_ack,
                   tuple(sorted(by_message.get(m.id, [])))) for m, user in rows)


async def test_a_batch_gives_what_one_by_one_gives_and_repeats_nothing(app, client, admin):
    batch_village, helpers, batch_tag = await _people(client, admin, 4101)
    batch = _sequence(batch_village, helpers)
    twin_village, twin_helpers, twin_tag = await _people(client, admin, 4102)
    twin = _sequence(twin_village, twin_helpers)

    await _in_one_transaction(app, [(e, _payload(e)) for e in batch])
    await _one_by_one(app, [(e, _payload(e)) for e in twin])

    batched = await _outcome(app, batch, batch_tag, batch_village)
    assert batched == await _outcome(app, twin, twin_tag, twin_village)
    # what the sequence is there to show, so the comparison cannot pass on two empty lists
    risk_to = {who for place, who, *_ in batched if place == 0}
    assert risk_to == {"c-*", "h1-*"}  # the helper's copy waited in the parking for the registration
    helper_sms = [held for place, who, *_, out in batched if who == "h1-*" and place > 0
                  for channel, held in out if channel == "sms"]
    assert True in helper_sms and False in helper_sms  # past the day's threshold of 3: held for the digest
    assert {who for place, who, *_ in batched if place == len(batch) - 1} == {"h1-*", "h2-*"}

    # The batch again (the inbox keeps a redelivery out; routing must not lean on it): no message or delivery
    # twice, none changed. New: only the second helper, paired since, told of the two events before the
    # registration (which names the first helper alone, so the events after it go to that one as before).
    await _in_one_transaction(app, [(e, _payload(e)) for e in batch])
    again = await _outcome(app, batch, batch_tag, batch_village)
    assert set(batched) <= set(again) and len(set(again)) == len(again)
    assert {(place, who) for place, who, *_ in set(again) - set(batched)} == {(0, "h2-*"), (1, "h2-*")}


async def test_a_poison_record_among_a_fetch_is_dead_lettered_and_the_rest_routed(client, settings, admin):
    """Through the broker and the service's consumer: risks published together (fetched together, routed by the
    batch handler) with one whose data does not fit its model — that one goes to the DLQ, every other reaches
    the cadre once."""
    vil, tag = village(4103), uuid.uuid4().hex[:6]
    await load(client, admin, person(f"c-{tag}", "village_cadre", vil))

    def risk(**data) -> Event:
        household = str(uuid.uuid4())
        return make_event("monitoring", "risk.detected", household, area_code=vil, data={
            "case_id": str(uuid.uuid4()), "household_id": household, "village_code": vil, "actor": None,
            "signal_id": str(uuid.uuid4()), "risk_type": "07", "rule": "job", "facts": {}, "source": "event", **data})
    good = [risk() for _ in range(8)]
    poison = risk(signal_id="not-a-uuid")
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [*good[:4], poison, *good[4:]])

    async def cadre_told():
        body = await inbox(client, settings, f"c-{tag}", "village_cadre", vil)
        return sorted(m["event_id"] for m in body["items"]) if body["total"] >= len(good) else None
    assert await eventually(cadre_told, timeout=60) == sorted(str(e.id) for e in good)
    dead = await read_events(settings.kafka_bootstrap_servers, dlq(MONITORING_CASE), until=lambda e: len(e) >= 1,
                             where=lambda e: e.id == poison.id, timeout=30)
    assert [e.id for e in dead] == [poison.id]


def _case_stream(vil: str, helper: str, households: int = 3) -> list[Event]:
    """A monitoring.case fetch as monitoring publishes it: each household's risk.detected then case.opened,
    households interleaved, after their registrations (which pair the helper)."""
    homes = [str(uuid.uuid4()) for _ in range(households)]
    stream = [registered(h, vil, helper_user_ids=[helper]) for h in homes]
    for round_ in range(2):  # a second risk and case of each household later in the same fetch
        for h in homes:
            case, base = str(uuid.uuid4()), {"household_id": h, "village_code": vil, "actor": None}
            stream.append(make_event("monitoring", "risk.detected", h, area_code=vil, data={
                **base, "case_id": case, "signal_id": str(uuid.uuid4()), "risk_type": f"0{round_ + 1}",
                "rule": "job", "facts": {}, "source": "event"}))
            stream.append(make_event("monitoring", "case.opened", h, area_code=vil, data={
                **base, "case_id": case, "risk_types": [f"0{round_ + 1}"], "source": "event", "stage": "verifying",
                "due_at": "2026-12-10T00:00:00+08:00"}))
    return stream


async def test_a_fetch_of_alternating_risks_and_cases_is_routed_whole_as_one_by_one(app, client, admin):
    """Through the service's own consumer: the whole fetch goes to the fetch handler in one call (not cut into
    runs of one event), and leaves the messages and deliveries the same events leave one by one."""
    (vil, helpers, tag), (twin_vil, twin_helpers, twin_tag) = await _people(client, admin, 4104), \
        await _people(client, admin, 4105)
    fetch, twin = _case_stream(vil, helpers[0]), _case_stream(twin_vil, twin_helpers[0])
    consumer = app.state.consumer
    items = []
    for offset, event in enumerate(fetch):
        rec = to_kafka(event)
        record = ConsumerRecord(MONITORING_CASE, 0, offset, 0, 0, rec.key, rec.value, None, len(rec.key),
                                len(rec.value), tuple(rec.headers))
        items.append((*consumer.decode(record), record))
    assert consumer.runs(items) == [items]
    assert await consumer.apply_batch(items)
    await _one_by_one(app, [(e, _payload(e)) for e in twin])

    whole = await _outcome(app, fetch, tag, vil)
    assert whole == await _outcome(app, twin, twin_tag, twin_vil)
    first_risk, first_case = len(fetch) - 12, len(fetch) - 11
    assert {who for place, who, *_ in whole if place == first_risk} == {"c-*", "h1-*"}
    assert {who for place, who, *_ in whole if place == first_case} == {"c-*"}
    assert len([m for m in whole if m[0] >= first_risk]) == 6 * 2 + 6  # risks to cadre and helper, cases to cadre
    assert await consumer.apply_batch(items)  # redelivered: nothing new
    assert await _outcome(app, fetch, tag, vil) == whole


def _registrations(vil: str, helpers: list[str]) -> list[Event]:
    """Risks of two households before the registry told of them (parked for their helpers), then three
    registrations in a row — the second household registered again with the other helper — and a risk of each
    after."""
    homes = [str(uuid.uuid4()) for _ in range(3)]

    def risk(household: str) -> Event:
        return make_event("monitoring", "risk.detected", household, area_code=vil, data={
            "case_id": str(uuid.uuid4()), "household_id": household, "village_code": vil, "actor": None,
            "signal_id": str(uuid.uuid4()), "risk_type": "07", "rule": "job", "facts": {}, "source": "event"})
    return [risk(homes[0]), risk(homes[1]), *(registered(h, vil, helper_user_ids=[helpers[0]]) for h in homes),
            registered(homes[1], vil, helper_user_ids=[helpers[1]]), *(risk(h) for h in homes)]


async def test_a_run_of_registrations_lets_what_was_parked_go_as_one_by_one(app, client, admin):
    """An import's registrations come in runs: their households are put in one statement and what was parked
    for them taken in one, with the messages one by one gives (a household registered twice in the run is
    applied twice, in its order)."""
    vil, helpers, tag = await _people(client, admin, 4106)
    twin_vil, twin_helpers, twin_tag = await _people(client, admin, 4107)
    batch, twin = _registrations(vil, helpers), _registrations(twin_vil, twin_helpers)

    await _in_one_transaction(app, [(e, _payload(e)) for e in batch])
    await _one_by_one(app, [(e, _payload(e)) for e in twin])

    batched = await _outcome(app, batch, tag, vil)
    assert batched == await _outcome(app, twin, twin_tag, twin_vil)
    told = {place: {who for p, who, *_ in batched if p == place} for place in range(len(batch))}
    assert told[0] == told[1] == {"c-*", "h1-*"}  # parked for the first helper, gone with the registrations
    assert told[2] == told[3] == told[4] == {"h1-*"} and told[5] == {"h2-*"}  # "registered" to the helpers
    assert told[6] == told[8] == {"c-*", "h1-*"} and told[7] == {"c-*", "h2-*"}  # the second registration's helper


def _case(vil: str) -> Event:
    household = str(uuid.uuid4())
    return make_event("monitoring", "case.opened", household, area_code=vil, data={
        "case_id": str(uuid.uuid4()), "household_id": household, "village_code": vil, "actor": None,
        "risk_types": ["07"], "source": "event", "stage": "verifying", "due_at": "2026-12-10T00:00:00+08:00"})


async def _told(app, event: Event) -> set[str]:
    async with app.state.sessions() as session:
        return set((await session.execute(select(Recipient.user_id).join(Message, Message.recipient_id == Recipient.id)
                                          .where(Message.event_id == event.id))).scalars())


async def test_what_routing_keeps_across_transactions_follows_every_write_to_the_directory(app, client, admin):
    """Routing keeps the rules and recipients it read across transactions while the directory's stamp stays
    (``targets.Kept``): a cadre added, a rule added, a cadre deactivated between two transactions — each next
    event goes where a fresh read sends it; a transaction rolled back leaves nothing kept that cannot be used."""
    vil, tag = village(4108), uuid.uuid4().hex[:6]
    await load(client, admin, person(f"c1-{tag}", "village_cadre", vil), person(f"h-{tag}", "helper", vil))

    async def route(event: Event) -> set[str]:
        await _in_one_transaction(app, [(event, None)])
        return {who.replace(tag, "*") for who in await _told(app, event)}
    assert await route(_case(vil)) == {"c1-*"}
    assert await route(_case(vil)) == {"c1-*"}  # routed from what was kept

    await load(client, admin, person(f"c2-{tag}", "village_cadre", vil))
    assert await route(_case(vil)) == {"c1-*", "c2-*"}

    resp = await client.post("/api/v1/routing-rules", headers=admin, json={
        "name": f"case.opened.helpers-{vil}", "event_type": "case.opened", "area_prefix": vil,
        "targets": [{"kind": "role", "role": "helper", "level": "event"}], "channels": [],
        "template_zh": "新案例。", "template_en": "New case."})
    assert resp.status_code == 201, resp.text
    assert await route(_case(vil)) == {"c1-*", "c2-*", "h-*"}

    async with app.state.sessions() as session:
        first = (await session.execute(select(Recipient.id).where(Recipient.user_id == f"c1-{tag}"))).scalar_one()
    assert (await client.delete(f"/api/v1/recipients/{first}", headers=admin)).status_code == 204
    undone = _case(vil)
    async with app.state.sessions() as session:
        await build_batch_handler(app.state.ctx)([(undone, None)], UnitOfWork(session, "notifications",
                                                                               clock=app.state.clock))
        await session.rollback()
    assert await _told(app, undone) == set()
    assert await route(undone) == {"c2-*", "h-*"}


async def test_each_village_s_events_go_by_the_rules_covering_it_however_many_one_batch_routes(app, client, admin):
    """Routing sorts each village's rules once and keeps them (``Lookups.rules``): in one batch a village without a
    rule of its own is routed first, then one with a more specific rule of the same type — each gets its own text."""
    ruled, helpers, tag = await _people(client, admin, 4109)  # member.added to the helpers by SMS, its own text
    plain = village(4110)
    await load(client, admin, person(f"hp-{tag}", "helper", plain))
    homes = {plain: str(uuid.uuid4()), ruled: str(uuid.uuid4())}
    regs = [registered(homes[plain], plain, helper_user_ids=[f"hp-{tag}"]),
            registered(homes[ruled], ruled, helper_user_ids=[helpers[0]])]
    added = {vil: _added(home, vil, 2) for vil, home in homes.items()}
    await _in_one_transaction(app, [(e, _payload(e)) for e in [*regs, added[plain], added[ruled]]])

    async with app.state.sessions() as session:
        texts = {vil: (await session.execute(select(Message.body_en).where(Message.event_id == event.id))).scalars().all()
                 for vil, event in added.items()}
    assert texts == {plain: ["A member joined the household; size now 2."], ruled: ["Member added; size 2."]}


def _record(topic: str, offset: int, event: Event) -> ConsumerRecord:
    rec = to_kafka(event)
    return ConsumerRecord(topic, 0, offset, 0, 0, rec.key, rec.value, None, len(rec.key), len(rec.value),
                          tuple(rec.headers))


async def test_a_registration_is_parsed_for_what_notifications_reads_of_it(app, client, admin):
    """The service's consumer parses ``household.registered`` into notifications' own model (village, helpers):
    a registration whose members would not parse as the registry's model still pairs its helpers and tells
    them; one without its village still does not parse (the consumer dead-letters it)."""
    vil, helpers, tag = await _people(client, admin, 4108)
    event = registered(str(uuid.uuid4()), vil, helper_user_ids=[helpers[0]])
    event.data["members"] = [{"member_id": "not a member"}]
    with pytest.raises(ValidationError):
        HouseholdRegistered.model_validate(event.data)
    consumer = app.state.consumer
    record = _record(REGISTRY_HOUSEHOLD, 0, event)
    decoded, payload = consumer.decode(record)
    assert (payload.household_id, payload.village_code, payload.helper_user_ids) == \
        (uuid.UUID(event.subject), vil, [helpers[0]])
    assert await consumer.apply_batch([(decoded, payload, record)])

    assert await _told(app, event) == {helpers[0]}
    async with app.state.sessions() as session:
        facts = await session.get(HouseholdFacts, event.subject)
    assert (facts.village_code, facts.helper_user_ids) == (vil, [helpers[0]])

    villageless = registered(str(uuid.uuid4()), vil, helper_user_ids=[helpers[0]])
    del villageless.data["village_code"]
    with pytest.raises(ValueError, match="village_code"):
        consumer.decode(_record(REGISTRY_HOUSEHOLD, 1, villageless))
