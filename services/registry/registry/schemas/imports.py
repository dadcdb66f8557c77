"""What an import answers: counts, and every bad row by line with its reason."""

import uuid

from pydantic import BaseModel


class ImportError_(BaseModel):
    line: int
    household_number: str | None
    reason: str


class ImportReport(BaseModel):
    import_id: uuid.UUID
    filename: str
    rows: int
    households_registered: int
    members_registered: int
    households_unchanged: int
    rows_unchanged: int
    rows_rejected: int
    errors: list[ImportError_]
    ignored_headers: list[str]
