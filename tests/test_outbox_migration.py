"""Every service's outbox moving what it holds for consumer groups from its rows to ``outbox_held``: a database
upgraded from the previous head still holds every event its groups had not read (a broker that lost its log is given
them again), and one taken back gets each event's placement back."""

import asyncio
import subprocess
import sys
import uuid

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from backstop_common import devstack, migrations, topics
from backstop_common.db import plain_url

_ROW = """INSERT INTO outbox (id, topic, key, type, source, subject, time, data, sent_at, attempts, partition, "offset")
VALUES ($1, $2, 'k', 't', 's', 'k', now(), '{}', now(), 1, $3, $4) RETURNING seq"""


def _heads(service: str, url: str) -> tuple[str, str]:
    """(the head, the revision before it)."""
    script = ScriptDirectory.from_config(migrations.alembic_config(service, url))
    head = script.get_revision(script.get_current_head())
    return head.revision, head.down_revision


def _alembic(verb: str, service: str, url: str, revision: str) -> None:
    """A service's migrations to ``revision``, in a child process (each service's models in a metadata of their own)."""
    code = (f"from alembic import command; from backstop_common import migrations; "
            f"command.{verb}(migrations.alembic_config({service!r}, {url!r}), {revision!r})")
    subprocess.run([sys.executable, "-c", code], check=True)


async def _sql(url: str, work):
    conn = await asyncpg.connect(plain_url(url))
    try:
        return await work(conn)
    finally:
        await conn.close()


@pytest.mark.parametrize("service", ["registry", "monitoring", "funds", "notifications"])
def test_what_the_outbox_held_before_the_upgrade_is_still_held_and_comes_back_on_downgrade(pg_server, service):
    url = asyncio.run(devstack.create_database(pg_server, f"held_{service}", recreate=True))
    head, before = _heads(service, url)
    _alembic("upgrade", service, url, before)

    async def placed(conn):
        rows = [(topics.REGISTRY_HOUSEHOLD, 1, 5), (topics.REGISTRY_HOUSEHOLD, 1, 9), (topics.REGISTRY_HOUSEHOLD, 2, 4),
                (topics.REGISTRY_HOUSEHOLD, None, None)]  # the last one read by every group: nothing held
        return [await conn.fetchval(_ROW, uuid.uuid4(), *row) for row in rows]
    seqs = asyncio.run(_sql(url, placed))

    _alembic("upgrade", service, url, head)
    held = asyncio.run(_sql(url, lambda c: c.fetch("SELECT topic, partition, last_offset, seqs FROM outbox_held "
                                                   "ORDER BY partition")))
    assert [tuple(r) for r in held] == [(topics.REGISTRY_HOUSEHOLD, 1, 9, seqs[:2]),
                                        (topics.REGISTRY_HOUSEHOLD, 2, 4, [seqs[2]])]

    _alembic("downgrade", service, url, before)
    back = asyncio.run(_sql(url, lambda c: c.fetch('SELECT partition, "offset" FROM outbox ORDER BY seq')))
    assert [tuple(r) for r in back] == [(1, 9), (1, 9), (2, 4), (None, None)]  # a round's last offset: held as long
