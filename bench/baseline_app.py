"""The minimal baseline: bare Starlette + asyncpg doing the registry's read and list queries, and the writes of
the income assessment, the housing appraisal, the water check, the disaster report and the member change, each in
one transaction (issue 18: the write routes are compared with it).

    uvicorn bench.baseline_app:app   (BASELINE_DATABASE_URL = the registry's database)

The write (POST /households/{id}/income-assessments, the registry route's body) leaves the rows the registry
would: the assessment, the household's income and version, a history row and the outbox row of its event,
which the registry's relay publishes; the housing write likewise. Driven with wrk by api_throughput.py and
registry_http.py.
"""

import json
import os
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

FILE = "SELECT * FROM households WHERE id = $1"
MEMBERS = "SELECT * FROM members WHERE household_id = $1 ORDER BY is_head DESC, birth_date"
LIST = ("SELECT id, village_code, household_number, poverty_status, size, per_capita_income, housing_grade, "
        "version FROM households WHERE village_code LIKE $1 ORDER BY village_code, id LIMIT 50")
COUNT = "SELECT count(*) FROM households WHERE village_code LIKE $1"

# the income assessment's writes (registry.domain.income.assess_income), as few statements as they can be
LOCK = "SELECT size, village_code, income_year, version FROM households WHERE id = $1 FOR UPDATE"
LATEST = "SELECT year, per_capita_income FROM income_assessments WHERE household_id = $1 ORDER BY year DESC, " \
         "created_at DESC LIMIT 1"
ASSESS = ("INSERT INTO income_assessments (id, household_id, year, wage, business, business_costs, property, "
          "transfer, net_income, size, per_capita_income, assessed_by, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'bench', now())")
UPDATE = ("UPDATE households SET per_capita_income = CASE WHEN $2 THEN $3 ELSE per_capita_income END, "
          "income_year = CASE WHEN $2 THEN $4 ELSE income_year END, version = version + 1, updated_at = now() "
          "WHERE id = $1")
HISTORY = ("INSERT INTO change_history (household_id, entity, entity_id, action, new_value, actor, actor_role, "
           "version, changed_at) VALUES ($1, 'income_assessment', $2, 'assessed', $3, 'bench', 'county_admin', $4, "
           "now())")
OUTBOX = ("INSERT INTO outbox (id, topic, key, type, source, subject, area_code, time, data, created_at, attempts) "
          "VALUES ($1, 'registry.household', $2, 'backstop.registry.household.income_assessed.v1', "
          "'/backstop/registry', $2, $3, $4, $5, now(), 0)")
PARTS = ("wage", "business", "business_costs", "property", "transfer")


def _json(body) -> Response:
    return Response(json.dumps(body, default=str, ensure_ascii=False), media_type="application/json")


async def household(request):
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(FILE, request.path_params["id"])
        members = await conn.fetch(MEMBERS, request.path_params["id"])
    return _json({**dict(row), "members": [dict(m) for m in members]})


async def households(request):
    prefix = request.query_params["area_prefix"] + "%"
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(LIST, prefix)
        total = await conn.fetchval(COUNT, prefix)
    return _json({"items": [dict(r) for r in rows], "total": total})


async def assess_income(request):
    """POST /households/{id}/income-assessments: the same rows the registry writes, in one transaction."""
    body, household_id = json.loads(await request.body()), request.path_params["id"]
    parts = {k: Decimal(body[k]) for k in PARTS}
    net = parts["wage"] + parts["business"] + parts["property"] + parts["transfer"] - parts["business_costs"]
    assessment_id, year = uuid.uuid4(), int(body["year"])
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        household = await conn.fetchrow(LOCK, household_id)
        if household is None:
            return Response(status_code=404)
        previous = await conn.fetchrow(LATEST, household_id)
        per_capita = (net / household["size"]).quantize(Decimal("0.01"))
        await conn.execute(ASSESS, assessment_id, household_id, year, *parts.values(), net, household["size"],
                           per_capita)
        newer = household["income_year"] is None or year >= household["income_year"]
        await conn.execute(UPDATE, household_id, newer, per_capita, year)
        await conn.execute(HISTORY, household_id, assessment_id, json.dumps({"year": year, "per_capita_income":
                                                                             str(per_capita)}),
                           household["version"] + 1)
        data = {"household_id": str(household_id), "assessment_id": str(assessment_id), "year": year,
                **{k: str(v) for k, v in parts.items()}, "net_income": str(net), "size": household["size"],
                "per_capita_income": str(per_capita),
                "previous_per_capita_income": str(previous["per_capita_income"]) if previous else None,
                "previous_year": previous["year"] if previous else None}
        await conn.execute(OUTBOX, uuid.uuid4(), str(household_id), household["village_code"], datetime.now(UTC),
                           json.dumps(data))
    return _json({"id": str(assessment_id), "per_capita_income": str(per_capita)})


# the housing appraisal's and the water check's writes (registry.domain.conditions), the same way
def _condition_writes(table: str, value: str, current: str, assessed: str, entity: str, source: str) -> dict:
    registry = "'registry', " if source else ""  # a housing appraisal's source
    return {
        "lock": f"SELECT village_code, {current}, {assessed}, version FROM households WHERE id = $1 FOR UPDATE",
        "insert": f"INSERT INTO {table} (id, household_id, {value}, assessed_on, note, {source}assessed_by, "
                  f"created_at) VALUES ($1, $2, $3, $4, $5, {registry}'bench', now())",
        "update": f"UPDATE households SET {current} = CASE WHEN $2 THEN $3 ELSE {current} END, {assessed} = CASE "
                  f"WHEN $2 THEN $4 ELSE {assessed} END, version = version + 1, updated_at = now() WHERE id = $1",
        "history": HISTORY.replace("'income_assessment'", f"'{entity}'"),
        "outbox": OUTBOX.replace("income_assessed", f"{entity.split('_')[0]}_assessed"),
        "value": value, "current": current, "assessed": assessed,
    }


HOUSING = _condition_writes("housing_assessments", "grade", "housing_grade", "housing_assessed_on",
                            "housing_assessment", "source, ")
WATER = _condition_writes("water_assessments", "safe_water", "safe_water", "water_assessed_on", "water_assessment",
                          "")


def _assessing(writes: dict):
    """POST /households/{id}/housing-assessments or …/water-assessments: the rows the registry writes, in one
    transaction."""
    async def assess(request):
        body, household_id = json.loads(await request.body()), request.path_params["id"]
        assessed_on, assessment_id, value = date.fromisoformat(body["assessed_on"]), uuid.uuid4(), writes["value"]
        async with request.app.state.pool.acquire() as conn, conn.transaction():
            household = await conn.fetchrow(writes["lock"], household_id)
            if household is None:
                return Response(status_code=404)
            await conn.execute(writes["insert"], assessment_id, household_id, body[value], assessed_on,
                               body.get("note"))
            newer = household[writes["assessed"]] is None or assessed_on >= household[writes["assessed"]]
            await conn.execute(writes["update"], household_id, newer, body[value], assessed_on)
            await conn.execute(writes["history"], household_id, assessment_id,
                               json.dumps({value: body[value], "assessed_on": body["assessed_on"]}),
                               household["version"] + 1)
            data = {"household_id": str(household_id), value: body[value],
                    f"previous_{value}": household[writes["current"]], "assessed_on": body["assessed_on"]}
            await conn.execute(writes["outbox"], uuid.uuid4(), str(household_id), household["village_code"],
                               datetime.now(UTC), json.dumps(data))
        return _json({"id": str(assessment_id), value: body[value]})
    return assess


DISASTER_LOCK = "SELECT village_code, version FROM households WHERE id = $1 FOR UPDATE"
DISASTER = ("INSERT INTO disasters (id, household_id, disaster_type, loss_amount, occurred_on, description, "
            "reported_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'bench', now())")
TOUCH = "UPDATE households SET version = version + 1, updated_at = now() WHERE id = $1"
DISASTER_HISTORY = HISTORY.replace("'income_assessment'", "'disaster'")
DISASTER_OUTBOX = OUTBOX.replace("household.income_assessed", "household.disaster_reported")


async def report_disaster(request):
    """POST /households/{id}/disasters: the rows the registry writes, in one transaction."""
    body, household_id = json.loads(await request.body()), request.path_params["id"]
    occurred_on, disaster_id, loss = date.fromisoformat(body["occurred_on"]), uuid.uuid4(), Decimal(body["loss_amount"])
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        household = await conn.fetchrow(DISASTER_LOCK, household_id)
        if household is None:
            return Response(status_code=404)
        await conn.execute(DISASTER, disaster_id, household_id, body["disaster_type"], loss, occurred_on,
                           body.get("description"))
        await conn.execute(TOUCH, household_id)
        await conn.execute(DISASTER_HISTORY, household_id, disaster_id, json.dumps(body), household["version"] + 1)
        data = {"household_id": str(household_id), "disaster_id": str(disaster_id), **body}
        await conn.execute(DISASTER_OUTBOX, uuid.uuid4(), str(household_id), household["village_code"],
                           datetime.now(UTC), json.dumps(data))
    return _json({"id": str(disaster_id), **body})


# the member change's writes (registry.domain.members.update_member: PATCH /members/{id} with If-Match): the
# member and its household locked, the member's facts and version, the household's updated_at, a history row, the
# health event's outbox row and the county admin's access-log row (the answer shows the member unmasked)
MEMBER_LOCK = ("SELECT m.household_id, m.version, m.medical_out_of_pocket, m.health, h.village_code "
               "FROM members m JOIN households h ON h.id = m.household_id WHERE m.id = $1 FOR UPDATE")
MEMBER_UPDATE = ("UPDATE members SET medical_out_of_pocket = $2, medical_cost_year = $3, version = version + 1, "
                 "updated_at = now() WHERE id = $1 RETURNING *")
MEMBER_TOUCH = "UPDATE households SET updated_at = now() WHERE id = $1"
MEMBER_HISTORY = ("INSERT INTO change_history (household_id, entity, entity_id, action, field, old_value, new_value, "
                  "actor, actor_role, version, changed_at) VALUES ($1, 'member', $2, 'updated', "
                  "'medical_out_of_pocket', $3, $4, 'bench', 'county_admin', $5, now())")
MEMBER_OUTBOX = OUTBOX.replace("household.income_assessed", "member.health_changed")
ACCESS = ("INSERT INTO access_log (subject, role, household_id, path, fields) "
          "VALUES ('bench', 'county_admin', $1, $2, 'id_number,phone')")


async def change_member(request):
    """PATCH /members/{id} (If-Match: its version): the rows the registry writes, in one transaction."""
    body, member_id = json.loads(await request.body()), request.path_params["id"]
    amount, expected = Decimal(body["medical_out_of_pocket"]), int(request.headers["if-match"].strip('W/"'))
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        member = await conn.fetchrow(MEMBER_LOCK, member_id)
        if member is None:
            return Response(status_code=404)
        if member["version"] != expected:
            return Response(status_code=409)
        changed = await conn.fetchrow(MEMBER_UPDATE, member_id, amount, body.get("medical_cost_year"))
        await conn.execute(MEMBER_TOUCH, member["household_id"])
        await conn.execute(MEMBER_HISTORY, member["household_id"], member_id,
                           json.dumps(str(member["medical_out_of_pocket"])), json.dumps(str(amount)),
                           changed["version"])
        data = {"household_id": str(member["household_id"]), "member_id": str(member_id), "health": member["health"],
                "medical_out_of_pocket": str(amount), "year": body.get("medical_cost_year")}
        await conn.execute(MEMBER_OUTBOX, uuid.uuid4(), str(member["household_id"]), member["village_code"],
                           datetime.now(UTC), json.dumps(data))
        await conn.execute(ACCESS, member["household_id"], request.url.path)
    return _json(dict(changed))


async def lifespan(app):
    app.state.pool = await asyncpg.create_pool(os.environ["BASELINE_DATABASE_URL"], min_size=2, max_size=10)
    yield
    await app.state.pool.close()


app = Starlette(routes=[Route("/households/{id:uuid}", household), Route("/households", households),
                        Route("/households/{id:uuid}/income-assessments", assess_income, methods=["POST"]),
                        Route("/households/{id:uuid}/housing-assessments", _assessing(HOUSING), methods=["POST"]),
                        Route("/households/{id:uuid}/water-assessments", _assessing(WATER), methods=["POST"]),
                        Route("/households/{id:uuid}/disasters", report_disaster, methods=["POST"]),
                        Route("/members/{id:uuid}", change_member, methods=["PATCH"])],
                lifespan=lifespan)
