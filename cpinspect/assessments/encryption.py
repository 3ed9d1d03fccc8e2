"""Encryption at rest of what inspectors write about a case: evidence notes, free-text
answers, rationales, escalation concerns.

Keys are Fernet keys (AES-128-CBC with HMAC-SHA256, from `cryptography`) in
``CPINSPECT_EVIDENCE_KEYS``, comma-separated, the newest first. ``MultiFernet`` encrypts with
the first and decrypts with any, so rotation is: put a new key first, keep the old ones, run
``cpinspect rotate_evidence_keys`` (re-encrypts every value under the new key), then drop the
old keys. The demo and the tests use a key file under var/keys instead; anywhere else a
missing key is an error, never a silent plaintext.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from cpinspect import database
from cpinspect.private_files import private_folder

ENV = "CPINSPECT_EVIDENCE_KEYS"


def _key_file() -> Path:
    return database.var_dir() / "keys" / "evidence.keys"


def _local_keys() -> str:
    """The demo's and the tests' key, made once with mode 0600."""
    path = _key_file()
    if not path.exists():
        private_folder(path.parent, path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(Fernet.generate_key().decode())
    return path.read_text().strip()


def configured_keys() -> str:
    value = os.environ.get(ENV, "").strip()
    if value:
        return value
    if settings.CPINSPECT_DEMO or settings.CPINSPECT_TESTING or settings.DEBUG:
        return _local_keys()
    raise ImproperlyConfigured(
        f"{ENV} is not set: give one or more Fernet keys, newest first, comma-separated "
        "(make one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )


@cache
def _keyring(value: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.strip()) for k in value.split(",") if k.strip()])
    except ValueError as exc:
        raise ImproperlyConfigured(f"{ENV} holds a key that is not a Fernet key.") from exc


def keyring() -> MultiFernet:
    return _keyring(configured_keys())


def encrypt(text: str) -> bytes:
    return keyring().encrypt(text.encode("utf-8"))


def decrypt(token: bytes) -> str:
    try:
        return keyring().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            f"A stored note cannot be decrypted with the keys in {ENV}: was an old key "
            "dropped before `cpinspect rotate_evidence_keys` ran?"
        ) from exc


def rotate(token: bytes) -> bytes:
    return keyring().rotate(bytes(token))


class EncryptedTextField(models.BinaryField):
    """Text stored as a Fernet token. Queries cannot filter on it, by design."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def to_plain(self, value):
        return "" if value is None else str(value)

    def from_plain(self, text: str):
        return text

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        return super().get_db_prep_value(
            encrypt(self.to_plain(value)), connection, prepared=prepared
        )

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_plain(decrypt(value))

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return "[encrypted]"  # never serialised in clear (dumpdata, admin)


class EncryptedJSONField(EncryptedTextField):
    def to_plain(self, value):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    def from_plain(self, text: str):
        return json.loads(text)


def encrypted_fields():
    """(model, [field names]) for every model with encrypted fields."""
    from django.apps import apps

    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names
