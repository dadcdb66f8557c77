"""Personal data of reporters and declarants at rest: Fernet encryption, and keyed hashes to count them.

The key is ``MONITORING_SUPERVISION_KEY``. On one machine (``BACKSTOP_ENV=dev``, what ``make run`` and the tests
use) a key derived from the JWT secret stands in; anywhere else a missing or malformed key stops the start
(``Settings.secret_problem``, checked by the kernel's lifespan like the JWT secret).
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from backstop_common.settings import DEV, DEV_JWT_SECRET
from monitoring.config import Settings


class Vault:
    def __init__(self, key: bytes):
        self._fernet = Fernet(key)
        self._mac_key = hashlib.sha256(b"backstop-supervision-count:" + key).digest()

    def seal(self, value: str) -> bytes:
        return self._fernet.encrypt(value.encode())

    def open(self, token: bytes | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(bytes(token)).decode()
        except InvalidToken:
            return None

    def key_of(self, value: str) -> str:
        """A stable keyed hash (rate limits count phones and ID numbers without storing them in clear)."""
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()


def is_dev(settings: Settings) -> bool:
    return settings.backstop_env == DEV


def vault_from(settings: Settings) -> Vault | None:
    """None when there is no usable key outside dev: ``Settings.secret_problem`` then refuses the start."""
    if settings.supervision_key:
        try:
            return Vault(settings.supervision_key.encode())
        except ValueError:
            return None
    if not is_dev(settings):
        return None
    secret = settings.jwt_secret or DEV_JWT_SECRET
    derived = hashlib.sha256(b"backstop-dev-supervision:" + secret.encode()).digest()
    return Vault(base64.urlsafe_b64encode(derived))
