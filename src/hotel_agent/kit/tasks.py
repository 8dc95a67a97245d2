"""Stopping background tasks for sure."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(task: asyncio.Task[None], *, retry_every: float = 0.2) -> None:
    """Cancel `task` and wait for it to end, cancelling again while it runs.

    One cancellation is not always enough: a cancellation that lands inside a client call which
    swallows it (seen with redis-py's async client) leaves the loop running, and a plain
    `task.cancel(); await task` then waits forever.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=retry_every)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()
