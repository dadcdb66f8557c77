"""A file's import plan built in a process of its own: ``python -m registry.imports.worker`` (job on stdin).

Reading and checking 300,000 rows is ~10 s of pure Python and held the whole file parsed in the service's
memory (~360 MB for 20,000 households, ~80 MB of it kept by pymalloc afterwards). Here a child process reads
the file and sends the plan in pieces of whole households (``plan.plan_chunks``) as it goes, so the service
stages and loads one piece while the child parses the next, and the parsed file never enters the service.
The process ends with the import, so the service's memory returns to rest.

Frames on stdout: an 8-byte length, then a pickle: ``("piece", Piece)`` … (``imports.copy_rows``: the rows as
COPY text, which the service forwards to PostgreSQL as they are), then ``("done", None)``, or
``("problem", Text)`` for a file that cannot be read or has no header. An XLSX is planned as its sheet is read
(``reader.blocks_in_child``, by a process of the child's own; ``plan.plan_blocks``): when a household's rows
turn out to stand apart, or the sheet cannot be cut between rows, ``("restart", None)`` says to discard the
pieces sent so far, and the file's pieces follow again, made from the file read whole as before.
"""

import asyncio
import dataclasses
import pickle
import struct
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

FRAME = struct.Struct(">Q")


@dataclass(frozen=True)
class ImportJob:
    """Pickled on the worker's stdin; the file's bytes follow it as they are (not copied into the pickle)."""

    data: bytes
    filename: str
    villages: dict[tuple[str, str], str]
    village_codes: set[str]
    today: date
    rows_per_chunk: int
    sheet_block: int | None = None  # bytes of sheet XML an XLSX is read by (``reader.BLOCK``); tests make it small


class ImportFailed(Exception):
    """The worker process ended without its last frame (its stderr says why)."""


class FileProblem(Exception):
    """The file cannot be read or has no usable header: the message says why."""

    def __init__(self, problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


#: in place of a piece: discard the pieces loaded so far, the file's pieces follow from its start again (an XLSX
#: planned as it was read whose household's rows turned out to stand apart: ``plan.Apart``)
RESTART = "restart"

#: pieces read ahead of the one being loaded (the child parses on while the service loads)
AHEAD = 2


async def plans_in_process(job: ImportJob) -> AsyncIterator:
    """The job's plan pieces as the child makes them; a cancelled or abandoned import kills the child."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "registry.imports.worker", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, limit=1 << 20)
    pieces: asyncio.Queue = asyncio.Queue(AHEAD)
    feeding = asyncio.create_task(_feed(process, job))
    reading = asyncio.create_task(_read(process, pieces))
    try:
        while (piece := await pieces.get()) is not None:
            if isinstance(piece, BaseException):
                raise piece
            yield piece
        await process.wait()
    finally:
        feeding.cancel()
        reading.cancel()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _read(process, pieces: asyncio.Queue) -> None:
    """Frames → the queue: each piece, then None at the end, or the exception the import raises."""
    try:
        while True:
            size = FRAME.unpack(await process.stdout.readexactly(FRAME.size))[0]
            kind, value = pickle.loads(await process.stdout.readexactly(size))
            if kind == "done":
                await pieces.put(None)
                return
            if kind == "restart":
                await pieces.put(RESTART)
                continue
            await pieces.put(FileProblem(value) if kind == "problem" else value)
            if kind == "problem":
                return
    except asyncio.IncompleteReadError:
        await process.wait()
        await pieces.put(ImportFailed((await process.stderr.read()).decode(errors="replace")[-2000:]))
    except Exception as exc:  # noqa: BLE001 - whatever stops the reading ends the import, never leaves it waiting
        await pieces.put(exc)


async def _feed(process, job: ImportJob) -> None:
    """The job without its bytes, then the bytes in slices (asyncio would copy a whole file it cannot send at once)."""
    try:
        process.stdin.write(pickle.dumps(dataclasses.replace(job, data=b""), protocol=pickle.HIGHEST_PROTOCOL))
        data = memoryview(job.data)
        for start in range(0, len(data), 1 << 20):
            process.stdin.write(data[start:start + (1 << 20)])
            await process.stdin.drain()
        process.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the child ended early: its frames say why


def _send(out, kind: str, value) -> None:
    frame = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(FRAME.pack(len(frame)))
    out.write(frame)
    out.flush()


def main() -> None:
    from backstop_common.i18n import message_of  # noqa: PLC0415 - the service's process never needs these
    from registry.imports.columns import HeaderProblem  # noqa: PLC0415
    from registry.imports.copy_rows import piece_of  # noqa: PLC0415
    from registry.imports.plan import no_gc, plan_chunks  # noqa: PLC0415
    from registry.imports.reader import UnreadableFile, read_rows  # noqa: PLC0415

    job: ImportJob = pickle.load(sys.stdin.buffer)
    job = dataclasses.replace(job, data=sys.stdin.buffer.read())
    out = sys.stdout.buffer
    with no_gc():
        try:
            if not _planned_as_read(job, out):
                table = read_rows(job.data, job.filename)
                for plan in plan_chunks(table, job.villages, job.village_codes, job.today,
                                        rows_per_chunk=job.rows_per_chunk):
                    _send(out, "piece", piece_of(plan))
        except (UnreadableFile, HeaderProblem) as exc:
            _send(out, "problem", message_of(exc))
            return
    _send(out, "done", None)


def _planned_as_read(job: ImportJob, out) -> bool:
    """An Excel file's pieces sent as its sheet is read — an XLSX's XML in blocks, or else its rows a block at a
    time; False when it must be read whole (after ``("restart", None)`` if pieces were sent): a CSV, a household's
    rows apart, no header."""
    from registry.imports.columns import HeaderProblem
    from registry.imports.copy_rows import piece_of
    from registry.imports.plan import Apart, plan_blocks
    from registry.imports.reader import BLOCK, NotInBlocks, blocks_in_child, sheet_rows

    if not job.rows_per_chunk:
        return False
    # a process of its own reads the XML's blocks, a thread takes them ahead from it; rows taken one by one from a
    # sheet read whole need the GIL throughout, so they are taken in turn
    blocks = blocks_in_child(job.data, job.sheet_block or BLOCK) or sheet_rows(job.data, job.filename)
    if blocks is None:
        return False
    sent = 0
    try:
        for plan in plan_blocks(blocks, job.villages, job.village_codes, job.today,
                                rows_per_chunk=job.rows_per_chunk):
            _send(out, "piece", piece_of(plan))
            sent += 1
    except (Apart, NotInBlocks, HeaderProblem):  # read whole, the file says as before what it says
        if sent:
            _send(out, "restart", None)
        return False
    return True


if __name__ == "__main__":
    main()
