"""Every route of the four services that takes an ``area_code`` refuses another village's to a village cadre
(issue 12, item 3): 404 problem+json, as if the area did not exist for them — never 200 with zeros.

The routes are not listed by hand: they are read from each service's OpenAPI document, so a route added
tomorrow is probed too; the second test shows the probe catches a route that forgot the refusal.
"""

from dataclasses import dataclass

import httpx
from fastapi import APIRouter, FastAPI

from backstop_common.auth import AREA_PARAM, AreaInScope, CurrentPrincipal, mint_token
from backstop_common.problems import PROBLEM_JSON, install_problem_handlers
from backstop_common.settings import ServiceSettings
from tests.support import parameter_value, resolve

SERVICES = ("registry", "monitoring", "funds", "notifications")
MINE, OTHER = "211204002001", "211204002002"
REFUSAL = "区域不存在"  # what Principal.ensure_covers(code, "area") answers (zh-CN, the default language)


@dataclass(frozen=True)
class AreaRoute:
    method: str
    path: str
    where: str  # query, path or body
    params: tuple  # the operation's other parameters (OpenAPI parameter objects)

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.where})"


def _body_properties(doc: dict, op: dict) -> set[str]:
    schema = resolve(doc, op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}))
    return set(schema.get("properties", {}))


def area_routes(doc: dict) -> list[AreaRoute]:
    """Every signed-in operation with an ``area_code`` in its query, its path or its JSON body (a public one,
    such as a 12317 report, has no caller whose area could be left)."""
    found = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if not op.get("security"):
                continue
            params = tuple(op.get("parameters", ()))
            wheres = [p["in"] for p in params if p["name"] == AREA_PARAM]
            wheres += ["body"] if AREA_PARAM in _body_properties(doc, op) else []
            found += [AreaRoute(method.upper(), path, where, params) for where in wheres]
    return found


def _value(doc: dict, param: dict) -> str:
    """A well-formed value for a parameter other than the area (so only the area can be wrong)."""
    return parameter_value(doc, param, fallback="1")


def _request(doc: dict, route: AreaRoute, area: str, base_url: str, headers: dict) -> dict:
    """The route's request for ``area``: other parameters well-formed, a body holding only the area."""
    path, query = route.path, {}
    for param in route.params:
        value = area if param["name"] == AREA_PARAM else _value(doc, param)
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", value)
        elif param["in"] == "query" and (param.get("required") or param["name"] == AREA_PARAM):
            query[param["name"]] = value
    body = {AREA_PARAM: area} if route.where == "body" else None
    if route.where != "query":
        query.pop(AREA_PARAM, None)
    if_match = {"If-Match": "1"} if route.method in ("PUT", "PATCH", "DELETE") else {}
    return {"method": route.method, "url": base_url + path, "params": query, "json": body,
            "headers": headers | if_match}


def _refused(resp: httpx.Response) -> bool:
    return (resp.status_code == 404 and resp.headers.get("content-type") == PROBLEM_JSON
            and resp.json().get("detail") == REFUSAL)


async def unrefused(client: httpx.AsyncClient, base_url: str, doc: dict, cadre: dict) -> list[str]:
    """The area-taking routes that do not refuse the other village (or refuse the cadre's own as well)."""
    wrong = []
    for route in area_routes(doc):
        resp = await client.request(**_request(doc, route, OTHER, base_url, cadre))
        if not _refused(resp):
            wrong.append(f"{route}: another village answered {resp.status_code} {resp.text[:200]}")
        if _refused(await client.request(**_request(doc, route, MINE, base_url, cadre))):
            wrong.append(f"{route}: the cadre's own village is refused too")
    return wrong


async def test_every_area_taking_route_refuses_another_village_to_a_cadre(stack):
    cadre = stack.headers("village_cadre", MINE)
    async with httpx.AsyncClient(timeout=30) as client:
        wrong, counted = [], {}
        for service in SERVICES:
            doc = (await client.get(f"{stack.url(service)}/openapi.json")).json()
            counted[service] = len(area_routes(doc))
            wrong += [f"{service} {w}" for w in await unrefused(client, stack.url(service), doc, cadre)]
    assert all(counted.values()), f"no area-taking route found in some service's OpenAPI document: {counted}"
    assert not wrong, "\n".join(wrong)


def _toy_app(*dependencies) -> FastAPI:
    """A service with one area-taking report, as a developer might add it: with or without the kernel's check."""
    router = APIRouter()

    @router.get("/report")
    async def report(principal: CurrentPrincipal, area_code: str | None = None) -> dict:
        return {"area_code": area_code or principal.area_code, "allocated": "0.00"}

    app = FastAPI()
    app.state.settings = ServiceSettings()
    install_problem_handlers(app)
    app.include_router(router, prefix="/api/v1", dependencies=list(dependencies))
    return app


async def test_the_probe_catches_a_new_route_that_answers_another_village():
    token = mint_token(ServiceSettings(), role="village_cadre", area=MINE)
    cadre = {"Authorization": f"Bearer {token}"}
    for app, expected in ((_toy_app(), 1), (_toy_app(AreaInScope), 0)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://toy") as client:
            found = await unrefused(client, "http://toy", app.openapi(), cadre)
        assert len(found) == expected, found
