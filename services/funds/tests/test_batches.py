"""A run of registrations (a bulk import's) applied by the set leaves what one event at a time leaves (issue 18)."""

import uuid

from sqlalchemy import select

from backstop_common.uow import UnitOfWork
from backstop_events.registry import HouseholdRegistered, MemberHealthChanged, MemberSchoolingChanged
from funds.handlers import HANDLERS, on_household_registered, on_households_registered
from funds.models import HouseholdFact, MemberFact
from tests.helpers import registry

VILLAGES = ("211204101301", "211204101302", "211204101303", "211204101304")


def _household(village: str, n: int):
    listed = [{"member_id": str(uuid.uuid4()), "relation": "之子", "sex": "male", "birth_year": 2010 + i,
               "health": "healthy", "disability_grade": 0, "labour_capacity": "none", "schooling_stage": "junior",
               "schooling_status": "enrolled", "boarding": bool(i % 2), "medical_insurance": i != 1}
              for i in range(n)]
    event = registry("household.registered", uuid.uuid4(), village, poverty_status="lifted", year_lifted=2019,
                     dibao=n == 2, tekun=False, size=n, labour_capable_members=1, per_capita_income="8000.00",
                     housing_grade="CD"[n % 2], safe_water=True, uninsured_members=0, dropout_members=0, tags=[],
                     main_cause=None, helper_user_ids=[f"h-{n}"], members=listed)
    return event, HouseholdRegistered.model_validate(event.data)


async def _facts(app, village: str) -> list[tuple]:
    """Every household of the village with its members, ids and times taken out."""
    async with app.state.sessions() as session:
        households = (await session.execute(select(HouseholdFact).where(HouseholdFact.village_code == village)
                                            )).scalars().all()
        members = (await session.execute(select(MemberFact).where(
            MemberFact.household_id.in_([h.id for h in households])))).scalars().all()
    skip = {"id", "household_id", "updated_at", "village_code"}

    def plain(row) -> tuple:
        return tuple(sorted((k, str(v)) for k, v in row.model_dump().items() if k not in skip))
    return sorted((plain(h), sorted(plain(m) for m in members if m.household_id == h.id)) for h in households)


async def test_a_run_of_registrations_gives_what_one_by_one_gives_and_again_the_same(app):
    batch = [_household(VILLAGES[0], n) for n in (1, 2, 3)]
    twin = [_household(VILLAGES[1], n) for n in (1, 2, 3)]
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, "funds", clock=app.state.clock)
        await on_households_registered(batch, uow)
        await uow.commit()
    for event, data in twin:
        async with app.state.sessions() as session:
            uow = UnitOfWork(session, "funds", clock=app.state.clock)
            await on_household_registered(event, data, uow)
            await uow.commit()
    batched = await _facts(app, VILLAGES[0])
    assert sorted(len(members) for _, members in batched) == [1, 2, 3]
    assert batched == await _facts(app, VILLAGES[1])
    async with app.state.sessions() as session:  # redelivered (the inbox keeps it out; the facts would not move)
        uow = UnitOfWork(session, "funds", clock=app.state.clock)
        await on_households_registered(batch, uow)
        await uow.commit()
    assert await _facts(app, VILLAGES[0]) == batched


def _member_events(household: uuid.UUID, village: str, member: uuid.UUID) -> tuple:
    """A health change before the household's registration and a schooling change after it, of one member."""
    health = registry("member.health_changed", household, village, member_id=member, health="serious_illness",
                      disability_grade=0, medical_out_of_pocket="1200.00", year=2026)
    schooling = registry("member.schooling_changed", household, village, member_id=member, stage="senior",
                         status="enrolled", age=16, boarding=True)
    return (health, MemberHealthChanged.model_validate(health.data)), \
        (schooling, MemberSchoolingChanged.model_validate(schooling.data))


async def test_a_run_of_registrations_between_other_events_of_its_households_keeps_their_order(app):
    """One transaction (a consumer's fetch): a member's health change (an object of the session), the run of
    registrations that lists the member (written past the session), the member's schooling change (the session
    must read the member again) — what three transactions one after the other leave."""
    async def facts_after(village: str, transactions: list[list]) -> list[tuple]:
        for items in transactions:
            async with app.state.sessions() as session:
                uow = UnitOfWork(session, "funds", clock=app.state.clock)
                for kind, item in items:
                    if kind == "run":
                        await on_households_registered(item, uow)
                    else:
                        await HANDLERS[item[0].type](*item, uow)
                await uow.commit()
        return await _facts(app, village)

    outcomes = []
    for village, split in ((VILLAGES[2], False), (VILLAGES[3], True)):
        run = [_household(village, n) for n in (2, 3)]
        member = run[0][1].members[0].member_id
        health, schooling = _member_events(run[0][1].household_id, village, member)
        steps = [("event", health), ("run", run), ("event", schooling)]
        outcomes.append(await facts_after(village, [[s] for s in steps] if split else [steps]))
    assert outcomes[0] == outcomes[1]
    listed = [dict(m) for _, members in outcomes[0] for m in members if dict(m)["schooling_stage"] == "senior"]
    assert len(listed) == 1 and listed[0]["health"] == "serious_illness" and listed[0]["boarding"] == "True"
    assert listed[0]["medical_insurance"] == "True" and listed[0]["medical_out_of_pocket"] == "1200.00"
