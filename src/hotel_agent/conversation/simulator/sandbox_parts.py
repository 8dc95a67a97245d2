"""The simulator's staff inbox and experiments: the engine calls them as it calls the real ones.

Neither writes anything a real guest's turn would: a handoff is noted on the transcript (staff are not
told, the inbox never lists it), and an experiment's assignment is computed (or forced) without storing
the guest's sticky key, exposing, or counting an outcome.
"""

from __future__ import annotations

from collections.abc import Mapping

from hotel_agent.conversation.simulator.options import CURRENT, note
from hotel_agent.experiments.runtime import Assignment, ExperimentRuntime, RunningExperiment, TurnExperiments
from hotel_agent.kit.state import StateWrite


class SandboxStaffInbox:
    """A handoff in a simulation is only a note: the real inbox (staff_queue.py) never sees it."""

    async def open_handoff(self, conversation_id: str, language: str, reason: str, last_message: str) -> None:
        note(f"handed to staff ({reason}): in a real conversation it would now wait in the inbox")

    async def note_message(self, conversation_id: str, text: str) -> None:
        note("the conversation is with staff: the bot stays silent (reset to talk to the bot again)")


class SimulatedExperiments:
    """The running experiments as a guest with the simulation's id would meet them, recording nothing.

    A forced variant (`TurnOptions.forced`) replaces the hash for its experiment, which need not be
    running: a draft or paused test's variant can be tried before it is started.
    """

    def __init__(self, runtime: ExperimentRuntime) -> None:
        self._runtime = runtime

    def sticky_keys(self, guest_id: str) -> list[str]:
        return []  # a simulation reads no guest's sticky assignment

    async def begin_turn(
        self, guest_id: str, language: str, docs: Mapping[str, bytes | None] | None = None
    ) -> TurnExperiments | None:
        options = CURRENT.get()
        forced = options.forced if options is not None else None
        experiments: dict[str, RunningExperiment] = {e.template_key: e for e in self._runtime.running}
        if forced is not None:
            experiments[forced.experiment.template_key] = forced.experiment
        assignments: dict[str, Assignment] = {}
        for experiment in experiments.values():
            if not experiment.applies(language):
                continue
            if forced is not None and experiment.id == forced.experiment.id:
                variant: str | None = forced.variant
            else:
                variant = experiment.bucket(guest_id)
            if variant is not None:
                assignments[experiment.template_key] = Assignment(experiment, variant)
        return TurnExperiments(guest_id=guest_id, by_template=assignments) if assignments else None

    async def end_turn(self, turn: TurnExperiments | None) -> list[StateWrite]:
        """Notes on the transcript; nothing to store with the conversation."""
        if turn is None:
            return []
        for assignment in turn.exposures:
            fallback = " (no text in this language: control's was sent)" if assignment.fell_back else ""
            note(
                f"experiment {assignment.experiment.key}: {assignment.variant} shown{fallback}; "
                "no exposure recorded"
            )
        for kind, reference, _at in turn.outcomes:
            note(f"a {kind} ({reference or 'no reference'}) that no experiment counts")
        return []
