"""公告公示 of money (seed 004: 分配结果一律公开，乡镇、村两级项目安排和资金使用情况一律公告公示; seed 001:
扶贫公告公示制度): every allocation and every project arrangement becomes a public notice with its dates.

A notice carries facts only: sources, purposes, places, amounts, stages, how many households benefit —
never who (no names, ID numbers, phones or health details; funds holds none of the first three)."""

from datetime import datetime

from backstop_common.uow import UnitOfWork
from funds.enums import SOURCE_LABELS, STAGE_LABELS, Source, Stage
from funds.models import Allocation, Project
from funds.models.notices import PublicNotice


def allocation_notice(allocation: Allocation, at: datetime) -> PublicNotice:
    source = SOURCE_LABELS[Source(allocation.source)]
    return PublicNotice(
        kind="allocation", subject_id=allocation.id, area_code=allocation.area_code, year=allocation.year,
        title=f"{allocation.year}年{source}分配结果：{allocation.purpose}", published_at=at,
        content={"source": allocation.source, "source_label": source, "purpose": allocation.purpose,
                 "amount": str(allocation.amount), "document_no": allocation.document_no,
                 "allocated_on": allocation.created_at.date().isoformat() if allocation.created_at else None})


def project_notice(project: Project, households: int, at: datetime) -> PublicNotice:
    return PublicNotice(
        kind="project_arrangement", subject_id=project.id, area_code=project.area_code, year=project.year,
        title=f"{project.year}年项目安排公示：{project.name}", published_at=at, notice_ends_at=project.notice_ends_at,
        content={"name": project.name, "project_type": project.project_type, "budget": str(project.budget),
                 "stage": f"{STAGE_LABELS[Stage(project.stage)]} ({project.stage})",
                 "deadline": project.deadline.isoformat() if project.deadline else None,
                 "notice_days": project.notice_days, "beneficiary_households": households})


def disclose(uow: UnitOfWork, notice: PublicNotice) -> None:
    """Staged in the same transaction as the allocation or the stage change it makes public."""
    uow.session.add(notice)
