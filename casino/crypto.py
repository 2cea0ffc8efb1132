"""Secrets at rest: Fernet encryption with the keys of settings.FIELD_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts (MultiFernet). That is how a key is rotated: put
the new key first, deploy, run `manage.py rotate_encryption_key`, then drop the old key
(docs/architecture.md, "Secrets at rest").
"""

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

GENERATE_KEY_COMMAND = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class UndecryptableSecret(Exception):
    """A stored secret that no configured key opens: never hand its ciphertext on as a secret."""


@functools.lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    # Cached by the keys themselves, so changed settings (tests, a reload) take effect at once.
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes); "
                f"generate one with: {GENERATE_KEY_COMMAND}"
            ) from exc
    if not fernets:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS is empty; generate a key with: {GENERATE_KEY_COMMAND}")
    return tuple(fernets)


def _configured() -> tuple[Fernet, ...]:
    return _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))


def check_keys() -> None:
    """Raise ImproperlyConfigured unless every configured key is a usable Fernet key."""
    _configured()


def _keys() -> MultiFernet:
    return MultiFernet(_configured())


def encrypt(plaintext: str) -> str:
    """A token of `plaintext` under the first key (random IV: the same text never gives the same token)."""
    return _keys().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, what: str = "a secret") -> str:
    """The plaintext of `token`, opened with whichever configured key wrote it."""
    try:
        return _keys().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise UndecryptableSecret(
            f"{what} cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS: a wrong key, a key removed "
            "before `manage.py rotate_encryption_key` ran, or a value stored unencrypted"
        ) from exc


def is_under_first_key(token: str) -> bool:
    """True when the first (current) key opens `token`: rotation has nothing to do for it."""
    try:
        _configured()[0].decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token, read as the plaintext: callers never see the ciphertext.

    The value is decrypted once, in from_db_value, when the row is loaded; an instance kept
    in memory (wallet/api/auth.py caches aggregators for 5 s per process) therefore pays no
    decryption per request. The empty string stays empty ("not set" is no secret, and the
    admin shows it anyway). Tokens differ on every write, so the field cannot be filtered on.
    """

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value, what=f"{self.model._meta.label}.{self.name}")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
