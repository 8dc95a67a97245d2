"""Webhook authenticity: HMAC-SHA256 of the raw body with the app secret, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta sends with a body: `sha256=<hex>`."""
    return _PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, header: str | None, app_secret: str) -> bool:
    """True only for a present, well-formed signature of exactly these bytes."""
    if not header or not header.startswith(_PREFIX):
        return False
    expected = sign(body, app_secret)
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())


def tokens_match(given: str | None, expected: str) -> bool:
    """The verify-token check of the subscription handshake, in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
