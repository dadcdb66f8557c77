"""A service's refusal (RFC 9457 problem) shown next to the form that caused it, in the service's own words.

The console's pages are Chinese, so it asks every service for zh-CN (``backend.PAGE_LANGUAGE``) whatever
the browser prefers, and a service answers from its catalogue. The console speaks itself only where the
service says nothing a user can read: no problem body, a text its catalogue lacks (English where Chinese
was asked), and the
version conflict, which the issue words exactly (已被他人修改，请刷新后重试) whatever the version numbers.
"""

import re

from console.backend import ApiRefused

#: what the console says when the service did not say it (by HTTP status)
BY_STATUS = {
    400: "请求有误，请检查填写的内容。",
    401: "登录已过期，请重新登录。",
    403: "您的角色无权执行此操作。",
    404: "未找到该记录，或不在您的管辖范围内。",
    409: "当前状态下不能执行此操作。",
    413: "提交的内容过大。",
    422: "填写的内容不符合要求，请检查后重试。",
    428: "缺少版本信息，请刷新后重试。",
    429: "操作过于频繁，请稍后再试。",
}
VERSION_CONFLICT = "已被他人修改，请刷新后重试。"
FIELD_FALLBACK = "此项填写有误"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _readable(text: object) -> str | None:
    """The service's text when it is Chinese, as the page around it is."""
    if isinstance(text, str) and CHINESE.search(text):
        return text.strip()
    return None


def explain(exc: ApiRefused) -> str:
    """One sentence next to the form: the service's own, or the console's when the service gave none."""
    problem = exc.problem or {}
    if exc.status in (409, 412) and "current_version" in problem:
        return VERSION_CONFLICT
    return _readable(problem.get("detail")) or BY_STATUS.get(exc.status, "操作未成功，请稍后重试。")


def field_errors(exc: ApiRefused) -> dict[str, str]:
    """A 422's ``errors[]`` keyed by the form field they belong to, each in the service's words."""
    errors = {}
    for err in (exc.problem or {}).get("errors", []):
        loc = [str(p) for p in err.get("loc", []) if p not in ("body",)]
        if loc:
            errors.setdefault(loc[0], _readable(err.get("msg")) or FIELD_FALLBACK)
    return errors
