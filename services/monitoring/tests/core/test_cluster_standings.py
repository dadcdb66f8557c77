"""``signals.cluster_standings``: where each village of a batch stands before the batch's new signals — its
households (the ``area_counts`` row the read model's trigger keeps, session 8), the households with a signal in
the window, whether the window's alert fired, and which of the asked households had a signal before — read by
one statement as the per-village counts would read them."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from monitoring.models import HouseholdFacts, Signal
from monitoring.repository import signals as signal_repo


def _signal(household_id, village, rule, at) -> Signal:
    return Signal(household_id=household_id, village_code=village, risk_type="01", rule=rule, fact_key=rule,
                  facts={}, source="event", created_at=at)


async def test_standings_count_what_was_there_before_the_batch(app):
    now = app.state.clock.now()
    village, other = "211204019101", "211204019102"
    hh = [uuid.uuid4() for _ in range(4)]
    async with app.state.sessions() as s:
        s.add_all([HouseholdFacts(household_id=h, village_code=village, first_seen_at=now) for h in hh])
        s.add(HouseholdFacts(household_id=uuid.uuid4(), village_code=other, first_seen_at=now))
        await s.flush()
        old = [_signal(hh[0], village, "a", now - timedelta(days=2)),
               _signal(hh[0], village, "b", now - timedelta(days=1)),  # the same household twice: counted once
               _signal(hh[1], village, "a", now - timedelta(days=40)),  # before the window
               _signal(hh[3], village, "a", now - timedelta(days=3))]
        new = [_signal(hh[1], village, "c", now), _signal(hh[2], village, "c", now)]  # the batch's own
        s.add_all(old + new)
        await s.flush()
        since = now - timedelta(days=30)
        asks = [(village, since, 7, [hh[0], hh[1], hh[2]]), (other, since, 7, [])]
        standings = await signal_repo.cluster_standings(s, asks, [x.id for x in new])
        counted = (await s.execute(select(func.count()).select_from(HouseholdFacts)
                                   .where(HouseholdFacts.village_code == village))).scalar_one()
        await s.rollback()

    mine = standings[village]
    assert mine.total == counted == 4
    assert mine.n == 4  # hh0 (twice) and hh3 before, hh1 and hh2 by the batch (hh1's old one is out of the window)
    assert set(mine.signalled_before) == {hh[0]}  # asked and signalled before the batch, in the window
    assert not mine.fired
    assert (standings[other].total, standings[other].n, list(standings[other].signalled_before)) == (1, 0, [])
