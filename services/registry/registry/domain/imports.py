"""Bulk import of a national export (CSV/XLS/XLSX): validate every row, load the good ones set-based.

Re-importing the same file changes nothing: a household whose 户编号 is registered is left as it is.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from asgi_correlation_id import correlation_id

from backstop_common.auth import Principal
from backstop_common.consumer import give_back_memory
from backstop_common.i18n import ZH, Text, current_language, msg, translate
from backstop_common.problems import Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain.guards import may_write
from registry.imports.worker import RESTART, FileProblem, ImportJob, plans_in_process
from registry.imports.copy_rows import Piece
from registry.imports.ids import OrderedIds
from registry.imports.plan import NOT_LOADED, RowError
from registry.models import ImportRun
from registry.repository import areas, bulk
from registry.schemas.imports import ImportError_, ImportReport


#: rows of the file in one piece (staged and loaded while the worker parses the next; whole households)
ROWS_PER_PIECE = 20_000


async def import_households(uow: UnitOfWork, principal: Principal, data: bytes, filename: str,
                            income_year: int | None = None, progress: Callable[[int], None] | None = None,
                            rows_per_piece: int = ROWS_PER_PIECE, sheet_block: int | None = None) -> ImportReport:
    """The file is read and checked by a child process (``registry.imports.worker``) in pieces of whole
    households; each piece is staged, checked against the registry and loaded while the next is parsed. Once the
    caller has committed, ``refresh_statistics``."""
    may_write(principal)
    session = uow.session
    income_year = income_year or uow.clock.today().year - 1
    known = await areas.villages_in(session, principal.scope)
    job = ImportJob(data, filename, {(township or "", name): code for code, name, township, _county in known},
                    {k[0] for k in known}, uow.clock.today(), rows_per_piece, sheet_block)
    import_id, total, new_id = uuid.uuid4(), _Totals(), OrderedIds()
    await bulk.open_staging(session)
    await bulk.hold_import(session, import_id)
    await bulk.keep_pieces(session)
    try:
        async for plan in plans_in_process(job):
            if plan is RESTART:  # the worker starts the file's pieces again (worker.RESTART)
                await bulk.discard_pieces(session)
                total = _Totals()
                continue
            await _load_piece(session, plan, total, import_id, income_year, principal, new_id)
            if progress:
                progress(plan.rows)
    except FileProblem as exc:
        raise Unprocessable(msg("{file}: {problem}", file=filename, problem=exc.problem)) from None
    # the pieces' COPY text (~14 MB each) is freed, but glibc kept its pages: the service stayed ~40 MB above
    # where it started after 100,000 households (issue 18: ≤ 200 MB after an import)
    give_back_memory()
    total.errors.sort(key=lambda e: e.line)
    run = ImportRun(id=import_id, filename=filename, sha256=hashlib.sha256(data).hexdigest(), rows=total.rows,
                    households_registered=total.households, members_registered=total.members,
                    rows_rejected=len(total.errors), rows_unchanged=total.unchanged_rows,
                    imported_by=principal.subject)
    session.add(run)
    await session.flush()
    return ImportReport(import_id=import_id, filename=filename, rows=total.rows,
                        households_registered=total.households, members_registered=total.members,
                        households_unchanged=total.unchanged, rows_unchanged=total.unchanged_rows,
                        rows_rejected=len(total.errors),
                        errors=[ImportError_(line=e.line, household_number=e.household_number,
                                             reason=reasons_text(e.reasons)) for e in total.errors],
                        ignored_headers=total.ignored_headers)


async def refresh_statistics(uow: UnitOfWork, report: ImportReport) -> None:
    """The planner's statistics refreshed after an import of ``ANALYZE_AFTER`` households or more, once the
    import's transaction has ended and if it committed — on another connection it waits for that (with
    Idempotency-Key the middleware commits after the route has answered); the caller commits. After the answer,
    not before it: ``ANALYZE`` was ~0.6–1.0 s of the ~2.4 s PostgreSQL worked alone at the end of the bench's
    import (bench/RESULTS.md, session 15 — the import's ends). In the second or so between, a query on the new
    rows may be planned as if the tables were empty (a township's list ~150 ms instead of ~1 ms); an import's own
    checks do not lean on statistics (``bulk.EXISTING``), and autovacuum would refresh them too, minutes later."""
    if refreshes_statistics(report) and await bulk.committed(uow.session, report.import_id):
        await bulk.analyze(uow.session)


def refreshes_statistics(report: ImportReport) -> bool:
    """Whether the import was large enough to refresh the planner's statistics (a village's list is not)."""
    return report.households_registered >= bulk.ANALYZE_AFTER


@dataclass
class _Totals:
    rows: int = 0
    households: int = 0
    members: int = 0
    unchanged: int = 0
    unchanged_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)


async def _load_piece(session, plan: Piece, total: _Totals, import_id: uuid.UUID, income_year: int,
                      principal: Principal, new_id: OrderedIds) -> None:
    await bulk.stage(session, plan.households, plan.members)
    existing, taken = await bulk.conflicts(session)
    rejected = _reject_taken(plan, taken, existing)
    await bulk.drop_households(session, existing | rejected)
    households, members = await bulk.load(session, import_id, income_year, principal.subject, str(principal.role),
                                          correlation_id.get(), new_id)
    total.rows += plan.rows
    total.households += households
    total.members += members
    total.unchanged += len(existing)
    total.unchanged_rows += sum(number in existing for number, _line in plan.member_lines)
    total.errors += plan.errors
    total.ignored_headers = plan.ignored_headers


def reasons_text(reasons: list[Text]) -> str:
    """Every reason of a row in the request's language, joined as that language joins a list."""
    return ("；" if current_language() == ZH else "; ").join(translate(r) for r in reasons)


def _reject_taken(plan: Piece, taken: list[tuple], existing: set[str]) -> set[str]:
    """A row whose person is registered in another household takes its whole household out."""
    rejected = {number for _, number, _ in taken if number not in existing}
    bad_lines = set()
    for line, number, held_by in taken:
        if number in rejected:
            bad_lines.add(line)
            plan.errors.append(RowError(line, number, [msg("ID number already registered in household {household} "
                                                           "(one person, one household)", household=held_by)]))
    for number, line in plan.member_lines:
        if number in rejected and line not in bad_lines:
            plan.errors.append(RowError(line, number, [NOT_LOADED]))
    return rejected
