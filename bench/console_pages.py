"""Benchmark: the console's pages on the demo county (20,000 households) — time, HTML weight, JS, memory.

Targets (issue 15): each page p95 ≤ 150 ms at 20,000 households; HTML ≤ 200 KB a page; all JS ≤ 1.2 MB;
the console ≤ 120 MB RSS at rest. Set-up: `backstop up` with the demo county loaded, a case and a household
of the demo cadre's village picked through the APIs. Timed: each page 50 times in a row (after 5 warm-ups),
signed in as the county admin (the cadre for the cadre's pages), through the console's real HTTP port — a
round trip, so an upper bound on the server's time. The public page is cached by design (60 s).
Run: ``.venv/bin/python -m bench.console_pages``.
"""

import json
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from bench.common import machine, percentile, summary  # noqa: E402
from backstop_common.devstack import run_stack  # noqa: E402

RUNS, WARM = 50, 5
OUT = Path(__file__).resolve().parent / "out"
STATIC = Path(__file__).resolve().parents[1] / "services/console/console/static"


def signed_in(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post("/login/demo", data={"csrf_token": csrf, "user": user, "next": "/"})
    assert signed.status_code == 303, signed.text
    return client


def timed(client: httpx.Client, path: str) -> dict:
    for _ in range(WARM):
        client.get(path).raise_for_status()
    samples, size = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        resp = client.get(path, headers={"Accept-Encoding": "identity"})
        samples.append((time.perf_counter() - started) * 1000)
        resp.raise_for_status()
        size = len(resp.content)
    return {"path": path, "p50_ms": percentile(samples, 50), "p95_ms": percentile(samples, 95),
            "html_kb": round(size / 1024, 1), "summary": summary(samples)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = run_stack(Path(tmp), seed=True, extra_env={"CONSOLE_PUBLIC_RATE_PER_MINUTE": "100000"}, timeout=900)
        try:
            base = stack.url("console")
            admin_headers = stack.headers("county_admin", "211204000000")
            cases = httpx.get(f"{stack.url('monitoring')}/api/v1/cases", headers=admin_headers,
                              params={"area_code": "211204101200", "limit": 1}, timeout=30).json()["items"]
            homes = httpx.get(f"{stack.url('registry')}/api/v1/households", headers=admin_headers,
                              params={"area_code": "211204101200", "limit": 1}, timeout=30).json()["items"]
            admin, cadre = signed_in(base, "admin"), signed_in(base, "cadre")
            results = [timed(admin, p) for p in ("/", "/cases", "/households", "/notices", "/inbox", "/funds",
                                                 "/campaigns", "/public/funds")]
            if cases:
                results.append(timed(cadre, f"/cases/{cases[0]['id']}"))
            if homes:
                results += [timed(cadre, f"/households/{homes[0]['id']}"),
                            timed(cadre, f"/households/{homes[0]['id']}/card")]
            results.append(timed(cadre, "/cases"))
            time.sleep(5)
            rss = stack.processes()["console"].memory_info().rss / 2**20
        finally:
            stack.stop()
    js = sum(p.stat().st_size for p in STATIC.rglob("*.js")) / 1024
    report = {"machine": machine(), "pages": results, "js_kb": round(js, 1), "console_rss_mb": round(rss, 1)}
    OUT.mkdir(exist_ok=True)
    (OUT / "console_pages.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(report["machine"])
    for r in results:
        print(f"{r['path']:<50} {r['summary']}  html {r['html_kb']} KB")
    print(f"all JS {js:.0f} KB; console RSS after the run {rss:.0f} MB")


if __name__ == "__main__":
    main()
