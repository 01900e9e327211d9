"""The installation's secret key: from settings, or generated once and kept in a private file."""

from __future__ import annotations

import os
import secrets

from app.config import Settings

MIN_SECRET_LENGTH = 32


def resolve_secret_key(settings: Settings) -> bytes:
    """The key that signs cookies and CSRF tokens.

    :raises ValueError: when a configured key is too short to be safe.
    """
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if len(key) < MIN_SECRET_LENGTH:
            raise ValueError(f"RAINBOW_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long")
        return key.encode()
    path = settings.secret_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: if two processes start together, exactly one writes the key and both read the same one.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48))
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{path} holds a key shorter than {MIN_SECRET_LENGTH} characters; delete it or replace it"
        )
    return key.encode()
