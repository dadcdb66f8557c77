"""Command line: ``backstop import FILE --area 211204000000`` (``python -m registry.cli import`` works too).

Loads a national export through the same code as ``POST /api/v1/imports/households``; the events it
stages in the outbox are published by the registry service's relay (or ``backstop`` on one machine).
"""

import argparse
import asyncio
import sys
from pathlib import Path

from tqdm import tqdm

from backstop_common.auth import Principal, Role
from backstop_common.db import create_engine, create_session_factory
from backstop_common.uow import UnitOfWork
from registry.config import Settings
from registry.domain.imports import import_households, refresh_statistics


async def run_import(path: Path, area: str, subject: str, income_year: int | None, database_url: str | None,
                     show_errors: int) -> int:
    settings = Settings(**({"database_url": database_url} if database_url else {}))
    engine = create_engine(settings.database_url, pool_size=1)
    principal = Principal(subject=subject, role=Role.COUNTY_ADMIN, area_code=area)
    bar = tqdm(unit=" rows", desc=f"reading {path.name}", file=sys.stderr)
    try:
        async with create_session_factory(engine)() as session:
            uow = UnitOfWork(session, "registry")
            report = await import_households(uow, principal, path.read_bytes(), path.name, income_year,
                                             progress=bar.update)
            bar.set_description("committing")
            await uow.commit()
            await refresh_statistics(uow, report)
            await uow.commit()
    finally:
        bar.close()
        await engine.dispose()
    print(f"{report.rows} rows: {report.households_registered} households / {report.members_registered} members "
          f"registered, {report.households_unchanged} households already registered, "
          f"{report.rows_rejected} rows rejected")
    for error in report.errors[:show_errors]:
        print(f"  line {error.line} (户编号 {error.household_number}): {error.reason}")
    if len(report.errors) > show_errors:
        print(f"  … and {len(report.errors) - show_errors} more")
    return 1 if report.rows_rejected else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("import", help="import a national household/member export (CSV, XLS, XLSX)")
    load.add_argument("file", type=Path)
    load.add_argument("--area", default="211204000000", help="12-digit code of the area the file may touch")
    load.add_argument("--subject", default="registry-cli", help="who is importing (kept in the history)")
    load.add_argument("--income-year", type=int, default=None)
    load.add_argument("--database-url", default=None, help="default: REGISTRY_DATABASE_URL")
    load.add_argument("--show-errors", type=int, default=50)
    args = parser.parse_args(argv)
    return asyncio.run(run_import(args.file, args.area, args.subject, args.income_year, args.database_url,
                                  args.show_errors))


if __name__ == "__main__":
    sys.exit(main())
