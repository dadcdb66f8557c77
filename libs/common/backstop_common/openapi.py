"""The error answers of each route, documented in each service's OpenAPI document.

FastAPI documents only request validation (422, as ``application/json`` ``HTTPValidationError``) while
every error a service sends is ``application/problem+json`` (``problems.py``). The kernel documents what
its own machinery answers, read from the route itself rather than declared by hand:

- every operation but the ops routes (``/healthz`` …; ``/readyz`` answers 503): 503 (the database is away);
- an operation with any input (a parameter or a body): 422 (request validation, or a value the database
  cannot store);
- a bearer-token operation: 401 (no or bad token);
- a bearer-token write (POST, PUT, PATCH, DELETE): 403 (``auth``: a read-only role, the auditor, writes nothing);
- a bearer-token operation that names something — a path segment other than a fixed choice (an enum), an
  id (``format: uuid``) or an area (``area_code``, a 12-digit code) in its query or body, however deep: 404 (unknown, or outside the caller's area —
  the two are not told apart); a route that answers 404 for another reason says so itself;
- a request body or an ``If-Match`` header: 400 (unreadable body, non-numeric version), a body 413;
- a write with an ``If-Match`` header (``concurrency``: a version changed since it was read) or an
  ``{action}`` segment (a workflow step the record's stage does not allow): 409;
- ``If-Match`` required (``concurrency.expected_version``, told by the header's description): 428;
- an offline list that tells removals (``sync.since(..., tombstones=True)``, told by ``changed_since``'s
  description): 410 (a cursor older than the tombstones' retention).

What only the route's own code decides it declares with ``responses=``: ``refuses_roles()`` on a read that
checks the caller's role (403), ``conflicts()`` on a write that refuses a duplicate or a state without a
version or action to show for it (409), ``problem_responses(429)`` for anything else.
``tests/test_documented_errors.py`` provokes every documented 401/403/404/409/422/428 and checks that each
answered one is documented. A route that answers a
workbook (its path ends in ``.xlsx``, or it takes ``format=xlsx``) documents that content type on its
success response, so a list that gains an export cannot forget it.
"""

import re
from collections.abc import Iterable
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from backstop_common.concurrency import VERSION_REQUIRED
from backstop_common.idempotency import KEY_DESCRIPTION
from backstop_common.problems import PROBLEM_JSON
from backstop_common.sync import CURSOR_EXPIRES
from backstop_common.xlsx import XLSX_MEDIA_TYPE, XLSX_RESPONSES

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details; a problem may carry more members (e.g. `errors`, `current_version`).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"}, "type": {"type": "string"}}}},
    },
    "additionalProperties": True,
}
WRITES = frozenset({"post", "put", "patch", "delete"})
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def actions(name: str, names: Iterable[str]) -> type[StrEnum]:
    """The ``{action}`` segment of a workflow route as a named enum of its actions: documented in the OpenAPI
    (a generated client gets the enum), and an action outside it is a 422 naming the allowed ones."""
    return StrEnum(name, {action.replace("-", "_"): action for action in names})


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route decorator for the problems only that route answers (e.g. 429)."""
    return {code: _problem(code) for code in codes}


def refuses_roles(why: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a read that checks the caller's role (``principal.ensure_role``): 403, with why."""
    return {403: _problem(403) | {"description": f"Forbidden: {why}"}}


def conflicts(why: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a write that answers 409 for a reason neither ``If-Match`` nor an ``{action}`` shows
    (a duplicate, a state it cannot apply to): 409, with why."""
    return {409: _problem(409) | {"description": f"Conflict: {why}"}}


def _problem(code: int) -> dict[str, Any]:
    return {"description": HTTPStatus(code).phrase, "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}


AREA_PATTERNS = frozenset({r"^[0-9]{12}$", r"^\d{12}$"})


def _identifies(doc: dict, schema: dict, seen: frozenset = frozenset()) -> bool:
    """Whether a value of ``schema`` names a record or an area somewhere inside it (ids, area codes)."""
    ref = schema.get("$ref")
    if ref:
        return ref not in seen and _identifies(doc, doc["components"]["schemas"][ref.rsplit("/", 1)[1]], seen | {ref})
    if schema.get("format") == "uuid" or schema.get("pattern") in AREA_PATTERNS or "area_code" in schema.get(
            "properties", {}):
        return True
    nested = [*schema.get("anyOf", ()), *schema.get("allOf", ()), *schema.get("oneOf", ()),
              *schema.get("properties", {}).values(), schema.get("items") or {},
              schema.get("additionalProperties") if isinstance(schema.get("additionalProperties"), dict) else {}]
    return any(_identifies(doc, s, seen) for s in nested if s)


def _names_something(doc: dict, operation: dict) -> bool:
    params = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return any(p.get("name") == "area_code" or _identifies(doc, p.get("schema", {})) for p in params) \
        or any(p["in"] == "path" and "enum" not in _resolved(doc, p.get("schema", {})) for p in params) \
        or _identifies(doc, body)


def _resolved(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _codes(doc: dict, path: str, operation: dict, method: str) -> set[int]:
    if "ops" in operation.get("tags", []):  # health, readiness, documents: no input, no database but readiness
        return {503} if path == "/readyz" else set()
    codes = {503}
    if operation.get("parameters") or "requestBody" in operation:
        codes.add(422)
    if operation.get("security"):
        codes.add(401)
        if method in WRITES:
            codes.add(403)  # the read-only role (auth.READ_ONLY_ROLES)
        if _names_something(doc, operation):
            codes.add(404)
    if_match = [p for p in operation.get("parameters", [])
                if p.get("in") == "header" and p.get("name", "").lower() == "if-match"]
    if "requestBody" in operation:
        codes |= {400, 413}
    if if_match:
        codes.add(400)
    if method in WRITES and (if_match or any(p.get("in") == "path" and p.get("name") == "action"
                                             for p in operation.get("parameters", []))):
        codes.add(409)
    if method == "post" and operation.get("security"):
        codes.add(400)  # an Idempotency-Key that is not 1-255 visible ASCII characters
    if any(p.get("description") == VERSION_REQUIRED for p in if_match):
        codes.add(428)
    if any(p.get("name") == "changed_since" and p.get("description") == CURSOR_EXPIRES
           for p in operation.get("parameters", [])):
        codes.add(410)  # a sync cursor from before the purged tombstones
    return codes


def _answers_workbook(path: str, operation: dict) -> bool:
    return path.endswith(".xlsx") or any(
        p.get("in") == "query" and p.get("name") == "format" and "xlsx" in str(p.get("schema"))
        for p in operation.get("parameters", []))


def _workbook(path: str, operation: dict) -> None:
    if _answers_workbook(path, operation):
        success = next((code for code in operation["responses"] if code.startswith("2")), "200")
        content = operation["responses"].setdefault(success, {"description": "OK"}).setdefault("content", {})
        content.setdefault(XLSX_MEDIA_TYPE, XLSX_RESPONSES[200]["content"][XLSX_MEDIA_TYPE])


IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False, "description": KEY_DESCRIPTION,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}}


def _idempotency_key(path: str, method: str, operation: dict) -> None:
    """Every authenticated POST under /api/ accepts the key (``idempotency.Idempotency``)."""
    if method == "post" and path.startswith("/api/") and operation.get("security"):
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)


def _summary(operation: dict) -> None:
    """The route's docstring: its first line (the Chinese term, then what it does) is the summary, the rest the
    description (a summary given in Chinese in the decorator stays)."""
    first, _, rest = operation.get("description", "").partition("\n")
    if first:
        if not CHINESE.search(operation.get("summary", "")):
            operation["summary"] = first.strip()
        operation["description"] = rest.strip() or first.strip()


def _document(doc: dict) -> dict:
    doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            _summary(operation)
            _idempotency_key(path, method, operation)
            responses = operation.setdefault("responses", {})
            _workbook(path, operation)
            for code in sorted(_codes(doc, path, operation, method)):
                responses[str(code)] = _problem(code) | {"description": responses.get(str(code), {}).get(
                    "description", HTTPStatus(code).phrase)}
    doc["components"]["schemas"].pop("HTTPValidationError", None)
    doc["components"]["schemas"].pop("ValidationError", None)
    return doc


def operation_ids():
    """``generate_unique_id_function`` for one app: ``<resource>.<verb>`` (``households.list``, ``cases.verify``).

    The resource is the path's first segment after ``/api/v1`` (``ops`` for the others), the verb the route
    function's name without the resource's words; a verb already taken keeps the whole function name
    (then the method) so every id stays unique and the same from one build to the next.
    """
    taken: dict[str, tuple] = {}

    def generate(route) -> str:
        parts = [p for p in route.path_format.split("/") if p and not p.startswith("{")]
        resource = parts[2].replace("-", "_") if parts[:2] == ["api", "v1"] and len(parts) > 2 else "ops"
        words = {resource, resource.rstrip("s"), resource.removesuffix("es"), resource.removesuffix("ies") + "y"}
        verb = "_".join(w for w in route.name.split("_") if w not in words) or route.name
        method = sorted(route.methods or ["get"])[0].lower()
        for candidate in (f"{resource}.{verb}", f"{resource}.{route.name}", f"{resource}.{route.name}_{method}"):
            if taken.setdefault(candidate, (route.path_format, method)) == (route.path_format, method):
                return candidate
        raise ValueError(f"no unique operation id for {method} {route.path_format}")

    return generate


def document_problems(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that documents the kernel's problem answers (built once, cached)."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = _document(get_openapi(
                title=app.title, version=app.version, openapi_version=app.openapi_version,
                description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi
