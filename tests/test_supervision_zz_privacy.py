"""After the supervision scenarios (file order): no phone or ID number of a reporter or declarant — nor any ID
number the session's households were registered with — in any event on any topic or any service's log."""

import asyncio
import json

from backstop_common.testing import read_events
from backstop_common.topics import ALL
from tests import support
from tests.test_supervision_declarations import PHONES, UNKNOWN_ID
from tests.test_supervision_reports import REPORTER_PHONE


async def test_no_phone_or_id_number_in_any_event_or_log_line(demo_areas, stack):
    secrets = [*PHONES, UNKNOWN_ID, REPORTER_PHONE, *support._issued]
    assert len(secrets) > len(PHONES) + 2  # the scenarios above registered households
    await asyncio.sleep(2)  # the relays publish what the last requests staged
    for topic in ALL:
        for event in await read_events(stack.bootstrap, topic, lambda es: False, timeout=2):
            text = json.dumps(event.data, ensure_ascii=False)
            assert not [s for s in secrets if s in text], (topic, event.type)
    for service in ("registry", "monitoring", "funds", "notifications"):
        log = stack.log(service)
        assert not [s for s in secrets if s in log], service
