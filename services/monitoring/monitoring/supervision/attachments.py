"""Images sent with a report: only JPEG, PNG and WebP (checked by their first bytes, not their label), each
at most ``MAX_BYTES``."""

import base64
import binascii

from backstop_common.i18n import msg
from backstop_common.problems import Unprocessable
from monitoring.supervision.models import ReportAttachment
from monitoring.supervision.schemas import AttachmentIn

MAX_BYTES = 2 * 1024 * 1024  # a phone photo, compressed
SIGNATURES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/webp": (b"RIFF",)}


def decode(item: AttachmentIn) -> bytes:
    try:
        content = base64.b64decode(item.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Unprocessable("the attachment is not valid base64", filename=item.filename) from exc
    if len(content) > MAX_BYTES:
        raise Unprocessable(msg("the attachment is larger than {mb} MB", mb=MAX_BYTES // 1024 // 1024),
                            filename=item.filename)
    if not content.startswith(SIGNATURES[item.content_type]) or (
            item.content_type == "image/webp" and content[8:12] != b"WEBP"):
        raise Unprocessable("the attachment does not match its type (JPEG, PNG and WebP images only)",
                            filename=item.filename)
    return content


def build(report_id, items: list[AttachmentIn]) -> list[ReportAttachment]:
    """Every attachment checked before any is kept (a bad one refuses the whole report)."""
    decoded = [(item, decode(item)) for item in items]
    return [ReportAttachment(report_id=report_id, filename=item.filename, content_type=item.content_type,
                             size=len(content), content=content) for item, content in decoded]
