"""Prometheus series of experiments, per experiment and variant.

Label sets stay bounded: experiment keys come from operators (`[a-z0-9_-]{1,64}`, and only running
experiments record anything), at most 5 variants each; past `MAX_EXPERIMENT_LABELS` distinct keys in one
process further ones are counted under `other`.
"""

from __future__ import annotations

from prometheus_client import Counter

MAX_EXPERIMENT_LABELS = 50

EXPOSURES = Counter(
    "hotel_agent_experiment_exposures_total",
    "Guests exposed for the first time to an experiment's reply, by experiment and assigned variant.",
    ["experiment", "variant"],
)
FALLBACKS = Counter(
    "hotel_agent_experiment_fallbacks_total",
    "First exposures whose variant had no text in the guest's language (control's text was sent).",
    ["experiment", "variant"],
)
CONVERSIONS = Counter(
    "hotel_agent_experiment_conversions_total",
    "Bookings attributed to an experiment's variant (once per guest and phase).",
    ["experiment", "variant"],
)
CANCELLATIONS = Counter(
    "hotel_agent_experiment_cancellations_total",
    "Cancellations within the goal window by exposed guests (guard-rail), by experiment and variant.",
    ["experiment", "variant"],
)

_seen: set[str] = set()


def experiment_label(key: str) -> str:
    if key in _seen:
        return key
    if len(_seen) >= MAX_EXPERIMENT_LABELS:
        return "other"
    _seen.add(key)
    return key
