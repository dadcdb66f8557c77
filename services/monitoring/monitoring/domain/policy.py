"""Policy lookup: a household's values come from the nearest area that set them for the year.

The walk goes village → township → county → city → province (``auth.parent_area``); among the rows
of that chain the newest year not after the one asked wins, and within a year the deepest area.
"""

from backstop_common.auth import area_prefix, parent_area
from monitoring.models import Policy
from monitoring.repository import policies


def area_chain(area_code: str) -> list[str]:
    chain, code = [], area_code
    while code:
        chain.append(code)
        code = parent_area(code)
    return chain


async def effective_policy(session, area_code: str, year: int) -> Policy | None:
    return await policies.newest_in_chain(session, area_chain(area_code), year)


def scope_of(area_code: str) -> str:
    return area_prefix(area_code)
