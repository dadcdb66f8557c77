"""Every query of supervision: policy and categories, rate-limit counts, missed deadlines, statistics."""

from datetime import datetime

from sqlalchemy import func, text, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.paging_queries import fetch_page
from monitoring.supervision.models import (Declaration, PhoneCode, Report, SmsRequest, SupervisionCategory,
                                           SupervisionPolicy)


async def policy_for(session: AsyncSession, area_code: str) -> SupervisionPolicy:
    """The most specific policy whose scope contains the area (the seeded ``""`` row always does)."""
    rows = await session.exec(select(SupervisionPolicy).where(text(":a LIKE supervision_policies.scope || '%'"))
                              .params(a=area_code).order_by(func.length(SupervisionPolicy.scope).desc()).limit(1))
    policy = rows.first()
    return policy or SupervisionPolicy(scope="")


async def category(session: AsyncSession, kind: str, code: str) -> SupervisionCategory | None:
    return await session.get(SupervisionCategory, (code, kind))


async def categories(session: AsyncSession, kind: str) -> list[SupervisionCategory]:
    rows = await session.exec(select(SupervisionCategory).where(SupervisionCategory.kind == kind)
                              .order_by(SupervisionCategory.code))
    return list(rows.all())


async def reports_from_source(session: AsyncSession, source_key: str, since: datetime) -> int:
    q = select(func.count()).select_from(Report).where(Report.source_key == source_key, Report.received_at >= since)
    return (await session.exec(q)).one()


async def declarations_since(session: AsyncSession, since: datetime, *, phone_key: str | None = None,
                             id_key: str | None = None) -> int:
    q = select(func.count()).select_from(Declaration).where(Declaration.received_at >= since)
    q = q.where(Declaration.phone_key == phone_key) if phone_key else q.where(Declaration.id_key == id_key)
    return (await session.exec(q)).one()


async def codes_since(session: AsyncSession, phone_key: str, since: datetime) -> int:
    q = select(func.count()).select_from(PhoneCode).where(PhoneCode.phone_key == phone_key,
                                                          PhoneCode.created_at >= since)
    return (await session.exec(q)).one()


async def latest_code(session: AsyncSession, phone_key: str, now: datetime) -> PhoneCode | None:
    q = (select(PhoneCode).where(PhoneCode.phone_key == phone_key, PhoneCode.used_at.is_(None),
                                 PhoneCode.expires_at > now)
         .order_by(PhoneCode.created_at.desc()).limit(1).with_for_update())
    return (await session.exec(q)).first()


async def overdue_reports(session: AsyncSession, now: datetime) -> list[Report]:
    """Reports whose current step's deadline passed and was not escalated yet (locked, skipped if busy)."""
    q = (select(Report).where(Report.status.in_(("received", "assigned")), Report.due_at < now,
                              text("NOT (supervision_reports.escalated_steps ? supervision_reports.step)"))
         .with_for_update(skip_locked=True).limit(500))
    return list((await session.exec(q)).all())


async def overdue_declarations(session: AsyncSession, now: datetime) -> list[Declaration]:
    q = (select(Declaration).where(Declaration.status == "awaiting_verification", Declaration.due_at < now,
                                   Declaration.escalated.is_(False))
         .with_for_update(skip_locked=True).limit(500))
    return list((await session.exec(q)).all())


async def pending_sms(session: AsyncSession, now: datetime, limit: int = 50) -> list[SmsRequest]:
    q = (select(SmsRequest).where(SmsRequest.sent_at.is_(None), SmsRequest.next_attempt_at <= now)
         .order_by(SmsRequest.created_at).with_for_update(skip_locked=True).limit(limit))
    return list((await session.exec(q)).all())


async def erase_params(session: AsyncSession, *, before: datetime) -> None:
    """Erase the parameters (a one-time code) of SMS queued before ``before``, sent or not."""
    await session.execute(update(SmsRequest).where(SmsRequest.created_at < before, SmsRequest.params_enc.is_not(None))
                          .values(params_enc=None))


def _in_scope(scope: str):
    return text("(supervision_reports.area_code LIKE :s || '%' OR supervision_reports.handling_area LIKE :s || '%')"
                ).bindparams(s=scope)


async def list_reports(session: AsyncSession, scope: str, *, status: str | None, category: str | None,
                       limit: int, offset: int) -> tuple[list[Report], int]:
    q = select(Report).where(_in_scope(scope))
    if status:
        q = q.where(Report.status == status)
    if category:
        q = q.where(Report.category == category)
    return await fetch_page(session, q, Report.received_at.desc(), limit=limit, offset=offset)


STATS = text("""
SELECT to_char(received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, category,
       substr(area_code, 1, 9) || '000' AS township, count(*) AS received,
       count(*) FILTER (WHERE status = 'declined') AS declined,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE satisfaction = 'satisfied') AS satisfied,
       count(*) FILTER (WHERE satisfaction = 'unsatisfied') AS unsatisfied,
       count(*) FILTER (WHERE jsonb_array_length(escalated_steps) > 0) AS overdue,
       count(*) FILTER (WHERE conflict_of_interest) AS conflict_of_interest
  FROM supervision_reports
 WHERE area_code LIKE :scope || '%'
   AND (CAST(:month AS text) IS NULL
        OR to_char(received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') = CAST(:month AS text))
   AND (CAST(:year AS int) IS NULL
        OR extract(year FROM received_at AT TIME ZONE 'Asia/Shanghai') = CAST(:year AS int))
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
""")


async def report_stats(session: AsyncSession, scope: str, *, year: int | None = None, month: str | None = None):
    return (await session.execute(STATS, {"scope": scope, "year": year, "month": month})).all()


async def list_declarations(session: AsyncSession, scope: str, *, status: str | None, household_id,
                            limit: int, offset: int) -> tuple[list[Declaration], int]:
    q = select(Declaration).where(Declaration.area_code.startswith(scope, autoescape=True))
    if status:
        q = q.where(Declaration.status == status)
    if household_id:
        q = q.where(Declaration.household_id == household_id)
    return await fetch_page(session, q, Declaration.received_at.desc(), limit=limit, offset=offset)
