"""Benchmark: import a national export of 100,000 households / 300,000 members into the registry.

    XDG_RUNTIME_DIR=/tmp/rt .venv/bin/python bench/registry_import.py [--households 100000] [--format both]
        [--files DIR]

Starts its own embedded PostgreSQL; for each format (by default XLSX, then CSV: both are what counties upload)
migrates a fresh registry database, writes the file (not timed; with ``--files`` once into DIR and read from
there by later runs, so that runs of two trees in turn import the same bytes),
then times the same import the API and the CLI run (read + validate + COPY + INSERT … SELECT + outbox +
commit), then the re-import of the same file (which must change nothing). Prints figures and machine info.

This process stands in for the registry service: next to each wall time it prints the CPU seconds of this
process, of the import's worker process (``registry.imports.worker``) and of PostgreSQL, and this process's
RSS before, at its peak during (sampled every 20 ms) and after the import (issue 18: ≤ 200 MB after). On a
shared machine the CPU seconds carry over; the wall time does not. ``--breakdown`` then also times read and
validate alone, in this process (after the figures, so they do not inflate its RSS).
"""

import argparse
import asyncio
import csv
import os
import platform
import random
import resource
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import psutil
import xlsxwriter
from stdnum.cn import ric

from backstop_common import devstack
from backstop_common.auth import Principal, Role
from backstop_common.clock import Clock
from backstop_common.db import create_engine, create_session_factory, plain_url
from backstop_common.uow import UnitOfWork
from registry.domain.imports import import_households, refresh_statistics
from registry.imports.plan import plan_import
from registry.imports.reader import read_rows

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from bench.common import cpu_seconds  # noqa: E402

HEADERS = ["序号", "县(市、区、旗)", "乡(镇)", "行政村", "自然村", "户编号", "人编号", "姓名", "证件号码", "人数",
           "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工时间（月）", "是否参加大病保险",
           "致贫原因1", "危房户", "是否解决安全饮用水", "人均纯收入", "户联系电话", "人联系电话", "户类型",
           "易返贫致贫户(监测对象)类型", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国玉兰春梅海燕志强红梅淑珍凤英德胜"
TOWNSHIPS, VILLAGES = 10, 10


def areas() -> list[tuple[str, str, str, str | None]]:
    rows = [("211204000000", "清河区", "county", None)]
    for t in range(1, TOWNSHIPS + 1):
        tcode = f"211204{t:03d}000"
        rows.append((tcode, f"第{t}镇", "township", "211204000000"))
        rows += [(f"211204{t:03d}{v:03d}", f"第{t}镇{v}村", "village", tcode) for v in range(1, VILLAGES + 1)]
    return rows


def id_number(i: int) -> str:
    born = date(1940, 1, 1) + timedelta(days=i // 400)
    stem = f"211204{born:%Y%m%d}{i % 400 * 2 + random.randint(0, 1):03d}"
    return stem + ric.calc_check_digit(stem + "0")


def people(households: int):
    rnd, serial = random.Random(7), 0
    relations = ("户主", "配偶", "之子", "之女", "之母")
    for h in range(households):
        t, v = h % TOWNSHIPS + 1, h // TOWNSHIPS % VILLAGES + 1
        number = f"8630{h:010d}"
        for p in range(3):
            name = rnd.choice(SURNAMES) + "".join(rnd.choices(GIVEN, k=rnd.randint(1, 2)))
            yield [str(serial + 1), "清河区", f"第{t}镇", f"第{t}镇{v}村", "一组", number, f"{number}{p + 1:02d}", name,
                   id_number(serial), "3", relations[p], "汉族", "初中", "", rnd.choice(("健康", "健康", "长期慢性病")),
                   rnd.choice(("普通劳动力", "弱劳动力或半劳动力", "无劳动力")), str(rnd.randint(0, 12)), "是", "因病",
                   rnd.choice(("否", "否", "是")), "是", "", "13800000000", "", "脱贫户", "",
                   str(rnd.randint(5000, 40000)), "3000", "0", "1500", "1000"]
            serial += 1


def write_file(path: Path, households: int, fmt: str) -> None:
    if fmt == "csv":
        with path.open("w", encoding="gbk", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["已脱贫人口名单"])
            writer.writerow(HEADERS)
            writer.writerows(people(households))
        return
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["已脱贫人口名单"])
    sheet.write_row(1, 0, HEADERS)
    for r, row in enumerate(people(households), start=2):
        sheet.write_row(r, 0, row)
    book.close()


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs ({cpu}), {mem} GiB RAM, "
            f"Python {platform.python_version()}")


class _Postgres:
    """What ``bench.common.cpu_seconds`` asks of a stack: its services (none here) and PostgreSQL's data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def processes(self) -> dict:
        return {}


class Rss:
    """This process's RSS, sampled every 20 ms while the block runs: (before, peak, after) in MB."""

    def __enter__(self):
        self._me, self._stop = psutil.Process(), threading.Event()
        self.before = self.peak = self._me.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._me.memory_info().rss)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.after = self._me.memory_info().rss
        self.peak = max(self.peak, self.after)

    def __str__(self) -> str:
        return f"RSS {self.before / 2**20:.0f} MB before, {self.peak / 2**20:.0f} MB peak, {self.after / 2**20:.0f} MB after"


def _workers_cpu() -> float:
    """CPU seconds of this process's finished children (the import's worker processes)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed_import(url: str, data: bytes, name: str, pg: _Postgres) -> tuple[float, object, str]:
    """(wall seconds, the report, a line of CPU seconds and RSS)."""
    cpu, workers = cpu_seconds(pg), _workers_cpu()
    with Rss() as rss:
        seconds, report, refresh = asyncio.run(_import(url, data, name))
    used, workers = cpu_seconds(pg), _workers_cpu() - workers
    line = (f"CPU s: registry process {used['load client'] - cpu['load client']:.1f}, import worker {workers:.1f}, "
            f"PostgreSQL {used['postgres'] - cpu['postgres']:.1f}; {rss}; "
            f"statistics refreshed {refresh:.2f} s after the answer (in the CPU, not the wall)")
    return seconds, report, line


async def _import(url: str, data: bytes, name: str) -> tuple[float, object, float]:
    """(seconds to the answer, the report, seconds of the statistics' refresh after it)."""
    engine = create_engine(url, pool_size=1)
    principal = Principal(subject="bench", role=Role.COUNTY_ADMIN, area_code="211204000000")
    try:
        async with create_session_factory(engine)() as session:
            uow = UnitOfWork(session, "registry")
            start = time.perf_counter()
            report = await import_households(uow, principal, data, name, 2024)
            await uow.commit()
            seconds = time.perf_counter() - start
            await refresh_statistics(uow, report)  # as the route does after its answer, which does not wait for it
            await uow.commit()
            return seconds, report, time.perf_counter() - start - seconds
    finally:
        await engine.dispose()


async def counts(url: str) -> tuple:
    con = await asyncpg.connect(plain_url(url))
    try:
        return tuple([await con.fetchval(f"SELECT count(*) FROM {t}") for t in ("households", "members", "outbox")]
                     + [await con.fetchval("SELECT version()")])
    finally:
        await con.close()


async def seed_areas(url: str) -> None:
    con = await asyncpg.connect(plain_url(url))
    try:
        await con.executemany("INSERT INTO areas (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", areas())
    finally:
        await con.close()


def breakdown(data: bytes, name: str) -> None:
    villages = {(a[1].split("镇")[0] + "镇", a[1]): a[0] for a in areas() if a[2] == "village"}
    t0 = time.perf_counter()
    table = read_rows(data, name)
    t_read = time.perf_counter() - t0
    plan = plan_import(table, villages, set(villages.values()), Clock().today())
    t_plan = time.perf_counter() - t0 - t_read
    print(f"breakdown (in this process, alone): read {t_read:.1f} s, validate+group {t_plan:.1f} s "
          f"({len(plan.member_lines)} good rows, {len(plan.errors)} bad)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--format", choices=("both", "xlsx", "csv"), default="both",
                        help="both (the default): the XLSX import, then the CSV one, each into a fresh database")
    parser.add_argument("--breakdown", action="store_true", help="also time read and validate alone, in-process")
    parser.add_argument("--files", type=Path, help="keep each format's file in this folder: written the first time, "
                        "read from there by later runs (the same bytes for each; ~40 s of writing saved a run)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        server = devstack.start_postgres(Path(tmp) / "pg", cleanup_mode="delete")
        try:
            pg = _Postgres(Path(tmp) / "pg")
            results = [run(fmt, args.households, Path(tmp), server, pg, args.breakdown, args.files)
                       for fmt in (("xlsx", "csv") if args.format == "both" else (args.format,))]
            print(f"postgres: {asyncio.run(counts(results[0][1]))[3].split(',')[0]}")
        finally:  # before its folder goes: a server still writing its WAL made the folder's removal fail
            devstack.stop_postgres(Path(tmp) / "pg")
        for fmt, _url, seconds in results:
            print(f"result {fmt}: {seconds:.1f} s — {'within' if seconds <= 20 else 'OVER'} the 20 s target")


def run(fmt: str, households_n: int, tmp: Path, server, pg: _Postgres, with_breakdown: bool,
        files: Path | None = None) -> tuple[str, str, float]:
    """One format's import and re-import into a database of its own: (format, database url, import seconds)."""
    file = (files or tmp) / f"export-{households_n}.{fmt}"
    t0 = time.perf_counter()
    kept = files is not None and file.exists()
    if not kept:
        (files or tmp).mkdir(parents=True, exist_ok=True)
        part = file.with_name(file.name + ".part")
        write_file(part, households_n, fmt)
        part.rename(file)  # a run stopped while writing leaves no half a file to reuse
    data = file.read_bytes()
    print(f"file: {fmt}, {households_n} households / {households_n * 3} members, {len(data) / 1e6:.1f} MB "
          + (f"(kept in {files}, not written again)" if kept else
             f"(written in {time.perf_counter() - t0:.1f} s, not timed)"))
    url = asyncio.run(devstack.create_database(server.get_uri(), f"registry_bench_{fmt}", recreate=True))
    devstack.migrate("registry", url)
    asyncio.run(seed_areas(url))
    load = os.getloadavg()
    seconds, report, used = timed_import(url, data, file.name, pg)
    households, members, outbox, _version = asyncio.run(counts(url))
    print(f"import ({fmt}): {seconds:.1f} s for {report.rows} rows -> {report.households_registered} households, "
          f"{report.members_registered} members, {report.rows_rejected} rejected "
          f"({report.rows / seconds:,.0f} rows/s); in the database: {households} households, {members} members, "
          f"{outbox} household.registered events in the outbox")
    print(f"  {used}; load average before {load[0]:.1f}")
    again, report2, used2 = timed_import(url, data, file.name, pg)
    after = asyncio.run(counts(url))
    print(f"re-import of the same file ({fmt}): {again:.1f} s, {report2.households_registered} registered, "
          f"{report2.households_unchanged} unchanged; database unchanged: {after[:3] == (households, members, outbox)}")
    print(f"  {used2}; load average after {os.getloadavg()[0]:.1f}")
    if with_breakdown:
        breakdown(data, file.name)
    if files is None:
        file.unlink()
    return fmt, url, seconds


if __name__ == "__main__":
    main()
