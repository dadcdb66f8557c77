"""``uow.fresh_ids``: ids drawn in bulk are what ``uuid.uuid4`` would give — version 4, RFC 4122, all distinct."""

import uuid

from backstop_common.uow import fresh_ids


def test_fresh_ids_are_distinct_version_4_uuids():
    ids = fresh_ids(5000)
    assert len(ids) == 5000 and len(set(ids)) == 5000
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)
    assert fresh_ids(0) == []
