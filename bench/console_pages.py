"""Benchmark: the console's pages on the demo county at any size — server time, HTML weight, JS, memory.

Targets (issue 15): each page's server time p95 ≤ 150 ms at 20,000 households and ≤ 300 ms at 200,000;
HTML ≤ 200 KB a page; all JS ≤ 1.2 MB (fingerprinted, cached long); the console ≤ 120 MB RSS at rest.

Set-up: `backstop up` on free ports, then the demo county (`backstop_common.demo`, ``--households`` of
them) through the registry's bulk import (``POST /imports/households``, CSV) in slices of ``--slice``
households, so the import's working set stays that of one slice; then the other services digest it
(their inboxes stop growing and monitoring counts as many households as registry holds).
Timed: each page ``--runs`` times in a row after 5 warm-ups, signed in as the county admin (the demo cadre
for the village pages), through the console's real HTTP port. The server time is the console's
``Server-Timing: app;dur=`` (arrival to first byte, the services' calls included); the round trip is
beside it. HTML is each page's uncompressed body. JS: every script the pages reference, as served.
RSS: the console process after the run and 10 s of rest. The pages are timed once the 1-minute load
average is ≤ ``--quiet-load`` (1.5; at most 10 minutes' wait), and the load before and after is recorded:
on two shared cores another suite's load multiplies every figure.

Run: ``.venv/bin/python -m bench.console_pages [--households 20000] [--runs 50] [--screenshot PATH]``
(``--screenshot docs/console/overview-county.png``: 总览 of the loaded county, for the README).
A big county takes a while to digest (monitoring applies each household's registration): load it once
into a kept folder and time it later, at a quiet moment —
``--households 200000 --data-dir /var/tmp/county200k --load-only``, then the same without ``--load-only``.
"""

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from backstop_common.demo.county import COUNTY_CODE  # noqa: E402
from backstop_common.demo.households import household_csv  # noqa: E402
from backstop_common.demo.users import HELPER_VILLAGE  # noqa: E402
from backstop_common.devstack import run_stack  # noqa: E402
from backstop_common.seed import seed_demo  # noqa: E402
from bench.common import machine, percentile, summary  # noqa: E402

WARM = 5
OUT = Path(__file__).resolve().parent / "out"
ADMIN_PAGES = ("/", "/cases", "/households", "/notices", "/inbox", "/funds", "/campaigns", "/public/funds")
SCRIPT = re.compile(r'<script[^>]+src="([^"]+)"')


def signed_in(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post("/login/demo", data={"csrf_token": csrf, "user": user, "next": "/"})
    assert signed.status_code == 303, signed.text
    return client


def server_ms(resp: httpx.Response) -> float:
    return float(re.search(r"app;dur=([\d.]+)", resp.headers["server-timing"]).group(1))


def timed(client: httpx.Client, path: str, runs: int, scripts: set[str]) -> dict:
    for _ in range(WARM):
        client.get(path).raise_for_status()
    server, trip, size = [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        resp = client.get(path, headers={"Accept-Encoding": "identity"})
        trip.append((time.perf_counter() - started) * 1000)
        resp.raise_for_status()
        server.append(server_ms(resp))
        size = len(resp.content)
    scripts.update(SCRIPT.findall(resp.text))
    return {"path": path, "p50_ms": round(percentile(server, 50), 1), "p95_ms": round(percentile(server, 95), 1),
            "round_trip_p95_ms": round(percentile(trip, 95), 1), "html_kb": round(size / 1024, 1),
            "summary": summary(server)}


def load_county(stack, households: int, slice_size: int, digest_timeout: float) -> dict:
    """The demo county: the seed (areas, directory, money, the first slice), then the rest slice by slice.
    A data folder that already holds some of it (``--data-dir``) gets only the slices it lacks."""
    started = time.monotonic()
    admin = stack.headers("county_admin", COUNTY_CODE)
    held = registered_households(stack)
    stack_file = json.loads((stack.data_dir / "stack.json").read_text())
    loaded = seed_demo(stack_file, households=min(households, slice_size))  # a second run adds nothing
    rejected = loaded["rows_rejected"]
    with httpx.Client(timeout=900, headers={**admin, "content-type": "text/csv"}) as client:
        for first in range(slice_size, households, slice_size):
            size = min(slice_size, households - first)
            if first + size <= held:
                continue
            # a seed per slice: the ID numbers of one slice are unique, and another slice's are drawn afresh
            body = household_csv(size, seed=2020 + first, first=first)
            resp = client.post(f"{stack.url('registry')}/api/v1/imports/households",
                               params={"filename": f"qinghe-{first}.csv"}, content=body)
            assert resp.status_code in (200, 201), resp.text[:500]
            rejected += resp.json()["rows_rejected"]
            print(f"  imported households {first}–{first + size} in {time.monotonic() - started:.0f} s", flush=True)
    imported_s = time.monotonic() - started
    digested_s = wait_until_digested(stack, timeout=digest_timeout)
    total = registered_households(stack)
    return {"households": total, "imported_now": total - held, "import_s": round(imported_s, 1),
            "digest_s": round(digested_s, 1), "rows_rejected": rejected,
            # import and digest overlap: households a second from the first request to the last one digested
            "loaded_households_per_s": round((total - held) / (imported_s + digested_s), 1) if total > held else None,
            "load_average_1min_after_digest": round(os.getloadavg()[0], 2)}


def registered_households(stack) -> int:
    return httpx.get(f"{stack.url('registry')}/api/v1/households", headers=stack.headers("county_admin", COUNTY_CODE),
                     params={"area_code": COUNTY_CODE, "limit": 1}, timeout=60).json()["total"]


def wait_until_digested(stack, every: float = 5.0, timeout: float = 3600) -> float:
    """Until monitoring counts the households registry holds, registry's outbox is sent and the inboxes
    stop growing; prints where the backlog is while it waits. Answers the seconds until the first of the two
    looks that found the same backlog: nothing moved between them, so everything was digested by the first (the
    second, ``every`` later, only confirms it; before session 16 the figure was the second's)."""
    admin = stack.headers("county_admin", COUNTY_CODE)
    started, last, last_at = time.monotonic(), None, 0.0
    while time.monotonic() - started < timeout:
        registered = registered_households(stack)
        monitored = httpx.get(f"{stack.url('monitoring')}/api/v1/stats", headers=admin,
                              timeout=60).json()["totals"]["households"]
        backlog = backlogs(stack)
        if monitored >= registered and backlog == last and not backlog["registry_unsent"]:
            return last_at
        last, last_at = backlog, time.monotonic() - started
        print(f"  {time.monotonic() - started:6.0f} s digesting: registry {registered}, monitoring {monitored}, "
              f"{backlog}", flush=True)
        time.sleep(every)
    raise TimeoutError("the services did not digest the import in time")


def backlogs(stack) -> dict[str, int]:
    """Registry's unsent outbox rows and each consumer's inbox rows (what it has applied)."""
    import asyncio

    import asyncpg

    from backstop_common.db import plain_url

    async def count() -> dict[str, int]:
        found = {}
        for service, query in (("registry_unsent", "SELECT count(*) FROM outbox WHERE sent_at IS NULL"),
                               ("monitoring_inbox", "SELECT count(*) FROM inbox"),
                               ("funds_inbox", "SELECT count(*) FROM inbox"),
                               ("notifications_inbox", "SELECT count(*) FROM inbox")):
            conn = await asyncpg.connect(plain_url(stack.database_url(service.split("_")[0])))
            found[service] = await conn.fetchval(query)
            await conn.close()
        return found

    return asyncio.run(count())


def wait_for_quiet(most: float, patience: float = 600) -> float:
    """Pages are timed once the machine is quiet (1-minute load average ≤ ``most``, the digest's own load
    gone), or after ``patience`` seconds anyway; returns the load average at the start."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] > most and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def js_weight(base: str, scripts: set[str]) -> dict:
    """Every script the pages reference, as served: its size and its cache header."""
    found = {}
    for src in sorted(scripts):
        resp = httpx.get(f"{base}{src}", timeout=30, headers={"Accept-Encoding": "identity"})
        resp.raise_for_status()
        found[src] = {"kb": round(len(resp.content) / 1024, 1), "cache_control": resp.headers.get("cache-control")}
    return {"scripts": found, "total_kb": round(sum(s["kb"] for s in found.values()), 1)}


def screenshot(base: str, path: Path) -> None:
    """总览 of the loaded county as the county admin sees it (for the README)."""
    from tests.browser import Browser, start_chromium

    driver, profile = start_chromium()
    try:
        browser = Browser(driver, base)
        driver.set_window_size(1280, 1400)
        browser.sign_in("admin")
        browser.wait_for("[data-chart] svg")
        time.sleep(1)  # ECharts' entry animation
        path.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(path))
    finally:
        driver.quit()
        profile.cleanup()


def main(households: int, slice_size: int, runs: int, shot: Path | None, quiet_load: float = 1.5,
         data_dir: Path | None = None, load_only: bool = False, digest_timeout: float = 7200) -> dict | None:
    if data_dir:
        data_dir.mkdir(parents=True, exist_ok=True)
    with (contextlib.nullcontext(str(data_dir)) if data_dir else tempfile.TemporaryDirectory()) as tmp:
        stack = run_stack(Path(tmp), extra_env={"CONSOLE_PUBLIC_RATE_PER_MINUTE": "1000000", "LOG_LEVEL": "WARNING"},
                          timeout=900)
        try:
            county = load_county(stack, households, slice_size, digest_timeout)
            print(f"county loaded: {county}", flush=True)
            if load_only:
                return None
            base = stack.url("console")
            admin_headers = stack.headers("county_admin", COUNTY_CODE)
            cases = httpx.get(f"{stack.url('monitoring')}/api/v1/cases", headers=admin_headers,
                              params={"area_code": HELPER_VILLAGE, "limit": 1}, timeout=60).json()["items"]
            homes = httpx.get(f"{stack.url('registry')}/api/v1/households", headers=admin_headers,
                              params={"area_code": HELPER_VILLAGE, "limit": 1}, timeout=60).json()["items"]
            admin, cadre = signed_in(base, "admin"), signed_in(base, "cadre")
            scripts: set[str] = set()
            load_before = wait_for_quiet(quiet_load)
            results = [timed(admin, p, runs, scripts) for p in ADMIN_PAGES]
            if cases:
                results.append(timed(cadre, f"/cases/{cases[0]['id']}", runs, scripts))
            if homes:
                results += [timed(cadre, f"/households/{homes[0]['id']}", runs, scripts),
                            timed(cadre, f"/households/{homes[0]['id']}/card", runs, scripts)]
            results.append(timed(cadre, "/cases", runs, scripts) | {"path": "/cases (cadre)"})
            load_after = os.getloadavg()[0]
            js = js_weight(base, scripts)
            time.sleep(10)  # at rest
            rss = stack.processes()["console"].memory_info().rss / 2**20
            if shot:
                screenshot(base, shot)
        finally:
            stack.stop()
    report = {"machine": machine(), "households": households, "county": county, "pages": results, "js": js,
              "console_rss_mb": round(rss, 1),
              "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)}}
    OUT.mkdir(exist_ok=True)
    (OUT / f"console_pages_{households}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(report["machine"])
    for r in results:
        print(f"{r['path']:<50} server {r['summary']}; round trip p95 {r['round_trip_p95_ms']} ms; "
              f"html {r['html_kb']} KB")
    print(f"all JS {js['total_kb']} KB {js['scripts']}; console RSS at rest {rss:.0f} MB; "
          f"load average {load_before:.2f} before the pages, {load_after:.2f} after")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--slice", type=int, default=20_000, help="households per import request")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--quiet-load", type=float, default=1.5,
                        help="time the pages once the 1-minute load average is this low (waits up to 10 min)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the stack's databases here: a later run on it loads only what is missing")
    parser.add_argument("--load-only", action="store_true", help="load and digest the county, time nothing")
    parser.add_argument("--digest-timeout", type=float, default=7200, help="seconds")
    args = parser.parse_args()
    main(args.households, args.slice, args.runs, args.screenshot, args.quiet_load, args.data_dir, args.load_only,
         args.digest_timeout)
