"""Route dependencies of the monitoring API."""

from typing import Annotated

from fastapi import Depends

from backstop_common.concurrency import optional_version

#: ``If-Match`` is checked when sent (409 on a stale version) and optional on case actions
IfMatch = Annotated[int | None, Depends(optional_version)]
