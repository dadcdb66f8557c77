"""Annual targets (年度目标任务, 挂图作战): entered by the county per year, area and measure, split down
to townships (任务分解), progress counted from events (never typed), a board per area (倒排工期)."""

import math
import uuid
from datetime import date

from backstop_common.auth import Principal, Role, area_prefix
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, NotFound, Unprocessable
from backstop_common.uow import UnitOfWork
from monitoring.campaigns import repository
from monitoring.campaigns.models import Target
from monitoring.campaigns.schemas import Board, BoardLine, SplitIn, TargetIn

#: measure → (unit counted, meaning). 五个一批 + lifting + renovations by grade.
MEASURES: dict[str, tuple[str, str]] = {
    "lift_households": ("households", "脱贫户数"),
    "lift_people": ("people", "脱贫人数"),
    "industry": ("people", "产业扶持一批"),
    "employment": ("people", "就业扶持一批"),
    "education": ("people", "教育扶持一批"),
    "health": ("people", "医疗扶持一批"),
    "dibao": ("people", "社会保障兜底一批"),
    "finance": ("people", "金融扶持"),
    "housing": ("households", "危房改造(合计)"),
    "housing_c": ("households", "危房改造 C级"),
    "housing_d": ("households", "危房改造 D级"),
}
COUNTY = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF)


def parts_scope(area_code: str) -> str:
    return area_prefix(area_code)


async def create_target(uow: UnitOfWork, principal: Principal, body: TargetIn) -> Target:
    principal.ensure_role(*COUNTY)
    principal.ensure_covers(body.area_code, "area")
    if body.measure not in MEASURES:
        raise Unprocessable(msg("unknown measure {measure}", measure=repr(body.measure)), known_measures=sorted(MEASURES))
    starts, due = body.starts_on or date(body.year, 1, 1), body.due_on or date(body.year, 12, 31)
    if due < starts:
        raise Unprocessable("due_on comes before starts_on")
    if await repository.target_exists(uow.session, body.year, body.area_code, body.measure):
        raise Conflict("a target for this year, area and measure exists already")
    target = Target(year=body.year, area_code=body.area_code, scope=parts_scope(body.area_code),
                    measure=body.measure, unit=MEASURES[body.measure][0], target=body.target, starts_on=starts,
                    due_on=due, created_by=principal.subject, created_at=uow.clock.now())
    uow.session.add(target)
    await uow.session.flush()
    return target


async def split(uow: UnitOfWork, principal: Principal, target_id: uuid.UUID, body: SplitIn) -> list[Target]:
    """Set the parts of a target for areas inside it; all parts together may not exceed the total."""
    principal.ensure_role(*COUNTY)
    parent = await uow.session.get(Target, target_id)
    if parent is None or not principal.covers(parent.area_code):
        raise NotFound("target not found")
    areas = [p.area_code for p in body.parts]
    if len(set(areas)) != len(areas):
        raise Unprocessable("an area appears twice among the parts")
    if outside := [a for a in areas if a == parent.area_code or not a.startswith(parent.scope)]:
        raise Unprocessable("parts must be areas inside the target's area", outside=outside)
    others = await repository.sum_of_parts(uow.session, parent.id, areas)
    total = others + sum(p.target for p in body.parts)
    if total > parent.target:
        raise Unprocessable(msg("the parts add up to {total}, more than the total {target}", total=total,
                                 target=parent.target),
                            total=parent.target, parts_sum=total)
    now = uow.clock.now()
    for part in body.parts:
        values = dict(year=parent.year, area_code=part.area_code, scope=parts_scope(part.area_code),
                      measure=parent.measure, unit=parent.unit, target=part.target, parent_id=parent.id,
                      starts_on=parent.starts_on, due_on=parent.due_on, created_by=principal.subject,
                      created_at=now, version=1)
        await repository.set_part(uow.session, values)
    return await repository.parts(uow.session, parent.id)


def board_line(row, today: date) -> BoardLine:
    span = (row.due_on - row.starts_on).days + 1
    elapsed = min(max((today - row.starts_on).days + 1, 0), span)
    expected = math.ceil(row.target * elapsed / span) if span > 0 else row.target
    return BoardLine(id=row.id, year=row.year, area_code=row.area_code, measure=row.measure, unit=row.unit,
                     target=row.target, parent_id=row.parent_id, starts_on=row.starts_on, due_on=row.due_on,
                     version=row.version, done=int(row.done), remaining=max(row.target - int(row.done), 0),
                     expected_by_now=expected, behind_schedule=int(row.done) < expected)


async def board(uow: UnitOfWork, principal: Principal, area_code: str, year: int) -> Board:
    principal.ensure_covers(area_code, "area")
    today = uow.clock.now().date()
    lines = [board_line(r, today) for r in await repository.board_rows(uow.session, area_code, year)]
    return Board(area_code=area_code, year=year, as_of=today, lines=lines,
                 behind=[line for line in lines if line.behind_schedule])
