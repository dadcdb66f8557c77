"""The project library (项目库) state machine: 申报 → 论证 → 公示 → 入库 → 实施 → 验收 → 资产移交.

One step forward at a time; a skip or a reversal is refused (409). The public notice (公告公示) lasts the
policy's days before 入库 is allowed. Each change records who and why and publishes project.stage_changed.
"""

import uuid
from datetime import date, datetime, timedelta

from backstop_common.auth import Principal
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg, term, when
from backstop_common.problems import Conflict, NotFound, Unprocessable
from backstop_common.topics import FUNDS_FINANCE
from backstop_common.uow import UnitOfWork
from funds.domain import access, disclosure
from funds.enums import STAGE_ORDER, Stage
from funds.events import Actor, ProjectStageChanged
from funds.models import Asset, Project, StageChange
from funds.repository import policy as policies
from funds.repository import projects as repo
from funds.schemas import ProjectCreate, ProjectPatch, TransitionIn

DEFAULT_NOTICE_DAYS = 10


async def get_project(uow: UnitOfWork, principal: Principal, project_id: uuid.UUID, *, lock: bool = False) -> Project:
    project = await repo.project(uow.session, project_id, lock=lock)
    if project is None or not principal.covers(project.area_code):
        raise NotFound("project not found")
    return project


def _changed(uow: UnitOfWork, principal: Principal, project: Project, from_stage: str | None,
             reason: str | None, at: datetime) -> None:
    uow.session.add(StageChange(project_id=project.id, from_stage=from_stage, to_stage=project.stage,
                                actor=principal.subject, role=principal.role.value, reason=reason, at=at))
    uow.publish(FUNDS_FINANCE, "project.stage_changed", subject=project.id, area_code=project.area_code,
                data=ProjectStageChanged(project_id=project.id, area_code=project.area_code,
                                         project_type=project.project_type, from_stage=from_stage,
                                         to_stage=project.stage, reason=reason,
                                         actor=Actor(user_id=principal.subject, role=principal.role.value)))


async def declare(uow: UnitOfWork, principal: Principal, data: ProjectCreate, now: datetime) -> Project:
    """申报: a project enters the library."""
    principal.ensure_role(*access.DECLARE)
    principal.ensure_covers(data.area_code, "area")
    fields = data.model_dump(exclude={"reason"})
    fields["deadline"] = fields["deadline"] or date(data.year, 12, 31)   # 当年资金当年支出 unless told
    project = Project(**fields, stage=Stage.DECLARED.value, stage_entered_at=now,
                      created_by=principal.subject, created_at=now)
    uow.session.add(project)
    await uow.session.flush()
    _changed(uow, principal, project, None, data.reason, now)
    return project


async def transition(uow: UnitOfWork, principal: Principal, project_id: uuid.UUID, to_stage: Stage,
                     body: TransitionIn, now: datetime, if_match: int | None = None) -> Project:
    principal.ensure_role(*access.PROJECTS)
    project = await get_project(uow, principal, project_id, lock=True)
    if if_match is not None:
        check_version(project.version, if_match, "project")
    current = Stage(project.stage)
    position = STAGE_ORDER.index(current)
    expected = STAGE_ORDER[position + 1] if position + 1 < len(STAGE_ORDER) else None
    if to_stage != expected:
        refusal = ("cannot go back from {current} to {to}; the next stage is {next}"
                   if STAGE_ORDER.index(to_stage) <= position else
                   "cannot skip from {current} to {to}; the next stage is {next}")
        following = term("project_stage", expected.value) if expected else msg("none: the project is closed")
        raise Conflict(msg(refusal, current=term("project_stage", current.value),
                           to=term("project_stage", to_stage.value), next=following),
                       current_stage=current.value, next_stage=expected.value if expected else None)
    if current is Stage.NOTICED and project.notice_ends_at and now < project.notice_ends_at:
        raise Conflict(msg("the public notice (公示) runs until {until}", until=when(project.notice_ends_at)),
                       notice_ends_at=project.notice_ends_at.isoformat())
    if to_stage is Stage.HANDED_OVER and not body.assets:
        raise Unprocessable("资产移交 needs the assets the project formed (assets)")
    if to_stage is Stage.NOTICED:
        policy = await policies.project_policy(uow.session, project.area_code, project.year)
        project.notice_days = policy.notice_days if policy else DEFAULT_NOTICE_DAYS
        project.notice_ends_at = now + timedelta(days=project.notice_days)
    for asset in body.assets:
        if not access.reaches(project.area_code[:6].ljust(12, "0"), asset.owner_area_code):
            raise Unprocessable("an asset's owner must be an area of the project's county")
        uow.session.add(Asset(project_id=project.id, handed_over_at=now, **asset.model_dump()))
    project.stage, project.stage_entered_at = to_stage.value, now
    project.version += 1
    await uow.session.flush()
    if to_stage is Stage.NOTICED:  # 项目安排公示: the arrangement is public for the notice's days
        households = await repo.beneficiary_households(uow.session, project.id)
        disclosure.disclose(uow, disclosure.project_notice(project, households, now))
    _changed(uow, principal, project, current.value, body.reason, now)
    return project


async def amend(uow: UnitOfWork, principal: Principal, project_id: uuid.UUID, data: ProjectPatch,
                version: int) -> Project:
    principal.ensure_role(*access.PROJECTS)
    project = await get_project(uow, principal, project_id, lock=True)
    check_version(project.version, version, "project")
    changes = data.model_dump(exclude_unset=True)
    if "budget" in changes and STAGE_ORDER.index(Stage(project.stage)) >= STAGE_ORDER.index(Stage.LISTED):
        raise Conflict("the budget is fixed once the project is in the library (入库)", stage=project.stage)
    for field, value in changes.items():
        if value is None:
            raise Unprocessable(msg("{field} cannot be cleared", field=field))
        setattr(project, field, value)
    project.version += 1
    await uow.session.flush()
    return project
