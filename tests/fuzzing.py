"""A hostile client with real ids: schemathesis over every operation of the four services, as two roles.

What runs (docs/testing.md): the examples, coverage (boundary values of every schema), fuzzing and stateful
phases, with checks for no 5xx, response-schema conformance, documented status codes and content types.
Path, query and body parameters that name a record draw real ids of the demo county (a household and its
members, cases, campaigns, projects, …) most of the time, so requests reach the rules behind the 404s.
Stateful links (create → read → update → act) are added to a copy of each OpenAPI document here, derived
from the paths, so the services' own documents stay as they are (issue 14 reworks them).

``make test`` runs a bounded slice (``DEPTHS["ci"]``), ``make fuzz`` the deep run (``DEPTHS["deep"]``):
same seed, so the same requests every time on the same data.
"""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from backstop_common.concurrency import VERSION_CHECKED
from backstop_common.devstack import RunningStack

SERVICES = ("registry", "monitoring", "funds", "notifications")
COUNTY = "211204000000"
SEED = 20  # the number: any fixed value makes the run repeatable
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@dataclass(frozen=True)
class Depth:
    phases: str
    other_roles: str  # the phases for roles other than the county admin
    mode: str  # positive: valid inputs only (boundaries inside the schema); all: also invalid ones
    max_examples: int
    scenarios: int  # stateful: how many call sequences
    steps: int  # stateful: the longest sequence


DEPTHS = {
    # about 3 minutes for 4 services × 2 roles on a 2-core machine: boundaries as the admin (who may do
    # everything); the cadre's refusals and scope from a few generated cases and the stateful sequences
    "ci": Depth("examples,coverage,stateful", "examples,fuzzing,stateful", mode="positive", max_examples=2,
                scenarios=10, steps=5),
    # the outside run of issue 20: every phase for every role, valid and invalid inputs, 25 examples
    "deep": Depth("examples,coverage,fuzzing,stateful", "examples,coverage,fuzzing,stateful", mode="all",
                  max_examples=25, scenarios=60, steps=10),
}


def depth() -> Depth:
    return DEPTHS[os.environ.get("BACKSTOP_FUZZ", "ci")]


# ---------------------------------------------------------------- real ids of the demo county


def _first(client: httpx.Client, url: str, key: str = "id", **params) -> str | None:
    resp = client.get(url, params={"limit": 1, **params})
    if resp.status_code != 200:
        return None
    body = resp.json()
    items = body.get("items", body) if isinstance(body, dict) else body
    return str(items[0][key]) if items else None


def ensure_records(stack: RunningStack) -> None:
    """What the demo load does not create (a campaign and its problems, a target, a webhook), made once."""
    admin = stack.headers("county_admin", COUNTY)
    monitoring, notifications = f"{stack.url('monitoring')}/api/v1", f"{stack.url('notifications')}/api/v1"
    with httpx.Client(timeout=60, headers=admin) as client:
        if not _first(client, f"{monitoring}/campaigns"):
            now = client.post(f"{stack.url('monitoring')}/_ops/clock", params={"seconds": 0}).json()["now"][:10]
            year = int(now[:4])
            created = client.post(f"{monitoring}/campaigns", json={
                "name": "清河区大排查", "area_code": COUNTY, "checks": ["house.safe", "water.safe", "med.insured"],
                "investigation_due": f"{year + 1}-01-31T00:00:00+08:00",
                "rectification_due": f"{year + 1}-03-31T00:00:00+08:00"})
            if created.status_code == 201:
                client.post(f"{monitoring}/campaigns/{created.json()['id']}/run")
            client.post(f"{monitoring}/targets", json={"area_code": COUNTY, "year": year, "measure": "monitored_assisted",
                                                       "target": 100})
        if not _first(client, f"{notifications}/webhooks"):
            client.post(f"{notifications}/webhooks", json={"name": "省级系统", "url": "http://127.0.0.1:9/hook",
                                                           "event_types": ["case.opened"]})


def demo_ids(stack: RunningStack, role: str, area: str) -> dict[str, list[str]]:
    """Ids the caller can see, by parameter name (the names the four OpenAPI documents use)."""
    headers = stack.headers(role, area)
    url = {s: f"{stack.url(s)}/api/v1" for s in SERVICES}
    ids: dict[str, str | None] = {}
    with httpx.Client(timeout=60, headers=headers) as client:
        household = client.get(f"{url['registry']}/households", params={"limit": 1}).json()["items"]
        if household:
            ids["household_id"] = household[0]["id"]
            file = client.get(f"{url['registry']}/households/{ids['household_id']}").json()
            ids["member_id"] = next((m["id"] for m in file.get("members", [])), None)
        ids["case_id"] = _first(client, f"{url['monitoring']}/cases")
        ids["campaign_id"] = _first(client, f"{url['monitoring']}/campaigns")
        ids["problem_id"] = _first(client, f"{url['monitoring']}/problems")
        ids["report_id"] = _first(client, f"{url['monitoring']}/supervision/reports")
        ids["allocation_id"] = _first(client, f"{url['funds']}/allocations")
        ids["project_id"] = _first(client, f"{url['funds']}/projects")
        ids["subsidy_id"] = _first(client, f"{url['funds']}/subsidies")
        ids["recipient_id"] = _first(client, f"{url['notifications']}/recipients")
        ids["rule_id"] = _first(client, f"{url['notifications']}/routing-rules")
        ids["message_id"] = _first(client, f"{url['notifications']}/inbox") or _first(
            client, f"{url['notifications']}/messages")
        ids["sub_id"] = _first(client, f"{url['notifications']}/webhooks")
    found = {name: [value] for name, value in ids.items() if value}
    found["area_code"] = [area, COUNTY] if area != COUNTY else [COUNTY]
    found["village_code"] = [area] if not area.endswith("000") else ["211204101200"]
    return found


# ---------------------------------------------------------------- the schema copy with links and actions

#: `{action}` segments of the workflow routes (a free string in the documents until issue 14): the keys of
#: monitoring.domain.workflow.TRANSITIONS, monitoring.campaigns.rectification.TRANSITIONS, funds.enums.ACTIONS
#: and monitoring.supervision.reports.TRANSITIONS (not imported: two services' tables in one process clash)
ACTIONS = {
    "/api/v1/cases/{case_id}/{action}": ["verify", "post-notice", "review", "confirm", "reject", "plan", "visit",
                                         "propose-elimination", "eliminate", "reopen"],
    "/api/v1/problems/{problem_id}/{action}": ["start", "rectify", "defer", "resume", "verify", "reject"],
    "/api/v1/projects/{project_id}/{action}": ["appraise", "post-notice", "list", "implement", "accept",
                                               "hand-over"],
    "/api/v1/supervision/reports/{report_id}/{action}": ["accept", "decline", "extend", "answer", "callback"],
}
_ITEM = re.compile(r"^(?P<collection>.+)/\{(?P<param>[a-z_]+)\}(?P<rest>/.*)?$")


def _links(doc: dict) -> None:
    """create → read → update → act: each collection's POST (201) and list (200) feed its item routes."""
    paths = doc["paths"]
    for path in list(paths):
        match = _ITEM.match(path)
        if not match or match["collection"] not in paths:
            continue
        collection, param = paths[match["collection"]], match["param"]
        for method, operation in paths[path].items():
            target = f"{method.upper()} {path}"
            link = {"operationRef": f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}"}
            sources = [("post", "201", "$response.body#/id"), ("get", "200", "$response.body#/items/0/id")]
            for source_method, status, expression in sources:
                response = collection.get(source_method, {}).get("responses", {}).get(status)
                if response is not None:
                    response.setdefault("links", {})[re.sub(r"\W", "_", target)] = link | {
                        "parameters": {param: expression}}


def _versions(operation: dict) -> None:
    """If-Match as a client sends it: a version number where required (a generated string stops every write
    at 400 before its body is read), left out where optional."""
    kept = []
    for parameter in operation.get("parameters", []):
        if parameter["name"].lower() == "if-match":
            if parameter.get("description") == VERSION_CHECKED:
                continue
            parameter["schema"] = {"type": "string", "enum": ["1", "2"]}
        kept.append(parameter)
    operation["parameters"] = kept


def prepare_schema(stack: RunningStack, service: str, folder: Path) -> Path:
    doc = httpx.get(f"{stack.url(service)}/openapi.json", timeout=30).json()
    for path, item in doc["paths"].items():
        for operation in item.values():
            _versions(operation)
            for parameter in operation["parameters"]:
                if parameter["name"] == "action" and path in ACTIONS:
                    parameter["schema"] = {"type": "string", "enum": ACTIONS[path]}
    _links(doc)
    out = folder / f"{service}.openapi.json"
    out.write_text(json.dumps(doc, ensure_ascii=False))
    return out


def config_file(ids: dict[str, list[str]], folder: Path, name: str, level: Depth) -> Path:
    """Real ids: a path names the demo record always (so boundary values reach the rules behind it);
    query and body fields of that name draw it nine times in ten (the tenth is generated)."""
    lines = [f"[phases.stateful]\nmax-steps = {level.steps}\n",
             f"[phases.stateful.generation]\nmax-examples = {level.scenarios}\n"]
    for key, values in ids.items():
        lines.append(f"[dictionaries.{key}]\nvalues = {json.dumps(values)}\n")
    lines.append("[parameters]")
    for key, values in ids.items():
        lines.append(f'"path.{key}" = {json.dumps(values[0])}')
        for location in ("query", "body"):
            lines.append(f'"{location}.{key}" = {{ dictionary = "{key}", probability = 0.9 }}')
    out = folder / f"{name}.toml"
    out.write_text("\n".join(lines) + "\n")
    return out


# ---------------------------------------------------------------- one run


def _phases(level: Depth, role: str | None, only: str | None) -> str:
    """A slice of the paths has no links to follow (schemathesis counts a stateful phase without any as an error)."""
    phases = level.phases if role == "county_admin" else level.other_roles
    return phases.replace(",stateful", "") if only else phases


def run(stack: RunningStack, service: str, role: str | None, area: str, folder: Path,
        only: str | None = None) -> tuple[int, str]:
    """Schemathesis' own command line on one service as one role (None: the public, no token), optionally
    only on the paths matching ``only``; returns its exit code and report."""
    level = depth()
    name = f"{service}-{role or 'public'}"
    schema = prepare_schema(stack, service, folder)
    config = config_file(demo_ids(stack, role or "county_admin", area), folder, name, level)
    auth = ["-H", f"Authorization: {stack.headers(role, area)['Authorization']}"] if role else []
    command = [str(Path(sys.executable).with_name("st")), "--config-file", str(config), "--no-color", "run",
               str(schema), "--url", stack.url(service), *auth, *(["--include-path-regex", only] if only else []),
               "--phases", _phases(level, role, only), "--mode", level.mode, "--checks", CHECKS,
               "--max-examples", str(level.max_examples),
               "--seed", str(SEED), "--generation-deterministic", "--workers", "1",
               "--request-timeout", "30", "--suppress-health-check", "all", "--output-truncate", "true",
               "--report", "ndjson", "--report-ndjson-path", str(folder / f"{name}.ndjson")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    return done.returncode, done.stdout + done.stderr
