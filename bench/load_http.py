"""The writes of ``bench.event_latency``, from a process of their own (issue 18: the load generator shares no
process with what it measures, and is not the bottleneck).

Reads {"url", "headers", "households", "rate", "batch"} as JSON on stdin, POSTs an income assessment for each
household at ``rate`` a second whatever the answers (open loop) — or, with ``batch`` > 1, that many households'
assessments in one request to the batch route (a phone syncing its visits, a department's feed), ``rate / batch``
requests a second — each on an idle kept-alive connection or a new one, in plain
HTTP/1.1 over asyncio streams — ~0.1 ms of CPU a request, where httpx took about ten times that — and writes
{"sent": {household: epoch s}, "errors", "error_kinds", "error_samples", "sent_rate", "answered_rate", "cpu_s",
"connections_opened", "in_flight_max", "answered_by_half_s"} as JSON on stdout ("error_kinds": how many records got each status other than the route's (201; a batch's 200) and
each exception, and how many a batch refused record by record, e.g. {"503": 1, "ConnectionResetError": 2,
"refused in a batch": 3}; "error_samples": the first three, with the answer's body, the refused record's status and
problem or the exception's text, so a stray error says what it was; "connections_opened": the connections it had
to open because none kept alive was idle, "in_flight_max": the most requests awaiting their answer at once, and
"answered_by_half_s": how many answers came in each half second from the first write — whether the registry fell
behind and whether it caught up). Standard library only, so
the process starts in a moment and its CPU is the load's: counted from the first write to the last answer.
"""

import asyncio
import collections
import json
import resource
import sys
import time
from urllib.parse import urlsplit

FIGURES = {"year": 2026, "wage": "1800", "business": "0", "business_costs": "0", "property": "0", "transfer": "600"}
ASSESSMENT = json.dumps(FIGURES).encode()
BATCH_PATH = "/api/v1/income-assessments/batch"


def batch_body(households: list[str]) -> bytes:
    return json.dumps({"items": [{"household_id": h, **FIGURES} for h in households]}).encode()


def refused_in_batch(body: bytes) -> list[str]:
    """The batch's records that were not recorded (the route answers 200 and says so record by record)."""
    return [f"{item['status']} {item.get('problem')}" for item in json.loads(body)["items"] if item["status"] != 201]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 answer off a kept-alive connection: its status code and body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = b""
    if fields.get("transfer-encoding") == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
    else:
        body = await reader.readexactly(int(fields.get("content-length", 0)))
    return int(lines[0].split()[1]), body


#: uvicorn closes a kept-alive connection after 5 s without a request; one idle that long is not reused (a write on
#: it read 0 bytes back: IncompleteReadError, 1–2 in a 200/s stage of 1,600 writes before)
KEPT_ALIVE_S = 4.0


def _kept(idle: list) -> tuple | None:
    """The connection freed last, if one is still within the server's keep-alive; older ones are closed."""
    while idle:
        reader, writer, since = idle.pop()
        if time.monotonic() - since < KEPT_ALIVE_S:
            return reader, writer
        writer.close()
    return None


async def drive(url: str, headers: dict[str, str], households: list[str], rate: float, batch: int = 1) -> dict:
    base = urlsplit(url)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []  # the last one freed last
    sent: dict[str, float] = {}
    errors: collections.Counter[str] = collections.Counter()
    samples: list[str] = []
    opened, in_flight, answered_at = [0], [0, 0], []  # connections opened; requests awaiting now, at most

    async def connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        kept = _kept(idle)
        if kept is None:
            opened[0] += 1
            kept = await asyncio.open_connection(base.hostname, base.port)
        return kept

    def post(path: str, body: bytes) -> bytes:
        return (f"POST {path} HTTP/1.1\r\nHost: {base.netloc}\r\n{extra}Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    async def assess(households: list[str]) -> None:
        if batch == 1:
            request, expected = post(f"/api/v1/households/{households[0]}/income-assessments", ASSESSMENT), 201
        else:
            request, expected = post(BATCH_PATH, batch_body(households)), 200
        sent.update(dict.fromkeys(households, time.time()))
        in_flight[0] += 1
        in_flight[1] = max(in_flight)
        try:
            reader, writer = await connection()
            writer.write(request)
            status, body = await _read_answer(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:  # past saturation a connection can be lost
            errors[type(exc).__name__] += 1
            if len(samples) < 3:
                samples.append(f"{type(exc).__name__}: {exc}"[:300])
            for household in households:
                sent.pop(household, None)
            return
        finally:
            in_flight[0] -= 1
            answered_at.append(time.perf_counter())
        if status != expected:  # every record of the request refused
            errors[str(status)] += len(households)
            refused = [f"{status} {body[:300].decode(errors='replace')}"]
        else:  # a batch answers 200 and says record by record
            refused = refused_in_batch(body) if batch > 1 else []
            if refused:
                errors["refused in a batch"] += len(refused)
        samples.extend(refused[:max(3 - len(samples), 0)])  # what went wrong, for the report (a problem's words)
        idle.append((reader, writer, time.monotonic()))

    cpu, begin, tasks = _cpu_s(), time.perf_counter(), []
    for i in range(0, len(households), batch):  # each request at its time, whatever the answers so far
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(assess(households[i:i + batch])))
    sending = time.perf_counter() - begin
    await asyncio.gather(*tasks)
    answered = time.perf_counter() - begin
    cpu = _cpu_s() - cpu
    for _, writer, _ in idle:
        writer.close()
    # sent: whether this process kept the rate; answered: whether the registry did
    return {"sent": sent, "errors": errors.total(), "error_kinds": dict(errors), "error_samples": samples,
            "sent_rate": round(len(households) / max(sending, 1e-9), 1),
            "answered_rate": round(len(households) / answered, 1), "cpu_s": cpu, "connections_opened": opened[0],
            "in_flight_max": in_flight[1], "answered_by_half_s": _by_half_second(answered_at, begin)}


def _by_half_second(times: list[float], begin: float) -> list[int]:
    """How many of ``times`` fell in each half second from ``begin``."""
    counts = [0] * (int((max(times, default=begin) - begin) * 2) + 1)
    for at in times:
        counts[int((at - begin) * 2)] += 1
    return counts


if __name__ == "__main__":
    job = json.load(sys.stdin)
    json.dump(asyncio.run(drive(job["url"], job["headers"], job["households"], job["rate"], job.get("batch", 1))),
              sys.stdout)
