"""Each OpenAPI document names the problems the kernel answers, as problem+json (issue 20's checks)."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version, optional_version
from backstop_common.openapi import conflicts, document_problems, problem_responses, refuses_roles
from backstop_common.problems import PROBLEM_JSON


class Body(BaseModel):
    name: str


class Place(BaseModel):
    area_code: str


class Bulk(BaseModel):
    items: list[Place]


def _doc() -> dict:
    app, router = FastAPI(), APIRouter()

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict:
        return {}

    @router.get("/things")
    async def things(principal: CurrentPrincipal) -> dict:
        return {}

    @router.get("/secrets", responses=refuses_roles("county staff only"))
    async def secrets(principal: CurrentPrincipal) -> dict:
        return {}

    @router.post("/tags", responses=conflicts("a tag of that name exists"))
    async def tag(body: Body, principal: CurrentPrincipal) -> dict:
        return {}

    @router.get("/lists")
    async def lists(principal: CurrentPrincipal, q: str | None = None) -> dict:
        return {}

    @router.get("/notes")
    async def notes(principal: CurrentPrincipal, thing_id: uuid.UUID | None = None) -> dict:
        return {}

    @router.post("/bulk")
    async def bulk(body: Bulk, principal: CurrentPrincipal) -> dict:
        return {}

    @router.post("/feeds/{kind}")
    async def feed(kind: Literal["a", "b"], principal: CurrentPrincipal) -> dict:
        return {}

    @router.patch("/things/{thing_id}")
    async def change(thing_id: int, body: Body, principal: CurrentPrincipal,
                     version: Annotated[int, Depends(expected_version)]) -> dict:
        return {}

    @router.post("/things/{thing_id}/notes", responses=problem_responses(429))
    async def note(thing_id: int, body: Body, principal: CurrentPrincipal,
                   version: Annotated[int | None, Depends(optional_version)]) -> dict:
        return {}

    app.include_router(router, prefix="/api/v1")
    document_problems(app)
    return app.openapi()


def codes(doc: dict, path: str, method: str) -> set[str]:
    return set(doc["paths"][path][method]["responses"])


def test_each_route_documents_what_the_kernel_can_answer_it():
    doc = _doc()
    assert codes(doc, "/healthz", "get") == {"200"}
    assert codes(doc, "/api/v1/things", "get") == {"200", "401", "503"}  # nothing to name, nothing to get wrong
    assert codes(doc, "/api/v1/lists", "get") == {"200", "401", "422", "503"}  # input, but no id
    assert codes(doc, "/api/v1/secrets", "get") == {"200", "401", "403", "503"}  # a read that checks the role
    # a write: 403 (the auditor writes nothing); 409 only where the route says why
    assert codes(doc, "/api/v1/bulk", "post") == {"200", "400", "401", "403", "404", "413", "422", "503"}
    assert codes(doc, "/api/v1/tags", "post") == {"200", "400", "401", "403", "409", "413", "422", "503"}
    assert "404" in codes(doc, "/api/v1/notes", "get")  # an id in the query
    assert "404" in codes(doc, "/api/v1/bulk", "post")  # an area deep in the body
    assert "404" not in codes(doc, "/api/v1/feeds/{kind}", "post")  # a fixed choice in the path
    assert codes(doc, "/api/v1/things/{thing_id}", "patch") == {
        "200", "400", "401", "403", "404", "409", "413", "422", "428", "503"}
    assert codes(doc, "/api/v1/things/{thing_id}/notes", "post") == {
        "200", "400", "401", "403", "404", "409", "413", "422", "429", "503"}


def test_errors_are_documented_as_problem_json():
    doc = _doc()
    for code, response in doc["paths"]["/api/v1/things/{thing_id}"]["patch"]["responses"].items():
        if code != "200":
            assert list(response["content"]) == [PROBLEM_JSON], code
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]


def test_a_route_that_answers_a_workbook_documents_its_content_type():
    app = FastAPI()

    @app.get("/report")
    async def report(format: str = "json") -> dict:
        return {}

    @app.get("/list.xlsx")
    async def workbook():
        return None

    document_problems(app)
    doc = app.openapi()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx not in doc["paths"]["/report"]["get"]["responses"]["200"]["content"]  # format is any string
    assert xlsx in doc["paths"]["/list.xlsx"]["get"]["responses"]["200"]["content"]
