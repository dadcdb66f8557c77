"""Static files under fingerprinted names (content hash), so browsers may keep them for a year."""

import hashlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

STATIC = Path(__file__).parent / "static"
YEAR = "public, max-age=31536000, immutable"
FILES = ["vendor/htmx.min.js", "vendor/echarts.common.min.js", "console.css", "console.js"]


class Assets:
    def __init__(self, root: Path = STATIC, files: list[str] = FILES):
        self.root = root
        self.by_name: dict[str, str] = {}
        self.by_fingerprint: dict[str, Path] = {}
        for name in files:
            path = root / name
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            stem, _, ext = path.name.rpartition(".")
            fingerprinted = f"{stem}.{digest}.{ext}"
            self.by_name[name] = f"/assets/{fingerprinted}"
            self.by_fingerprint[fingerprinted] = path

    def url(self, name: str) -> str:
        return self.by_name[name]


router = APIRouter()


@router.get("/assets/{name}", include_in_schema=False)
async def asset(name: str, request: Request):
    path = request.app.state.assets.by_fingerprint.get(name)
    if path is None:
        return Response(status_code=404)
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(path, media_type=media, headers={"Cache-Control": YEAR})
