"""Locale-aware formatting for templates (Babel/CLDR), one `LocaleFormatter` per locale, reused.

Babel costs 3–17 µs per call and several milliseconds on a locale's first use, so each formatter
keeps its `Locale` object, is warmed at start-up and memoises results: a hotel quotes the same few
prices and dates over and over. Memos are bounded; a full memo is simply cleared. Money, the most
expensive, also has a fast path that reproduces Babel's output exactly (checked in the tests).

Separators are CLDR's: Spanish and Portuguese put a no-break space (U+00A0) between amount and
currency ("110,00\u00a0€") so WhatsApp never wraps a price across lines.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Hashable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.numbers import format_decimal, get_currency_precision, get_decimal_symbol, get_group_symbol

_MEMO_SIZE = 2048

Number = int | float | Decimal
ListStyle = Literal["standard", "standard-short", "or", "or-short", "unit", "unit-short", "unit-narrow"]


class LocaleFormatter:
    """Formats dates, times, money, numbers, plurals and lists for one locale, currency and time zone.

    Naive datetimes are taken as hotel-local; aware ones are converted to the hotel's time zone.
    """

    def __init__(self, locale: Locale, *, currency: str = "EUR", timezone: str = "Europe/Lisbon") -> None:
        self.locale = locale
        self.currency = currency
        self.tzinfo = ZoneInfo(timezone)
        self._plural_rule = locale.plural_form
        self._currency_pattern = locale.currency_formats["standard"]
        self._whole_currency_pattern = copy.copy(self._currency_pattern)
        self._whole_currency_pattern.frac_prec = (0, 0)
        self._money_shapes: dict[tuple[str, bool], _MoneyShape | None] = {}
        self._memo: dict[Hashable, str] = {}

    def __repr__(self) -> str:
        return f"LocaleFormatter({self.locale}, currency={self.currency!r}, timezone={self.tzinfo.key!r})"

    def warm_up(self) -> None:
        """Load this locale's CLDR data now rather than on a guest's first message."""
        day = dt.date(2027, 1, 15)
        self.date(day, "full")
        self.datetime(dt.datetime(2027, 1, 15, 14, 30), "short")
        self.time(dt.time(14, 30))
        self.money(Decimal("110.5"))
        self.number(1234.5)
        self.plural(2, one="#", other="#")
        self.weekday(day)
        self.join_list(["a", "b", "c"])

    def _remember(self, key: Hashable, text: str) -> str:
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = text
        return text

    # Dates and times

    def date(self, value: dt.date | str, format: str = "medium") -> str:
        """`short|medium|long|full` or a CLDR pattern ("d 'de' MMMM"); date, datetime or ISO string."""
        day = self._as_date(value)
        key = ("date", day, format)
        cached = self._memo.get(key)
        if cached is None:
            cached = self._remember(key, format_date(day, format, locale=self.locale))
        return cached

    def time(self, value: dt.time | dt.datetime | str, format: str = "short") -> str:
        """`short|medium|long|full` or a CLDR pattern ("HH:mm"); time, datetime or ISO string."""
        moment = self._as_time(value)
        key = ("time", moment, format)
        cached = self._memo.get(key)
        if cached is None:
            cached = self._remember(key, format_time(moment, format, locale=self.locale))
        return cached

    def datetime(self, value: dt.datetime | str, format: str = "medium") -> str:
        moment = self._as_datetime(value)
        key = ("datetime", moment, format)
        cached = self._memo.get(key)
        if cached is None:
            cached = self._remember(key, format_datetime(moment, format, locale=self.locale))
        return cached

    def weekday(self, value: dt.date | str, width: str = "wide") -> str:
        """Localised day name ("viernes", "sexta-feira"); width `wide`, `abbreviated` or `narrow`."""
        return str(self.locale.days["format"][width][self._as_date(value).weekday()])

    def _localize(self, moment: dt.datetime) -> dt.datetime:
        return moment if moment.tzinfo is None else moment.astimezone(self.tzinfo)

    def _as_date(self, value: dt.date | str) -> dt.date:
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
        if isinstance(value, dt.datetime):
            return self._localize(value).date()
        if isinstance(value, dt.date):
            return value
        raise TypeError(f"expected a date, datetime or ISO date string, got {type(value).__name__}")

    def _as_time(self, value: dt.time | dt.datetime | str) -> dt.time | dt.datetime:
        if isinstance(value, str):
            value = (
                dt.datetime.fromisoformat(value)
                if "T" in value or " " in value
                else dt.time.fromisoformat(value)
            )
        if isinstance(value, dt.datetime):
            # Babel reads a naive datetime as UTC when given a zone; we never give it one.
            return self._localize(value).replace(tzinfo=None)
        if isinstance(value, dt.time):
            return value
        raise TypeError(f"expected a time, datetime or ISO time string, got {type(value).__name__}")

    def _as_datetime(self, value: dt.datetime | str) -> dt.datetime:
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if isinstance(value, dt.datetime):
            return self._localize(value).replace(tzinfo=None)
        raise TypeError(f"expected a datetime or ISO datetime string, got {type(value).__name__}")

    # Numbers

    def money(self, amount: Number | str, currency: str | None = None, *, cents: bool = True) -> str:
        """Amount in the locale's style, "€110.00" / "110,00 €"; `cents=False` drops only a zero fraction."""
        code = currency or self.currency
        key = ("money", type(amount), amount, code, cents)
        try:
            cached = self._memo.get(key)
        except TypeError:  # unhashable: not a number either, _as_number says so
            cached = None
        if cached is None:
            cached = self._remember(key, self._format_money(_as_decimal(amount), code, cents=cents))
        return cached

    def _format_money(self, amount: Decimal, currency: str, *, cents: bool) -> str:
        whole = not cents and amount == amount.to_integral_value()
        shape_key = (currency, whole)
        if shape_key not in self._money_shapes:
            self._money_shapes[shape_key] = self._money_shape(currency, whole=whole)
        shape = self._money_shapes[shape_key]
        if shape is not None and amount.is_finite() and amount >= 0:
            return shape.format(amount)
        return self._babel_money(amount, currency, whole=whole)

    def _babel_money(self, amount: Decimal, currency: str, *, whole: bool) -> str:
        pattern = self._whole_currency_pattern if whole else self._currency_pattern
        return str(pattern.apply(amount, self.locale, currency=currency, currency_digits=not whole))

    def _money_shape(self, currency: str, *, whole: bool) -> _MoneyShape | None:
        """Learn from Babel once where this locale puts the currency around a plain grouped number.

        Babel takes ~12 µs per amount; Python's own formatting plus these affixes takes ~1 µs and is
        checked against Babel in the tests. None (always ask Babel) for unusual grouping.
        """
        if self._currency_pattern.grouping != (3, 3):
            return None
        digits = 0 if whole else get_currency_precision(currency)
        shape = _MoneyShape("", "", digits, get_group_symbol(self.locale), get_decimal_symbol(self.locale))
        probe = Decimal(1234567)
        number = shape.format(probe)
        text = self._babel_money(probe, currency, whole=whole)
        if text.count(number) != 1:
            return None
        prefix, _, suffix = text.partition(number)
        return _MoneyShape(prefix, suffix, digits, shape.group, shape.decimal)

    def number(self, value: Number | str, format: str | None = None) -> str:
        """Locale digits and separators ("1.234,5"); `format` is an optional CLDR number pattern."""
        number = _as_number(value)
        key = ("number", type(number), number, format)
        cached = self._memo.get(key)
        if cached is None:
            cached = self._remember(key, format_decimal(number, format, locale=self.locale))
        return cached

    def plural_category(self, n: Number) -> str:
        key = ("plural", type(n), n)
        cached = self._memo.get(key)
        if cached is None:
            cached = self._remember(key, self._plural_rule(n))
        return cached

    def plural(
        self,
        n: Number | str,
        *,
        zero: str | None = None,
        one: str | None = None,
        two: str | None = None,
        few: str | None = None,
        many: str | None = None,
        other: str,
    ) -> str:
        """The form for n's CLDR category in this locale (else `other`), `#` replaced by n formatted.

        `zero`, when given, is used for exactly 0 in every language, as ICU `=0` and i18next `_zero`
        do: CLDR has no zero category for en/es/pt, and "no rooms" is what authors mean by it.
        """
        number = _as_number(n)
        forms = {"zero": zero, "one": one, "two": two, "few": few, "many": many}
        chosen = zero if zero is not None and number == 0 else forms.get(self.plural_category(number))
        if chosen is None:
            chosen = other
        return chosen.replace("#", self.number(number)) if "#" in chosen else chosen

    def join_list(self, items: Iterable[Any], style: ListStyle = "standard") -> str:
        """Localised list: "a, b and c" / "a, b y c" / "a, b e c" (`style="or"`: "a, b o c")."""
        return format_list([str(item) for item in items], style=style, locale=self.locale)


class _MoneyShape:
    """An amount as `prefix + grouped number + suffix`, e.g. "" + "1.234,50" + "\u00a0€"."""

    __slots__ = ("_symbols", "decimal", "digits", "group", "prefix", "suffix")

    def __init__(self, prefix: str, suffix: str, digits: int, group: str, decimal: str) -> None:
        self.prefix, self.suffix, self.digits = prefix, suffix, digits
        self.group, self.decimal = group, decimal
        self._symbols = str.maketrans({",": group, ".": decimal})

    def format(self, amount: Decimal) -> str:
        # Decimal formatting rounds half-even, as Babel does.
        return self.prefix + f"{amount:,.{self.digits}f}".translate(self._symbols) + self.suffix


def _as_decimal(value: Number | str) -> Decimal:
    number = _as_number(value)
    # Through str, as Babel does: 2.675 is "2.675" to a guest, not 2.67499999...
    return number if isinstance(number, Decimal) else Decimal(str(number))


def _as_number(value: Number | str) -> Number:
    if isinstance(value, bool):
        raise TypeError("expected a number, got a boolean")
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"expected a number, got {value!r}") from None
    raise TypeError(f"expected a number, got {type(value).__name__}")
