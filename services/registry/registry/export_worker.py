"""A household export built in a process of its own: ``python -m registry.export_worker`` (job on stdin).

A county's export is ~60,000 rows and ~1.6 million cells, seconds of pure-Python CPU: in the service's
process (even in a thread, through the GIL) it stalled every other request (issue 12). Here it streams
rows from a server-side cursor into the writer with its own connection, in one REPEATABLE READ transaction that also
writes the unmasked reader's access log (the logged households are the exported ones), and commits once
the file is complete. The process ends with the export, so the service's memory at rest is unchanged.
"""

import asyncio
import json
import os
import pickle
import sys
import time
from dataclasses import dataclass

from registry.domain.exports import HEADERS, export_row

#: rows fetched per round trip from the server-side cursor
PREFETCH = 2000
#: the worker's exit status when the database is away (sysexits' EX_TEMPFAIL): the route answers 503
DATABASE_AWAY = 75


Statement = tuple[str, tuple]  # as repository/exports.py compiles it


@dataclass(frozen=True)
class ExportJob:
    dsn: str
    rows: Statement
    access_log: Statement | None  # None for a masked reader
    unmasked: bool
    path: str  # where the worker writes the XLSX


class ExportFailed(Exception):
    """The worker process ended without a file (its stderr says why)."""


class DatabaseAway(ExportFailed):
    """The worker could not reach the database: worth a retry, not a 500."""


async def build(job: ExportJob) -> dict:
    import asyncpg  # noqa: PLC0415 - only the worker process needs a connection of its own

    from backstop_common.xlsx import XlsxSheet  # noqa: PLC0415

    started = time.perf_counter()
    con = await asyncpg.connect(job.dsn)
    try:
        async with con.transaction(isolation="repeatable_read"):
            if job.access_log:
                await con.execute(job.access_log[0], *job.access_log[1])
            logged = time.perf_counter()
            sheet, first = XlsxSheet(job.path, HEADERS, "households"), None
            async for record in con.cursor(job.rows[0], *job.rows[1], prefetch=PREFETCH):
                first = first or time.perf_counter()
                sheet.append(export_row(record, job.unmasked))
            sheet.close()
    finally:
        await con.close()
    first = first or logged
    return {"rows": sheet.rows - 1, "logged_s": round(logged - started, 2), "first_row_s": round(first - logged, 2),
            "written_s": round(time.perf_counter() - first, 2), "cpu_s": round(time.process_time(), 2)}


async def export_in_process(job: ExportJob) -> dict:
    """Run ``job`` in a child process; cancelled (client gone, shutdown), the child is killed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "registry.export_worker", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await process.communicate(pickle.dumps(job))
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode == DATABASE_AWAY:
        raise DatabaseAway(err.decode(errors="replace")[-2000:])
    if process.returncode != 0:
        raise ExportFailed(err.decode(errors="replace")[-2000:])
    return json.loads(out)


def main() -> None:
    job: ExportJob = pickle.load(sys.stdin.buffer)
    try:
        summary = asyncio.run(build(job))
    except BaseException as exc:
        if os.path.exists(job.path):
            os.unlink(job.path)
        from backstop_common.db import is_unavailable  # noqa: PLC0415 - only on failure (it loads SQLAlchemy)

        if is_unavailable(exc):
            sys.stderr.write(f"database unavailable: {exc!r}\n")
            sys.exit(DATABASE_AWAY)
        raise
    sys.stdout.write(json.dumps(summary))


if __name__ == "__main__":
    main()
