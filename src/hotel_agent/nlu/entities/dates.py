"""The date grammar: check-in, check-out and nights from what guests write, per docs/nlu-data.md.

It works on folded text (see `text.fold_accents_same_length`) in three steps:

1. *mentions*: compiled regexes find every date-like phrase (absolute dates, day-of-month, weekdays, weekend,
   next week, today/tomorrow, "in 2 weeks") and every duration ("3 noches"), each with its span; overlapping
   candidates are settled longest first.
2. *roles*: the first date is the check-in; the next one is the check-out when a range connector joins them
   ("del 3 al 5", "from X to Y", "entre X y Y") or a departure word precedes it ("y salimos el 23"); a lone
   date after a departure word ("saindo dia 23") is a check-out only. Bare days borrow the month of their
   partner ("del 3 al 5 de marzo", "jan 20-23").
3. *resolution* against the hotel-local today, future preferred: a date without year is the next such date on
   or after today; a check-out is the next match strictly after the check-in; weekday names are the first
   such day strictly after today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Literal

from hotel_agent.nlu.entities import lexicon
from hotel_agent.nlu.entities.resolution import DateSpec, next_weekday, resolve, valid_date, weekend

MentionKind = Literal["date", "weekend", "next_week", "nights", "month"]

_ORDINAL = r"(?:st|nd|rd|th|ro|ero|er|do|to|mo|vo|no|o)"
_EN_ORDINAL = r"(?:st|nd|rd|th)"
# What may follow a number that is *not* a day of the month.
_NOT_A_DAY = (
    r"(?!\s*(?:[:h]\s?\d|[.,]\d|\d{1,3}(?!\d)|%|/|"
    r"(?:noches?|nights?|nites?|nts?|noites?|diarias?|pernoites?|personas?|pessoas?|people|persons?|ppl|pax|guests?|"
    r"huespedes|hospedes|adult\w*|nin[oa]s?|kids?|child\w*|crianc\w*|bebes?|babies|baby|menores|"
    r"hij[oa]s|filh[oa]s|estrellas?|estrelas?|stars?|floor|piso|andar|habitacion\w*|habs?|rooms?|"
    r"quartos?|cuartos?|camas?|beds?|horas?|hours?|hrs?|hs?|pm|am|p\.m|a\.m|min\w*|anos|years?|"
    r"meses|months?|dias|days?|semanas?|weeks?|euros?|eur|dolares|dollars?|usd|reais|pesos|"
    r"de\s+nosotros|of\s+us|de\s+nos|veces|vezes|times|km|metros|kg|o'?clock|y\s+media|e\s+meia|"
    r"and\s+a\s+half|people)\b))"
)


@dataclass(slots=True)
class Mention:
    kind: MentionKind
    start: int
    end: int
    spec: DateSpec | None = None
    nights: int | None = None
    upcoming_next: bool = False  # "next weekend": only differs from "this weekend" on Friday/Saturday
    is_today: bool = False
    through: DateSpec | None = None  # "tuesday and wednesday (nights)": the last night of a list
    replaced: bool = False  # "en vez de 3 noches": a duration the guest is moving away from


@dataclass(frozen=True, slots=True)
class DateResult:
    checkin: date | None
    checkout: date | None
    nights: int | None
    spans: tuple[tuple[int, int], ...]


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = int(raw)
    return 2000 + value if value < 100 else value


class DateGrammar:
    """Compiled patterns for one language; build with `DateGrammar.for_language`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.months = lexicon.month_words(lang)
        self.numbers = lexicon.number_words(lang)
        month = lexicon.alternation(self.months)
        day_word = lexicon.alternation(lexicon.DAY_WORDS)
        number = r"(?:\d{1,3}|" + lexicon.alternation(self.numbers) + ")"
        weekday = lexicon.alternation(lexicon.WEEKDAYS)
        year = r"(?:\s*,?\s*(?:(?:de|del|of)\s+)?(?P<y>20\d\d)(?!\d))?"
        day_prefix = (
            r"(?:el\s+dia|o\s+dia|no\s+dia|al\s+dia|del\s+dia|ao\s+dia|do\s+dia|dia|el|del|al|"
            r"on\s+the|from\s+the|to\s+the|till\s+the|til\s+the|until\s+the|thru\s+the|by\s+the|"
            r"after\s+the|for\s+the|of\s+the|the|on|hasta\s+el|desde\s+el|a\s+partir\s+del)"
        )
        self.day_month = re.compile(
            r"(?<![\w/.])(?:(?P<pre>" + day_prefix + r")\s+)?"
            r"(?P<d>\d{1,2}" + _ORDINAL + r"?|" + day_word + r")"
            r"(?:\s+(?:de|of|del)\s+|[-/.]|\s*)"
            r"(?P<m>" + month + r")(?![a-z])\.?" + year
        )
        self.month_day = re.compile(
            r"(?<![\w/.-])(?P<m>" + month + r")\.?,?\s*(?:the\s+)?"
            r"(?P<d>\d{1,2}(?:"
            + _ORDINAL
            + r")?(?![\w])|"
            + lexicon.alternation(w for w in lexicon.DAY_WORDS if w[0] in "fstent")
            + r"(?![\w-]))"
            + _NOT_A_DAY
            + year
        )
        self.numeric = re.compile(
            r"(?<![\w/.,])(?:(?P<iy>20\d\d)-(?P<im>\d{1,2})-(?P<id>\d{1,2})|"
            r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>20\d\d|\d\d))?)"
            r"(?![\w/]|[.,]\d)"
        )
        self.day_only = re.compile(
            r"(?<![\w/.-])(?:(?P<pre>" + day_prefix + r")\s+(?P<d>\d{1,2})(?P<o>" + _ORDINAL + r")?"
            r"|(?P<d2>\d{1,2})" + _EN_ORDINAL + r")(?![\w])" + _NOT_A_DAY
        )
        self.cue_day = re.compile(
            r"(?<![\w])(?:chegamos|chego|chegaremos|chegada|chegar|chegando|saimos|saio|sairemos|saida|"
            r"sair|saindo|entrada|entramos|llegamos|llego|llegada|salimos|salgo|salida|arrive|arriving|"
            r"leave|leaving)\s+(?:a|ao\s+dia|no\s+dia|em|dia|el\s+dia|el|on)\s+(?P<d>\d{1,2})(?![\w])"
            + _NOT_A_DAY
        )
        self.weekday = re.compile(
            r"(?<![\w])(?:(?P<mod>next|this|coming|on|from|to|till|until|thru|el\s+proximo|"
            r"proximo|proxima|prox|este|el|esta|nesta|nessa|essa|na|no|a|de|al|hasta\s+el|ate|"
            r"ate\s+a|ate\s+o|da|pela|para\s+el|para\s+a|pra|e|y|and|ou|or|o|-)\s*)?"
            r"(?P<w>" + weekday + r")(?P<feira>[- ]?feira)?(?![\w])"
            r"(?:\s+(?P<post>que\s+viene|que\s+vem|q\s+vem|proxim[oa]|night|nite|morning|evening|"
            r"afternoon|a\s+noite|a\s+noche|por\s+la\s+noche|de\s+noche|de\s+noite))?"
            r"(?P<range>(?=\s*(?:-|to|till|until|thru|through|a|al|ate|hasta)\s*" + weekday + r"(?![\w])))?"
        )
        self.weekday_word = re.compile(r"(?<![\w])" + weekday + r"(?![\w])")
        self.weekend = re.compile(
            r"(?<![\w])(?:(?P<mod>this|next|the|el|este|el\s+proximo|proximo|prox|o|no|neste|"
            r"nesse|esse|coming|un|a|um|upcoming|nuestro|pro|pra\s+o|para\s+o|para\s+el)\s+)?"
            r"(?P<w>week[\s-]?end|wknd|wkend|weeknd|finde|fin\s+de\s+semana|fim[\s-]+de[\s-]+semana|"
            r"final\s+de\s+semana|fds|finde\s+semana|fim\s+de\s+semana)(?![\w])(?:\s+(?P<post>que\s+viene|que\s+vem|q\s+vem|proximo))?"
        )
        self.next_week = re.compile(
            r"(?<![\w])(?:next\s+week|(?:la\s+|a\s+|na\s+)?(?:proxima\s+semana|"
            r"semana\s+(?:que\s+viene|que\s+vem|q\s+vem|proxima|entrante)))(?![\w])"
        )
        self.relative = re.compile(
            r"(?<![\w])(?:(?P<p2>day\s+after\s+tomorrow|pasado\s+manana|depois\s+de\s+amanha|"
            r"dps\s+de\s+amanha)|(?P<p1>tomorrow|tomorow|tommorow|tommorrow|tmrw|tmrow|tmr|tmw|"
            r"2morrow|2moro|2morow|manana|amanha|amnh|amanh)|(?P<p0>today|2day|tonight|tonite|hoy|"
            r"hoje|hj|esta\s+noche|esta\s+noite|essa\s+noite))(?![\w])"
        )
        self.holiday = re.compile(
            r"(?<![\w])(?:(?P<nye>new\s*year'?s\s+eve|nye|nochevieja|noche\s+vieja|reveillon|"
            r"virada\s+do\s+ano|fin\s+de\s+ano|fim\s+de\s+ano|end\s+of\s+the\s+year)|"
            r"(?P<xmas_eve>christmas\s+eve|xmas\s+eve|nochebuena|noche\s+buena|vespera\s+de\s+natal|"
            r"vespera\s+do\s+natal)|(?P<xmas>christmas|xmas|navidad|natal)|"
            r"(?P<ny>new\s*year'?s\s+day|ano\s+nuevo|dia\s+de\s+ano\s+novo)|"
            r"(?P<valentine>valentine'?s(?:\s+day)?|san\s+valentin|dia\s+de\s+san\s+valentin))(?![\w])"
        )
        self.in_relative = re.compile(
            r"(?<![\w])(?:in|en|dentro\s+de|daqui\s+a|daqui|em|within)\s+(?P<n>" + number + r")"
            r"\s+(?P<u>days?|dias|weeks?|semanas?)(?![\w])"
        )
        self.duration = re.compile(
            r"(?<![\w])(?:(?P<pre>for|por|during|durante|x|just|only|solo|so|apenas|about|around|"
            r"unas|umas|like)\s+)?(?P<n>" + number + r"|a\s+couple\s+of|a\s+couple|couple\s+of|"
            r"un\s+par\s+de|um\s+par\s+de)\s*-?\s*(?P<u>nights?|nites?|nts?|ngts?|nigths?|noches?|"
            r"noites?|diarias?|pernoites?|nuits?|weeks?|wks?|semanas?|fortnights?|quincenas?|quinzenas?)(?![\w])(?!\s*(?:later|earlier|before|after|antes|"
            r"despues|depois|mas\s+tarde|mais\s+tarde|atras|ago|in\s+advance|de\s+antelacion|"
            r"de\s+antecedencia|de\s+anticipacion|early|sooner|more|mas|mais|extra)(?![\w]))"
        )
        self.bare_before = re.compile(
            r"(?:(?P<pre>\b(?:entre|between|del?|from|desde|dia|do|the|el|o|on\s+the|los\s+dias|"
            r"os\s+dias|from\s+the|between\s+the|entre\s+el|entre\s+o|entre\s+os\s+dias|"
            r"entre\s+los\s+dias)\s+))?(?<![\d/.,:-])(?P<d>\d{1,2}|"
            + day_word
            + r")(?:"
            + _ORDINAL
            + r")?\s*"
            r"(?P<c>-+|to|till|til|until|thru|through|al|ao|a|hasta|ate|y|e|and|&|pra|para)\s*"
            r"(?:(?:el|the|o|dia|el\s+dia|o\s+dia)\s+)?$"
        )
        self.bare_after = re.compile(
            r"\s*(?P<c>-+|to|till|til|until|thru|through|al|ao|a|hasta|ate|y|e|and|&)\s*"
            r"(?:(?:el|the|o|dia|el\s+dia|o\s+dia)\s+)?(?P<d>\d{1,2})(?:" + _ORDINAL + r")?"
            r"(?![\w/]|[.-]\d)" + _NOT_A_DAY
        )
        full_month = lexicon.alternation(w for w in self.months if len(w) > 3)
        self.instead = re.compile(
            r"(?:em\s+vez\s+de|en\s+vez\s+de|instead\s+of|en\s+lugar\s+de|no\s+lugar\s+de|"
            r"em\s+lugar\s+de|ao\s+inves\s+de|rather\s+than|not)\s+(?:\w+\s+)?$"
        )
        self.bare_nights = re.compile(
            r"(?<![\w])(?:ficar|quedarme|quedarnos|quedar|stay|ficamos|quedamos|make\s+it|"
            r"passar\s+(?:pra|para|a)|pasar\s+a|cambiar\s+a|mudar\s+(?:pra|para)|change\s+(?:it\s+)?to)"
            r"\s+(?P<n>" + number + r")(?=\s*(?:$|[,.!?;]))"
        )
        self.month_only = re.compile(
            r"(?<![\w])(?:em|en|in|pra|para|de|for|no\s+mes\s+de|el\s+mes\s+de|mes\s+de|o\s+mes\s+de|"
            r"during|durante|until|hasta|ate|around|a\s+finales\s+de|a\s+principios\s+de|"
            r"early|late|mid|no\s+inicio\s+de|no\s+final\s+de|fim\s+de|inicio\s+de)\s+"
            r"(?P<m>" + full_month + r")(?![\w])"
        )
        self.bare_range = re.compile(
            r"(?<![\w/.,:-])(?P<pre>del?|dia|dias|pra|para|from|entre|between|do|los\s+dias|"
            r"os\s+dias|desde\s+el|desde\s+o\s+dia|desde|on\s+the|the)\s+(?:(?:el|o|the|dia)\s+)?"
            r"(?P<d1>\d{1,2})(?:" + _ORDINAL + r")?\s*(?P<c>-+|al|ao|a|ate|to|till|until|hasta|y|e|and|pra)"
            r"\s*(?:(?:el|o|the|dia)\s+)?(?P<d2>\d{1,2})(?:" + _ORDINAL + r")?(?![\w/]|[.-]\d)" + _NOT_A_DAY
        )
        self.between = re.compile(r"(?:entre|between)\s+(?:\w+\s+){0,2}$")
        self.link = re.compile(
            r"^[\s,]*(?:-+|(?:to|till|til|until|thru|through|al|ao|a|hasta|ate|and|y|e|&|pra|para|p/|"
            r"up\s+to|through\s+to|and\s+leave|and\s+out)(?![\w]))\s*"
            r"(?:(?:el|the|o|dia|el\s+dia|o\s+dia|on\s+the|on|a|la|de)\s+)?$"
        )
        self.checkout_cue = re.compile(
            r"(?<![\w])(?:check[\s-]?out|salida|salimos|salgo|saldre|saldremos|saliendo|salir|me\s+voy|"
            r"nos\s+vamos|nos\s+iremos|irnos|irme|leaving|leave|departure|depart\w*|until|till|out|"
            r"extend\w*|extender|estender|prolong\w*|alargar|ampliar|"
            r"hasta|ate|saida|saimos|saindo|sair|saio|sai|saem|sairmos|sairemos|embora|check\s+out|regresamos|volto|"
            r"volvemos|voltamos|returning)(?![\w])"
        )
        self.checkin_cue = re.compile(
            r"(?<![\w])(?:check[\s-]?in|llegada|llego|llegamos|llegaremos|llegando|llegar|entrada|entramos|"
            r"arrival|arrive|arriving|arrives|chegada|chego|chega|chegam|chegamos|chegaremos|chegando|chegar|"
            r"from|desde|a\s+partir|starting|entrar|get\s+there|getting\s+there|coming\s+in)(?![\w])"
        )

    @staticmethod
    @cache
    def for_language(lang: str) -> DateGrammar:
        return DateGrammar(lang if lang in lexicon.LANGS else "xx")

    # ------------------------------------------------------------------ mentions

    def _number(self, raw: str) -> int | None:
        raw = raw.strip()
        if raw.isdigit():
            return int(raw)
        if "couple" in raw or "par" in raw:
            return 2
        return lexicon.lookup(self.numbers, raw)

    def _day(self, raw: str) -> int | None:
        digits = raw.rstrip("abcdefghijklmnopqrstuvwxyz")
        value = int(digits) if digits.isdigit() else lexicon.lookup(lexicon.DAY_WORDS, raw)
        if value is None or not 1 <= value <= 31:
            return None
        return value

    def mentions(self, text: str, today: date) -> list[Mention]:
        found: list[Mention] = []
        add = found.append
        for m in self.day_month.finditer(text):
            day = self._day(m["d"])
            month = lexicon.lookup(self.months, m["m"])
            if day is None or month is None or not valid_date(2028, month, day):
                continue
            if m["pre"] is None and m["d"] in {"uno", "um", "dos", "tres"} and " de " not in m.group(0):
                continue  # "tres de marzo" is fine, "dos mar" is not
            add(Mention("date", m.start("d"), m.end(), DateSpec(day, month, _year(m["y"]))))
        for m in self.month_day.finditer(text):
            day = self._day(m["d"])
            month = lexicon.lookup(self.months, m["m"])
            if day is None or month is None:
                continue
            if m["m"] == "may" and self.lang == "en" and not m["d"][0].isdigit():
                continue
            add(Mention("date", m.start(), m.end(), DateSpec(day, month, _year(m["y"]))))
        for m in self.numeric.finditer(text):
            spec = self._numeric(m)
            if spec is not None:
                add(Mention("date", m.start(), m.end(), spec))
        for m in self.day_only.finditer(text):
            if m["d2"] is not None:
                day = self._day(m["d2"])
                start = m.start("d2")
            else:
                pre = " ".join(m["pre"].split())
                if pre == "the" and m["o"] is None:
                    continue
                if pre in {"on", "the", "for the", "of the"} and m["o"] not in {"st", "nd", "rd", "th"}:
                    continue
                if pre == "el" and self.lang == "en":
                    continue
                day = self._day(m["d"])
                start = m.start("d")
            if day is not None:
                add(Mention("date", start, m.end(), DateSpec(day=day)))
        for m in self.cue_day.finditer(text):
            day = self._day(m["d"])
            if day is not None:
                add(Mention("date", m.start("d"), m.end("d"), DateSpec(day=day)))
        for m in self.weekday.finditer(text):
            word = m["w"]
            mod = " ".join(m["mod"].split()) if m["mod"] else None
            if mod is None and text[max(0, m.start("w") - 1) : m.start("w")] == "-":
                mod = "-"  # "fri-sun"
            bare = m["post"] is None and m["range"] is None
            if word in lexicon.WEEKDAY_ABBREVIATIONS and bare and mod not in _ABBREVIATION_MODS:
                if word in {"sun", "sat"} or not _short_request(text):
                    continue
            elif (
                word in lexicon.PT_ORDINAL_WEEKDAYS
                and bare
                and m["feira"] is None
                and not self._pt_weekday(text, m, mod)
            ):
                continue
            add(Mention("date", m.start("w"), m.end(), DateSpec(weekday=lexicon.WEEKDAYS[word.split()[0]])))
        for m in self.weekend.finditer(text):
            mod = m["mod"] or ""
            upcoming_next = bool(m["post"]) or mod.startswith(("next", "el proximo", "proximo", "prox"))
            add(Mention("weekend", m.start(), m.end(), upcoming_next=upcoming_next))
        for m in self.next_week.finditer(text):
            add(Mention("next_week", m.start(), m.end()))
        for m in self.relative.finditer(text):
            if m["p1"] == "manana" and _previous_word(text, m.start()) in _MORNING_ARTICLES:
                continue  # "por la mañana" is the morning, not tomorrow
            if m["p0"] in {"hoy", "hoje"} and _previous_word(text, m.start()) == "por":
                continue  # "por hoy es todo"
            offset = 2 if m["p2"] else 1 if m["p1"] else 0
            add(
                Mention(
                    "date",
                    m.start(),
                    m.end(),
                    DateSpec(fixed=today + timedelta(days=offset)),
                    is_today=offset == 0,
                )
            )
        for m in self.holiday.finditer(text):
            name = m.lastgroup or ""
            month, day = _HOLIDAYS[name]
            add(Mention("date", m.start(), m.end(), DateSpec(day, month)))
        for m in self.in_relative.finditer(text):
            n = self._number(m["n"])
            if n is None or n > 60:
                continue
            days = n * 7 if m["u"].startswith(("week", "semana")) else n
            add(Mention("date", m.start(), m.end(), DateSpec(fixed=today + timedelta(days=days))))
        for m in self.month_only.finditer(text):
            month = lexicon.lookup(self.months, m["m"])
            if month is not None:
                add(Mention("month", m.start("m"), m.end(), DateSpec(month=month)))
        for m in self.bare_range.finditer(text):
            first, second = self._day(m["d1"]), self._day(m["d2"])
            weak = m["c"] in _WEAK_LINKS
            if first is None or second is None or first >= second:
                continue
            if weak and not m["pre"].startswith(("entre", "between")):
                continue
            add(Mention("date", m.start("d1"), m.end("d1"), DateSpec(day=first)))
            add(Mention("date", m.start("d2"), m.end("d2"), DateSpec(day=second)))
        for m in self.duration.finditer(text):
            raw = m["n"]
            is_fortnight = m["u"].startswith(("fortnight", "quincena", "quinzena"))
            is_week = is_fortnight or m["u"].startswith(("week", "wk", "semana"))
            if (
                raw in {"a", "an"}
                and m["pre"] not in {"for", "just", "only", "about", "around", "like"}
                and (not is_week or _previous_word(text, m.start("n")) in {"per", "in", "once", "twice"})
            ):
                continue
            n = self._number(raw)
            if n is None:
                continue
            if is_week:
                n *= 14 if is_fortnight else 7
            if 1 <= n <= 365:
                replaced = self.instead.search(text, max(0, m.start() - 20), m.start()) is not None
                add(Mention("nights", m.start("n"), m.end(), nights=n, replaced=replaced))
        if any(f.kind == "nights" for f in found):
            for m in self.bare_nights.finditer(text):
                n = self._number(m["n"])
                if n is not None and 1 <= n <= 60:
                    add(Mention("nights", m.start("n"), m.end("n"), nights=n))
        return _drop_weekdays_of_dates(text, _settle(found))

    def _pt_weekday(self, text: str, m: re.Match[str], mod: str | None) -> bool:
        """Is "segunda/terça/quarta/quinta/sexta" without "-feira" a weekday here, not an ordinal?"""
        if _NOUN_AFTER_ORDINAL.match(text, m.end()):
            return False  # "segunda vez", "quinta estrela"
        if mod in _PT_WEEKDAY_MODS:
            return True
        if mod == "a":  # "de segunda a sexta", not "a segunda guerra"
            return self.weekday_word.search(text, max(0, m.start() - 25), m.start("w") - 2) is not None
        if mod is None:
            return self.checkin_cue.search(text, max(0, m.start() - 15), m.start()) is not None or (
                self.checkout_cue.search(text, max(0, m.start() - 15), m.start()) is not None
            )
        return False

    def _numeric(self, m: re.Match[str]) -> DateSpec | None:
        if m["iy"] is not None:
            year, month, day = int(m["iy"]), int(m["im"]), int(m["id"])
            return DateSpec(day, month, year) if valid_date(year, month, day) else None
        first, second, written_year = int(m["a"]), int(m["b"]), _year(m["y"])
        if m["sep"] != "/" and written_year is None:
            return None
        if (first, second) == (24, 7):
            return None  # "24/7"
        month_first = self.lang == "en"
        month, day = (first, second) if month_first else (second, first)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            month, day = day, month  # "15/3" in English is still 15 March
            if not (1 <= month <= 12 and 1 <= day <= 31):
                return None
        return DateSpec(day, month, written_year)

    # ------------------------------------------------------------------ roles and resolution

    def extract(self, text: str, today: date) -> DateResult:
        mentions = self.mentions(text, today)
        if not mentions:
            return DateResult(None, None, None, ())
        spans = [(m.start, m.end) for m in mentions if m.kind != "month"]
        # The last duration wins: "tengo 2 noches pero quiero pasar a 4 noches".
        nights = next((m.nights for m in reversed(mentions) if m.kind == "nights" and not m.replaced), None)
        month = next((m.spec.month for m in mentions if m.kind == "month" and m.spec is not None), None)
        dated = self._add_bare_days(text, [m for m in mentions if m.kind not in {"nights", "month"}])
        spans.extend((m.start, m.end) for m in dated)
        dated = self._merge_night_lists(text, dated)
        checkin, checkout, explicit_checkout = self._roles(text, self._focus(text, dated), today, month)
        if checkin is not None and checkout is not None and checkout <= checkin:
            checkout = None
        if checkin is not None and checkout is not None:
            if nights is not None and not explicit_checkout:
                checkout = checkin + timedelta(days=nights)
            nights = (checkout - checkin).days
        elif checkin is not None and nights is not None:
            checkout = checkin + timedelta(days=nights)
        elif checkout is not None and nights is not None:
            checkin = checkout - timedelta(days=nights)
        return DateResult(checkin, checkout, nights, tuple(spans))

    def _merge_night_lists(self, text: str, dated: list[Mention]) -> list[Mention]:
        """ "viernes y sábado", "wed and thu nights": a stay from the first to the day after the last."""
        merged: list[Mention] = []
        for mention in dated:
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and _is_weekday(previous)
                and _is_weekday(mention)
                and _LIST_GAP.match(text, previous.end, mention.start) is not None
                and not self._before_between(text, previous)
            ):
                merged[-1] = Mention("date", previous.start, mention.end, previous.spec, through=mention.spec)
                continue
            merged.append(mention)
        return merged

    def _focus(self, text: str, dated: list[Mention]) -> list[Mention]:
        """The mentions that describe the stay: from the first pair that forms a range, else all of them."""
        for index in range(len(dated) - 1):
            first, second = dated[index], dated[index + 1]
            if self._linked(text, first, second) or (
                self._cue(text, first.end, second) == "checkout"
                and self._cue(text, dated[index - 1].end if index else 0, first) != "checkout"
            ):
                return dated[index:]
        if len(dated) > 1 and dated[0].is_today:
            return dated[1:]  # "hoy quería reservar para el 15": "hoy" is when they write, not the stay
        return dated

    def _add_bare_days(self, text: str, dated: list[Mention]) -> list[Mention]:
        """Bare numbers joined by a range connector to a date with a month: "3-5 march", "jan 20-23"."""
        if not dated:
            return dated
        result: list[Mention] = []
        previous_end = 0
        for index, mention in enumerate(dated):
            spec = mention.spec
            if spec is not None and spec.month is not None and spec.day is not None:
                m = self.bare_before.search(text, previous_end, mention.start)
                if m is not None and (m["c"] not in _WEAK_LINKS or self._after_between(text, m)):
                    day = self._day(m["d"])
                    strong = m["pre"] is not None or m["c"] not in {"a", "e", "y", "para", "pra"}
                    if day is not None and (strong or (m["c"] == "a" and day < spec.day)):
                        result.append(Mention("date", m.start("d"), m.start("c"), DateSpec(day=day)))
            result.append(mention)
            previous_end = mention.end
            following = dated[index + 1].start if index + 1 < len(dated) else len(text)
            if (
                spec is not None
                and spec.day is not None
                and spec.has_month
                and (index + 1 == len(dated) or not self._linked(text, mention, dated[index + 1]))
            ):
                m = self.bare_after.match(text, mention.end, following)
                if m is not None and (m["c"] not in _WEAK_LINKS or self._before_between(text, mention)):
                    day = self._day(m["d"])
                    if day is not None and (spec.fixed is not None or day > spec.day):
                        result.append(Mention("date", m.start("d"), m.end(), DateSpec(day=day)))
                        previous_end = m.end()
        return result

    def _after_between(self, text: str, m: re.Match[str]) -> bool:
        pre = m["pre"] or ""
        return pre.startswith(("entre", "between")) or self._before_between_at(text, m.start())

    def _before_between(self, text: str, mention: Mention) -> bool:
        return self._before_between_at(text, mention.start)

    def _before_between_at(self, text: str, position: int) -> bool:
        return self.between.search(text, max(0, position - 30), position) is not None

    def _linked(self, text: str, first: Mention, second: Mention) -> bool:
        gap = text[first.end : second.start]
        m = self.link.match(gap)
        if m is None:
            return False
        connector = gap.strip(" ,").split(" ")[0]
        if connector in _WEAK_LINKS:
            return self._before_between(text, first)
        return True

    def _cue(self, text: str, start: int, mention: Mention) -> str | None:
        window = text[max(start, mention.start - 40) : mention.start]
        out = None
        for m in self.checkout_cue.finditer(window):
            out = m.end()
        into = None
        for m in self.checkin_cue.finditer(window):
            into = m.end()
        if out is None and into is None:
            return None
        if into is None or (out is not None and out > into):
            return "checkout"
        return "checkin"

    def _roles(
        self, text: str, dated: list[Mention], today: date, month: int | None
    ) -> tuple[date | None, date | None, bool]:
        """Check-in, check-out and whether the check-out was stated (not implied by a weekend)."""
        if not dated:
            return None, None, False
        first = dated[0]
        spec = first.spec
        if month is not None and spec is not None and spec.day is not None and not spec.has_month:
            # "tem vaga em julho? dia 10": the month was said on its own
            first = Mention(first.kind, first.start, first.end, DateSpec(spec.day, month))
        if self._cue(text, 0, first) == "checkout" and first.kind == "date":
            return None, resolve(first.spec, today, inclusive=False), True
        second: Mention | None = None
        if len(dated) > 1:
            candidate = dated[1]
            if self._linked(text, first, candidate) or self._cue(text, first.end, candidate) == "checkout":
                second = candidate
        checkin, implicit_checkout = self._start(first, second, today)
        if checkin is None:
            return None, None, False
        if first.through is not None and implicit_checkout is None:
            last_night = resolve(first.through, checkin, inclusive=False)
            implicit_checkout = last_night + timedelta(days=1) if last_night else None
        if second is None or second.kind == "weekend":
            return checkin, implicit_checkout, False
        if second.kind == "next_week":
            return checkin, next_weekday(checkin, 0), True
        return checkin, resolve(second.spec, checkin, inclusive=False), True

    def _start(self, first: Mention, second: Mention | None, today: date) -> tuple[date | None, date | None]:
        if first.kind == "weekend":
            return weekend(today, first.upcoming_next)
        if first.kind == "next_week":
            return next_weekday(today, 0), None
        spec = first.spec
        if spec is None:
            return None, None
        if spec.day is not None and spec.month is None and second is not None:
            partner = second.spec
            if partner is not None and partner.month is not None and partner.day is not None:
                month, year = partner.month, partner.year
                if spec.day > partner.day:
                    month -= 1
                    if month == 0:
                        month, year = 12, (year - 1 if year else None)
                spec = DateSpec(spec.day, month, year)
        return resolve(spec, today, inclusive=True), None


_LIST_GAP = re.compile(r"\s*(?:,|y|e|and|&|\+)\s*(?:(?:el|the|o|on|na|no)\s+)?$")


def _is_weekday(mention: Mention) -> bool:
    return mention.spec is not None and mention.spec.weekday is not None and mention.through is None


_ABBREVIATION_MODS = frozenset({"next", "this", "on", "from", "to", "till", "until", "thru", "-", "coming"})
# fmt: off
_PT_WEEKDAY_MODS = frozenset(
    {"na", "nesta", "nessa", "esta", "essa", "proxima", "prox", "ate", "ate a", "de", "da", "pela", "pra",
     "para a", "e", "ou"}
)
# fmt: on
_NOUN_AFTER_ORDINAL = re.compile(
    r"\s*(?:vez|vezes|guerra|opcao|pessoa|quarto|cama|estrela|andar|parte|mao|classe|serie|via|"
    r"noite\s+(?:de|do|da)|dia\s+(?:de|do|da)|semana|edicao|temporada|geracao|linha|fila|posicao|"
    r"lugar|colocad[oa]|feira\s+de)(?![\w])"
)
_HOLIDAYS = {
    "nye": (12, 31),
    "xmas_eve": (12, 24),
    "xmas": (12, 25),
    "ny": (1, 1),
    "valentine": (2, 14),
}
_SHORT_REQUEST = re.compile(r"^[\w\s,.?!/-]{0,60}$")


def _short_request(text: str) -> bool:
    """English weekday abbreviations ("wed", "tue") are trusted without a preposition only in short notes."""
    return _SHORT_REQUEST.match(text.strip()) is not None


_WEAK_LINKS = frozenset({"y", "e", "and", "&"})
_MORNING_ARTICLES = frozenset({"la", "las", "esta", "cada", "una", "toda", "media", "buena", "buenas"})
_WORD_BEFORE = re.compile(r"(\w+)\W*$")


def _previous_word(text: str, position: int) -> str | None:
    m = _WORD_BEFORE.search(text, max(0, position - 20), position)
    return m.group(1) if m else None


_WEEKDAY_THEN_DATE = re.compile(r"^[\s,]*(?:(?:the|el|o|dia|el\s+dia|o\s+dia)\s+)?$")
_DATE_THEN_WEEKDAY = re.compile(r"^[\s,(]*(?:(?:a|an|un|una|uma|um|que\s+es|que\s+e|which\s+is)\s+)?$")


def _drop_weekdays_of_dates(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "friday 19 feb", "viernes 19 de febrero", "19/2 (sexta)": the weekday names the date beside it."""
    dropped: set[int] = set()
    for index, mention in enumerate(mentions):
        if not _is_weekday(mention):
            continue
        after = mentions[index + 1] if index + 1 < len(mentions) else None
        before = mentions[index - 1] if index else None
        if (
            after is not None
            and _is_day(after)
            and _WEEKDAY_THEN_DATE.match(text[mention.end : after.start]) is not None
        ) or (
            before is not None
            and _is_day(before)
            and _DATE_THEN_WEEKDAY.match(text[before.end : mention.start]) is not None
        ):
            dropped.add(index)
    return [mention for index, mention in enumerate(mentions) if index not in dropped]


def _is_day(mention: Mention) -> bool:
    return mention.kind == "date" and mention.spec is not None and mention.spec.day is not None


def _settle(found: list[Mention]) -> list[Mention]:
    """Keep non-overlapping mentions, longest first, returned in text order."""
    found.sort(key=lambda m: (m.start - m.end, m.start))
    kept: list[Mention] = []
    for mention in found:
        if all(mention.end <= k.start or mention.start >= k.end for k in kept):
            kept.append(mention)
    kept.sort(key=lambda m: m.start)
    return kept
