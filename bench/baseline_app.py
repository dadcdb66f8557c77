"""The minimal baseline: bare Starlette + asyncpg doing the registry's read and list queries, and the
income assessment's and the housing appraisal's writes, each in one transaction (issue 18: the write routes are
compared with it).

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


# the housing appraisal's writes (registry.domain.conditions.apply_housing), the same way
HOUSING_LOCK = ("SELECT village_code, housing_grade, housing_assessed_on, version FROM households WHERE id = $1 "
                "FOR UPDATE")
HOUSING = ("INSERT INTO housing_assessments (id, household_id, grade, assessed_on, note, source, assessed_by, "
           "created_at) VALUES ($1, $2, $3, $4, $5, 'registry', 'bench', now())")
HOUSING_UPDATE = ("UPDATE households SET housing_grade = CASE WHEN $2 THEN $3 ELSE housing_grade END, "
                  "housing_assessed_on = CASE WHEN $2 THEN $4 ELSE housing_assessed_on END, version = version + 1, "
                  "updated_at = now() WHERE id = $1")
HOUSING_HISTORY = HISTORY.replace("'income_assessment'", "'housing_assessment'")
HOUSING_OUTBOX = OUTBOX.replace("income_assessed", "housing_assessed")


async def assess_housing(request):
    """POST /households/{id}/housing-assessments: the rows the registry writes, in one transaction."""
    body, household_id = json.loads(await request.body()), request.path_params["id"]
    assessed_on, assessment_id = date.fromisoformat(body["assessed_on"]), uuid.uuid4()
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        household = await conn.fetchrow(HOUSING_LOCK, household_id)
        if household is None:
            return Response(status_code=404)
        await conn.execute(HOUSING, assessment_id, household_id, body["grade"], assessed_on, body.get("note"))
        newer = household["housing_assessed_on"] is None or assessed_on >= household["housing_assessed_on"]
        await conn.execute(HOUSING_UPDATE, household_id, newer, body["grade"], assessed_on)
        await conn.execute(HOUSING_HISTORY, household_id, assessment_id,
                           json.dumps({"grade": body["grade"], "assessed_on": body["assessed_on"]}),
                           household["version"] + 1)
        data = {"household_id": str(household_id), "grade": body["grade"],
                "previous_grade": household["housing_grade"], "assessed_on": body["assessed_on"]}
        await conn.execute(HOUSING_OUTBOX, uuid.uuid4(), str(household_id), household["village_code"],
                           datetime.now(UTC), json.dumps(data))
    return _json({"id": str(assessment_id), "grade": body["grade"]})


async def lifespan(app):
    app.state.pool = await asyncpg.create_pool(os.environ["BASELINE_DATABASE_URL"], min_size=2, max_size=10)
    yield
    await app.state.pool.close()


app = Starlette(routes=[Route("/households/{id:uuid}", household), Route("/households", households),
                        Route("/households/{id:uuid}/income-assessments", assess_income, methods=["POST"]),
                        Route("/households/{id:uuid}/housing-assessments", assess_housing, methods=["POST"])],
                lifespan=lifespan)
