"""Every request body's example in the four OpenAPI documents is posted to the running stack and accepted
(issue 14): an app developer who copies an example from the documents gets a 2xx, not a refusal.

The test_openapi_contract check only validates each example against its schema; this one sends it. Each
operation is called as the county admin or, where that role is refused (403), as the first of the system,
county staff, township staff, village cadre and a department that the route accepts, with the
ids in its path and in its body replaced by real records of the right kind, made here through the examples
of the routes that create them (so a household example creates the household the later examples act on).
Fields that must be unique (an ID number, a household number, a name, a code) get a fresh value of the same
form, since the suite may have posted the same example before. Where an example cannot apply to the demo
data, ``NOT_APPLICABLE`` says why and what the service answers instead.
"""

import asyncio
import copy
import re
import uuid

import httpx
import pytest

from tests.support import id_number, member, new_household

SERVICES = ("registry", "monitoring", "funds", "notifications")
COUNTY, VILLAGE = "211204000000", "211204102200"  # the examples' village: 石门村 of 杨木林子镇
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

#: the record a create route makes, by its path: the parameter name later examples use for it
CREATES = {"/api/v1/households": "household_id", "/api/v1/allocations": "allocation_id",
           "/api/v1/projects": "project_id", "/api/v1/campaigns": "campaign_id", "/api/v1/targets": "target_id",
           "/api/v1/supervision/reports": "report_id", "/api/v1/subsidies": "subsidy_id",
           "/api/v1/recipients": "recipient_id", "/api/v1/routing-rules": "rule_id", "/api/v1/webhooks": "sub_id"}

#: (service, method, path) → (the status the service answers, why the example cannot apply here)
NOT_APPLICABLE = {
    ("registry", "POST", "/api/v1/areas"): (
        409, "its example is 石门村 (211204102200), which the demo county already has; /areas/bulk with the same "
             "village is accepted (it counts the unchanged ones)"),
    ("funds", "POST", "/api/v1/projects/{project_id}/fundings"): (
        409, "money is committed to a project from 入库 on; the example's project was just declared, and its 公示 "
             "before 入库 lasts notice_days (10) — the stack's clock is not moved for one example"),
    ("funds", "POST", "/api/v1/disbursements"): (
        409, "a project is paid during 实施 or 验收, ten days of 公示 after the example's project was declared"),
    ("monitoring", "POST", "/api/v1/supervision/declarations/{declaration_id}/{action}"): (
        404, "a self-declaration exists only after the OTP sent to the declarant's phone (public/declarations/codes) "
             "was entered; the SMS provider is outside the system, so no declaration is made here"),
    ("monitoring", "POST", "/api/v1/public/declarations"): (
        422, "its example's code 123456 is a one-time code that only the SMS to that phone carries"),
}


def _example(doc: dict, op: dict):
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content.get("schema", {})
    schema = next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return copy.deepcopy((schema.get("examples") or [None])[0])


def _fresh(body, ids: dict[str, str], tag: str):
    """The example with real ids for ``*_id`` fields the test has records of, unique fields made fresh."""
    if isinstance(body, list):
        return [_fresh(item, ids, tag) for item in body]
    if not isinstance(body, dict):
        return body
    out = {}
    for key, value in body.items():
        if isinstance(value, str) and UUID.match(value) and key in ids:
            value = ids[key]
        elif key == "id_number" and isinstance(value, str) and len(value) == 18:
            value = id_number(2026 - int(value[6:10]), female=int(value[16]) % 2 == 0)
        elif key in ("name", "household_number", "reference", "document_no") and isinstance(value, str):
            value = f"{value}-{tag}"
        elif key == "code" and isinstance(value, str) and value.isidentifier():  # a check's code, not an area
            value = f"{value}_{tag}"
        elif key == "user_id" and isinstance(value, str) and "@" in value:
            value = f"{tag}-{value}"
        out[key] = _fresh(value, ids, tag)
    return out


class Operations:
    def __init__(self, stack, client: httpx.AsyncClient):
        self.stack, self.client, self.ids, self.answers = stack, client, {}, {}

    async def post(self, service: str, method: str, path: str, doc: dict, op: dict) -> httpx.Response:
        tag = uuid.uuid4().hex[:6]
        body = _fresh(_example(doc, op), self.ids, tag)
        url = self.stack.url(service) + path
        params: dict = {}
        for p in op.get("parameters", []):
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", self._path_value(doc, p))
        headers = {"If-Match": str(self.ids.get("version", 1))} if any(
            p["in"] == "header" and p["name"].lower() == "if-match" for p in op.get("parameters", [])) else {}
        body = self._real_people(path, body)
        resp = None
        for role in self._roles(op, path):
            resp = await self.client.request(method, url, params=params, json=body, headers=headers | role)
            if resp.status_code == 409 and headers and "current_version" in resp.json():
                # the example's If-Match is the version as the client last read it: the record's own
                headers = {"If-Match": str(resp.json()["current_version"])}
                resp = await self.client.request(method, url, params=params, json=body, headers=headers | role)
            for _ in range(30):  # a read model still behind (503 + Retry-After): retry as a client would
                if resp.status_code != 503 or "retry-after" not in resp.headers:
                    break
                await asyncio.sleep(2)
                resp = await self.client.request(method, url, params=params, json=body, headers=headers | role)
            if resp.status_code != 403:
                break
        return resp

    def _real_people(self, path: str, body):
        """A look-up by ID number (match, a department's feed) names a registered member: the example's own
        household's; a member moves to another household than their own."""
        if path == "/api/v1/members/match":
            return body | {"id_number": self.ids["id_number"]}
        if path.startswith("/api/v1/feeds/"):
            return body | {"records": [r | {"id_number": self.ids["id_number"]} for r in body["records"]]}
        if path.endswith("/move"):
            return body | {"household_id": self.ids["household_id"]}
        if path == "/api/v1/campaigns" and "check_code" in self.ids:  # the check made from its example
            return body | {"checks": [self.ids["check_code"]]}
        if path.endswith("/answers") and "check_code" in self.ids:
            return body | {"check": self.ids["check_code"]}
        if path == "/api/v1/subsidies":
            # the pupil of a household registered with him (a member added later with his schooling now brings
            # it in member.added's facts too: services/funds/tests/test_subsidies.py)
            return body | {"household_id": self.ids["pupil_household"], "member_id": self.ids["pupil"]}
        return body

    def member_for(self, path: str) -> None:
        """The member a member route acts on: the example household's enrolled son (his subsidy, his facts),
        while a spouse of another household leaves (removal) and another moves into the example's."""
        if path.endswith(("/removal", "/move")):
            self.ids["member_id"] = self.ids["leaving" if path.endswith("/removal") else "moving"]
        elif "son_id" in self.ids:
            self.ids["member_id"] = self.ids["son_id"]

    def _path_value(self, doc: dict, param: dict) -> str:
        schema = param.get("schema", {})
        while "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        if param["name"] in self.ids:
            return self.ids[param["name"]]
        if param["name"] == "area_code":
            return COUNTY
        if param["name"] == "year":
            return "2026"
        if "enum" in schema:
            return str(schema["enum"][0])
        return str(uuid.uuid4())

    def _roles(self, op: dict, path: str) -> list[dict]:
        if not op.get("security"):
            return [{}]
        stack = self.stack
        return [stack.headers("county_admin", COUNTY), stack.headers("system", COUNTY),
                stack.headers("county_staff", COUNTY), stack.headers("township_staff", VILLAGE[:9] + "000"),
                stack.headers("village_cadre", VILLAGE),
                stack.headers("department", COUNTY, department="health_insurance")]

    async def remember(self, path: str, answer: dict) -> None:
        if not isinstance(answer, dict):
            return
        if path in CREATES and "id" in answer:
            self.ids[CREATES[path]] = answer["id"]
        if path == "/api/v1/households":
            spouse = next(m for m in answer["members"] if not m["is_head"])
            self.ids |= {"member_id": spouse["id"], "id_number": spouse["id_number"]}
        elif path.endswith("/members") and "id" in answer:  # the enrolled son: his education subsidy
            self.ids |= {"member_id": answer["id"], "son_id": answer["id"]}
        elif path == "/api/v1/checks":
            self.ids["check_code"] = answer["code"]
        elif path == "/api/v1/signals" and answer.get("signal", {}).get("case_id"):
            self.ids["case_id"] = answer["signal"]["case_id"]
        elif path.endswith("/answers") and "campaign_id" in self.ids:
            resp = await self.client.get(f"{self.stack.url('monitoring')}/api/v1/problems", headers=self.stack.headers(
                "county_admin", COUNTY), params={"campaign_id": self.ids["campaign_id"], "limit": 1})
            if resp.status_code == 200 and resp.json()["items"]:
                self.ids["problem_id"] = resp.json()["items"][0]["id"]


def _order(item) -> tuple:
    """Creates first (their records feed the others), then the routes of a record, a member leaving last."""
    service, method, path, _ = item
    return (path.endswith(("/removal", "/move")), "{" in path, SERVICES.index(service))


@pytest.mark.slow
async def test_every_request_example_is_accepted_by_the_service(demo_areas, stack):
    refused, applied = [], set()
    async with httpx.AsyncClient(timeout=60) as client:
        docs = {s: (await client.get(f"{stack.url(s)}/openapi.json")).json() for s in SERVICES}
        calls = sorted(((s, m.upper(), p, op) for s in SERVICES for p, item in docs[s]["paths"].items()
                        for m, op in item.items() if p.startswith("/api/") and _example(docs[s], op) is not None),
                       key=_order)
        ops = Operations(stack, client)
        other = await new_household(client, stack, VILLAGE, members=[
            member("户主", 60), member("配偶", 58, female=True), member("之女", 30, female=True)])
        leaving, moving = [m["id"] for m in other["members"] if not m["is_head"]]
        pupils = await new_household(client, stack, VILLAGE, members=[
            member("户主", 40), member("之子", 14, schooling_stage="junior", schooling_status="enrolled")])
        ops.ids |= {"leaving": leaving, "moving": moving, "pupil_household": pupils["id"],
                    "pupil": next(m["id"] for m in pupils["members"] if not m["is_head"])}
        answers = {}
        # two passes: an example naming a record made by a later one (a subsidy's enrolled son, a return's
        # subsidy, a case opened by a signal) is sent again once that record exists; a refusal changed nothing
        for again in (False, True):
            if again:  # every service has taken in what the first pass published (the son's schooling …)
                await asyncio.to_thread(stack.wait_until_digested)
            for service, method, path, op in calls:
                if again and 200 <= answers[(service, method, path)].status_code < 300:
                    continue
                ops.member_for(path)
                resp = answers[(service, method, path)] = await ops.post(service, method, path, docs[service], op)
                if 200 <= resp.status_code < 300 and resp.content and resp.headers.get(
                        "content-type", "").endswith("json"):
                    await ops.remember(path, resp.json())
        for (service, method, path), resp in answers.items():
            expected = NOT_APPLICABLE.get((service, method, path))
            if expected:
                applied.add((service, method, path))
                if resp.status_code != expected[0]:
                    refused.append(f"{service} {method} {path}: {resp.status_code}, expected {expected[0]} "
                                   f"({expected[1]}): {resp.text[:300]}")
            elif not 200 <= resp.status_code < 300:
                refused.append(f"{service} {method} {path}: {resp.status_code} {resp.text[:300]}")
    assert not refused, "\n".join(refused)
    assert applied == set(NOT_APPLICABLE)
