"""Bulk import of national exports: every bad row reported, good ones loaded with events, re-import idle."""

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select, text

from backstop_common.messaging_models import OutboxMessage
from backstop_common.testing import read_events
from backstop_common.topics import REGISTRY_HOUSEHOLD
from registry.events import HouseholdRegistered
from registry.models import Household, Member
from tests.exports import person, to_csv, to_xlsx
from tests.factory import auth, household, id_number, member

TOWNSHIP = "211204001000"


async def _counts(app):
    async with app.state.sessions() as session:
        return tuple([(await session.execute(select(func.count()).select_from(t))).scalar_one()
                      for t in (Household, Member, OutboxMessage)])


async def _post(client, settings, data: bytes, filename: str, role="township_staff", area=TOWNSHIP):
    return await client.post("/api/v1/imports/households", headers=auth(settings, role, area),
                             files={"file": (filename, data)})


async def test_broken_file_reports_every_bad_row_and_loads_the_good(app, client, settings):
    taken = id_number()
    resp = await client.post("/api/v1/households", headers=auth(settings),
                             json=household("211204001001", member(id_number=taken)))
    assert resp.status_code == 201
    good_head, good_wife, dup = id_number(), id_number(sex="female"), id_number()
    valid = id_number()
    bad_check = valid[:17] + ("1" if valid[17] == "0" else "0")
    rows = [
        person("86300000000001", "8630000000000101", "王一", good_head),                          # line 3 ok
        person("86300000000001", "8630000000000102", "李二", good_wife, "配偶", 人联系电话="13911112222"),  # 4 ok
        person("86300000000002", "8630000000000201", "赵三", bad_check),
        person("86300000000003", "8630000000000301", "钱四", "2.11204E+17"),                       # 6 scientific
        person("86300000000004", "8630000000000401", "孙五", dup, "配偶"),                          # 7 no head
        person("86300000000005", "8630000000000501", "周六", id_number(), 行政村="不存在村"),          # 8 village
        person("86300000000006", "8630000000000601", "吴七", taken),                               # 9 taken
        person("86300000000007", "8630000000000701", "郑八", id_number()),                         # 10 ok head
        person("86300000000007", "8630000000000702", "郑九", id_number(), "之子", 健康状况="头疼"),    # 11 health
        person("86300000000008", "8630000000000801", "冯十", id_number(), 户类型="外星户"),           # 12 type
        person("86300000000009", "8630000000000901", "陈甲", id_number(), 工资性收入="-300"),         # 13 income
        person("86300000000010", "8630000000001001", "褚乙", dup),                                # 14 dup in file
    ]
    before = await _counts(app)
    resp = await _post(client, settings, to_csv(rows, "gbk"), "名单.csv")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["rows"] == 12 and report["households_registered"] == 1 and report["members_registered"] == 2
    by_line = {e["line"]: e["reason"] for e in report["errors"]}
    assert sorted(by_line) == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    assert "校验位" in by_line[5]  # zh-CN unless asked
    assert "科学计数法" in by_line[6]
    assert "没有户主" in by_line[7]
    assert "没有行政村" in by_line[8]
    assert "已登记在户" in by_line[9]
    assert "未导入" in by_line[10] and "未知的健康状况" in by_line[11]
    assert "未知的户类型" in by_line[12] and "为负数" in by_line[13]
    assert "与第 7 行重复" in by_line[14]
    assert await _counts(app) == (before[0] + 1, before[1] + 2, before[2] + 1)

    # the same file again, asking for English: the bad rows come back with the same lines, in English
    again = await client.post("/api/v1/imports/households", files={"file": ("名单.csv", to_csv(rows, "gbk"))},
                              headers={**auth(settings, "township_staff", TOWNSHIP), "Accept-Language": "en"})
    by_line = {e["line"]: e["reason"] for e in again.json()["errors"]}
    assert sorted(by_line) == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    assert "check digit" in by_line[5]
    assert "scientific notation" in by_line[6]
    assert "no head" in by_line[7]
    assert "unknown village" in by_line[8]
    assert "already registered in household" in by_line[9]
    assert "not loaded" in by_line[10] and "unknown 健康状况" in by_line[11]
    assert "unknown 户类型" in by_line[12] and "negative" in by_line[13]
    assert "also on line 7" in by_line[14]
    assert await _counts(app) == (before[0] + 1, before[1] + 2, before[2] + 1)

    hh = (await client.get("/api/v1/households", headers=auth(settings, "township_staff", TOWNSHIP),
                           params={"q": "86300000000001"})).json()["items"][0]
    assert hh["size"] == 2 and hh["poverty_status"] == "lifted" and hh["main_cause"] == "illness"
    assert hh["per_capita_income"] == "12100.00" and hh["housing_grade"] is None and hh["safe_water"] is True
    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD,
                               where=lambda e: e.subject == hh["id"], until=lambda evs: len(evs) >= 1)
    assert events[0].name == "household.registered" and events[0].area_code == "211204001001"
    data = events[0].data
    assert set(data) == set(HouseholdRegistered.model_fields)
    assert HouseholdRegistered.model_validate(data).size == 2
    assert data["per_capita_income"] == "12100.00" and data["labour_capable_members"] == 2
    assert data["income_year"] == date.today().year - 1  # the import's default income year
    assert "王一" not in str(data) and good_head not in str(data)

    again = await _post(client, settings, to_csv(rows, "gbk"), "名单.csv")
    assert again.json()["households_registered"] == 0 and again.json()["households_unchanged"] == 1
    assert await _counts(app) == (before[0] + 1, before[1] + 2, before[2] + 1)


async def test_xlsx_with_numeric_ids_and_title_rows(app, client, settings):
    ok_id, lost = id_number(), id_number()
    rows = [person("86300000000101", "8630000000010101", "蒋一", ok_id, 乡镇="x"),
            person("86300000000102", "8630000000010201", "沈二", lost)]
    data = to_xlsx(rows, numeric=("户编号", "人编号", "证件号码"))
    resp = await _post(client, settings, data, "export.xlsx")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    # 户编号 (14 digits) survives as a number; an 18-digit ID number cannot
    assert report["households_registered"] == 0
    assert {e["line"] for e in report["errors"]} == {3, 4}
    assert all("已破坏" in e["reason"] for e in report["errors"])
    text_ids = to_xlsx(rows, numeric=("户编号",))
    resp = await _post(client, settings, text_ids, "export.xlsx")
    assert resp.json()["households_registered"] == 2 and resp.json()["errors"] == []


async def test_bad_files_are_problems_and_change_nothing(app, client, settings):
    before = await _counts(app)
    no_id = to_csv([person("86300000000201", "1", "韩", id_number())]).decode("gbk").replace("证件号码", "号码")
    resp = await _post(client, settings, no_id.encode("gbk"), "a.csv")
    assert resp.status_code == 422 and "缺少必需的列" in resp.json()["detail"] and "证件号码" in resp.json()["detail"]
    assert resp.headers["content-type"] == "application/problem+json"
    garbage = await _post(client, settings, b"PK\x03\x04garbage", "a.xlsx")
    assert garbage.status_code == 422
    outside = await _post(client, settings, to_csv([person("86300000000301", "1", "杨", id_number(),
                                                           乡镇="杨木林子镇", 行政村="杨木林子村")]), "b.csv")
    assert outside.status_code == 200 and "没有行政村" in outside.json()["errors"][0]["reason"]
    assert await _counts(app) == before


async def test_export_round_trips_and_masks(app, client, settings):
    from python_calamine import CalamineWorkbook
    import io

    township = auth(settings, "township_staff", TOWNSHIP)
    resp = await client.get("/api/v1/exports/households.xlsx", headers=township, params={"q": "86300000000001"})
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(resp.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "县(市、区、旗)" and len(sheet) == 3
    assert sheet[1][7] == "王一" and len(sheet[1][8]) == 18 and "*" not in sheet[1][8]
    head = dict(zip(sheet[0], sheet[1]))  # the national columns and the national system's values
    assert (head["户类型"], head["性别"], head["与户主关系"]) == ("脱贫户", "男", "户主")
    assert head["是否参加城乡居民基本养老保险"] == "否" and head["劳动技能"] == "普通劳动力"
    masked = await client.get("/api/v1/exports/households.xlsx", headers=auth(settings, "auditor", TOWNSHIP),
                              params={"q": "86300000000001"})
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(masked.content)).get_sheet_by_index(0).to_python()
    assert "********" in sheet[1][8]


async def test_cli_imports_a_file(app, settings, tmp_path, capsys):
    from registry.cli import run_import

    path = tmp_path / "名单.csv"
    path.write_bytes(to_csv([person("86300000000401", "8630000000040101", "卫一", id_number()),
                             person("86300000000402", "8630000000040201", "蒋二", "123")]))
    code = await run_import(path, "211204000000", "cli-test", 2024, settings.database_url, show_errors=10)
    out = capsys.readouterr().out
    assert code == 1
    assert "1 households / 1 members registered" in out and "line 4" in out


async def test_a_household_whose_risk_was_eliminated_is_imported_as_eliminated(app, client, settings):
    at_risk = {"易返贫致贫户(监测对象)类型": "边缘易致贫户", "风险是否消除": "否", "风险识别时间": "202309"}
    rows = [person("86300000000501", "8630000000050101", "柳一", id_number(),
                   **{"易返贫致贫户(监测对象)类型": "边缘易致贫户", "风险是否消除": "是", "风险识别时间": "202203",
                      "风险消除时间": "202406"}),
            person("86300000000502", "8630000000050201", "柳二", id_number(), **at_risk),
            person("86300000000503", "8630000000050301", "柳三", id_number(),
                   **{**at_risk, "风险消除时间": "202401"})]  # eliminated on a date, yet 否: refused
    resp = await _post(client, settings, to_csv(rows), "监测对象.csv")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["households_registered"] == 2
    assert [e["line"] for e in report["errors"]] == [5] and "风险消除时间" in report["errors"][0]["reason"]
    township = auth(settings, "township_staff", TOWNSHIP)

    async def file_of(number: str) -> dict:
        listed = (await client.get("/api/v1/households", headers=township, params={"q": number})).json()["items"]
        return (await client.get(f"/api/v1/households/{listed[0]['id']}", headers=township)).json()

    eliminated, monitored = await file_of("86300000000501"), await file_of("86300000000502")
    assert eliminated["monitoring_category"] == "marginal" and eliminated["risk_eliminated"] is True
    assert eliminated["risk_identified_on"] == "2022-03-01" and eliminated["risk_eliminated_on"] == "2024-06-01"
    assert monitored["risk_eliminated"] is False and monitored["risk_identified_on"] == "2023-09-01"
    assert monitored["risk_eliminated_on"] is None
    still_at_risk = await client.get("/api/v1/households", headers=township,
                                     params={"monitoring_category": "marginal", "risk_eliminated": "false"})
    assert monitored["id"] in {h["id"] for h in still_at_risk.json()["items"]}
    assert eliminated["id"] not in {h["id"] for h in still_at_risk.json()["items"]}
    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD,
                               where=lambda e: e.subject == eliminated["id"], until=lambda evs: len(evs) >= 1)
    data = events[0].data
    assert data["monitoring_category"] == "marginal" and data["risk_eliminated"] is True
    assert data["risk_identified_on"] == "2022-03-01" and data["risk_eliminated_on"] == "2024-06-01"
    assert HouseholdRegistered.model_validate(data).risk_eliminated is True


async def test_the_pension_column_is_read_and_written_back(app, client, settings):
    """是否参加城乡居民基本养老保险 (the fuller national export; seed 004 社会保险): 是 → paying in, 否 → none."""
    pension = "是否参加城乡居民基本养老保险"
    rows = [person("86300000000601", "8630000000060101", "岳一", id_number(), **{pension: "是"}),
            person("86300000000601", "8630000000060102", "岳二", id_number(sex="female"), "配偶", **{pension: "否"}),
            person("86300000000602", "8630000000060201", "岳三", id_number(), **{pension: "也许"})]
    report = (await _post(client, settings, to_csv(rows), "养老.csv")).json()
    assert report["households_registered"] == 1
    assert [e["line"] for e in report["errors"]] == [5] and pension in report["errors"][0]["reason"]
    township = auth(settings, "township_staff", TOWNSHIP)
    listed = (await client.get("/api/v1/households", headers=township, params={"q": "86300000000601"})).json()
    file = (await client.get(f"/api/v1/households/{listed['items'][0]['id']}", headers=township)).json()
    assert {m["name"]: m["pension"] for m in file["members"]} == {"岳一": "contributing", "岳二": "none"}


@pytest.mark.parametrize("key", [None, "statistics-after-the-answer"])
async def test_a_large_import_refreshes_the_statistics_after_its_answer(app, client, settings, monkeypatch, key):
    """An import of ``ANALYZE_AFTER`` households or more has the planner's statistics refreshed once its
    transaction has committed (with Idempotency-Key: once the middleware has), on a connection of its own; the
    answer does not wait for it — here it comes while the ``ANALYZE`` is held back."""
    from registry.api import imports as route
    from registry.repository import bulk

    started, go_on, analyze = asyncio.Event(), asyncio.Event(), bulk.analyze

    async def held_back(session):
        started.set()
        await go_on.wait()
        await analyze(session)

    monkeypatch.setattr(bulk, "analyze", held_back)
    rows = [person(f"863{2 if key else 1}{h:010d}", f"863{2 if key else 1}{h:010d}01", "韩一", id_number())
            for h in range(bulk.ANALYZE_AFTER)]
    try:
        resp = await asyncio.wait_for(client.post(
            "/api/v1/imports/households", files={"file": ("名单.csv", to_csv(rows))},
            headers={**auth(settings, "township_staff", TOWNSHIP), **({"Idempotency-Key": key} if key else {})}),
            300)  # a bound, not a timing: an answer that waited for the ANALYZE held back would never come
        assert resp.status_code == 200, resp.text
        assert resp.json()["households_registered"] == bulk.ANALYZE_AFTER
        await asyncio.wait_for(started.wait(), 60)  # the import committed: the refresh went past its wait
    finally:
        go_on.set()
    await asyncio.gather(*route._refreshing)
    async with app.state.sessions() as session:
        for table in ("households", "members"):
            counted, estimated = (await session.execute(text(
                f"SELECT (SELECT count(*) FROM {table}), reltuples::bigint FROM pg_class"
                f" WHERE oid = '{table}'::regclass"))).one()
            assert estimated == counted  # ANALYZE reads every page of tables this small


async def test_a_small_import_starts_no_statistics_refresh(app, client, settings, monkeypatch):
    """A village's list (fewer than ``ANALYZE_AFTER`` households) leaves the statistics to autovacuum: its answer
    opens no unit of work (no connection) for them."""
    from registry.api import imports as route

    opened = []

    def recorded(app):
        opened.append(app)
        raise RuntimeError("a unit of work for the statistics")

    monkeypatch.setattr(route, "unit_of_work", recorded)
    rows = [person("86330000000001", "8633000000000101", "韩二", id_number())]
    resp = await _post(client, settings, to_csv(rows), "名单.csv")
    assert resp.status_code == 200 and resp.json()["households_registered"] == 1, resp.text
    await asyncio.gather(*route._refreshing)
    assert not opened


async def test_a_file_loaded_in_pieces_answers_as_loaded_whole(app, settings):
    """The worker sends the plan in pieces of whole households, each loaded while the next is parsed: the
    answer, the rows and the events are those of the whole file at once. A household whose rows stand apart
    makes the file one piece (it must be checked whole); an XLSX planned as it was read then starts again."""
    from backstop_common.auth import Principal, Role
    from backstop_common.uow import UnitOfWork
    from registry.domain.imports import import_households
    from registry.imports.plan import plan_chunks
    from registry.imports.reader import read_rows

    dup = id_number()
    rows = [person("86300000000901", "8630000000090101", "甲一", id_number()),
            person("86300000000901", "8630000000090102", "甲二", id_number(sex="female"), "配偶"),
            person("86300000000902", "8630000000090201", "乙一", dup),
            person("86300000000903", "8630000000090301", "丙一", id_number(), "配偶"),            # no head
            person("86300000000904", "8630000000090401", "丁一", dup),                            # dup of line 5
            person("86300000000905", "8630000000090501", "戊一", id_number()),
            person("86300000000905", "8630000000090502", "戊二", id_number(), "之子", 健康状况="头疼")]
    apart = rows[1:] + rows[:1]  # 86300000000901's head on the last line
    principal = Principal(subject="t", role=Role.COUNTY_ADMIN, area_code="211204000000")
    whole = {}
    for data, name, pieces in ((to_csv(rows), "a.csv", 5), (to_csv(apart), "a.csv", 1),
                               (to_xlsx(rows), "a.xlsx", 5), (to_xlsx(apart), "a.xlsx", 1)):
        assert len(list(plan_chunks(read_rows(data, name), {}, set(), date.today(), rows_per_chunk=1))) == pieces
        answers = []
        for rows_per_piece in (0, 1, 3):
            async with app.state.sessions() as session:
                before = await _counts(app)
                uow = UnitOfWork(session, "registry")
                # an XLSX is planned as its sheet is read, here a row or two a block: the apart one's pieces
                # are loaded, then discarded when its last line comes, and the file loaded as one piece
                report = await import_households(uow, principal, data, name, 2024, rows_per_piece=rows_per_piece,
                                                 sheet_block=300)
                added = [(await session.execute(select(func.count()).select_from(t))).scalar_one() - n
                         for t, n in zip((Household, Member, OutboxMessage), before, strict=True)]
                await session.rollback()
            answers.append((report.model_dump(exclude={"import_id", "filename"}), added))
        assert answers[0][0]["households_registered"] == 2, answers[0][0]["errors"]
        assert answers[0][0]["rows_rejected"] == 4
        assert answers[0][1] == [answers[0][0]["households_registered"], answers[0][0]["members_registered"],
                                 answers[0][0]["households_registered"]]
        assert answers[1] == answers[0] and answers[2] == answers[0]
        assert whole.setdefault(pieces, answers[0]) == answers[0]  # the XLSX answers as the CSV


async def test_a_piece_is_checked_against_the_registry_row_by_row_in_its_indexes(app):
    """Each piece's checks (``bulk.EXISTING``, ``bulk.TAKEN``) look every staged row up in the registry's indexes,
    whatever the tables' statistics say, instead of hashing every registered household or member for each piece
    (a cost that grew with the registry: 3.5 s of a 100,000-household import, session 12)."""
    from backstop_common.db import driver_connection
    from registry.repository import bulk

    def scans(node: dict) -> list[dict]:
        return [node, *(n for child in node.get("Plans", []) for n in scans(child))]

    async with app.state.sessions() as session:
        await bulk.open_staging(session)
        con = await driver_connection(session)
        for query, tables in ((bulk.EXISTING, {"households"}), (bulk.TAKEN, {"households", "members"})):
            plan = (await con.fetchval("EXPLAIN (FORMAT JSON) " + query))[0]["Plan"]  # the pool's json codec decodes it
            read = [n for n in scans(plan) if n.get("Relation Name") in tables]
            assert {n["Relation Name"] for n in read} == tables, plan
            assert all(n["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" in n for n in read), plan
        await session.rollback()


async def test_an_import_on_a_connection_that_had_a_temporary_table_loads(app):
    """PostgreSQL sizes a session's buffers for temporary tables at its first one and refuses a new size after:
    the import asks for larger ones (``bulk.LOCAL_BUFFERS``) only on a connection that has had none."""
    from backstop_common.auth import Principal, Role
    from backstop_common.uow import UnitOfWork
    from registry.domain.imports import import_households

    rows = [person("86300000000951", "8630000000095101", "甲一", id_number())]
    principal = Principal(subject="t", role=Role.COUNTY_ADMIN, area_code="211204000000")
    async with app.state.sessions() as session:
        await session.execute(text("CREATE TEMP TABLE earlier ON COMMIT DROP AS SELECT 1 AS one"))
        report = await import_households(UnitOfWork(session, "registry"), principal, to_csv(rows), "a.csv", 2024)
        assert report.households_registered == 1 and report.members_registered == 1
        await session.rollback()


async def test_an_imports_assessments_and_events_take_its_ordered_ids(app, client, settings):
    """The income assessments' and the events' ids are the import's own time-ordered ones (version 7), in the
    file's order — not drawn one by one by PostgreSQL (``bulk.load``)."""
    rows = [person(f"863000000009{n}", f"863000000009{n}01", "甲一", id_number()) for n in (61, 62)]
    resp = await _post(client, settings, to_csv(rows, "gbk"), "名单.csv", role="county_admin", area="211204000000")
    assert resp.status_code == 200 and resp.json()["households_registered"] == 2, resp.text
    async with app.state.sessions() as session:
        events = (await session.execute(text(
            "SELECT o.id FROM outbox o JOIN households h ON h.id::text = o.subject"
            " WHERE h.household_number IN ('86300000000961', '86300000000962') ORDER BY o.seq"))).scalars().all()
        assessed = (await session.execute(text(
            "SELECT a.id FROM income_assessments a JOIN households h ON h.id = a.household_id"
            " WHERE h.household_number IN ('86300000000961', '86300000000962') ORDER BY h.household_number"))
                    ).scalars().all()
    assert len(events) == 2 and len(assessed) == 2
    assert all(i.version == 7 for i in events + assessed)
    assert events == sorted(events) and assessed == sorted(assessed)


async def test_a_staged_households_event_payload_is_what_jsonb_build_object_made_of_it(app):
    """``household.registered``'s payload is written as JSON text by the outbox's INSERT and parsed once
    (``bulk.REGISTERED``), no longer built by ``jsonb_build_object`` from the staged columns: the same jsonb for
    every kind of staged value — nulls, amounts (a negative one, 0.00), dates, texts JSON escapes."""
    from backstop_common.db import driver_connection
    from registry.repository import bulk

    built = """jsonb_build_object(
        'household_id', s.id, 'village_code', s.village_code, 'poverty_status', s.poverty_status,
        'year_lifted', s.year_lifted, 'dibao', s.dibao, 'tekun', s.tekun, 'size', s.size,
        'labour_capable_members', s.labour, 'per_capita_income', s.per_capita_income::text,
        'income_year', CASE WHEN s.per_capita_income IS NOT NULL THEN 2024 END,
        'housing_grade', s.housing_grade, 'safe_water', s.safe_water, 'uninsured_members', s.uninsured,
        'food_secure', true, 'clothing_secure', true, 'relocated', false,
        'dropout_members', s.dropout, 'tags', '[]'::jsonb, 'main_cause', s.main_cause,
        'monitoring_category', s.monitoring_category, 'risk_eliminated', s.risk_eliminated,
        'risk_identified_on', s.risk_identified_on, 'risk_eliminated_on', s.risk_eliminated_on,
        'helper_user_ids', '[]'::jsonb, 'members', coalesce(s.members::jsonb, '[]'::jsonb))"""
    rows = [  # id, line, village, status, year lifted, dibao, tekun, category, eliminated, identified, eliminated on,
        # main cause, grade, safe water, size, per capita, labour, uninsured, dropout, members
        ("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 3, "211204001001", "lifted", 2019, True, False, "marginal", True,
         date(2022, 3, 1), date(2024, 6, 1), "illness", "C", True, 3, "12100.00", 2, 1, 0,
         '[{"member_id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c","relation":"户主","birth_year":1940}]'),
        ("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d", 4, "2112\"04\\0", "never_poor", None, False, True, None, False,
         None, None, None, None, None, 1, None, 0, 0, 1, None),
        ("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5e", 5, "211204001001", "lifted", None, False, False, "sudden", False,
         date(2023, 9, 1), None, "ca\tuse\n", "A", False, 2, "-0.00", 0, 2, 0, "[]"),
        ("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5f", 6, "211204001001", "lifted", None, False, False, None, False,
         None, None, "illness", None, True, 2, "-27717.77", 0, 2, 0, "[]"),
    ]
    async with app.state.sessions() as session:
        await bulk.open_staging(session)
        con = await driver_connection(session)
        await con.executemany(
            "INSERT INTO stage_households (id, line, village_code, poverty_status, year_lifted, dibao, tekun,"
            " monitoring_category, risk_eliminated, risk_identified_on, risk_eliminated_on, main_cause,"
            " housing_grade, safe_water, size, per_capita_income, labour, uninsured, dropout, members)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::numeric, $17, $18,"
            " $19, $20)", rows)
        pairs = await con.fetch(f"SELECT ({bulk.REGISTERED.replace('$5', '2024')})::text AS written,"
                                f" ({built})::text AS made FROM stage_households s ORDER BY s.line")
        await session.rollback()
    assert len(pairs) == 4
    assert all(p["written"] == p["made"] for p in pairs), [dict(p) for p in pairs]
