"""Symmetric sealing of values the app stores or hands out and must read back (provider secrets, pending sign-ins,
queued mails with live links): Fernet under a key derived from the secret key, one key per purpose."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from autocrm.core.settings import get_settings


def derived_key(purpose: str) -> bytes:
    """32 bytes for `purpose`, derived from the secret key: a different purpose gets an unrelated key."""
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=f"autocrm:{purpose}".encode()).derive(
        get_settings().resolved_secret_key.encode()
    )


def sealer(purpose: str) -> Fernet:
    """The Fernet for `purpose`: a different purpose cannot open what this one sealed."""
    return Fernet(base64.urlsafe_b64encode(derived_key(purpose)))
