"""The guest grammar: adults and children, per docs/nlu-data.md.

Runs on folded text where dates, durations, prices, times and room numbers are already blanked, so "2
noches", "dia 2" or "habitación 2" cannot be read as people. Rules:

- a count before a noun: "2 adultos", "un niño", "duas crianças", "4 people" (people count as adults);
- a group count: "somos 4", "we are 4", "4 of us", "familia de 4", "rooms for 2?", "para dos", "for one";
- a couple or partner: "a couple", "una pareja", "um casal", "my wife and I", "eu e minha esposa" are 2
  adults;
- alone: "just me", "solo yo", "só eu", "sozinho" are 1 adult;
- children only when stated ("2 kids" gives children 2 and no adults); a count of people that *includes*
  stated children ("somos 4, dos de ellos niños", "4 people including 2 kids") gives the rest as adults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from hotel_agent.nlu.entities import lexicon

_ADULT = r"(?:adult(?:o|a)?s?|adults|mayores|grown[\s-]?ups?)"
_PEOPLE = (
    r"(?:personas?|pessoas?|people|persons?|ppl|pax|guests?|huespedes|huesped|hospedes|hospede|"
    r"pers|pessoinhas|viajer[oa]s?|viajantes?|travell?ers?|hospedes)"
)
_CHILD = (
    r"(?:kids?|child|children|childs|nin[oa]s?|nenes?|nenas?|hij[oa]s?|crianc[ao]s|crianca|"
    r"filh[oa]s?|bebes?|babys?|babies|menores?|infants?|toddlers?|peques|pequenos|menin[oa]s?|"
    r"boys?|girls?|sons?|daughters?|teens?|teenagers?|chavales|criaturas|nenes|bambinos|"
    r"miud[oa]s?|chic[oa]s|chiquit[oa]s|pibes|guris|nenes)"
)
_COUPLES = r"(?:parejas|casais|couples|matrimonios)"
_ARTICLE_NUMBERS = frozenset({"a", "an", "un", "una", "um", "uma"})
_SPOUSE = (
    r"(?:wife|husband|partner|girlfriend|boyfriend|gf|bf|fiance|fiancee|hubby|wifey|spouse|"
    r"esposa|esposo|marido|mujer|pareja|novia|novio|prometida|prometido|senora|mulher|namorada|"
    r"namorado|noiva|noivo|companheira|companheiro|conjuge|friend|amig[oa]|mom|mum|mother|dad|"
    r"father|madre|padre|mama|papa|mae|pai|sister|brother|hermana|hermano|irma|irmao|colleague|"
    r"colega|socio|socia|jefe|chefe|boss|cunhad[oa]|cunad[oa]|prim[oa]|cousin|sogra|suegra|"
    r"mother[\s-]in[\s-]law)"
)
_POSSESSIVE = r"(?:my|mi|minha|meu|a\s+minha|o\s+meu)"
_ME = r"(?:i|me|myself|yo|eu|moi)"
_SINGLE_CHILD = (
    r"(?:son|daughter|kid|baby|child|boy|girl|toddler|hijo|hija|nino|nina|bebe|nene|nena|"
    r"filho|filha|menino|menina|bebe)"
)
_OUR = r"(?:my|mi|minha|meu|our|nuestro|nuestra|nosso|nossa|a\s+minha|o\s+meu|o\s+nosso|a\s+nossa)"
_WHITELIST_AFTER = (
    r"(?:$|[?!.,;:)]|\s+(?:y|e|and|\+|mas|plus|com|con|with|de|del|el|la|en|em|no|na|on|in|the|"
    r"this|next|from|desde|para|pra|for|do|da|durante|during|please|pls|plz|por|porfa|pf|pfv|"
    r"hay|tienen|tiene|tem|tenem|have|has|is|are|do|you|vcs|vc|voce|voces|ustedes|usted|"
    r"disponible|disponivel|available|free|libre|livre|adultos|adults|personas|pessoas|people|"
    r"o|a|os|as|los|las|esta|este|this|that|ese|esa|esse|essa|nesta|neste|at|at|a|also|"
    r"tambien|tambem|too|ok|thanks|gracias|obrigad[oa]|amigos|friends|amigas|hoy|hoje|today|"
    r"xfa|porfa|plis|pliss|plz|pfvr|obg|vlw|tomorrow|manana|amanha|"
    r"quanto|cuanto|how|que|q|qual|cual|what|\?)(?![\w]))"
)


@dataclass(frozen=True, slots=True)
class GuestResult:
    adults: int | None
    children: int | None


class GuestGrammar:
    """Compiled patterns for one language; build with `GuestGrammar.for_language`."""

    def __init__(self, lang: str) -> None:
        self.numbers = lexicon.number_words(lang)
        words = lexicon.alternation(self.numbers)
        number = r"(?P<n>\d{1,2}|" + words + r")"
        self.count = re.compile(
            r"(?<![\w.,/:-])" + number + r"(?![\w])\s*(?:(?:small|little|young|pequen[oa]s?|"
            r"peques)\s+)?(?P<noun>" + _ADULT + "|" + _PEOPLE + "|" + _CHILD + "|" + _COUPLES + r")(?![\w])"
        )
        group_number = (
            r"(?P<n>\d{1,2}|"
            + lexicon.alternation(w for w in self.numbers if w not in _ARTICLE_NUMBERS)
            + ")"
        )
        self.group = re.compile(
            r"(?<![\w])(?:somos|seremos|seriamos|seriam|vamos\s+a\s+ser|vamos\s+ser|we\s+are|we're|"
            r"were|we\s+will\s+be|we'll\s+be|we'd\s+be|there\s+are|there\s+will\s+be|estamos|"
            r"party\s+of|group\s+of|grupo\s+de|family\s+of|familia\s+de|total\s+of|en\s+total|"
            r"no\s+total|in\s+total|total|total:|mudar\s+para|mudar\s+pra|cambiar\s+a|change\s+to|"
            r"vamos\s+em|vamos\s+en|vamos|iremos|vamos\s+a\s+ir|viajamos|viajaremos)"
            r"\s+(?:(?:en|em|un|uma|um|una|a|an|total|de|of|family|familia|grupo|group|in|all|"
            r"like|about|unos|umas|uns|unas|como|cerca\s+de|around)\s+)*"
            + group_number
            + r"(?!\s*(?:menos|mas|more|less|fewer|a\s+mais|a\s+menos)(?![\w]))"
            + r"(?![\w])(?!\s*(?:"
            + _ADULT
            + "|"
            + _CHILD
            + r")(?![\w]))"
        )
        self.of_us = re.compile(
            r"(?<![\w])" + number + r"\s+(?:of\s+us|de\s+nosotros|de\s+nos|de\s+nosotras)(?![\w])"
        )
        self.for_n = re.compile(
            r"(?<![\w])(?:for|para|pra|pa|p/|book\s+for)\s+(?:(?:unos|umas|uns|unas|about|like|around)\s+)?"
            + number
            + r"(?="
            + _WHITELIST_AFTER
            + r")"
        )
        self.couple = re.compile(
            r"(?<![\w])(?:(?P<art>a|una|um|uma|somos|we're|we\s+are|en|for|para|pra|como|as)\s+)?"
            r"(?P<w>couple|pareja|casal|matrimonio|married\s+couple|honeymooners|recien\s+casados|"
            r"recem[\s-]casados)(?![\w])(?P<of>\s+(?:of|de)(?![\w]))?"
        )
        self.partner = re.compile(
            r"(?<![\w])(?:"
            + _POSSESSIVE
            + r"\s+"
            + _SPOUSE
            + r"\s+(?:and|y|e|&)\s+"
            + _ME
            + r"|"
            + _ME
            + r"\s+(?:and|y|e|&|con|with|com)\s+(?:(?:a|o)\s+)?"
            + _POSSESSIVE
            + r"\s+"
            + _SPOUSE
            + r"|(?:with|con|com|junto\s+a|junto\s+con|junto\s+com)\s+(?:(?:a|o)\s+)?"
            + _POSSESSIVE
            + r"\s+"
            + _SPOUSE
            + r"|(?:mi|my|minha|meu)\s+"
            + _SPOUSE
            + r"\s+y\s+yo|"
            r"(?:\+|plus|&)\s*(?:(?:my|mi|minha|meu|a|o|his|her|su|sua|seu)\s+)?" + _SPOUSE + r")"
            r"(?![\w])"
        )
        self.alone = re.compile(
            r"(?<![\w])(?:just\s+me|only\s+me|just\s+myself|me\s+alone|by\s+myself|on\s+my\s+own|"
            r"travell?ing\s+alone|i'?m\s+alone|i\s+am\s+alone|alone|solo\s+yo|solo\s+para\s+mi|"
            r"yo\s+sol[oa]|viajo\s+sol[oa]|voy\s+sol[oa]|ire\s+sol[oa]|estoy\s+sol[oa]|"
            r"so\s+eu|somente\s+eu|apenas\s+eu|so\s+pra\s+mim|so\s+para\s+mim|"
            r"(?:eu|vou|viajo|estou|fico|irei|vou\s+estar|viajando|estarei|ficarei|viajar)\s+sozinh[oa]|"
            r"para\s+mi\s+sol[oa]|pra\s+mim\s+sozinh[oa]|for\s+myself|just\s+for\s+me|"
            r"only\s+for\s+me|solo\s+para\s+mi|so\s+para\s+mim)(?![\w])"
        )
        self.self_ref = re.compile(
            r"(?<![\w])(?:(?:para|pra|pa|for|p/)\s+(?:mi|mim|me|myself|eu)(?=\s*(?:$|[,.!?;]|(?:y|e|and|"
            r"con|com|with|solo|sola|sozinh[oa]|el|la|o|a|de|del|do|da|en|em|no|na|on|this|next|"
            r"from|desde|hoy|hoje|manana|amanha)(?![\w])))|eu\s*(?:,|e)|yo\s*(?:,|y)|"
            r"(?:me|i|yo|eu)\s*(?:,|and|plus|\+|mas|mais|with|con|com)|"
            r"(?:yo|eu)(?=\s+(?:mi|mis|minha|meu|meus|minhas)\s)|"
            r"(?:and|y|e)\s+(?:i|me|yo|eu|para\s+mi|para\s+mim|"
            r"pra\s+mim))(?![\w])"
        )
        self.companion = re.compile(
            r"(?<![\w])(?:" + _POSSESSIVE + r"|una?|uma?|an?)\s+" + _SPOUSE + r"(?![\w])"
        )
        self.negated = re.compile(
            r"(?:^|\s)(?:no|nao|not|ya\s+no|ja\s+nao|sin|without|sem)\s+(?:\w+\s+){0,2}$"
        )
        # One child said without a number, only as company: "con mi hijo", "couple + baby" (not "se
        # enfermó mi hijo" or "incluir meu filho na reserva").
        self.single_child = re.compile(
            r"(?<![\w])(?:\+|plus|with|con|com|and|y|e|junto\s+con|junto\s+com)\s*(?:(?:"
            + _OUR
            + r"|a|an|un|una|um|uma|o|a)\s+)?(?:(?:little|small|pequen[oa]|peque|young|baby)\s+)?"
            + _SINGLE_CHILD
            + r"(?![\w])"
        )
        # "space for me", "lugar para mí", "vaga pra mim": room for one (but "reserva pra mim" books for me).
        self.room_for_me = re.compile(
            r"(?<![\w])(?:room|space|spot|lugar|sitio|espacio|vaga)\s+"
            r"(?:available\s+|free\s+|disponible\s+|disponivel\s+|libre\s+|livre\s+)?"
            r"(?:for|para|pra|pa)\s+(?:mi|mim|me|myself)(?![\w])"
        )

        self.subset = re.compile(
            r"(?:with|con|com|including|incluyendo|incluindo|of\s+which|of\s+whom|de\s+los\s+cuales|"
            r"dos\s+quais|das\s+quais|entre\s+ellos|among\s+them|incl|inc)"
        )

    @staticmethod
    @cache
    def for_language(lang: str) -> GuestGrammar:
        return GuestGrammar(lang if lang in lexicon.LANGS else "xx")

    def _number(self, raw: str) -> int | None:
        if raw.isdigit():
            value = int(raw)
            return value if 0 < value <= 50 else None
        return lexicon.lookup(self.numbers, raw)

    def extract(self, text: str) -> GuestResult:
        adults: int | None = None
        people: int | None = None
        people_end = -1
        children: int | None = None
        children_start = -1
        children_end = -1
        for m in self.count.finditer(text):
            n = self._number(m["n"])
            if n is None:
                continue
            noun = m["noun"]
            before = _previous_words(text, m.start())
            if m["n"] in _ARTICLE_NUMBERS or m["n"] == "single":
                if noun.endswith("s") and not noun.endswith(("ss", "pers")):
                    continue  # "a kids club"
                if re.fullmatch(_PEOPLE, noun) and m["n"] != "single" and not before.endswith(_FOR_WORDS):
                    continue  # "quiero hablar con una persona"
            if m["n"] == "single" and re.fullmatch(_CHILD, noun):
                continue
            if re.fullmatch(_COUPLES, noun):
                if people is None:
                    people, people_end = 2 * n, m.end()
                continue
            if noun.startswith("chic") and before.endswith(("somos", "seremos", "we are")):
                if people is None:
                    people, people_end = n, m.end()
                continue
            if re.fullmatch(_CHILD, noun):
                if children is not None and _joined(text[children_end : m.start()]):
                    children += n
                elif children is None:
                    children, children_start = n, m.start()
                children_end = m.end()
            elif re.fullmatch(_ADULT, noun):
                if adults is None:
                    adults = n
            elif people is None:
                people, people_end = n, m.end()
        if people is None:
            for pattern in (self.group, self.of_us, self.for_n):
                group = pattern.search(text)
                value = self._number(group["n"]) if group is not None else None
                if group is not None and value is not None:
                    people, people_end = value, group.end()
                    break
        if children is None:
            child = self.single_child.search(text)
            if child is not None:
                children, children_start = 1, child.start()
        if adults is None and people is not None:
            adults = people
            if children is not None and people > children and children_start > people_end:
                between = text[people_end:children_start]
                if self.subset.search(between) is not None or "," in between:
                    adults = people - children
        if adults is None:
            adults = self._implied_adults(text, children is not None)
        return GuestResult(adults, children)

    def _implied_adults(self, text: str, has_children: bool) -> int | None:
        """Adults implied by who the guest says is coming: a partner, a couple, themselves."""
        for m in self.partner.finditer(text):
            if self.negated.search(text, max(0, m.start() - 30), m.start()) is None:
                return 2
        if self._couple(text):
            return 2
        if self.self_ref.search(text) is not None:
            for m in self.companion.finditer(text):
                if self.negated.search(text, max(0, m.start() - 30), m.start()) is None:
                    return 2
            if has_children or self.room_for_me.search(text) is not None:
                return 1
        if self.alone.search(text) is not None:
            return 1
        return None

    def _couple(self, text: str) -> bool:
        for m in self.couple.finditer(text):
            if m["of"] and m["w"] == "couple":
                continue  # "a couple of nights"
            before = text[max(0, m.start() - 12) : m.start()]
            if m["art"] is None and re.search(r"(?:de|cama|quarto|habitacion|suite)\s*$", before):
                continue  # "quarto de casal" is a double room
            if m["w"] in {"casal", "pareja"} and m["art"] is None and before.rstrip().endswith(" de"):
                continue
            return True
        return False


_FOR_WORDS = ("para", "pra", "for", "somos", "just", "only", "solo", "so", "apenas", "p/")
_PREVIOUS = re.compile(r"[\w/]+(?:\s+[\w/]+)?\s*$")


def _previous_words(text: str, position: int) -> str:
    m = _PREVIOUS.search(text, max(0, position - 25), position)
    return " ".join(m.group(0).split()) if m else ""


_JOIN = re.compile(r"^\s*(?:,|y|e|and|\+|mas|plus|&)?\s*$")


def _joined(gap: str) -> bool:
    return _JOIN.match(gap) is not None
