"""Where a py-spy profile's time goes: folded stacks (``py-spy record --format raw``) summarised.

    python -m bench.profile_summary bench/out/registry_read.folded

``summarise(text)`` answers, for the main thread (the event loop) only — its stacks from the interpreter's start,
and the greenlets SQLAlchemy's asyncio layer runs statements in, which py-spy roots apart (12–19 % of a
consumer's samples, bench/RESULTS.md session 13); threads' stacks (``_bootstrap``) are left out: samples in all and idle (the event loop waiting in epoll), the share of the busy
samples spent under each layer (inclusive: a sample counts for every layer on its stack), the share by the
library the leaf frame is in (self time), and the hottest leaf functions.
"""

import re
import sys
from collections import Counter

#: inclusive layers: a frame's file path containing the key puts the sample in the layer
LAYERS = {
    "middleware (backstop_common.middleware)": "backstop_common/middleware.py",
    "auth / JWT (backstop_common.auth, jwt)": ("backstop_common/auth.py", "/jwt/"),
    "request logging (structlog, logging)": ("/structlog/", "/logging/"),
    "metrics (prometheus_client)": "/prometheus_client/",
    "FastAPI routing, dependencies, serialisation": "/fastapi/",
    "pydantic": ("/pydantic/", "/pydantic_core/"),
    "SQLAlchemy ORM and Core": "/sqlalchemy/",
    "asyncpg": "/asyncpg/",
    "unit of work (backstop_common.uow)": "backstop_common/uow.py",
    "outbox staging (backstop_common.outbox)": "backstop_common/outbox.py",
    "registry domain": "registry/domain/",
    "registry repository": "registry/repository/",
    "uvicorn / httptools": ("/uvicorn/", "/httptools/"),
}
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")
#: a thread's stack starts here (the thread pool, the XLSX reader); every other stack is the event loop's
_THREAD = "_bootstrap (threading.py"
_IDLE = ("select (selectors.py", "_run_once (asyncio/base_events.py")


def _frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for frame in stack.split(";"):
        found = _FRAME.match(frame.strip())
        # py-spy names a library's file from the package (``asyncpg/connection.py``) or whole: "/" before it
        # lets a layer's "/asyncpg/" match either
        out.append((found["func"], "/" + found["file"].lstrip("/")) if found else (frame.strip(), ""))
    return out


def _library(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    for mark in ("backstop_common/", "registry/"):
        if mark in path:
            return mark + path.split(mark, 1)[1].split("/", 1)[0]
    return path.rsplit("/", 2)[-2] if "/" in path else path or "?"


def summarise(text: str, top: int = 20) -> dict:
    total = idle = 0
    layers: Counter = Counter()
    libraries: Counter = Counter()
    leaves: Counter = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        if stack.startswith(_THREAD):
            continue  # the thread pool's workers, the logging thread: not the event loop's time
        n = int(count)
        total += n
        frames = _frames(stack)
        leaf = stack.rsplit(";", 1)[-1]
        if frames and frames[-1][0] == "select" or any(mark in leaf for mark in _IDLE):
            idle += n
            continue
        for layer, keys in LAYERS.items():
            keys = (keys,) if isinstance(keys, str) else keys
            if any(k in path for _, path in frames for k in keys):
                layers[layer] += n
        libraries[_library(frames[-1][1])] += n
        leaves[f"{frames[-1][0]} ({frames[-1][1].rsplit('site-packages/', 1)[-1]})"] += n
    busy = total - idle or 1

    def share(counter: Counter, k: int) -> dict:
        return {name: f"{100 * n / busy:.1f} %" for name, n in counter.most_common(k)}

    return {"samples": total, "idle_share": f"{100 * idle / (total or 1):.1f} %", "busy_samples": total - idle,
            "inclusive_by_layer": share(layers, len(LAYERS)), "self_by_library": share(libraries, 15),
            "hottest_leaves": share(leaves, top)}


if __name__ == "__main__":
    import json

    print(json.dumps(summarise(open(sys.argv[1]).read()), indent=1, ensure_ascii=False))
