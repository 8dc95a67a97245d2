"""One simulated turn's options and what it observed, handed to the simulator's parts by a context variable.

`ConversationEngine.handle` takes a guest message and nothing else; the simulator's renderer and
experiments read the turn's draft and forced variant from `CURRENT` instead, which `Simulator.send` sets
around the call. A context variable belongs to the task that set it, so concurrent simulations (two
operators, two replicas' worth of requests in one process) never see each other's options.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from hotel_agent.experiments.runtime import RunningExperiment
from hotel_agent.message_templates.schemas import TemplateEntry


@dataclass(frozen=True, slots=True)
class ForcedVariant:
    experiment: RunningExperiment
    variant: str


@dataclass(slots=True)
class TurnOptions:
    draft: TemplateEntry | None = None
    forced: ForcedVariant | None = None
    # What happened that a guest's turn would have recorded, shown on the transcript instead.
    notes: list[str] = field(default_factory=list)
    draft_shown: bool = False


CURRENT: ContextVar[TurnOptions | None] = ContextVar("simulation", default=None)


def note(text: str) -> None:
    options = CURRENT.get()
    if options is not None and text not in options.notes:
        options.notes.append(text)
