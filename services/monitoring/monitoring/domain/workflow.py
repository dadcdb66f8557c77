"""The case workflow (识别程序 and 风险消除) as an explicit transitions table.

An action is allowed only from the listed stages (else 409) and only for the listed roles (else 403).
``None`` as a target keeps the stage (plan, visit).
"""

from dataclasses import dataclass

from backstop_common.auth import Role
from monitoring.vocab import IDENTIFYING, Stage

#: the identification step whose deadline runs in each stage, as named in ``case.overdue``
STEP_DUE = {Stage.OPENED: "verify", Stage.VERIFIED: "notice", Stage.NOTICE_POSTED: "review",
            Stage.REVIEWED: "confirm"}

VILLAGE = frozenset({Role.VILLAGE_CADRE})
TOWNSHIP = frozenset({Role.TOWNSHIP_STAFF})
COUNTY = frozenset({Role.COUNTY_STAFF, Role.COUNTY_ADMIN})


@dataclass(frozen=True)
class Transition:
    event: str
    targets: dict[Stage, Stage | None]
    roles: frozenset[Role]


TRANSITIONS: dict[str, Transition] = {
    "verify": Transition("case.verified", {Stage.OPENED: Stage.VERIFIED}, VILLAGE),
    "post-notice": Transition("case.notice_posted", {Stage.VERIFIED: Stage.NOTICE_POSTED}, VILLAGE),
    "review": Transition("case.reviewed", {Stage.NOTICE_POSTED: Stage.REVIEWED}, TOWNSHIP),
    "confirm": Transition("case.confirmed", {Stage.REVIEWED: Stage.CONFIRMED}, COUNTY),
    # refusing a case during identification, or the county refusing a proposed elimination
    "reject": Transition("case.rejected", {**{s: Stage.REJECTED for s in IDENTIFYING},
                                           Stage.ELIMINATION_PROPOSED: Stage.CONFIRMED}, TOWNSHIP | COUNTY),
    # instant help (seed 004: 即时出现，即时标注，即时纳入，即时帮扶): measures from the moment a case opens
    "plan": Transition("case.assistance_planned", {Stage.CONFIRMED: None, **{s: None for s in IDENTIFYING}},
                       VILLAGE | TOWNSHIP | COUNTY),
    "visit": Transition("case.visit_recorded", {Stage.CONFIRMED: None, Stage.ELIMINATION_PROPOSED: None},
                        VILLAGE | TOWNSHIP | frozenset({Role.HELPER})),
    "propose-elimination": Transition("case.elimination_proposed",
                                      {Stage.CONFIRMED: Stage.ELIMINATION_PROPOSED}, TOWNSHIP),
    "eliminate": Transition("case.risk_eliminated", {Stage.ELIMINATION_PROPOSED: Stage.ELIMINATED}, COUNTY),
    # an objection to the elimination notice (公示异议), recorded by the village or township that
    # received it: the proposal falls, the household stays monitored until the township proposes again
    "object": Transition("case.elimination_objected", {Stage.ELIMINATION_PROPOSED: Stage.CONFIRMED},
                         VILLAGE | TOWNSHIP),
    # risk returned: an eliminated household is re-marked, a rejected case starts identification again
    "reopen": Transition("case.reopened", {Stage.ELIMINATED: Stage.CONFIRMED, Stage.REJECTED: Stage.OPENED},
                         COUNTY),
}


def target(action: str, stage: Stage) -> tuple[bool, Stage]:
    """(allowed, stage after) for ``action`` in ``stage``."""
    transition = TRANSITIONS[action]
    if stage not in transition.targets:
        return False, stage
    return True, transition.targets[stage] or stage


def actions_for(role: Role, stage: Stage) -> list[str]:
    """The actions ``role`` may take on a case in ``stage``: what a client offers as forms."""
    return [name for name, t in TRANSITIONS.items() if role in t.roles and stage in t.targets]
