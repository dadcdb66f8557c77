"""Stage ``monitoring.campaign`` events of one problem or campaign in the outbox (same transaction)."""

from collections.abc import Iterable
from typing import Any

from backstop_common.auth import Principal
from backstop_common.uow import UnitOfWork
from monitoring.campaigns.events import TOPIC, Actor, CampaignStarted, ProblemEvent
from monitoring.campaigns.models import Campaign, Problem, ProblemStep


def actor_of(principal: Principal | None) -> Actor | None:
    return Actor(user_id=principal.subject, role=str(principal.role)) if principal else None


def problem_event(problem: Problem | Any, principal: Principal | None, title: str | None,
                  note: str | None) -> ProblemEvent:
    """The payload of a problem's event, from its row (a ``Problem``, or a row a set-based statement returned)."""
    return ProblemEvent(problem_id=problem.id, campaign_id=problem.campaign_id, check=problem.check_code,
                        title=title, household_id=problem.household_id, village_code=problem.village_code,
                        responsible_unit=problem.responsible_unit, due_at=problem.due_at, status=problem.status,
                        note=note, actor=actor_of(principal))


def publish_problem(uow: UnitOfWork, name: str, problem: Problem, principal: Principal | None,
                    title: str | None = None, note: str | None = None) -> None:
    data = problem_event(problem, principal, title, note)
    uow.publish(TOPIC, name, subject=problem.id, area_code=problem.village_code, data=data)


async def publish_problems(uow: UnitOfWork, name: str, problems: Iterable[Any], principal: Principal | None,
                           note: str | None = None) -> None:
    """``publish_problem`` for the many rows (with their check's ``title``) a set-based statement returned
    (a data check, the overdue sweep): the same events, one INSERT."""
    await uow.publish_all(TOPIC, [(name, p.id, problem_event(p, principal, p.title, note), p.village_code)
                                  for p in problems])


def publish_started(uow: UnitOfWork, campaign: Campaign, principal: Principal) -> None:
    data = CampaignStarted(campaign_id=campaign.id, name=campaign.name, area_code=campaign.area_code,
                           investigation_due=campaign.investigation_due,
                           rectification_due=campaign.rectification_due, checks=campaign.checks,
                           actor=actor_of(principal))
    uow.publish(TOPIC, "campaign.started", subject=campaign.id, area_code=campaign.area_code, data=data)


def record_step(uow: UnitOfWork, problem: Problem, action: str, from_status: str | None,
                principal: Principal | None, note: str | None, **data) -> None:
    """Who did what to the problem, when and why."""
    uow.session.add(ProblemStep(problem_id=problem.id, action=action, from_status=from_status,
                                to_status=problem.status, actor_user_id=principal.subject if principal else None,
                                actor_role=str(principal.role) if principal else None, note=note, data=data,
                                at=uow.clock.now()))
