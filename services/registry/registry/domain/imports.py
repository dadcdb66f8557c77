"""Bulk import of a national export (CSV/XLS/XLSX): validate every row, load the good ones set-based.

Re-importing the same file changes nothing: a household whose 户编号 is registered is left as it is.
"""

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from datetime import date

from asgi_correlation_id import correlation_id

from backstop_common.auth import Principal
from backstop_common.i18n import ZH, Text, current_language, message_of, msg, translate
from backstop_common.problems import Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain.guards import may_write
from registry.imports.columns import HeaderProblem
from registry.imports.plan import NOT_LOADED, Plan, RowError, no_gc, plan_import
from registry.imports.reader import UnreadableFile, read_rows
from registry.models import ImportRun
from registry.repository import areas, bulk
from registry.schemas.imports import ImportError_, ImportReport


def _read_and_plan(data: bytes, filename: str, villages: dict, codes: set, today: date, progress) -> Plan:
    try:
        return plan_import(read_rows(data, filename), villages, codes, today, progress)
    except (UnreadableFile, HeaderProblem) as exc:
        raise Unprocessable(msg("{file}: {problem}", file=filename, problem=message_of(exc))) from None


def _tuples(plan: Plan) -> tuple[list[tuple], list[tuple]]:
    households = []
    for h in plan.households:
        income = h["income"] or {}
        row = {**h, **income} if income else h
        households.append(tuple(row.get(c) for c in bulk.HOUSEHOLD_COLUMNS))
    return households, plan.members


async def import_households(uow: UnitOfWork, principal: Principal, data: bytes, filename: str,
                            income_year: int | None = None, progress: Callable[[int], None] | None = None
                            ) -> ImportReport:
    may_write(principal)
    session = uow.session
    income_year = income_year or uow.clock.today().year - 1
    known = await areas.villages_in(session, principal.scope)
    villages = {(township or "", name): code for code, name, township, _county in known}
    with no_gc():
        plan = await asyncio.to_thread(_read_and_plan, data, filename, villages, {k[0] for k in known},
                                       uow.clock.today(), progress)
        households, members = _tuples(plan)
        await bulk.stage(session, households, members)
        del households, members
    existing, taken = await bulk.conflicts(session)
    rejected = _reject_taken(plan, taken, existing)
    await bulk.drop_households(session, existing | rejected)
    import_id = uuid.uuid4()
    loaded_h, loaded_m = await bulk.load(session, import_id, income_year, principal.subject, str(principal.role),
                                         correlation_id.get())
    unchanged_rows = sum(m[2] in existing for m in plan.members)
    plan.errors.sort(key=lambda e: e.line)
    run = ImportRun(id=import_id, filename=filename, sha256=hashlib.sha256(data).hexdigest(), rows=plan.rows,
                    households_registered=loaded_h, members_registered=loaded_m,
                    rows_rejected=len(plan.errors), rows_unchanged=unchanged_rows, imported_by=principal.subject)
    session.add(run)
    await session.flush()
    return ImportReport(import_id=import_id, filename=filename, rows=plan.rows, households_registered=loaded_h,
                        members_registered=loaded_m, households_unchanged=len(existing),
                        rows_unchanged=unchanged_rows, rows_rejected=len(plan.errors),
                        errors=[ImportError_(line=e.line, household_number=e.household_number,
                                             reason=reasons_text(e.reasons)) for e in plan.errors],
                        ignored_headers=plan.ignored_headers)


def reasons_text(reasons: list[Text]) -> str:
    """Every reason of a row in the request's language, joined as that language joins a list."""
    return ("；" if current_language() == ZH else "; ").join(translate(r) for r in reasons)


def _reject_taken(plan: Plan, taken: list[tuple], existing: set[str]) -> set[str]:
    """A row whose person is registered in another household takes its whole household out."""
    rejected = {number for _, number, _ in taken if number not in existing}
    bad_lines = set()
    for line, number, held_by in taken:
        if number in rejected:
            bad_lines.add(line)
            plan.errors.append(RowError(line, number, [msg("ID number already registered in household {household} "
                                                           "(one person, one household)", household=held_by)]))
    for _id, _household, number, line, *_ in plan.members:
        if number in rejected and line not in bad_lines:
            plan.errors.append(RowError(line, number, [NOT_LOADED]))
    return rejected
