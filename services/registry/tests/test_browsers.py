"""Browsers and caches (issue 14): CORS for the configured origins only; ETag and 304 on the household file."""

import httpx

from registry.config import Settings
from registry.main import build_app
from tests.factory import auth, household, member

APP_ORIGIN = "https://app.county.example"


async def test_cors_for_configured_origins_only():
    app = build_app(Settings(cors_origins=f"{APP_ORIGIN}, https://other.example"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        preflight = await c.options("/api/v1/households", headers={
            "Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key, content-type"})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
        stranger = await c.options("/api/v1/households", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert stranger.status_code == 400 and "access-control-allow-origin" not in stranger.headers
        simple = await c.get("/healthz", headers={"Origin": APP_ORIGIN})
        assert simple.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "ETag" in simple.headers["access-control-expose-headers"]
    closed = build_app(Settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=closed), base_url="http://t") as c:
        assert "access-control-allow-origin" not in (await c.get("/healthz", headers={"Origin": APP_ORIGIN})).headers


async def test_household_file_is_304_until_it_changes(client, settings):
    cadre = auth(settings, area="211204001002")
    created = await client.post("/api/v1/households", json=household("211204001002", member()), headers=cadre)
    assert created.status_code == 201, created.text
    url = f"/api/v1/households/{created.json()['id']}"
    first = await client.get(url, headers=cadre)
    tag = first.headers["etag"]
    again = await client.get(url, headers=cadre | {"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    patched = await client.patch(url, json={"address": "张相村二组"},
                                 headers=cadre | {"If-Match": str(first.json()["version"])})
    assert patched.status_code == 200, patched.text
    now = await client.get(url, headers=cadre | {"If-None-Match": tag})
    assert now.status_code == 200 and now.headers["etag"] != tag and now.json()["address"] == "张相村二组"
