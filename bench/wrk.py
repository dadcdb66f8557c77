"""Drive an HTTP route with wrk (issue 18: the load generator outside Python, its CPU reported beside it).

``run(base, paths, ...)`` goes round ``paths`` (GET, or POST with ``body``; another ``method`` if given) for
``seconds`` on ``connections`` connections of one wrk thread, and returns requests/s, p50/p99 (ms), non-2xx
answers and wrk's CPU seconds. ``path_headers`` (one dict per path) adds headers to that path's requests (a member
change's ``If-Match``); ``$n`` in the body becomes the request's number (a value that changes every time).
"""

import json
import re
import resource
import subprocess
import tempfile
from pathlib import Path

_SCRIPT = """
local paths = {%(paths)s}
local extra = {%(extra)s}
local body = %(body)s
local method = %(method)s
local i = 0
local n = 0
request = function()
  i = i %% #paths + 1
  n = n + 1
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end  -- keep -H (Authorization) and Host
  if extra[i] then for k, v in pairs(extra[i]) do headers[k] = v end end
  if body then
    headers["Content-Type"] = "application/json"
    return wrk.format(method, paths[i], headers, (string.gsub(body, "%%$n", tostring(n))))
  end
  return wrk.format(method, paths[i], headers)
end
done = function(summary, latency, requests)
  local fmt = "JSON{\\"requests\\": %%d, \\"non2xx\\": %%d, \\"errors\\": %%d, "
    .. "\\"p50_us\\": %%d, \\"p99_us\\": %%d}\\n"
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(fmt, summary.requests, summary.errors.status, failed,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _lua(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for these ASCII paths and bodies


def _table(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()) + "}"


def run(base: str, paths: list[str], *, headers: dict[str, str] | None = None, body: dict | None = None,
        seconds: float = 10, connections: int = 16, method: str | None = None,
        path_headers: list[dict[str, str]] | None = None) -> dict:
    script = _SCRIPT % {"paths": ", ".join(_lua(p) for p in paths),
                        "extra": ", ".join(_table(h) for h in path_headers or []),
                        "body": _lua(json.dumps(body)) if body is not None else "nil",
                        "method": _lua(method or ("POST" if body is not None else "GET"))}
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "drive.lua"
        lua.write_text(script)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "-s", str(lua),
                              *[a for k, v in (headers or {}).items() for a in ("-H", f"{k}: {v}")], base],
                             capture_output=True, text=True, check=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = json.loads(out.split("JSON", 1)[1].splitlines()[0])
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": round(rps, 1), "p50_ms": round(found["p50_us"] / 1000, 1),
            "p99_ms": round(found["p99_us"] / 1000, 1), "non2xx": found["non2xx"], "errors": found["errors"],
            "wrk_cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
            "seconds": seconds}
