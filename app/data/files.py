"""Files that hold clients' data (a large export waiting to be downloaded) are written
encrypted: AES-GCM with a key derived from DATA_KEY, a fresh nonce per file. A copy of
the instance folder without the key reads nothing."""

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

_NONCE_BYTES = 12
_PURPOSE = b"clientele files v1"  # a key of its own, not the one the columns use


def _key() -> bytes:
    data_key = current_app.config["DATA_KEY"].encode()
    return hashlib.sha256(_PURPOSE + data_key).digest()


def write_encrypted(path: Path, content: bytes) -> None:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key()).encrypt(nonce, content, _PURPOSE)
    partial = path.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as output:
        output.write(nonce + sealed)
    partial.replace(path)  # readers never see half a file


def read_encrypted(path: Path) -> bytes:
    sealed = path.read_bytes()
    return AESGCM(_key()).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _PURPOSE)
