"""The console app: pages, sign-in, assets, and the ops routes every Backstop deployable serves."""

import asyncio
import contextlib
from pathlib import Path

import structlog
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from backstop_common.logging import configure_logging
from backstop_common.metrics import metrics_endpoint
from backstop_common.middleware import BodyLimit, RequestMetrics
from backstop_common.problems import problem_response
from backstop_common.settings import InsecureSettings
from console import filters
from console.assets import Assets
from console.assets import router as assets_router
from console.backend import SERVICES, ApiRefused, ServiceDown, build_client
from console.config import DEV_SESSION_SECRET, Settings
from console.pages import cases, households, inbox, notices, overview, problems, programmes, public, signin
from console.pages.common import SERVICE_NAMES, CsrfRefused, NotSignedIn, render
from console.timing import ServerTiming

log = structlog.get_logger()
TEMPLATES = Path(__file__).parent / "templates"
FORM_BYTES = 1024 * 1024


def _lifespan(settings: Settings):
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging("console", settings.log_level, settings.log_json)
        problem = settings.secret_problem()
        if problem:  # a forgeable session cookie would be a forged user: refuse to start
            log.error("service.refused_to_start", reason=problem)
            raise InsecureSettings(problem)
        app.state.http = build_client(settings.backend_timeout_s)
        log.info("service.started", service="console", demo_login=settings.demo_login)
        try:
            yield
        finally:
            await app.state.http.aclose()
            log.info("service.stopped", service="console")

    return lifespan


def _ops_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict:
        return {"status": "ok", "service": "console"}

    @app.get("/readyz", tags=["ops"])
    async def readyz(request: Request):
        async def ready(service: str) -> bool:
            try:
                resp = await request.app.state.http.get(f"{request.app.state.urls[service]}/readyz", timeout=2)
                return resp.status_code == 200
            except Exception:
                return False

        results = await asyncio.gather(*(ready(s) for s in SERVICES))
        checks = dict(zip(SERVICES, results))
        if all(results):
            return {"status": "ready", "checks": checks}
        failing = ", ".join(s for s, ok in checks.items() if not ok)
        return problem_response(503, f"not ready: {failing} unreachable", checks=checks)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics():
        return metrics_endpoint()


def _error_pages(app: FastAPI) -> None:
    def _htmx_aware_redirect(request: Request, to: str):
        if request.headers.get("HX-Request"):
            return HTMLResponse("", headers={"HX-Redirect": to})
        return RedirectResponse(to, status_code=303)

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return _htmx_aware_redirect(request, f"/login?next={target}" if request.method == "GET" else "/login")

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _exc):
        log.warning("console.csrf_refused", path=request.url.path)
        return render(request, "error.html", 403, title="请求已失效",
                      message="页面已过期或请求缺少安全令牌，操作未执行。请刷新页面后重试。")

    @app.exception_handler(ApiRefused)
    async def refused(request: Request, exc: ApiRefused):
        if exc.status == 401:
            request.session.clear()
            return _htmx_aware_redirect(request, "/login")
        if exc.status == 404:
            return render(request, "error.html", 404, title="未找到",
                          message="未找到该记录，或它不在您的管辖范围内。")
        if exc.status == 403:
            return render(request, "error.html", 403, title="无权访问", message="您的角色无权查看此页面。")
        log.warning("console.backend_refused", service=exc.service, status=exc.status)
        return render(request, "error.html", 400, title="请求未成功", message="请求未成功，请返回重试。")

    @app.exception_handler(ServiceDown)
    async def down(request: Request, exc: ServiceDown):
        return render(request, "error.html", 503, title="服务暂不可用",
                      message=f"{SERVICE_NAMES.get(exc.service, exc.service)}暂不可用，请稍后重试。")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return render(request, "error.html", 404, title="未找到", message="页面不存在。")
        if exc.status_code == 429:
            return render(request, "error.html", 429, title="访问过于频繁", message="访问过于频繁，请稍后再试。")
        return render(request, "error.html", exc.status_code, title="请求有误", message="请求有误，请返回重试。")

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        log.exception("console.page_failed", path=request.url.path)
        return render(request, "error.html", 500, title="页面出错",
                      message="页面出错了，已记录。请把请求编号告诉管理员。")


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="Backstop 工作台", version="0.1.0", lifespan=_lifespan(settings),
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.urls = {s: getattr(settings, f"{s}_url").rstrip("/") for s in SERVICES}
    app.state.assets = Assets()
    templates = Jinja2Templates(directory=str(TEMPLATES))
    filters.install(templates.env)
    app.state.templates = templates
    _error_pages(app)
    _ops_routes(app)
    for module in (assets_router, signin, overview, cases, households, inbox, notices, programmes, problems,
                   public):
        app.include_router(getattr(module, "router", module))
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(ServerTiming)  # around gzip: the whole of the server's work on a page
    app.add_middleware(SessionMiddleware, secret_key=settings.session_secret or DEV_SESSION_SECRET,
                       session_cookie="backstop_session",
                       max_age=settings.session_ttl_s, same_site="lax", https_only=settings.secure_cookies)
    app.add_middleware(RequestMetrics)
    app.add_middleware(BodyLimit, max_bytes=FORM_BYTES)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    return app


app = build_app()
