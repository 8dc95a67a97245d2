"""Locale formatting as guests see it: CLDR plurals, money, dates, lists per language, verified with Babel."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency

from hotel_agent.message_templates import LocaleFormatter, TemplateRenderError
from tests.support.templates import render_one

NIGHTS = '{{ plural(n, one="# night", other="# nights") }}'
NOCHES = '{{ plural(n, one="# noche", many="# de noches", other="# noches") }}'
NOITES = '{{ plural(n, one="# noite", many="# de noites", other="# noites") }}'


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 nights"), (1, "1 night"), (2, "2 nights"), (1_000_000, "1,000,000 nights"), (1.5, "1.5 nights")],
)
def test_english_plurals(n: float, expected: str) -> None:
    assert render_one(NIGHTS, "en", n=n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 noches"),
        (1, "1 noche"),
        (2, "2 noches"),
        (1_000_000, "1.000.000 de noches"),  # CLDR "many": exact millions
        (2_000_000, "2.000.000 de noches"),
        (1_000_001, "1.000.001 noches"),
    ],
)
def test_spanish_plurals_have_a_many_form_for_millions(n: int, expected: str) -> None:
    assert render_one(NOCHES, "es", n=n) == expected


def test_a_missing_category_falls_back_to_other() -> None:
    text = '{{ plural(n, one="# noche", other="# noches") }}'
    assert render_one(text, "es", n=1_000_000) == "1.000.000 noches"


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("pt", 0, "0 noites"),  # European Portuguese: only 1 is "one"
        ("pt", 1, "1 noite"),
        ("pt", 2, "2 noites"),
        ("pt-BR", 0, "0 noite"),  # Brazilian Portuguese: 0 and 1 are "one"
        ("pt-BR", 1, "1 noite"),
        ("pt_BR", 0, "0 noite"),
        ("pt-BR", 2, "2 noites"),
        ("pt-BR", 1_000_000, "1.000.000 de noites"),
    ],
)
def test_portuguese_and_brazilian_plurals_differ_at_zero(language: str, n: int, expected: str) -> None:
    assert render_one(NOITES, language, n=n) == expected


def test_plural_categories_match_babel() -> None:
    assert Locale.parse("pt_PT").plural_form(0) == "other"
    assert Locale.parse("pt_BR").plural_form(0) == "one"
    assert Locale.parse("es").plural_form(1_000_000) == "many"


@pytest.mark.parametrize("language", ["en", "es", "pt", "pt-BR"])
def test_an_explicit_zero_form_wins_for_zero_in_every_language(language: str) -> None:
    text = '{{ plural(n, zero="none", one="# one", other="# many") }}'
    assert render_one(text, language, n=0) == "none"
    assert render_one(text, language, n=1) == "1 one"


def test_plural_is_also_a_filter_and_accepts_decimals() -> None:
    assert render_one('{{ n|plural(one="# night", other="# nights") }}', "en", n=Decimal(3)) == "3 nights"


def test_plural_without_other_or_with_an_unknown_form_is_a_render_error() -> None:
    with pytest.raises(TemplateRenderError, match="other"):
        render_one('{{ plural(n, one="x") }}', "en", n=1)
    with pytest.raises(TemplateRenderError, match="'several'"):
        render_one('{{ plural(n, several="x", other="y") }}', "en", n=1)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "€110.00"), ("es", "110,00\xa0€"), ("pt", "110,00\xa0€"), ("pt-BR", "€\xa0110,00")],
)
def test_money_per_locale(language: str, expected: str) -> None:
    assert render_one("{{ amount|money }}", language, amount=110) == expected


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("en", 110, "€110"),
        ("es", Decimal("110.00"), "110\xa0€"),
        ("pt", 110.0, "110\xa0€"),
        ("en", 110.5, "€110.50"),  # a price is never rounded to drop its cents
    ],
)
def test_money_without_cents_drops_only_a_zero_fraction(language: str, amount: object, expected: str) -> None:
    assert render_one("{{ amount|money(cents=False) }}", language, amount=amount) == expected


def test_money_takes_another_currency_and_string_amounts() -> None:
    assert render_one("{{ a|money('BRL') }}", "pt-BR", a="99.9") == "R$\xa099,90"
    assert render_one("{{ a|money(currency='USD') }}", "es", a=5) == "5,00\xa0US$"


def test_money_default_currency_comes_from_the_service() -> None:
    from tests.support.templates import make_service

    service = make_service({"en": {"t": "{{ a|money }}"}}, currency="GBP")
    assert service.render("t", "en", {"a": 12}).text == "£12.00"


@pytest.mark.parametrize("locale", ["en_GB", "en", "es", "pt_PT", "pt_BR", "es_MX", "de_CH", "hi_IN", "ja"])
def test_fast_money_formatting_matches_babel_exactly(locale: str) -> None:
    babel_locale = Locale.parse(locale)
    formatter = LocaleFormatter(babel_locale)
    standard = babel_locale.currency_formats["standard"].pattern
    rng = random.Random(locale)
    amounts: list[int | float | Decimal] = [0, 1, 2.675, 1.005, 99.995, 110, 110.5, 1234.5, 1234567.891, -5]
    amounts += [Decimal("0.125"), Decimal("0.135"), Decimal("2.5"), Decimal("-0.01"), Decimal("1E+3")]
    amounts += [round(rng.random() * 10 ** rng.randint(0, 8), rng.randint(0, 3)) for _ in range(150)]
    amounts += [rng.randint(0, 10**7) for _ in range(50)]
    for currency in ("EUR", "USD", "BRL", "JPY", "GBP"):
        for amount in amounts:
            assert formatter.money(amount, currency) == format_currency(amount, currency, locale=babel_locale)
            if amount == int(amount):
                whole = format_currency(
                    amount,
                    currency,
                    format=standard.replace(".00", ""),
                    locale=babel_locale,
                    currency_digits=False,
                )
                assert formatter.money(amount, currency, cents=False) == whole


def test_negative_amounts_keep_the_locale_sign() -> None:
    assert render_one("{{ a|money }}", "en", a=-5) == "-€5.00"
    assert render_one("{{ a|money }}", "es", a=-5) == "-5,00\xa0€"


def test_money_refuses_non_numbers() -> None:
    with pytest.raises(TemplateRenderError, match="expected a number"):
        render_one("{{ a|money }}", "en", a=[1])


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1,234.5"), ("es", "1.234,5"), ("pt", "1\xa0234,5"), ("pt-BR", "1.234,5")],
)
def test_number_per_locale(language: str, expected: str) -> None:
    assert render_one("{{ n|number }}", language, n=1234.5) == expected


JAN_15 = dt.date(2027, 1, 15)


@pytest.mark.parametrize(
    ("language", "template", "expected"),
    [
        ("en", "{{ d|date }}", "15 Jan 2027"),
        ("en", "{{ d|date('long') }}", "15 January 2027"),
        ("en", "{{ d|date('full') }}", "Friday, 15 January 2027"),
        ("es", "{{ d|date('long') }}", "15 de enero de 2027"),
        ("es", "{{ d|date(\"d 'de' MMMM\") }}", "15 de enero"),
        ("pt", "{{ d|date('long') }}", "15 de janeiro de 2027"),
        ("pt", "{{ d|date('short') }}", "15/01/27"),
        ("pt-BR", "{{ d|date('EEEE, d MMM') }}", "sexta-feira, 15 jan."),
    ],
)
def test_dates_per_locale(language: str, template: str, expected: str) -> None:
    assert render_one(template, language, d=JAN_15) == expected


def test_dates_accept_iso_strings_and_datetimes() -> None:
    assert render_one("{{ d|date('long') }}", "en", d="2027-01-15") == "15 January 2027"
    assert render_one("{{ d|date('long') }}", "en", d=dt.datetime(2027, 1, 15, 22, 0)) == "15 January 2027"


def test_aware_datetimes_are_shown_in_the_hotel_time_zone() -> None:
    late_utc = dt.datetime(2027, 7, 1, 23, 30, tzinfo=dt.UTC)  # 00:30 next day in Lisbon (summer)
    assert render_one("{{ t|date('d MMM') }} {{ t|time }}", "en", t=late_utc) == "2 Jul 00:30"
    assert render_one("{{ t|time }}", "en", t=late_utc.isoformat()) == "00:30"


def test_naive_datetimes_are_hotel_local_time() -> None:
    assert render_one("{{ t|time }}", "en", t=dt.datetime(2027, 7, 1, 14, 30)) == "14:30"


@pytest.mark.parametrize(("language", "expected"), [("en", "15:00"), ("es", "15:00"), ("pt-BR", "15:00")])
def test_times_accept_time_strings(language: str, expected: str) -> None:
    assert render_one("{{ t|time }}", language, t="15:00") == expected


def test_a_date_that_is_not_a_date_is_a_render_error() -> None:
    with pytest.raises(TemplateRenderError, match="expected a date"):
        render_one("{{ d|date }}", "en", d=15)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Friday"), ("es", "viernes"), ("pt", "sexta-feira"), ("pt-BR", "sexta-feira")],
)
def test_weekday_names(language: str, expected: str) -> None:
    assert render_one("{{ weekday(d) }}", language, d=JAN_15) == expected
    assert render_one("{{ d|weekday }}", language, d="2027-01-15") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "pool, spa and gym"), ("es", "pool, spa y gym"), ("pt", "pool, spa e gym")],
)
def test_join_list_is_localised(language: str, expected: str) -> None:
    assert render_one("{{ join_list(items) }}", language, items=["pool", "spa", "gym"]) == expected


def test_join_list_or_style_and_short_lists() -> None:
    assert render_one("{{ join_list(items, 'or') }}", "es", items=["a", "b"]) == "a o b"
    assert render_one("{{ items|join_list }}", "en", items=["a"]) == "a"
