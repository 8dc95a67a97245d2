"""Answers to a yes/no question the bot just asked ("Do you want me to cancel it?", the booking summary).

The intent model reads "sim, obrigado" as thanks and "nada, déjala, al final sí vamos" as a weak yes; to a
pending yes/no question the first is a yes and the second a refusal. A refusal or "leave it / keep it"
anywhere in the answer wins over a yes word beside it: doing nothing is the safe reading of a mixed
answer, and a cancellation the guest did not want is the worst mistake the bot can make.
"""

from __future__ import annotations

import re
from enum import StrEnum

from hotel_agent.nlu.rules import COMPANION_TALK
from hotel_agent.nlu.text import fold_accents


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


# Phrases with a negative word that agree: stripped before looking for a refusal.
_AGREEING_NEGATIVES = re.compile(
    r"\b(?:no\s+problem|no\s+worries|no\s+prob|why\s+not|sin\s+problema|no\s+hay\s+problema|"
    r"por\s*que\s+no|como\s+no|no\s+te\s+preocupes|sem\s+problema|nao\s+tem\s+problema|"
    r"por\s*que\s+nao|sem\s+duvida|no\s+doubt|can'?t\s+wait|cannot\s+wait|no\s+puedo\s+esperar|"
    r"no\s+veo\s+la\s+hora|nao\s+vejo\s+a\s+hora)\b"
)
_REFUSALS = frozenset(
    {
        "no",
        "nope",
        "nah",
        "not",
        "dont",
        "never",
        "negative",
        "nao",
        "nunca",
        "nop",
        "naa",
        "nem",
        "jamais",
    }
)
# "leave it", "keep it", "déjala", "deixa", "no, la mantengo", "não, mantenho", "we're still coming".
_KEEPS = re.compile(
    r"\b(?:leave\s+it|leave\s+(?:the\s+)?(?:booking|reservation)|keep\s+(?:it|the\s+booking|the\s+reservation)|"
    r"keeping\s+it|let\s+it\s+be|forget\s+it|never\s*mind|changed\s+my\s+mind|hold\s+on|wait|"
    r"let\s+me\s+think|i'?ll\s+think|think\s+about\s+it|"
    r"(?:we\s*(?:'re|\s+are)|i\s*(?:'m|\s+am))\s+(?:still\s+)?(?:going|coming)|still\s+(?:going|coming)|"
    r"dejala|dejalo|dejela|dejelo|deja(?:la|lo)?\s+(?:asi|como\s+esta)|dejemosla|mantenla|mantenerla|"
    r"mantengo|mantenemos|la\s+mantengo|mejor\s+no|olvidalo|olvida\s+lo|cambie\s+de\s+opinion|"
    r"(?:la|lo)\s+dejo|dejarla|dejarlo|espera|espere|dejame\s+pensar\w*|lo\s+pienso|lo\s+pensare|"
    r"al\s+final\s+(?:si\s+)?(?:vamos|voy|iremos|viajamos|vamos\s+a\s+ir)|"
    r"deixa|deixe|deixar\s+(?:como|assim)|pode\s+deixar\s+(?:como|assim)|mantenho|mantem|mantemos|mantenha|manter|"
    r"melhor\s+nao|esquece|esqueca|mudei\s+de\s+ideia|pera|perai|aguarda|vou\s+pensar|"
    r"deixa\s+eu\s+pensar|preciso\s+pensar|"
    r"afinal\s+(?:a\s+gente\s+)?(?:vamos|vai|vou|iremos|viajamos))\b"
)
_YES_WORDS = frozenset(
    {
        # en
        "yes",
        "yeah",
        "yea",
        "yep",
        "yup",
        "ya",
        "sure",
        "ok",
        "okay",
        "okey",
        "oki",
        "okie",
        "k",
        "kk",
        "alright",
        "correct",
        "perfect",
        "absolutely",
        "definitely",
        "confirm",
        "confirmed",
        "proceed",
        "yess",
        "yesss",
        # es
        "si",
        "sii",
        "siii",
        "sip",
        "sisi",
        "claro",
        "dale",
        "vale",
        "perfecto",
        "correcto",
        "exacto",
        "confirmo",
        "confirmado",
        "adelante",
        "listo",
        "procede",
        # pt
        "sim",
        "simm",
        "ss",
        "pode",
        "bora",
        "fechado",
        "fechou",
        "perfeito",
        "certo",
        "correto",
        "exato",
        "isso",
        "beleza",
        "blz",
        "combinado",
        "prossiga",
    }
)
_YES_PHRASES = re.compile(
    r"\b(?:go\s+ahead|do\s+it|sounds\s+good|of\s+course|please\s+do|por\s+supuesto|de\s+acuerdo|"
    r"esta\s+bien|claro\s+que\s+si|pode\s+ser|com\s+certeza|manda\s+ver|ta\s+bom|tudo\s+certo|"
    r"esta\s+bem|ta\s+bem|de\s+acordo)\b"
)
_YES_EMOJI = ("👍", "👌", "✅", "🙌")
# Neither a yes nor a no, whatever the intent model leans to: "pode deixar" is "leave it to me" as often
# as "leave it"; "maybe", "quizás", "talvez" hedge.
_HEDGES = re.compile(
    r"\b(?:pode\s+deixar(?!\s+(?:assim|como))|maybe|perhaps|i\s+guess|quizas?|tal\s+vez|a\s+lo\s+mejor|"
    r"talvez|sei\s+la|acho\s+que)\b"
)
_WORD = re.compile(r"[a-z]+")


def _without_agreeing_negatives(text: str) -> str:
    return _AGREEING_NEGATIVES.sub(" ", fold_accents(text))


def keeps_it(text: str) -> bool:
    """ "leave it", "déjala", "deixa", "la mantengo", "afinal a gente vai", "let me check with my wife":
    do nothing (yet) to the booking."""
    folded = _without_agreeing_negatives(text)
    return _KEEPS.search(folded) is not None or COMPANION_TALK.search(folded) is not None


def refuses(text: str) -> bool:
    """A refusal word ("no", "não", "don't") outside phrases that agree ("no problem", "¿por qué no?")."""
    folded = _without_agreeing_negatives(text).replace("'", "")
    return any(word in _REFUSALS for word in _WORD.findall(folded))


def hedges(text: str) -> bool:
    """ "maybe", "talvez", "pode deixar": an answer that must be asked again, not acted on."""
    return _HEDGES.search(fold_accents(text)) is not None


def agrees(text: str) -> bool:
    """A yes word or phrase: "sim, obrigado", "ok perfect", "de acuerdo", 👍."""
    folded = fold_accents(text)
    if any(emoji in text for emoji in _YES_EMOJI) or _YES_PHRASES.search(folded) is not None:
        return True
    return any(word in _YES_WORDS for word in _WORD.findall(folded))


def yes_or_no(text: str) -> Answer | None:
    """The answer the words give to a yes/no question, or None when they give neither.

    A refusal or a "keep it" wins over a yes word in the same message ("nada, déjala, al final sí vamos").
    """
    if keeps_it(text) or refuses(text):
        return Answer.NO
    if hedges(text):
        return None
    if agrees(text):
        return Answer.YES
    return None
