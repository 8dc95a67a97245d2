"""The guest's answer to the yes/no question on screen (the summary, "shall I cancel it?", a change).

A tap decides. Otherwise a refusal or "leave it / keep it" in the words is a no whatever the intent model
says ("nada, déjala, al final sí vamos" reads as a weak yes to it); a yes word is a yes when the message is
an answer (affirm, thanks — "sim, obrigado" — or the request being confirmed: "yes, cancel it"); and a
yes the model is unsure of, with no yes word, is no answer at all: the bot asks again rather than act.
"""

from __future__ import annotations

from hotel_agent.conversation.context import Turn
from hotel_agent.nlu.answers import Answer, hedges, yes_or_no

# An affirm the classifier is less sure of than this, with no yes word in it, is not acted on.
AFFIRM_AT = 0.6
_ANSWER_INTENTS = frozenset({"affirm", "thanks"})


def answer(turn: Turn, *, request_intent: str | None = None) -> Answer | None:
    """Yes, no, or None when the message does not answer the question.

    `request_intent`: the intent of the request being confirmed ("cancel_reservation"), whose
    wording with a yes word is the yes ("sí, cancélala").
    """
    choice = turn.message.choice_id
    if choice == "yes":
        return Answer.YES
    if choice == "no":
        return Answer.NO
    text = turn.message.text or ""
    words = yes_or_no(text)
    if words is Answer.NO:
        return Answer.NO
    if hedges(text):
        return None
    if turn.intent == "deny":
        # "claro, como no" read as a refusal: a yes word against the model is asked again.
        return None if words is Answer.YES else Answer.NO
    answering = turn.intent in _ANSWER_INTENTS or turn.intent == request_intent
    if words is Answer.YES and answering:
        return Answer.YES
    if turn.intent == "affirm" and turn.parsed.confidence >= AFFIRM_AT:
        return Answer.YES
    return None
