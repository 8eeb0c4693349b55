"""The signing key: from the setting, else generated once into the instance folder (mode 0600) and reused.

A key anyone can read in the source (the old development default) is refused, so a session or API token can never
be forged from public knowledge.
"""
from __future__ import annotations

import os
import secrets

from flask import Flask

#: Keys that were public at some time; an app configured with one of them does not start.
KNOWN_KEYS = frozenset({"dev-only-change-me", "change-me", "secret", "dev"})
MIN_LENGTH = 16


class InsecureSecretKey(RuntimeError):
    """The configured signing key is public or too short."""


def configure_secret_key(app: Flask) -> None:
    """Set ``SECRET_KEY`` from the setting or the instance folder's key file.

    :raises InsecureSecretKey: the configured key is a published default or shorter than 16 characters.
    """
    key = app.config.get("SECRET_KEY")
    if key:
        if key in KNOWN_KEYS or (len(key) < MIN_LENGTH and not app.config.get("TESTING")):
            raise InsecureSecretKey(
                "HOTLINE_SECRET_KEY is a published default or shorter than 16 characters; set a random one "
                "(python3 -c 'import secrets; print(secrets.token_urlsafe(48))') or unset it to generate one")
        return
    path = app.config.get("SECRET_KEY_FILE") or os.path.join(app.instance_path, "secret_key")
    app.config["SECRET_KEY"] = load_or_create_key(path)


def load_or_create_key(path: str) -> str:
    """Read the key in ``path``; when there is none, write a new random one readable by its owner only.

    Several workers may start at once: the key is written to a temporary file and linked into place, so every
    worker reads the same complete key.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)  # fails when another worker won the race; its key is then the key
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return _read(path)


def _read(path: str) -> str:
    with open(path) as f:
        key = f.read().strip()
    if len(key) < MIN_LENGTH:
        raise InsecureSecretKey(f"the key in {path} is empty or too short; delete the file to generate a new one")
    return key
