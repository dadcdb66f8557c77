"""Defensive masking of what leaves for another system: personal identifiers never go out."""

import re
from typing import Any

from backstop_common.privacy import mask_text

#: keys dropped wherever they appear (names, ID/phone/bank numbers, addresses, personal user ids)
PERSONAL_KEY = re.compile(
    r"(^|_)(name|names|id_number|id_card|idcard|phone|phones|mobile|telephone|tel|bank_account|account_no|"
    r"card_no|address|email|user_id|user_ids)$", re.IGNORECASE)


def strip_personal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_personal(v) for k, v in value.items() if not PERSONAL_KEY.search(str(k))}
    if isinstance(value, list):
        return [strip_personal(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value
