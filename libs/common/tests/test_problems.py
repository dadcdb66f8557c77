"""Every error is RFC 9457 problem+json; database-side bad data is 422, an absent database 503."""

import uuid

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from backstop_common import devstack
from backstop_common.db import create_engine
from backstop_common.problems import Conflict, install_problem_handlers


@pytest.fixture(scope="module")
async def client(pg_server):
    url = await devstack.create_database(pg_server, f"problems_{uuid.uuid4().hex[:6]}", recreate=True)
    engine = create_engine(url, pool_size=1)
    app = FastAPI()
    install_problem_handlers(app)

    class Body(BaseModel):
        name: str

    @app.post("/store")
    async def store(body: Body):
        async with engine.begin() as conn:
            await conn.execute(text("SELECT CAST(:n AS text)"), {"n": body.name})
        return {"ok": True}

    @app.get("/conflict")
    async def conflict():
        raise Conflict("changed by someone else", current_version=3)

    @app.get("/away")
    async def away():
        broken = create_engine("postgresql://postgres@127.0.0.1:1/none", pool_size=1)
        async with broken.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://t") as c:
        yield c
    await engine.dispose()


async def test_domain_problem_carries_its_extensions(client):
    resp = await client.get("/conflict")
    assert resp.status_code == 409 and resp.headers["content-type"] == "application/problem+json"
    assert resp.json() == {"type": "about:blank", "title": "冲突", "status": 409,
                           "detail": "changed by someone else", "instance": "/conflict", "current_version": 3}


async def test_nul_character_is_422_not_500(client):
    resp = await client.post("/store", json={"name": "a\u0000b"})
    assert resp.status_code == 422, resp.text
    assert resp.json()["status"] == 422


async def test_validation_error_lists_the_fields(client):
    resp = await client.post("/store", json={})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["loc"] == ["body", "name"]


async def test_unreachable_database_is_503_with_retry_after(client):
    resp = await client.get("/away")
    assert resp.status_code == 503 and resp.headers["retry-after"] == "1"


async def test_a_lost_connection_is_answered_without_the_error_going_on_to_the_server():
    """The database's errors are answered by class, not by the catch-all: Starlette re-raises what reaches the
    catch-all after answering, and uvicorn then closes the connection — the next request a client sent on it
    (keep-alive) saw the connection drop while PostgreSQL restarted (tests/test_faults.py)."""
    import asyncpg

    from backstop_common.problems import install_database_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)
    install_database_problem_handlers(app)

    @app.get("/closed")
    async def closed():
        raise asyncpg.InterfaceError("connection is closed")  # a raw-driver read on a connection PostgreSQL dropped

    @app.get("/wrong")
    async def wrong():
        raise asyncpg.UndefinedTableError("relation does not exist")  # a bug, not an outage

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        resp = await c.get("/closed")  # raise_app_exceptions: an error that went on to the server fails here
        assert resp.status_code == 503 and resp.headers["retry-after"] == "1"
        assert resp.headers["content-type"] == "application/problem+json"
        with pytest.raises(asyncpg.UndefinedTableError):  # still the catch-all's 500, which the server logs
            await c.get("/wrong")
