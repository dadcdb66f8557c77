"""A service's request entry — the language, the request id, the body limit and the metrics in one layer — answers
every request as the four layers it replaced did (issue 18: fewer layers on every request's way in and out)."""

import httpx
import pytest
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from fastapi import FastAPI, Request

from backstop_common.i18n import current_language
from backstop_common.metrics import HTTP_REQUESTS
from backstop_common.middleware import BodyLimit, Language, RequestEntry, RequestMetrics
from backstop_common.problems import NotFound, install_problem_handlers

GIVEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _app(layers: str) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    if layers == "four":
        app.add_middleware(RequestMetrics)
        app.add_middleware(BodyLimit, max_bytes=100)
        app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
        app.add_middleware(Language, package="backstop_common")
    else:
        app.add_middleware(RequestEntry, package="backstop_common", max_bytes=100)

    @app.post("/entry/{thing}")
    async def seen(thing: str, request: Request):
        if thing == "missing":
            raise NotFound("record not found")
        return {"language": current_language(), "request_id": correlation_id.get(),
                "header": request.headers.get("x-request-id"), "body": (await request.body()).decode()}

    return app


REQUESTS = [
    ({}, "seen", "{}"),
    ({"X-Request-ID": GIVEN, "Accept-Language": "en"}, "seen", "{}"),
    ({"X-Request-ID": "not-a-uuid"}, "seen", "{}"),
    ({"X-Request-ID": GIVEN, "Accept-Language": "en"}, "missing", "{}"),
    ({"X-Request-ID": GIVEN}, "missing", "{}"),
    ({"X-Request-ID": GIVEN}, "seen", "x" * 101),  # 413, before the route, not counted
    ({"Accept-Language": "en", "Content-Length": "ten"}, "seen", "{}"),
]


def _counted() -> float:
    return sum(HTTP_REQUESTS.labels("POST", "/entry/{thing}", status)._value.get() for status in ("200", "404", "413"))


async def _answer(app: FastAPI, headers: dict, thing: str, body: str) -> tuple:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        counted = _counted()
        answer = await client.post(f"/entry/{thing}", headers=headers, content=body)
        counted = _counted() - counted
    request_id = answer.headers.get("x-request-id")
    shown = answer.text.replace(request_id, "<id>") if request_id else answer.text
    made = request_id if request_id != headers.get("X-Request-ID") else None
    return (answer.status_code, shown, sorted((k, v if k != "x-request-id" else "<id>") for k, v in
                                              answer.headers.items()), made is not None and len(made) == 32, counted)


@pytest.mark.parametrize("headers, thing, body", REQUESTS)
async def test_the_one_layer_answers_as_the_four(headers, thing, body):
    assert await _answer(_app("one"), headers, thing, body) == await _answer(_app("four"), headers, thing, body)


async def test_the_request_id_given_is_the_one_logged_and_sent_back_and_a_bad_one_is_replaced():
    app = _app("one")
    given = await _answer(app, {"X-Request-ID": GIVEN}, "seen", "{}")
    assert given[0] == 200 and '"request_id":"<id>","header":"<id>"' in given[1] and not given[3]
    bad = await _answer(app, {"X-Request-ID": "not-a-uuid"}, "seen", "{}")
    assert bad[3] and '"request_id":"<id>","header":"<id>"' in bad[1]  # made, and in the request's headers too
    refused = await _answer(app, {"X-Request-ID": GIVEN}, "seen", "x" * 101)
    assert refused[0] == 413 and ("x-request-id", "<id>") in refused[2] and refused[4] == 0
