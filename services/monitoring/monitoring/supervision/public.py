"""Routes open to the public without an account (docs/contract.md §6): rate-limited, never answering with personal
data. A 12317 report here; the household's declaration in ``declarations_public``."""

from fastapi import APIRouter, Request

from backstop_common.app import UoW
from monitoring.supervision import reports, repository
from monitoring.supervision.schemas import PublicReportIn, Receipt
from monitoring.supervision.codes import ensure_under_daily_limit
from monitoring.supervision.workdays import local_day_start

#: the OpenAPI marks these routes public: no bearer token
PUBLIC = {"security": [], "x-public": True}
LIMITED = {429: {"description": "每日次数已达上限（见 Retry-After）", "content": {"application/problem+json": {}}}}
router = APIRouter(prefix="/public", tags=["public"])


def caller_key(request: Request) -> str:
    """Whom a daily limit counts: the caller's address, kept only as a keyed hash."""
    host = request.client.host if request.client else "unknown"
    return request.app.state.vault.key_of(f"source:{host}")


@router.post("/reports", status_code=201, openapi_extra=PUBLIC, responses=LIMITED,
             summary="12317 监督举报（无需登录，可匿名）")
async def report(body: PublicReportIn, request: Request, uow: UoW) -> Receipt:
    """12317监督举报 — a public report, anonymous or not.

    Anyone may report, without an account (rate-limited per caller); the answer is a reference and when it will be
    accepted."""
    now, key = uow.clock.now(), caller_key(request)
    policy = await repository.policy_for(uow.session, body.area_code)
    ensure_under_daily_limit(await repository.reports_from_source(uow.session, key, local_day_start(now)),
                             policy.public_reports_per_source_per_day, now, "reports")
    found = await reports.receive(uow, request.app.state.vault, body, channel="public", source_key=key)
    await uow.commit()
    return Receipt(reference=found.id, message=f"已收到您的举报，将在{policy.accept_working_days}个工作日内受理；"
                                               "如留有电话，办理结果将电话回复。")
