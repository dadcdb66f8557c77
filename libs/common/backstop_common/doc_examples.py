"""docs/clients.md's ``curl`` lines as requests, so the page stays true: every line ``curl … # → 201`` whose URL
starts with ``$<BASE>`` (``$REGISTRY``, ``$NOTIFICATIONS``) runs in that service's tests, lines in order,
``$NAME`` replaced from a shared dict as the shell would."""

import re
import shlex
from pathlib import Path

LINE = re.compile(r"^curl (?P<args>.*?)\s+# → (?P<status>\d{3})\s*$")


def examples(doc: Path, base: str) -> list[tuple[str, int]]:
    """(curl arguments, expected status) of the lines calling ``$base``."""
    found = [(m["args"], int(m["status"])) for m in map(LINE.match, doc.read_text().splitlines()) if m]
    return [(args, status) for args, status in found if f"${base}/" in args]


def request(args: str, env: dict, base: str) -> dict:
    """httpx ``request(**…)`` keyword arguments for one line; the URL relative to ``$base``."""
    words = [re.sub(r"\$(\w+)", lambda m: env[m[1]], word) for word in shlex.split(args)]
    found, words = {"method": "GET", "headers": {}}, iter(words)
    for word in words:
        if word == "-X":
            found["method"] = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(":")
            found["headers"][name.strip()] = value.strip()
        elif word == "-d":
            found["content"] = next(words).encode()
        elif not word.startswith("-"):
            found["url"] = word.removeprefix(env[base])
    return found
