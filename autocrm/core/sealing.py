"""Symmetric sealing of values the app stores or hands out and must read back (provider secrets, pending sign-ins,
queued mails with live links): Fernet under a key derived from the secret key, one key per purpose."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from autocrm.core.settings import get_settings


def sealer(purpose: str) -> Fernet:
    """The Fernet for `purpose`: a different purpose cannot open what this one sealed."""
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=f"autocrm:{purpose}".encode()).derive(
        get_settings().resolved_secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))
