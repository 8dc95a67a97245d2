"""Turns a template key, a language and a context into the text a guest reads.

Language fallback: requested (`pt-BR`) -> its base (`pt`) -> the default language -> English. A
regional tag falling back to its base language is the normal case (regional catalogs are optional
overlays) and formats with the requested locale, so a `pt-BR` guest reading the `pt` text still gets
Brazilian plurals and currency placement. Falling back to *another* language is a missing
translation: logged once per process and key (`templates.translation_missing`), counted on every
render (`hotel_agent_template_missing_total{key,language}`), and formatted in the language of the
text actually used, so an English fallback never shows Spanish dates.

Hot path: one dict lookup for the resolved (key, language), then the sandboxed render of a template
compiled once. Compiled templates are cached per (key, template language); `invalidate` drops them
when a source changes a text, and a source that announces changes (`add_listener`, the database
source) gets them recompiled right away (`reload`), off the next guest's reply.

Run-time failures: validation renders every text with its sample before it can go live, but a real
context can still break a text (a value the sample never had). Then the source's earlier good
versions (`previous`, newest first) are tried, the failure is logged (`templates.render_failed`)
and counted (`hotel_agent_template_render_failures_total{key,language,outcome}`), and only when no
version renders does the error reach the caller: a guest never receives broken text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from jinja2 import Template

from hotel_agent.message_templates.errors import (
    TemplateCatalogError,
    TemplateNotFoundError,
    TemplateRenderError,
)
from hotel_agent.message_templates.formatting import LocaleFormatter
from hotel_agent.message_templates.languages import (
    DEFAULT_LOCALES,
    babel_locale,
    base_language,
    fallback_chain,
    normalize_language,
)
from hotel_agent.message_templates.metrics import record_missing, record_render, record_render_failure
from hotel_agent.message_templates.sandbox import MessageEnvironment, RenderLimits
from hotel_agent.message_templates.schemas import RenderedMessage, RenderEvent, TemplateEntry
from hotel_agent.message_templates.source import TemplateSource

log = structlog.get_logger(__name__)

_MAX_REMEMBERED_TAGS = 256
_MAX_FALLBACK_TEMPLATES = 256


@dataclass(frozen=True, slots=True)
class _Resolved:
    entry: TemplateEntry
    template: Template
    formatter: LocaleFormatter
    fallback: bool


class TemplateRenderer:
    """Renders guest messages from a `TemplateSource` in a sandbox, with locale-aware formatting."""

    def __init__(
        self,
        source: TemplateSource,
        *,
        default_language: str = "en",
        currency: str = "EUR",
        timezone: str = "Europe/Lisbon",
        on_render: Callable[[RenderEvent], None] | None = None,
        limits: RenderLimits | None = None,
        locales: Mapping[str, str] | None = None,
        metered: bool = True,
    ) -> None:
        default = normalize_language(default_language)
        if default is None:
            raise ValueError(f"default_language {default_language!r} is not a language tag")
        ZoneInfo(timezone)  # an unknown zone fails here, not on the first guest message
        self.source = source
        # False for the admin simulator's renderer: its renders are not guests' (no render counters).
        self.metered = metered
        self.default_language = default
        self.currency = currency
        self.timezone = timezone
        self._on_render = on_render
        self._environment = MessageEnvironment(limits)
        self._locales = {**DEFAULT_LOCALES, **(locales or {})}
        self._compiled: dict[tuple[str, str], Template] = {}
        self._resolved: dict[tuple[str, str], _Resolved] = {}
        self._formatters: dict[str, LocaleFormatter] = {}
        self._tags: dict[str, str] = {}
        # Earlier versions compiled on demand when the current one fails: (key, language, version).
        self._fallbacks: dict[tuple[str, str, int | None], Template] = {}
        # A/B variant texts by (key, requested language, variant); None: the variant has no text there.
        self._variants: dict[tuple[str, str, str], _Resolved | None] = {}
        variant_source: Callable[[str, str, str], TemplateEntry | None] | None = getattr(
            source, "variant", None
        )
        self._variant_source = variant_source
        previous: Callable[[str, str], Sequence[TemplateEntry]] | None = getattr(source, "previous", None)
        self._previous = previous
        add_listener: Callable[[Callable[[set[str]], None]], None] | None = getattr(
            source, "add_listener", None
        )
        if add_listener is not None:
            add_listener(self.reload)

    def render(
        self,
        key: str,
        language: str,
        context: Mapping[str, Any] | None = None,
        *,
        conversation_id: str | None = None,
        variant: str | None = None,
    ) -> RenderedMessage:
        """Render `key` for a guest who reads `language`; `RenderedMessage.language` is the one used.

        `variant` (an A/B test's assignment) renders that variant's live text in the guest's language;
        without one there (or when it fails to render) the default text is rendered instead, and
        `RenderedMessage.variant` is then None: the caller counts the fallback.
        """
        started = time.perf_counter()
        requested = self._tags.get(language) or self._normalize(language)
        recovered = False
        rendered = self._render_variant(key, requested, variant, context) if variant is not None else None
        if rendered is not None:
            entry, text, fallback = rendered
        else:
            try:
                resolved = self._resolved.get((key, requested)) or self._resolve(key, requested)
                entry = resolved.entry
                text = self._environment.render_entry(
                    resolved.template, context, resolved.formatter, key=key, language=entry.language
                )
                fallback = resolved.fallback
            except TemplateRenderError as exc:
                entry, text, fallback = self._recover(key, requested, context, exc)
                recovered = True
        if self.metered:
            record_render(key, entry.language)
            if fallback:
                record_missing(key, requested)
        if entry.max_length is not None and len(text) > entry.max_length:
            text = _truncate(entry, text, entry.max_length)
        on_render = self._on_render
        if on_render is not None:
            _notify(
                on_render,
                RenderEvent(
                    key=key,
                    requested_language=requested,
                    language=entry.language,
                    variant=entry.variant,
                    version=entry.version,
                    conversation_id=conversation_id,
                    fallback=fallback,
                    version_id=entry.version_id,
                    render_seconds=time.perf_counter() - started,
                    recovered=recovered,
                ),
            )
        return RenderedMessage(key=key, language=entry.language, text=text, variant=entry.variant)

    def has(self, key: str, language: str) -> bool:
        """Whether `language` or its base language has its own text for `key` (no cross-language fallback)."""
        requested = self._normalize(language)
        return any(self.source.get(key, tag) is not None for tag in (requested, base_language(requested)))

    def warm_up(self, *, strict: bool = True) -> None:
        """Load every locale's CLDR data and compile every template; a broken one fails start-up.

        `strict=False` logs broken templates instead (`templates.warm_up_failed`): with the database
        source, earlier versions stand in for them at render time, which beats not starting at all.
        """
        languages = self.source.languages()
        for tag in languages | self._locales.keys() | {self.default_language}:
            self._formatter(tag).warm_up()
        failures: list[str] = []
        for key in sorted(self.source.keys()):
            for language in sorted(languages | {self.default_language}):
                if (key, language) in self._resolved:
                    continue
                try:
                    self._resolve(key, language)
                except TemplateNotFoundError:
                    log.warning("templates.translation_missing", key=key, language=language, used=None)
                except TemplateRenderError as exc:
                    failures.append(exc.detail)
        if failures and not strict:
            log.error("templates.warm_up_failed", failures=sorted(set(failures)))
        elif failures:
            raise TemplateCatalogError(
                f"{len(failures)} template(s) do not compile: " + "; ".join(sorted(set(failures))),
                failures=sorted(set(failures)),
            )
        log.info("templates.warmed_up", templates=len(self._compiled), languages=sorted(languages))

    def invalidate(self, key: str | None = None) -> None:
        """Forget compiled templates (all, or one key's) so the next render reads the source again."""
        if key is None:
            self._compiled.clear()
            self._resolved.clear()
            self._fallbacks.clear()
            self._variants.clear()
            return
        for cache in (self._compiled, self._resolved, self._fallbacks, self._variants):
            _drop_key(cache, key)

    def reload(self, keys: set[str]) -> None:
        """The source changed these keys: drop their compiled templates and compile the new texts now.

        Only the languages guests have already asked for are recompiled, so the next reply does not
        pay for compiling; a text that no longer resolves is left for `render` to report.
        """
        for key in keys:
            requested = [language for cached_key, language in self._resolved if cached_key == key]
            variants = [
                (language, name) for cached_key, language, name in self._variants if cached_key == key
            ]
            self.invalidate(key)
            for language in requested:
                try:
                    self._resolve(key, language)
                except (TemplateNotFoundError, TemplateRenderError) as exc:
                    log.warning("templates.reload_failed", key=key, language=language, error=str(exc))
            for language, name in variants:
                self._resolve_variant(key, language, name)

    def formatter(self, language: str) -> LocaleFormatter:
        """The formatter for a language tag (what templates' `money`, `date`, `plural` use)."""
        return self._formatter(self._normalize(language))

    # Internals

    def _normalize(self, language: str) -> str:
        tag = normalize_language(language)
        if tag is None:
            log.warning("templates.language_invalid", language=language, used=self.default_language)
            tag = self.default_language
        if len(self._tags) < _MAX_REMEMBERED_TAGS:
            self._tags[language] = tag
        return tag

    def _resolve(self, key: str, requested: str) -> _Resolved:
        entry = self._lookup(key, requested)
        same_language = base_language(entry.language) == base_language(requested)
        if not same_language:
            log.warning("templates.translation_missing", key=key, language=requested, used=entry.language)
        resolved = _Resolved(
            entry=entry,
            template=self._compile(entry),
            formatter=self._formatter(requested if same_language else entry.language),
            fallback=not same_language,
        )
        self._resolved[(key, requested)] = resolved
        return resolved

    def _render_variant(
        self, key: str, requested: str, variant: str, context: Mapping[str, Any] | None
    ) -> tuple[TemplateEntry, str, bool] | None:
        cache_key = (key, requested, variant)
        resolved = (
            self._variants[cache_key] if cache_key in self._variants else self._resolve_variant(*cache_key)
        )
        if resolved is None:
            return None
        try:
            text = self._environment.render_entry(
                resolved.template, context, resolved.formatter, key=key, language=resolved.entry.language
            )
        except TemplateRenderError as exc:
            # The default text stands in: an experiment never costs a guest a readable reply.
            _report_render_failure(resolved.entry, exc, used=None, outcome="variant_fallback")
            return None
        return resolved.entry, text, False

    def _resolve_variant(self, key: str, requested: str, variant: str) -> _Resolved | None:
        """The variant's text in the guest's language (or its base language) only: no cross-language."""
        lookup = self._variant_source
        resolved: _Resolved | None = None
        if lookup is not None:
            for tag in dict.fromkeys((requested, base_language(requested))):
                entry = lookup(key, tag, variant)
                if entry is None:
                    continue
                try:
                    template = self._environment.compile_entry(entry.text, key=key, language=entry.language)
                except TemplateRenderError as exc:
                    _report_render_failure(entry, exc, used=None, outcome="variant_fallback")
                    break
                resolved = _Resolved(entry, template, self._formatter(requested), fallback=False)
                break
        if len(self._variants) >= _MAX_FALLBACK_TEMPLATES:
            self._variants.clear()
        self._variants[(key, requested, variant)] = resolved
        return resolved

    def _lookup(self, key: str, requested: str) -> TemplateEntry:
        chain = fallback_chain(requested, self.default_language)
        entry = next((found for tag in chain if (found := self.source.get(key, tag)) is not None), None)
        if entry is None:
            raise TemplateNotFoundError(key, chain)
        return entry

    def _recover(
        self, key: str, requested: str, context: Mapping[str, Any] | None, error: TemplateRenderError
    ) -> tuple[TemplateEntry, str, bool]:
        """The current text failed: render the newest earlier version that works, or re-raise."""
        current = self._lookup(key, requested)
        same_language = base_language(current.language) == base_language(requested)
        formatter = self._formatter(requested if same_language else current.language)
        candidates = self._previous(key, current.language) if self._previous is not None else ()
        for entry in candidates:
            if entry.version == current.version:
                continue
            try:
                template = self._compile_fallback(entry)
                text = self._environment.render_entry(
                    template, context, formatter, key=key, language=entry.language
                )
            except TemplateRenderError:
                continue
            _report_render_failure(current, error, used=entry)
            return entry, text, not same_language
        _report_render_failure(current, error, used=None)
        raise error

    def _compile_fallback(self, entry: TemplateEntry) -> Template:
        cache_key = (entry.key, entry.language, entry.version)
        template = self._fallbacks.get(cache_key)
        if template is None:
            template = self._environment.compile_entry(entry.text, key=entry.key, language=entry.language)
            if len(self._fallbacks) >= _MAX_FALLBACK_TEMPLATES:
                self._fallbacks.clear()
            self._fallbacks[cache_key] = template
        return template

    def _compile(self, entry: TemplateEntry) -> Template:
        cache_key = (entry.key, entry.language)
        template = self._compiled.get(cache_key)
        if template is None:
            template = self._environment.compile_entry(entry.text, key=entry.key, language=entry.language)
            self._compiled[cache_key] = template
        return template

    def _formatter(self, tag: str) -> LocaleFormatter:
        formatter = self._formatters.get(tag)
        if formatter is None:
            locale = babel_locale(tag, self._locales)
            # Tags that land on the same Babel locale (pt, pt-PT) share one formatter and its memo.
            formatter = next(
                (known for known in self._formatters.values() if known.locale == locale), None
            ) or LocaleFormatter(locale, currency=self.currency, timezone=self.timezone)
            self._formatters[tag] = formatter
        return formatter


def _drop_key(cache: dict[Any, Any], key: str) -> None:
    for cached in [cached for cached in cache if cached[0] == key]:
        del cache[cached]


def _notify(on_render: Callable[[RenderEvent], None], event: RenderEvent) -> None:
    # Usage statistics must never cost a guest their reply.
    try:
        on_render(event)
    except Exception:
        log.exception("templates.on_render_failed", key=event.key)


def _truncate(entry: TemplateEntry, text: str, max_length: int) -> str:
    """WhatsApp rejects an over-long button or row title outright; a shortened one still gets through."""
    log.warning(
        "templates.truncated", key=entry.key, language=entry.language, length=len(text), max_length=max_length
    )
    return text[: max_length - 1].rstrip() + "…"


def _report_render_failure(
    current: TemplateEntry, error: TemplateRenderError, used: TemplateEntry | None, outcome: str | None = None
) -> None:
    """Log and count a live version that failed to render, and what was sent instead (if anything)."""
    log.error(
        "templates.render_failed",
        key=current.key,
        language=current.language,
        version=current.version,
        error=error.detail,
        used_version=used.version if used is not None else None,
        variant=current.variant,
    )
    if outcome is None:
        outcome = "previous_version" if used is not None else "failed"
    record_render_failure(current.key, current.language, outcome)
