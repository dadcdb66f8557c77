"""The overdue count of an area above a county (``GET /stats`` of a province) comes from ``due_counts``, the open
cases per county and day of their next deadline kept by triggers (migration c8e2f4a6d913), plus today's part
counted live: after cases change stage, deadline and village it equals a direct count of the cases, and the
counties' own answers (counted per village from the cases)."""

import uuid
from datetime import UTC, timedelta

from sqlalchemy import text

from backstop_common.testing import bearer

from .support import registered, wait_for_case

VILLAGES = ["260102001001", "260102002001", "260103001001"]


async def _open_cases(app, feed) -> list[uuid.UUID]:
    """Three households a village with an unsafe house: a case each."""
    households = []
    for village in VILLAGES:
        for _ in range(3):
            hh = uuid.uuid4()
            await feed(registered(hh, village, housing_grade="D"))
            households.append(hh)
    return [(await wait_for_case(app, hh)).id for hh in households]


async def _execute(app, sql: str, **params) -> list:
    async with app.state.sessions() as session:
        result = await session.execute(text(sql), params)
        rows = result.all() if result.returns_rows else []
        await session.commit()
        return rows


async def _direct(app, now) -> dict[str, int]:
    rows = await _execute(app, """
        SELECT left(village_code, 6), count(*) FROM cases
         WHERE stage NOT IN ('rejected', 'eliminated') AND next_due_at < :now AND village_code LIKE '26%'
         GROUP BY 1""", now=now)
    return {county: n for county, n in rows}


async def _per_day_matches(app) -> None:
    kept = await _execute(app, "SELECT county_code, day, n FROM due_counts WHERE county_code LIKE '26%' AND n <> 0")
    counted = await _execute(app, """
        SELECT left(village_code, 6), (next_due_at AT TIME ZONE 'UTC')::date, count(*) FROM cases
         WHERE stage NOT IN ('rejected', 'eliminated') AND next_due_at IS NOT NULL AND village_code LIKE '26%'
         GROUP BY 1, 2""")
    assert sorted(map(tuple, kept)) == sorted(map(tuple, counted))


async def test_the_province_overdue_count_equals_a_direct_count_after_cases_change(app, client, feed, settings):
    cases = await _open_cases(app, feed)
    system = bearer(settings, "system", "260000000000")
    now = app.state.clock.now()
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    earlier_today = day_start + (now - day_start) / 2
    deadlines = [now - timedelta(days=3), now - timedelta(days=1), earlier_today, earlier_today,
                 now + timedelta(hours=1), now + timedelta(days=2), now - timedelta(days=10), None, earlier_today]
    for case_id, due in zip(cases, deadlines, strict=True):
        await _execute(app, "UPDATE cases SET next_due_at = :due WHERE id = :id", due=due, id=case_id)
    # one overdue case closed, one overdue case moved to the other county, two at once set back by a statement
    await _execute(app, "UPDATE cases SET stage = 'eliminated' WHERE id = :id", id=cases[0])
    await _execute(app, "UPDATE cases SET village_code = '260103001001' WHERE id = :id", id=cases[1])
    await _execute(app, "UPDATE cases SET next_due_at = next_due_at - interval '5 days' WHERE id = ANY(:ids)",
                   ids=[cases[5], cases[8]])
    await _per_day_matches(app)

    async def overdue(area: str) -> dict:
        resp = await client.get("/api/v1/stats", params={"area_code": area}, headers=system)
        assert resp.status_code == 200, resp.text
        return resp.json()

    province = await overdue("260000000000")
    expected = await _direct(app, app.state.clock.now())
    assert {c["area_code"][:6]: c["overdue"] for c in province["counties"] if c["overdue"]} == expected
    assert province["totals"]["overdue"] == sum(expected.values()) == 6
    for county in province["counties"]:  # the county's own answer counts its villages' cases
        assert (await overdue(county["area_code"]))["totals"]["overdue"] == county["overdue"]

    await _execute(app, "UPDATE cases SET next_due_at = NULL WHERE village_code LIKE '260102%'")
    await _per_day_matches(app)
    province = await overdue("260000000000")
    assert province["totals"]["overdue"] == sum((await _direct(app, app.state.clock.now())).values())
