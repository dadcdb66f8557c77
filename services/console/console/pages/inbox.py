"""消息: the user's inbox, the unread count in the header, marking a message read."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from console.auth import csrf_ok
from console.pages.common import CsrfRefused, Page, parts, signed_in_page

router = APIRouter()


@router.get("/inbox")
async def inbox(page: Annotated[Page, Depends(signed_in_page)], unread: bool = False, offset: int = 0):
    [box] = await parts(page.api.get("notifications", "/inbox", unread=str(unread).lower(), limit=50,
                                     offset=max(offset, 0)))
    return page.render("inbox.html", nav="inbox", box=box, unread_only=unread, offset=offset)


@router.get("/inbox/unread")
async def unread_count(page: Annotated[Page, Depends(signed_in_page)]):
    """The header's badge (htmx): empty when nothing is unread or the service cannot say."""
    [box] = await parts(page.api.get("notifications", "/inbox", unread="true", limit=1))
    n = (box.data or {}).get("unread", 0)
    return HTMLResponse(f'<span data-unread="{n}">{n}</span>' if n else "")


@router.post("/inbox/{message_id}/read")
async def mark_read(message_id: uuid.UUID, request: Request, page: Annotated[Page, Depends(signed_in_page)]):
    if not await csrf_ok(request):
        raise CsrfRefused()
    await page.api.post("notifications", f"/inbox/{message_id}/read")
    if request.headers.get("HX-Request"):
        return HTMLResponse('<span class="muted">已读</span>', headers={"HX-Trigger": "inbox-read"})
    return RedirectResponse("/inbox", status_code=303)
