"""The admin simulator: staff chat with the bot as a guest, through the same engine guests talk to.

The composition root builds a second `ConversationEngine` (wiring.py) that shares what guests use (the
NLU, the flows, the live template source, the running experiments) and swaps what must never see a
simulated guest:

    PMS          SandboxPms: availability and prices from the real PMS (read-only); bookings, changes
                 and cancellations kept in the state backend under `simulator:` keys, with their TTL
    state        its own ConversationStore namespace (`simulator-conversation:<id>`)
    staff queue  SandboxStaffInbox: a handoff is noted on the transcript, never in the staff inbox
    experiments  SimulatedExperiments: the running set (or a forced variant of any experiment),
                 assigned without writing the sticky key; no exposure, no outcome is recorded
    templates    DraftRenderer over the live source: a chosen draft version renders in place of its
                 key's live text; no usage statistics, no render counters
    metrics      the engine's turn counters are off (`metered=False`)

A turn's options (the draft, the forced variant) reach the renderer and the experiments through one
context variable set around `engine.handle` (options.py): the engine itself takes none of them.
"""
