"""Administrator sign-in: password hashes made and checked with the standard library.

Owns the hash format and where the configured hash is found. No Streamlit here: the Data
page (nno_dash/ui/admin.py) passes in st.secrets, and `python -m nno_dash admin-hash`
makes a hash to put there.

A hash is one line, `scrypt$n$r$p$salt$key` (the default) or
`pbkdf2_sha256$iterations$salt$key`, salt and key in URL-safe base64. Only the hash is
configured, never the password; checking compares keys with hmac.compare_digest (constant
time). Where it is looked for, first found wins:

1. `st.secrets["NNO_ADMIN_PASSWORD_HASH"]`, or `password_hash` in an `[admin]` section of
   .streamlit/secrets.toml;
2. the environment variable NNO_ADMIN_PASSWORD_HASH.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from typing import Any

ENV_VAR = "NNO_ADMIN_PASSWORD_HASH"
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # slow and memory-hard on purpose: costly to guess
PBKDF2_ITERATIONS = 600_000
MIN_PASSWORD_LENGTH = 8
KEY_BYTES = 32


class AuthConfigError(ValueError):
    """The configured hash cannot be used (malformed or an unknown scheme)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, scheme: str = "scrypt", salt: bytes | None = None) -> str:
    """A one-line hash of `password` to configure as NNO_ADMIN_PASSWORD_HASH."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    salt = salt or secrets.token_bytes(16)
    if scheme == "scrypt":
        n, r, p = SCRYPT["n"], SCRYPT["r"], SCRYPT["p"]
        key = _scrypt(password, salt, n, r, p)
        return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"
    if scheme == "pbkdf2":
        key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
        return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${_b64(salt)}${_b64(key)}"
    raise ValueError(f"scheme must be scrypt or pbkdf2, not {scheme!r}")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int = KEY_BYTES) -> bytes:
    memory = 128 * n * r * (p + 1) + (1 << 20)
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=dklen)


def check_hash(encoded: str) -> None:
    """Raise AuthConfigError unless `encoded` is a hash this module can verify against."""
    parts = encoded.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(v) for v in parts[1:4])
            if n < 2 or n & (n - 1) or r < 1 or p < 1 or n * r > 2**24:
                raise ValueError
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            if not 1_000 <= int(parts[1]) <= 10_000_000:
                raise ValueError
        else:
            raise ValueError
        if not _unb64(parts[-2]) or len(_unb64(parts[-1])) < 16:
            raise ValueError
    except (ValueError, TypeError):
        raise AuthConfigError(
            f"{ENV_VAR} is not a hash made by `python -m nno_dash admin-hash` "
            "(expected scrypt$n$r$p$salt$key or pbkdf2_sha256$iterations$salt$key)"
        ) from None


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches the hash; compared in constant time."""
    check_hash(encoded)
    parts = encoded.strip().split("$")
    salt, expected = _unb64(parts[-2]), _unb64(parts[-1])
    if parts[0] == "scrypt":
        n, r, p = (int(v) for v in parts[1:4])
        key = _scrypt(password, salt, n, r, p, len(expected))
    else:
        key = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), salt, int(parts[1]), dklen=len(expected)
        )
    return hmac.compare_digest(key, expected)


def configured_hash(
    secrets_: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The administrator's password hash from the secrets, else the environment; None if unset."""
    if secrets_:
        value = secrets_.get(ENV_VAR)
        section = secrets_.get("admin")
        if not value and isinstance(section, Mapping):
            value = section.get("password_hash")
        if value:
            return str(value).strip()
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    return value or None
