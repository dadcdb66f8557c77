"""What the cross-service tests do the way a county office would: through the services' HTTP APIs."""

import random
import uuid
from datetime import date

import httpx

from backstop_common.demo import people
from backstop_common.demo.county import COUNTY_CODE, areas
from backstop_common.devstack import RunningStack

ADMIN_AREA = COUNTY_CODE
_rng = random.Random(7)
_issued: set[str] = set()


def admin(stack: RunningStack) -> dict[str, str]:
    return stack.headers("county_admin", ADMIN_AREA)


async def load_demo_areas(client: httpx.AsyncClient, stack: RunningStack) -> None:
    body = {"areas": [{"code": a.code, "name": a.name, "parent_code": a.parent_code} for a in areas()]}
    resp = await client.post(f"{stack.url('registry')}/api/v1/areas/bulk", json=body, headers=admin(stack))
    assert resp.status_code == 200, resp.text


def id_number(age: int, female: bool = False) -> str:
    while (number := people.resident_id(_rng, people.birth_date(_rng, age, date(2026, 11, 1)), female)) in _issued:
        pass
    _issued.add(number)
    return number


def member(relation: str, age: int, female: bool = False, **facts) -> dict:
    return {"name": people.name(_rng), "id_number": id_number(age, female), "relation": relation, **facts}


async def new_household(client: httpx.AsyncClient, stack: RunningStack, village: str, *,
                        members: list[dict] | None = None, headers: dict | None = None, **facts) -> dict:
    body = {"village_code": village, "poverty_status": "lifted", "year_lifted": 2019,
            "members": members or [member("户主", 52), member("配偶", 50, female=True)], **facts}
    resp = await client.post(f"{stack.url('registry')}/api/v1/households", json=body,
                             headers=headers or admin(stack))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def load_directory(client: httpx.AsyncClient, stack: RunningStack) -> None:
    """The county's people in notifications as `make run` loads them (office, townships, village cadres,
    the 12317 desk, a helper, the bureaus: ``backstop users``); a default token (`<role>@<area>`) is one of them."""
    from backstop_common.seed import directory

    resp = await client.post(f"{stack.url('notifications')}/api/v1/recipients/bulk", headers=admin(stack),
                             json={"items": directory()})
    assert resp.status_code == 200, resp.text


def resolve(doc: dict, schema: dict, unwrap: bool = True) -> dict:
    """An OpenAPI schema with its ``$ref`` followed into ``doc``; ``unwrap``: an optional one
    (``anyOf: [X, {type: null}]``) read as X."""
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if not unwrap:
        return schema
    return next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)


def parameter_value(doc: dict, param: dict, fallback: str, area: str | None = None) -> str:
    """A well-formed value for an OpenAPI parameter: an id that exists nowhere, an enum's first value, 2026
    within an integer's bounds, ``false``; ``area`` for an area code when given; else ``fallback``."""
    schema = resolve(doc, param.get("schema", {}))
    if area and (param["name"] == "area_code" or "{12}" in schema.get("pattern", "")):
        return area
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("type") == "integer":
        return str(min(max(2026, schema.get("minimum", 2026)), schema.get("maximum", 2026)))
    if schema.get("type") == "boolean":
        return "false"
    return fallback
