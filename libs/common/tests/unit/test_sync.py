"""Offline sync's cursor and answer (sync.py), without a database."""

import uuid
from datetime import UTC, datetime

import pytest

from backstop_common.problems import Unprocessable
from backstop_common.sync import Cursor, Removed, Since, changes, decode


def test_a_cursor_comes_back_as_it_went_out_and_only_for_its_own_list():
    cursor = Cursor(912345, uuid.uuid4())
    assert decode(cursor.encode("cases"), "cases") == cursor
    for text in (cursor.encode("visits"), "", "bm90IGEgY3Vyc29y", "cases:1:2", "%%%"):
        with pytest.raises(Unprocessable):
            decode(text, "cases")


def test_items_and_tombstones_merge_in_one_order_and_the_cursor_stops_at_the_last_one_sent():
    a, b, c = (uuid.UUID(int=n) for n in (1, 2, 3))
    gone = Removed(id=b, reason="moved_out", removed_at=datetime(2026, 12, 1, tzinfo=UTC))
    since = Since("households", Cursor(1, a), limit=2)
    answer = changes(since, [(Cursor(5, a), "a"), (Cursor(9, c), "c")], [(Cursor(7, b), gone)])
    assert (answer.items, answer.removed, answer.more) == (["a"], [gone], True)
    assert decode(answer.next, "households") == Cursor(7, b)
    assert changes(since, [], []).next == Cursor(1, a).encode("households")  # nothing new: the same place
