"""A service's refusal (RFC 9457 problem) said in Chinese next to the form that caused it."""

from console.backend import ApiRefused
from console.labels import label

BY_STATUS = {
    400: "请求有误，请检查填写的内容。",
    401: "登录已过期，请重新登录。",
    403: "您的角色无权执行此操作。",
    404: "未找到该记录，或不在您的管辖范围内。",
    409: "当前状态下不能执行此操作。",
    412: "已被他人修改，请刷新后重试。",
    413: "提交的内容过大。",
    422: "填写的内容不符合要求，请检查后重试。",
    428: "缺少版本信息，请刷新后重试。",
    429: "操作过于频繁，请稍后再试。",
}
VERSION_CONFLICT = "已被他人修改，请刷新后重试。"


def explain(exc: ApiRefused, action: str | None = None) -> str:
    """One sentence a cadre understands; the service's English detail is never shown."""
    problem, detail = exc.problem or {}, str((exc.problem or {}).get("detail", ""))
    if exc.status == 409 and ("current_version" in problem or "someone else" in detail or "version" in detail):
        return VERSION_CONFLICT
    if exc.status == 409 and "stage" in problem and action:
        return f"该案件处于「{label('stage', problem['stage'])}」阶段，不能执行「{label('action', action)}」。"
    if exc.status == 409 and "notice" in detail:
        return "村内公示期未满，公示期满后才能审核。"
    if exc.status == 409 and "condition" in detail:
        return "风险消除条件尚未全部满足。"
    if exc.status == 409 and "policy" in detail:
        return "本地区本年度尚未设置监测政策，请联系区县乡村振兴局。"
    return BY_STATUS.get(exc.status, "操作未成功，请稍后重试。")


def field_errors(exc: ApiRefused) -> dict[str, str]:
    """422 errors keyed by the form field they belong to."""
    errors = {}
    for err in (exc.problem or {}).get("errors", []):
        loc = [str(p) for p in err.get("loc", []) if p not in ("body",)]
        if loc:
            errors[loc[0]] = "此项填写有误"
    return errors
