"""The access log of unmasked reads, readable by auditors and the county admin (PIPL arts. 51, 55–56)."""

import asyncio
import io
from datetime import UTC, datetime, timedelta

from python_calamine import CalamineWorkbook
from sqlalchemy import func, select, text, update

from registry.background import purge_once
from registry.models import AccessLogEntry
from tests.factory import auth, household, id_number, member

VILLAGE, OTHER_TOWNSHIP_VILLAGE = "211204001001", "211204002001"


async def _register(client, settings, village, *members):
    resp = await client.post("/api/v1/households", json=household(village, *members),
                             headers=auth(settings, "township_staff", village[:9] + "000"))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_auditors_read_who_saw_which_identifiers_filtered_and_paged(client, settings):
    here = await _register(client, settings, VILLAGE, member(name="李四", id_number=id_number()))
    there = await _register(client, settings, OTHER_TOWNSHIP_VILLAGE, member(name="王五", id_number=id_number()))
    start = datetime.now(UTC) - timedelta(seconds=1)
    reader = auth(settings, "village_cadre", VILLAGE, subject="cadre-audit-1")
    for _ in range(3):
        assert (await client.get(f"/api/v1/households/{here['id']}", headers=reader)).status_code == 200
    other = auth(settings, "township_staff", "211204002000", subject="staff-audit-2")
    assert (await client.get(f"/api/v1/households/{there['id']}", headers=other)).status_code == 200

    county_admin = auth(settings, "county_admin", "211204000000")
    resp = await client.get("/api/v1/access-log", headers=county_admin,
                            params={"subject": "cadre-audit-1", "limit": 2})
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert page["total"] == 3 and len(page["items"]) == 2
    row = page["items"][0]
    assert row["household_id"] == here["id"] and row["village_code"] == VILLAGE and row["role"] == "village_cadre"
    assert row["fields"] == "id_number,phone" and row["path"] == f"/api/v1/households/{here['id']}"
    assert page["items"][0]["seq"] > page["items"][1]["seq"]        # newest first
    rest = (await client.get("/api/v1/access-log", headers=county_admin,
                             params={"subject": "cadre-audit-1", "limit": 2, "offset": 2})).json()
    assert len(rest["items"]) == 1

    person = here["members"][0]["id"]
    by_person = (await client.get("/api/v1/access-log", headers=county_admin,
                                  params={"member_id": person, "since": start.isoformat()})).json()
    # the township staff who registered it read it unmasked too (the POST answers the file)
    assert by_person["total"] == 4 and {r["subject"] for r in by_person["items"]} == {
        "cadre-audit-1", "township_staff@211204001000"}
    later = (await client.get("/api/v1/access-log", headers=county_admin,
                              params={"household_id": here["id"],
                                      "since": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()})).json()
    assert later["total"] == 0

    # an auditor of one township sees the reads of its own households only
    auditor = auth(settings, "auditor", "211204001000")
    seen = (await client.get("/api/v1/access-log", headers=auditor,
                             params={"since": start.isoformat(), "limit": 500})).json()["items"]
    assert {r["household_id"] for r in seen} == {here["id"]}


async def test_only_auditors_and_the_county_admin_read_it_and_bad_filters_are_refused(client, settings):
    for role, area in (("village_cadre", VILLAGE), ("township_staff", "211204001000"),
                       ("county_staff", "211204000000")):
        resp = await client.get("/api/v1/access-log", headers=auth(settings, role, area))
        assert resp.status_code == 403, role
    admin = auth(settings, "county_admin", "211204000000")
    naive = await client.get("/api/v1/access-log", headers=admin, params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.headers["content-type"].startswith("application/problem+json")
    backwards = await client.get("/api/v1/access-log", headers=admin, params={
        "since": "2026-02-01T00:00:00+08:00", "until": "2026-01-01T00:00:00+08:00"})
    assert backwards.status_code == 422


async def test_the_export_is_xlsx_with_every_matching_row(client, settings):
    here = await _register(client, settings, VILLAGE, member(name="赵六", id_number=id_number()))
    reader = auth(settings, "village_cadre", VILLAGE, subject="cadre-export")
    for _ in range(2):
        await client.get(f"/api/v1/households/{here['id']}", headers=reader)
    resp = await client.get("/api/v1/access-log", headers=auth(settings, "auditor", "211204000000"),
                            params={"subject": "cadre-export", "format": "xlsx", "limit": 1})
    assert resp.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(resp.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["序号", "读取时间", "读取人"] and len(rows) == 3
    assert {r[2] for r in rows[1:]} == {"cadre-export"} and {r[4] for r in rows[1:]} == {here["id"]}
    assert {r[3] for r in rows[1:]} == {"村干部"}  # the role by its Chinese name, as the headers
    assert all(here["members"][0]["id_number"] not in str(r) for r in rows)


async def test_rows_are_kept_three_years_then_purged(app, client, settings):
    here = await _register(client, settings, VILLAGE, member(name="钱七", id_number=id_number()))
    reader = auth(settings, "village_cadre", VILLAGE, subject="cadre-retention")
    for _ in range(2):
        await client.get(f"/api/v1/households/{here['id']}", headers=reader)
    now = datetime.now(UTC)
    async with app.state.sessions() as session:
        seqs = (await session.execute(select(AccessLogEntry.seq).where(
            AccessLogEntry.subject == "cadre-retention").order_by(AccessLogEntry.seq))).scalars().all()
        await session.execute(update(AccessLogEntry).where(AccessLogEntry.seq == seqs[0])
                              .values(read_at=now - timedelta(days=3 * 365 + 5)))
        await session.execute(update(AccessLogEntry).where(AccessLogEntry.seq == seqs[1])
                              .values(read_at=now - timedelta(days=3 * 365 - 5)))
        await session.commit()
    await purge_once(app, now)
    async with app.state.sessions() as session:
        left = (await session.execute(select(AccessLogEntry.seq).where(
            AccessLogEntry.subject == "cadre-retention"))).scalars().all()
    assert left == [seqs[1]]                       # younger than three years: kept
    assert settings.access_log_retention_years >= 3


async def _logged(app, subject: str) -> int:
    async with app.state.sessions() as session:
        return (await session.execute(select(func.count()).select_from(AccessLogEntry)
                                      .where(AccessLogEntry.subject == subject))).scalar_one()


async def test_reads_sent_at_once_are_each_answered_with_their_row_committed(app, client, settings):
    """Unmasked reads in flight at once (the hot route's pool, several connections): every one answered has its
    own row; masked reads sent with them write none."""
    here = await _register(client, settings, VILLAGE, member(name="孙八", id_number=id_number()))
    url = f"/api/v1/households/{here['id']}"
    readers = [auth(settings, "village_cadre", VILLAGE, subject=f"cadre-batch-{i % 3}") for i in range(24)]
    masked = auth(settings, "auditor", "211204001000", subject="auditor-batch")
    answers = await asyncio.gather(*[client.get(url, headers=h) for h in readers],
                                   *[client.get(url, headers=masked) for _ in range(6)])
    assert [a.status_code for a in answers] == [200] * 30
    assert answers[0].json()["members"][0]["id_number"] == here["members"][0]["id_number"]
    assert [await _logged(app, f"cadre-batch-{i}") for i in range(3)] == [8, 8, 8]
    assert await _logged(app, "auditor-batch") == 0


async def test_a_read_whose_row_is_not_committed_is_not_answered(app, client, settings):
    """The access log's guarantee: an unmasked read is answered only once its row is committed. A row PostgreSQL
    refuses (here a trigger) fails the read's statement: the identifiers are not answered, and the reads sent
    with it are answered with their own rows all the same."""
    here = await _register(client, settings, VILLAGE, member(name="周九", id_number=id_number()))
    url = f"/api/v1/households/{here['id']}"
    async with app.state.engine.begin() as conn:
        await conn.execute(text(
            "CREATE FUNCTION refuse_blocked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.subject = 'cadre-blocked' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"))
        await conn.execute(text("CREATE TRIGGER refuse_blocked BEFORE INSERT ON access_log "
                                "FOR EACH ROW EXECUTE FUNCTION refuse_blocked()"))
    try:
        blocked = auth(settings, "village_cadre", VILLAGE, subject="cadre-blocked")
        others = [auth(settings, "village_cadre", VILLAGE, subject="cadre-beside") for _ in range(8)]
        answers = await asyncio.gather(client.get(url, headers=blocked), *[client.get(url, headers=h) for h in others],
                                       return_exceptions=True)
    finally:
        async with app.state.engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER refuse_blocked ON access_log"))
            await conn.execute(text("DROP FUNCTION refuse_blocked()"))
    refused = answers[0]  # the test client raises what the server would answer with a 500
    assert isinstance(refused, Exception) or (
        refused.status_code >= 500 and here["members"][0]["id_number"] not in refused.text)
    assert await _logged(app, "cadre-blocked") == 0
    assert [a.status_code for a in answers[1:]] == [200] * 8 and await _logged(app, "cadre-beside") == 8
