"""Password hashing (argon2id) and short-lived signed bearer tokens (HS256 JWT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
TOKEN_AUDIENCE = "hotel-agent-admin"  # noqa: S105 - a claim value, not a secret
TOKEN_ALGORITHM = "HS256"  # noqa: S105 - an algorithm name

# Verifying against this keeps the time of a login for an unknown user equal to a wrong password's.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def issue_token(
    *, subject: str, role: str, secret: str, ttl_seconds: int, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role,
        "aud": TOKEN_AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


def decode_token(token: str, *, secret: str) -> dict[str, Any]:
    """Claims of a valid token; raises jwt.InvalidTokenError (expired, forged, wrong audience)."""
    claims: dict[str, Any] = jwt.decode(
        token,
        secret,
        algorithms=[TOKEN_ALGORITHM],
        audience=TOKEN_AUDIENCE,
        options={"require": ["sub", "exp", "iat", "aud"]},
    )
    return claims
