"""An action's form posted to a service: CSRF first, the fields' errors before any call (input kept), the
service's refusal next to the form in its own words, and on success back to the record's page."""

from collections.abc import Awaitable, Callable, Container
from typing import Any

import structlog
from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from console.auth import csrf_ok
from console.backend import ApiRefused
from console.pages.common import CsrfRefused
from console.refusals import explain, field_errors

log = structlog.get_logger()
#: the API body of an action from its form, and the fields' errors in Chinese
BodyOf = Callable[[str, Any], tuple[dict, dict[str, str]]]


async def submit(request: Request, action: str, known: Container[str], body_of: BodyOf, *,
                 call: Callable[[dict, int | None], Awaitable[Any]],
                 again: Callable[..., Awaitable[Response]], done: str) -> Response:
    """``call(body, version)`` does the action; ``again(status, **context)`` renders the record's page once more."""
    if not await csrf_ok(request):
        raise CsrfRefused()
    if action not in known:
        return await again(404, errors={"_": "没有这个操作。"})
    form = await request.form()
    body, errors = body_of(action, form)
    if errors:
        return await again(422, failed=action, errors=errors, kept=dict(form), refusal="请检查填写的内容。")
    version = str(form.get("version") or "")
    try:
        await call(body, int(version) if version.isdigit() else None)
    except ApiRefused as exc:
        if exc.status == 404:  # not this user's record: the page says 未找到
            raise
        log.info("console.action_refused", service=exc.service, action=action, status=exc.status)
        return await again(exc.status, failed=action, refusal=explain(exc), errors=field_errors(exc),
                           kept=dict(form))
    return RedirectResponse(done, status_code=303)
