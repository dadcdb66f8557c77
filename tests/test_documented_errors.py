"""The error answers each route documents are ones it really gives (issue 14): every operation of the four
services, read from its published OpenAPI document, is called the way that provokes each common problem —
no token (401), an auditor writing (403), a required ``If-Match`` left out (428), an id that does not exist
(404), a body of the wrong type (422) — and the answer must be that problem, documented for that route.

The other direction (nothing answered that is not documented) is the hostile-client run's
(tests/test_zz_fuzz.py); together they hold each route's documented errors to what it can return.
"""

import uuid

import httpx

from backstop_common.concurrency import VERSION_REQUIRED
from backstop_common.problems import PROBLEM_JSON
from tests.support import parameter_value, resolve

SERVICES = ("registry", "monitoring", "funds", "notifications")
COUNTY = "211204000000"
VILLAGE = "211204101203"  # its own: test_county_year counts 杨木林子镇 (211204102000) as its alone
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _value(doc: dict, param: dict) -> str:
    """A well-formed value for a path or required query parameter: an id that does not exist, the county."""
    return parameter_value(doc, param, fallback="2026", area=COUNTY)


class Operation:
    def __init__(self, doc: dict, base_url: str, method: str, path: str, op: dict):
        self.doc, self.method, self.op = doc, method.upper(), op
        self.documented = {int(code) for code in op["responses"] if code.isdigit()}
        params = op.get("parameters", [])
        self.url = base_url + path
        for p in params:
            if p["in"] == "path":
                self.url = self.url.replace("{" + p["name"] + "}", _value(doc, p))
        self.query = {p["name"]: _value(doc, p) for p in params if p["in"] == "query" and p.get("required")}
        self.if_match_required = any(p["in"] == "header" and p["name"].lower() == "if-match"
                                     and p.get("description") == VERSION_REQUIRED for p in params)
        self.ids_in_path = any(p["in"] == "path" and resolve(doc, p.get("schema", {})).get("format") == "uuid"
                               for p in params)
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        self.body = None
        if content is not None:
            schema = resolve(doc, content.get("schema", {}))
            self.body = (schema.get("examples") or [{}])[0]

    def __str__(self) -> str:
        return f"{self.method} {self.url}"

    async def call(self, client: httpx.AsyncClient, headers: dict, body=..., **extra) -> httpx.Response:
        body = self.body if body is ... else body
        return await client.request(self.method, self.url, params=self.query, headers=headers | extra,
                                    json=body if self.body is not None else None)


def operations(doc: dict, base_url: str) -> list[Operation]:
    return [Operation(doc, base_url, m, p, op) for p, item in doc["paths"].items() for m, op in item.items()
            if p.startswith("/api/") and op.get("security")]


async def _provoked(client, op: Operation, admin: dict, auditor: dict) -> list[tuple[str, set[int], httpx.Response]]:
    """(what was provoked, the answers it may give, the answer) for each problem this operation can be led to."""
    version = {"If-Match": "1"}
    found = [("no token", {401}, await op.call(client, {}))]
    if op.method in WRITES:
        found.append(("an auditor writing", {403}, await op.call(client, auditor, **version)))
    if op.if_match_required:
        found.append(("no If-Match", {428}, await op.call(client, admin)))
    if op.ids_in_path:  # unknown to everyone; a role-restricted route may refuse the role first
        found.append(("an unknown id", {404, 403, 503}, await op.call(client, admin, **version)))
    if op.body is not None:
        found.append(("a body of the wrong type", {422}, await op.call(client, admin, body="not an object",
                                                                          **version)))
    return found


async def test_each_documented_problem_is_one_the_route_really_answers(stack):
    admin, auditor = stack.headers("county_admin", COUNTY), stack.headers("auditor", COUNTY)
    wrong, provoked = [], {}
    async with httpx.AsyncClient(timeout=30) as client:
        for service in SERVICES:
            doc = (await client.get(f"{stack.url(service)}/openapi.json")).json()
            for op in operations(doc, stack.url(service)):
                for what, expected, resp in await _provoked(client, op, admin, auditor):
                    status = resp.status_code
                    provoked[status] = provoked.get(status, 0) + 1
                    if status not in expected or resp.headers.get("content-type") != PROBLEM_JSON:
                        wrong.append(f"{service} {op} ({what}): {status} {resp.text[:200]}")
                    elif status not in op.documented:
                        wrong.append(f"{service} {op} ({what}): {status} is not documented")
    assert not wrong, "\n".join(wrong)
    assert all(provoked.get(code) for code in (401, 403, 404, 422, 428)), provoked


async def test_a_stale_version_and_a_role_that_may_not_read_are_the_documented_409_and_403(demo_areas, stack):
    """The two problems the walk above cannot provoke without a record or a reader refused: a write against a
    version changed since (409 with ``current_version``), and a read the caller's role may not make (403)."""
    from tests.support import new_household

    admin = stack.headers("county_admin", COUNTY)
    async with httpx.AsyncClient(timeout=30) as client:
        household = await new_household(client, stack, VILLAGE)
        registry = (await client.get(f"{stack.url('registry')}/openapi.json")).json()
        stale = await client.patch(f"{stack.url('registry')}/api/v1/households/{household['id']}", headers=admin
                                   | {"If-Match": str(household["version"] + 1)}, json={"address": "三组"})
        assert stale.status_code == 409 and stale.json()["current_version"] == household["version"], stale.text
        assert "409" in registry["paths"]["/api/v1/households/{household_id}"]["patch"]["responses"]
        cadre = stack.headers("village_cadre", VILLAGE)
        refused = await client.get(f"{stack.url('registry')}/api/v1/access-log", headers=cadre)
        assert refused.status_code == 403, refused.text
        assert "403" in registry["paths"]["/api/v1/access-log"]["get"]["responses"]
