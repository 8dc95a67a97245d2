"""Language tags: one spelling everywhere, the fallback chain, and the Babel locale behind each tag.

Tags are normalised to BCP 47 spelling (`pt-BR`); guests, WhatsApp and directory names may write
`pt_BR`, `pt-br` or `PT-BR`. Only language and optional region are understood: that is all the
catalog distinguishes.

A catalog language is not a Babel locale. `pt` here is the hotel's (European) Portuguese, so it
formats with `pt_PT` (0 nights is plural, "110,00 €"), while `pt-BR` formats with `pt_BR` (0 and 1
are CLDR "one", "€ 110,00"). `en` formats with `en_GB`: a European hotel writes "15 Jan 2027",
"14:30" and "a, b and c", not the US "Jan 15, 2027", "2:30 PM" and "a, b, and c".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from babel import Locale, UnknownLocaleError

ULTIMATE_FALLBACK = "en"

# Catalog language -> Babel locale, where the plain tag would pick the wrong conventions.
DEFAULT_LOCALES: Mapping[str, str] = {"en": "en_GB", "es": "es", "pt": "pt_PT", "pt-BR": "pt_BR"}

_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|[0-9]{3}))?")


def normalize_language(tag: str) -> str | None:
    """`pt_br` -> `pt-BR`, `ES` -> `es`; None when the tag is not language[-region]."""
    match = _TAG.fullmatch(tag.strip())
    if match is None:
        return None
    language, region = match.group(1).lower(), match.group(2)
    return f"{language}-{region.upper()}" if region else language


def base_language(tag: str) -> str:
    """`pt-BR` -> `pt`. Expects a normalised tag."""
    return tag.partition("-")[0]


def fallback_chain(requested: str, default: str) -> tuple[str, ...]:
    """requested -> its base language -> default language (and its base) -> English, without repeats."""
    chain: list[str] = []
    for tag in (requested, base_language(requested), default, base_language(default), ULTIMATE_FALLBACK):
        if tag not in chain:
            chain.append(tag)
    return tuple(chain)


def babel_locale(tag: str, overrides: Mapping[str, str] = DEFAULT_LOCALES) -> Locale:
    """The Babel locale that formats for `tag`: the override if any, else the tag itself, else its base."""
    for candidate in (tag, base_language(tag)):
        identifier = overrides.get(candidate, candidate.replace("-", "_"))
        try:
            return Locale.parse(identifier)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(overrides.get(ULTIMATE_FALLBACK, ULTIMATE_FALLBACK))
