"""What every set-based insert of this service does to its rows before the statement."""

from backstop_common.uow import fresh_ids


def with_new_ids(rows: list[dict]) -> list[dict]:
    """The rows as one statement's parameter sets, each given a new primary key ``id`` (drawn together: one read of
    the OS's randomness, not one a row)."""
    return [{"id": id_, **r} for id_, r in zip(fresh_ids(len(rows)), rows, strict=True)]
