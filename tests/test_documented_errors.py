"""The error answers each route documents are ones it really gives (issue 14): every operation of the four
services, read from its published OpenAPI document, is called the way that provokes each common problem —
no token (401), an auditor writing (403), a required ``If-Match`` left out (428), an id that does not exist
(404), a body of the wrong type (422) — and the answer must be that problem, documented for that route.

The other direction (nothing answered that is not documented) is the hostile-client run's
(tests/test_zz_fuzz.py); together they hold each route's documented errors to what it can return.
"""

import json
import re
import uuid

import httpx

from backstop_common.concurrency import VERSION_REQUIRED
from backstop_common.problems import PROBLEM_JSON
from backstop_common.testing import eventually
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
        self.doc, self.method, self.op, self.path = doc, method.upper(), op, path
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


UUID_IN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: who may be refused a read: every role but the county admin, each in an area of the county
READERS = (("village_cadre", VILLAGE, {}), ("helper", VILLAGE, {}), ("township_staff", VILLAGE[:9] + "000", {}),
           ("department", COUNTY, {"department": "health"}), ("county_staff", COUNTY, {}), ("auditor", COUNTY, {}),
           ("system", COUNTY, {}))


async def test_a_read_documents_403_exactly_when_some_role_is_refused_it(stack):
    """The vice versa of 403 on reads (issue 14): a read documents 403 only where its route checks the role
    (``openapi.refuses_roles``); every role but the county admin calls every read, and a read that documents
    403 must refuse one of them, one that does not must refuse none. (A write's 403 is the auditor's, provoked
    on every write by the walk above.)"""
    roles = [stack.headers(role, area, **kw) for role, area, kw in READERS]
    wrong = []
    async with httpx.AsyncClient(timeout=30) as client:
        for service in SERVICES:
            doc = (await client.get(f"{stack.url(service)}/openapi.json")).json()
            for op in operations(doc, stack.url(service)):
                if op.method != "GET":
                    continue
                refused = [READERS[i][0] for i, headers in enumerate(roles)
                           if (await op.call(client, headers)).status_code == 403]
                if (403 in op.documented) != bool(refused):
                    wrong.append(f"{service} {op}: 403 {'documented' if 403 in op.documented else 'not documented'}"
                                 f", refused to {refused or 'no role'}")
    assert not wrong, "\n".join(wrong)


def _conflict_reason(op: Operation) -> str | None:
    """Why a write documents 409: its version (If-Match), its workflow step ({action}), or what it declares."""
    params = op.op.get("parameters", [])
    if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in params):
        return "version"
    if any(p["in"] == "path" and p["name"] == "action" for p in params):
        return "action"
    declared = op.op["responses"]["409"]["description"]
    return "declared" if declared.startswith("Conflict: ") else None


async def test_each_documented_409_has_its_reason_and_a_stale_version_or_a_duplicate_provokes_it(demo_areas, stack):
    """The vice versa of 409 (issue 14): a write documents 409 only with a reason the test can exercise — a
    version (If-Match), a workflow step ({action}) or a conflict the route declares (``openapi.conflicts``) —
    and no read documents it. Provoked here on real records with a stale If-Match: every versioned route of
    a household, a member, a case, a 12317 report, a project and the notifications directory (a workflow
    step too: its action on a record whose version moved on); and every declared duplicate by creating the
    same thing twice from the route's own example. What stays only justified by its reason is listed."""
    from tests.support import new_household

    admin = stack.headers("county_admin", COUNTY)
    wrong, provoked, documented = [], set(), set()
    doers = [admin, stack.headers("village_cadre", VILLAGE), stack.headers("township_staff", VILLAGE[:9] + "000")]
    async with httpx.AsyncClient(timeout=30) as client:
        household = await new_household(client, stack, VILLAGE)
        member = household["members"][1]
        created = await _directory_records(client, stack, admin) | await _workflow_records(client, stack, admin,
                                                                                             household["id"])
        ids = {"household_id": (household["id"], household["version"]),
               "member_id": (member["id"], member["version"])} | created
        for service in SERVICES:
            doc = (await client.get(f"{stack.url(service)}/openapi.json")).json()
            for op in operations(doc, stack.url(service)):
                if 409 not in op.documented:
                    continue
                documented.add((service, op.method, op.path))
                reason = _conflict_reason(op)
                if op.method not in WRITES or reason is None:
                    wrong.append(f"{service} {op}: 409 documented without a reason")
                    continue
                params = {p["name"]: p for p in op.op.get("parameters", []) if p["in"] == "path"}
                path_ids = [name for name in params if name != "action"]
                if reason in ("version", "action") and path_ids and all(name in ids for name in path_ids):
                    url = stack.url(service) + op.path  # the walk's unknown ids → this test's real records
                    for name in path_ids:
                        url = url.replace("{" + name + "}", ids[name][0])
                    if "action" in params:  # the workflow's first step
                        url = url.replace("{action}", _value(doc, params["action"]))
                    stale = str(ids[path_ids[-1]][1] + 100)
                    for role in doers:  # a workflow step is the village's or the township's
                        resp = await client.request(op.method, url, headers=role | {"If-Match": stale}, json=op.body)
                        if resp.status_code != 403:
                            break
                    provoked.add((service, op.method, op.path))
                    if resp.status_code != 409:
                        wrong.append(f"{service} {op.method} {url} (stale If-Match): {resp.status_code} {resp.text[:200]}")
                elif reason == "declared" and not path_ids and op.body is not None and not UUID_IN.search(
                        json.dumps(op.body)):  # an example naming records would be a 404 first
                    body = BODIES.get(op.path, lambda b: b)(op.body)
                    answers = [(await op.call(client, admin, body=body)).status_code for _ in range(2)]
                    provoked.add((service, op.method, op.path))
                    if answers[1] != 409:
                        wrong.append(f"{service} {op} (its example twice): {answers}")
    assert not wrong, "\n".join(wrong)
    assert documented - provoked == ONLY_BY_REASON, sorted(documented - provoked)


#: a body of its own where the example will not do: a batch's duplicate is one inside the batch (an item
#: twice); a target is its year, area and measure, so this test takes a year of its own (2030), leaving the
#: example's own to tests/test_request_examples.py
BODIES = {"/api/v1/targets": lambda body: body | {"year": 2030, "starts_on": "2030-01-01", "due_on": "2030-12-31"},
          "/api/v1/recipients/bulk": lambda body: {"items": [
    {"kind": "person", "label": "重复", "user_id": "twice@211204000000", "role": "county_staff",
     "area_code": COUNTY, "channels": ["sms"], "phone": "13900009999"}] * 2}}


async def _directory_records(client: httpx.AsyncClient, stack, admin: dict) -> dict[str, tuple[str, int]]:
    """A recipient, a routing rule and a webhook of notifications, each from its route's example (names made
    unique), as {path parameter: (id, version)}."""
    doc = (await client.get(f"{stack.url('notifications')}/openapi.json")).json()
    tag = uuid.uuid4().hex[:8]
    made = {}
    for path, param, unique in (("/api/v1/recipients", "recipient_id", {"user_id": f"cadre-{tag}@{VILLAGE}",
                                                                        "area_code": VILLAGE}),
                                ("/api/v1/routing-rules", "rule_id", {"name": f"规则{tag}"}),
                                ("/api/v1/webhooks", "sub_id", {"name": f"订阅{tag}"})):
        example = Operation(doc, stack.url("notifications"), "post", path, doc["paths"][path]["post"]).body
        resp = await client.post(stack.url("notifications") + path, headers=admin, json=example | unique)
        assert resp.status_code == 201, resp.text
        made[param] = (resp.json()["id"], resp.json().get("version", 1))
    return made


#: 409s documented with a reason (the route's own conflicts(), an {action}) this test does not provoke: a
#: problem exists only after a campaign run, a declaration only behind an SMS code; funds' payments refuse a
#: project before 入库/实施 or money beyond an allocation, which needs a project through its ten-day 公示
ONLY_BY_REASON = {
    ("monitoring", "POST", "/api/v1/problems/{problem_id}/{action}"),
    ("monitoring", "POST", "/api/v1/supervision/declarations/{declaration_id}/{action}"),
    ("funds", "POST", "/api/v1/projects/{project_id}/fundings"),
    ("funds", "POST", "/api/v1/projects/{project_id}/beneficiaries"),
    ("funds", "POST", "/api/v1/disbursements"),
    ("funds", "POST", "/api/v1/subsidies"),
    ("funds", "POST", "/api/v1/returns"),
}


async def _workflow_records(client: httpx.AsyncClient, stack, admin: dict, household_id: str
                            ) -> dict[str, tuple[str, int]]:
    """A case (a risk reported on the household), a 12317 report and a project, as {parameter: (id, version)}."""
    monitoring, funds = f"{stack.url('monitoring')}/api/v1", f"{stack.url('funds')}/api/v1"

    async def signal():
        resp = await client.post(f"{monitoring}/signals", headers=admin, json={
            "household_id": household_id, "risk_type": "01", "source": "visit", "note": "入户发现大病"})
        return resp if resp.status_code != 503 else None  # registry's household not digested yet

    reported = await eventually(signal, timeout=60)
    assert reported.status_code == 201, reported.text
    report = await client.post(f"{monitoring}/supervision/reports", headers=admin, json={
        "area_code": VILLAGE, "category": "policy_not_delivered", "channel": "hotline", "text": "来电反映：补助未发放"})
    assert report.status_code == 201, report.text
    project = await client.post(f"{funds}/projects", headers=admin, json={
        "area_code": VILLAGE, "budget": "100000.00", "name": f"大棚{uuid.uuid4().hex[:6]}", "project_type": "industry",
        "reason": "带动增收", "year": 2026})
    assert project.status_code == 201, project.text
    return {"case_id": (reported.json()["signal"]["case_id"], 1), "report_id": (report.json()["id"], 1),
            "project_id": (project.json()["id"], project.json()["version"])}
