"""A service that is down costs only its part of a page: the rest renders, the part says which service and
gives the request id, and nothing shows a stack trace. The services are outside the console, so they are
mocked here as a real local HTTP server; funds is a port where nothing listens."""

import re
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from backstop_common.devstack import free_port
from console.config import Settings
from console.main import build_app

STATS = {"area_code": "211204000000",
         "totals": {"households": 4321, "signals": 9, "cases": 7, "stages": {"opened": 5, "confirmed": 2},
                    "monitored": 2, "eliminated": 0, "overdue": 1, "signals_by_risk_type": {"01": 9},
                    "open_cases_by_risk_type": {"01": 7}},
         "townships": [{"area_code": "211204101000", "households": 4321, "signals": 9, "cases": 7,
                        "stages": {"opened": 5, "confirmed": 2}, "monitored": 2, "eliminated": 0, "overdue": 1,
                        "signals_by_risk_type": {"01": 9}, "open_cases_by_risk_type": {"01": 7}}],
         "villages": []}
AREAS = {"items": [{"code": "211204101000", "name": "张相镇", "level": "township", "parent_code": "211204000000"}],
         "total": 1}
PROBLEMS = {"scope": "211204", "total": 0, "rectified": 0, "rectification_rate": None, "overdue": 0, "units": []}
#: the Accept-Language of every call the mocked services received
LANGUAGES: list[str | None] = []


def services_app() -> Starlette:
    def answer(body):
        async def endpoint(request):
            LANGUAGES.append(request.headers.get("accept-language"))
            return JSONResponse(body)
        return endpoint

    return Starlette(routes=[Route("/api/v1/stats", answer(STATS)), Route("/api/v1/areas", answer(AREAS)),
                             Route("/api/v1/reports/problems", answer(PROBLEMS))])


@pytest.fixture(scope="module")
def services():
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(services_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def signed_in(console: TestClient) -> None:
    login = console.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    assert console.post("/login/demo", data={"csrf_token": csrf, "user": "admin", "next": "/"}).status_code == 200


def test_funds_down_leaves_the_rest_of_the_overview_working(services):
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = Settings(backstop_env="dev", demo_login=True, registry_url=services, monitoring_url=services,
                        notifications_url=services, funds_url=nowhere, backend_timeout_s=2)
    with TestClient(build_app(settings)) as console:
        signed_in(console)
        page = console.get("/", headers={"X-Request-ID": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"})
    assert page.status_code == 200
    assert re.fullmatch(r"app;dur=\d+\.\d", page.headers["server-timing"])  # the page's server time (bench/)
    assert 'data-figure="households">4,321<' in page.text and "张相镇" in page.text  # monitoring's part
    unavailable = re.search(r'<div class="unavailable"[^>]*>([^<]*)<code>([^<]+)</code>', page.text)
    assert unavailable and "资金项目服务暂不可用" in unavailable.group(1)
    assert unavailable.group(2) == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert "Traceback" not in page.text and "ConnectError" not in page.text


def test_a_browser_preferring_english_still_gets_the_services_in_chinese(services):
    """The pages are Chinese (issue 15): a browser set to English must not turn the services' refusals
    English on them, so the console asks every service for zh-CN, never the browser's language."""
    settings = Settings(backstop_env="dev", demo_login=True, registry_url=services, monitoring_url=services,
                        notifications_url=services, funds_url=f"http://127.0.0.1:{free_port()}", backend_timeout_s=2)
    with TestClient(build_app(settings)) as console:
        signed_in(console)
        LANGUAGES.clear()
        page = console.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert LANGUAGES and set(LANGUAGES) == {"zh-CN"}, LANGUAGES
