"""Managing policy rows (GET effective values, PUT a year+area row) and re-screening on a change."""

from datetime import datetime

from backstop_common.auth import Principal, Role
from backstop_common.i18n import msg
from backstop_common.problems import NotFound
from backstop_common.uow import UnitOfWork
from monitoring.domain import cluster, dibao
from monitoring.domain.policy import effective_policy, scope_of
from monitoring.domain.rescreen import RescreenResult, by_county, pend_counties, rescreen
from monitoring.models import Policy
from monitoring.repository import policies

EDITORS = (Role.COUNTY_ADMIN, Role.SYSTEM)


async def get_policy(uow: UnitOfWork, year: int, area_code: str) -> Policy:
    policy = await effective_policy(uow.session, area_code, year)
    if policy is None:
        raise NotFound(msg("no policy applies to area {area} in {year}", area=area_code, year=year))
    return policy


async def put_policy(uow: UnitOfWork, principal: Principal, year: int, area_code: str, values: dict,
                     now: datetime) -> tuple[Policy, RescreenResult]:
    principal.ensure_covers(area_code, "area")
    principal.ensure_role(*EDITORS)
    row = {**values, "year": year, "area_code": area_code, "scope": scope_of(area_code),
           "updated_by": principal.subject, "updated_at": now, "version": 1}
    policy = await policies.upsert(uow.session, row, changed=(*values, "updated_by", "updated_at"))
    # first: it locks the households it recommends, as a handler does before its signals and cases, which the
    # re-screen then locks by the table (the other way round, the two could wait for each other)
    dibao_recommended = await dibao.rescreen(uow, policy, now)
    if by_county(policy):  # the counties' own transactions follow the commit (``jobs.rescreen_counties``)
        result = RescreenResult(0, 0, 0, 0, counties=await pend_counties(uow, policy, now))
    else:
        result = await rescreen(uow, policy, now)
        if result.signals_opened:
            result.cluster_alerts = await cluster.check(uow, policy, now, scope=policy.scope)
    result.dibao_recommended = dibao_recommended
    return policy, result
