"""The feeds that cannot refuse a matched record — the appraisals (住建 housing, 水利 water) and the member
departments (医保, 教育, 人社, 残联) — are set-based (issue 18): one lock, the rule in memory, a few statements
for the whole feed. Their answer, rows and events must be what the feed record by record gives."""

import asyncio

import pytest
from sqlalchemy import func, select

from backstop_common.auth import Principal, Role
from backstop_common.messaging_models import OutboxMessage
from backstop_common.uow import UnitOfWork
from registry.domain.feeds import apply_feed
from registry.models import ChangeRecord, Household, HousingAssessment, Member, WaterAssessment
from registry.schemas.feeds import FEEDS
from tests.factory import auth, household, id_number, member

TOWN, VILLAGE, ELSEWHERE = "211204001000", "211204001001", "211204002001"
#: per department: a first, second and third finding, and an older first one (appraisals: an earlier date)
FINDINGS = {
    "housing": ({"grade": "D", "assessed_on": "2024-06-01"},
                {"grade": "C", "assessed_on": "2024-07-01", "note": "复核"},
                {"grade": "B", "assessed_on": "2024-05-01"}, {"grade": "D", "assessed_on": "2023-01-01"}),
    "water": ({"safe_water": False, "assessed_on": "2024-06-01"},
              {"safe_water": True, "assessed_on": "2024-07-01", "note": "复核"},
              {"safe_water": False, "assessed_on": "2024-05-01"}, {"safe_water": False, "assessed_on": "2023-01-01"}),
    "health_insurance": ({"year": 2024, "medical_out_of_pocket": "31000", "insured": False},
                         {"year": 2024, "medical_out_of_pocket": "5000.5", "health": "chronic"},
                         {"year": 2023, "medical_out_of_pocket": "800"},
                         {"year": 2024, "medical_out_of_pocket": "31000", "insured": False}),
    "education": ({"stage": "junior", "status": "dropped_out"},
                  {"stage": "senior", "status": "enrolled", "boarding": True},
                  {"stage": "primary", "status": "enrolled"}, {"stage": "junior", "status": "dropped_out"}),
    "human_resources": ({"employment": "none"}, {"pension": "receiving", "pension_monthly": "186.50"},
                        {"employment": "local", "pension": "contributing"}, {"employment": "none"}),
    "disabled_federation": ({"disability_grade": 2}, {"disability_grade": 1}, {"disability_grade": 3},
                            {"disability_grade": 2}),
}
APPRAISALS = {"housing": HousingAssessment, "water": WaterAssessment}


async def _register(client, settings, village: str, *members) -> dict:
    resp = await client.post("/api/v1/households", json=household(village, *members),
                             headers=auth(settings, "county_admin", "211204000000"))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def _feed_records(client, settings, department: str) -> tuple[list, list[str]]:
    """A feed touching every case: two members of one household, a repeat, an older record, a stranger, a bad
    ID number, a member outside the department's area and one who left."""
    head, spouse, lone, outside, gone = (id_number(), id_number("19700302", sex="female"), id_number(), id_number(),
                                         id_number("19720101"))
    pair = await _register(client, settings, VILLAGE, member(id_number=head, employment="migrant"),
                           member("配偶", id_number=spouse), member("之子", id_number=gone))
    single = await _register(client, settings, VILLAGE, member(id_number=lone))
    far = await _register(client, settings, ELSEWHERE, member(id_number=outside))
    son = next(m for m in pair["members"] if m["relation"] == "之子")
    left = await client.post(f"/api/v1/members/{son['id']}/removal",
                             json={"reason": "migration", "effective_on": "2024-01-01"},
                             headers=auth(settings, "county_admin", "211204000000"))
    assert left.status_code == 200, left.text
    first, second, third, older = FINDINGS[department]
    records = [{"id_number": head, **first}, {"id_number": spouse, **second}, {"id_number": id_number(), **first},
               {"id_number": "123", **first}, {"id_number": lone, **third},
               {"id_number": lone, **third},  # the same again: matched, changes nothing
               {"id_number": lone, **older}, {"id_number": outside, **first}, {"id_number": gone, **first},
               {"id_number": head, **second}]  # an appraisal: what the spouse's said; a member: new to the head
    return [FEEDS[department].model_validate(r) for r in records], [pair["id"], single["id"], far["id"]]


async def _apply(app, department: str, records: list, households: list[str], one_by_one: bool) -> dict:
    """The feed's answer and everything it wrote, in a transaction rolled back after."""
    principal = Principal(subject="feed-clerk", role=Role.DEPARTMENT, area_code=TOWN, department=department)
    written_table = APPRAISALS.get(department, Member)
    async with app.state.sessions() as session:
        before = await session.scalar(select(func.coalesce(func.max(OutboxMessage.seq), 0)))
        uow = UnitOfWork(session, "registry", clock=app.state.clock)
        result = await apply_feed(uow, principal, department, records, one_by_one=one_by_one)
        await session.flush()
        session.expire_all()  # what the database holds, not the ORM path's objects (triggers change some columns)
        outbox = (await session.scalars(select(OutboxMessage)
                                        .where(OutboxMessage.seq > before, OutboxMessage.subject.in_(households))
                                        .order_by(OutboxMessage.seq))).all()
        history = (await session.scalars(select(ChangeRecord).where(ChangeRecord.household_id.in_(households),
                                                                   ChangeRecord.action == f"feed:{department}")
                                         .order_by(ChangeRecord.seq))).all()
        written = (await session.scalars(select(written_table).where(written_table.household_id.in_(households))
                                         .order_by(written_table.created_at, written_table.household_id,
                                                   written_table.id))).all()
        files = (await session.scalars(select(Household).where(Household.id.in_(households))
                                       .order_by(Household.id))).all()
        places = {a.id: n for n, a in enumerate(written)}
        seen = {
            "answer": result.model_dump(),
            "events": [(e.topic, e.key, e.type, e.source, e.subject, e.area_code, e.data) for e in outbox],
            # an appraisal's id is drawn afresh each time: the history names a record by its place (a household
            # by its id)
            "history": [(str(r.household_id), r.entity, places.get(r.entity_id, str(r.entity_id)), r.action,
                         r.field, r.old_value, r.new_value, r.actor, r.actor_role, r.version) for r in history],
            "written": [{k: v for k, v in a.model_dump().items()
                         if k not in ("id", "created_at", "updated_at") or written_table is Member and k == "id"}
                        for a in written],
            # when and in which transaction the household changed: the same moment, not the same instant
            "files": [{k: v for k, v in h.model_dump().items() if k not in ("updated_at", "changed_xid")}
                      for h in files],
        }
        await session.rollback()
    return seen


@pytest.mark.parametrize("department", sorted(FINDINGS))
async def test_a_set_based_feed_answers_writes_and_publishes_what_it_did_record_by_record(app, client, settings,
                                                                                          department):
    records, households = await _feed_records(client, settings, department)
    one_by_one = await _apply(app, department, records, households, one_by_one=True)
    set_based = await _apply(app, department, records, households, one_by_one=False)
    assert set_based == one_by_one
    answer = set_based["answer"]
    # an appraisal naming the head after the spouse's changes nothing; a member fact is the head's own
    changed = 4 if department in APPRAISALS else 5
    assert (answer["received"], answer["matched"], answer["changed"]) == (10, 6, changed)
    assert [u["index"] for u in answer["unmatched"]] == [2, 3, 7, 8]
    assert len(set_based["events"]) >= changed and len(set_based["history"]) >= changed
    if department in APPRAISALS:  # the pair's second appraisal names the first's finding as the previous one
        previous = "previous_grade" if department == "housing" else "previous_safe_water"
        assert set_based["events"][1][-1][previous] == next(iter(FINDINGS[department][0].values()))


async def test_two_housing_feeds_naming_the_same_households_in_opposite_orders_both_land(app, client, settings):
    """Each feed locks its households in id order, so two at once wait for each other instead of deadlocking;
    the second sees the first's appraisals."""
    heads = [id_number() for _ in range(4)]
    ids = [(await _register(client, settings, VILLAGE, member(id_number=h)))["id"] for h in heads]
    dept = auth(settings, "department", "211204000000", department="housing")
    forward = [{"id_number": h, "grade": "D", "assessed_on": "2024-06-01"} for h in heads]
    backward = [{"id_number": h, "grade": "C", "assessed_on": "2024-07-01"} for h in reversed(heads)]
    answers = await asyncio.gather(*(client.post("/api/v1/feeds/housing", headers=dept, json={"records": r})
                                     for r in (forward, backward)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert [a.json()["changed"] for a in answers] == [4, 4]
    for hid in ids:
        file = (await client.get(f"/api/v1/households/{hid}", headers=auth(settings))).json()
        assert file["version"] == 3 and file["housing_grade"] == "C"


#: per refusable department: the feed's records (over ``_feed_records``' people) and what it must answer
REFUSABLE = {
    # the spouse's record sees the head's 低保; the lone household's first record holds what it has
    "civil_affairs": ([("head", {"dibao": True}), ("spouse", {"dibao": True, "tekun": True}), ("stranger", {}),
                       ("bad", {}), ("lone", {"dibao": False}), ("lone", {"dibao": True}), ("lone", {"dibao": True}),
                       ("outside", {}), ("gone", {}), ("head", {"dibao": False})],
                      (6, 4), [2, 3, 7, 8]),
    # the head may not leave while the spouse remains, then may; a date to come and a second death are refused
    "public_security": ([("head", {"event": "death"}), ("spouse", {"event": "moved_out", "effective_on": "2099-01-01"}),
                         ("stranger", {}), ("bad", {}), ("spouse", {"event": "moved_out"}), ("lone", {}), ("lone", {}),
                         ("outside", {}), ("gone", {}), ("head", {"event": "death"})],
                        (3, 3), [0, 1, 2, 3, 6, 7, 8]),
}
DEFAULTS = {"civil_affairs": {"dibao": False}, "public_security": {"event": "death", "effective_on": "2024-03-01"}}


@pytest.mark.parametrize("department", sorted(REFUSABLE))
async def test_a_refusable_feed_set_based_answers_writes_and_publishes_what_it_did_record_by_record(
        app, client, settings, department):
    """Civil affairs and public security may refuse a matched record (a head leaving before the others, a date to
    come, a member who already left): set-based, the refusal is decided before anything changes — no savepoint —
    and the answer, rows and events are those of the ORM path record by record."""
    people = {"head": id_number(), "spouse": id_number("19700302", sex="female"), "lone": id_number(),
              "outside": id_number(), "gone": id_number("19720101"), "stranger": id_number(), "bad": "123"}
    pair = await _register(client, settings, VILLAGE, member(id_number=people["head"]),
                           member("配偶", id_number=people["spouse"]), member("之子", id_number=people["gone"]))
    single = await _register(client, settings, VILLAGE, member(id_number=people["lone"]))
    far = await _register(client, settings, ELSEWHERE, member(id_number=people["outside"]))
    son = next(m for m in pair["members"] if m["relation"] == "之子")
    left = await client.post(f"/api/v1/members/{son['id']}/removal",
                             json={"reason": "migration", "effective_on": "2024-01-01"},
                             headers=auth(settings, "county_admin", "211204000000"))
    assert left.status_code == 200, left.text
    named, (matched, changed), unmatched = REFUSABLE[department]
    records = [FEEDS[department].model_validate({**DEFAULTS[department], "id_number": people[who], **fields})
               for who, fields in named]
    households = [pair["id"], single["id"], far["id"]]
    one_by_one = await _apply(app, department, records, households, one_by_one=True)
    set_based = await _apply(app, department, records, households, one_by_one=False)
    assert set_based == one_by_one
    answer = set_based["answer"]
    assert (answer["received"], answer["matched"], answer["changed"]) == (10, matched, changed)
    assert [u["index"] for u in answer["unmatched"]] == unmatched
    assert len(set_based["events"]) == changed
    if department == "public_security":  # the pair's household shrank twice (the spouse, then the head), the lone
        sizes = {str(h["id"]): h["size"] for h in set_based["files"]}
        assert sizes == {pair["id"]: 0, single["id"]: 0, far["id"]: 1}
