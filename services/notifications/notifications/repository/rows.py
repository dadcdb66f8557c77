"""What every set-based insert of this service does to its rows before the statement."""

import uuid


def with_new_ids(rows: list[dict]) -> list[dict]:
    """The rows as one statement's parameter sets, each given a new primary key ``id``."""
    return [{"id": uuid.uuid4(), **r} for r in rows]
