"""Human-friendly booking references such as HA-7K3Q9P: no 0/O, 1/I/L confusion when read aloud."""

from __future__ import annotations

import re
import secrets

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "HA-"
REFERENCE_LENGTH = 6
REFERENCE_PATTERN = re.compile(rf"^HA-[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}$")


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return REFERENCE_PREFIX + body


def normalize_reference(raw: str) -> str:
    """'ha 7k3q9p' or 'HA7K3Q9P' -> 'HA-7K3Q9P'; other strings are returned upper-cased and stripped."""
    compact = re.sub(r"[\s\-_]", "", raw).upper()
    if compact.startswith("HA") and len(compact) == 2 + REFERENCE_LENGTH:
        return REFERENCE_PREFIX + compact[2:]
    return raw.strip().upper()
