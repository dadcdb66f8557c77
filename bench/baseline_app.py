"""The minimal baseline: bare Starlette + asyncpg doing the registry's read and list queries.

    uvicorn bench.baseline_app:app   (BASELINE_DATABASE_URL = the registry's database)
"""

import json
import os

import asyncpg
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

FILE = "SELECT * FROM households WHERE id = $1"
MEMBERS = "SELECT * FROM members WHERE household_id = $1 ORDER BY is_head DESC, birth_date"
LIST = ("SELECT id, village_code, household_number, poverty_status, size, per_capita_income, housing_grade, "
        "version FROM households WHERE village_code LIKE $1 ORDER BY village_code, id LIMIT 50")
COUNT = "SELECT count(*) FROM households WHERE village_code LIKE $1"


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


async def lifespan(app):
    app.state.pool = await asyncpg.create_pool(os.environ["BASELINE_DATABASE_URL"], min_size=2, max_size=10)
    yield
    await app.state.pool.close()


app = Starlette(routes=[Route("/households/{id:uuid}", household), Route("/households", households)],
                lifespan=lifespan)
