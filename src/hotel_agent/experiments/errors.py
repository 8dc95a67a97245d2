"""Experiment errors, rendered by the app's one error handler as {"error", "detail"}.

ExperimentError
├── NoSuchExperimentError      404  no experiment with this key
├── ExperimentExistsError      409  the key is taken
├── ExperimentStateError       409  the action does not fit the experiment's status (start a stopped
│                                   one, promote without a winner, two running tests on one reply, ...)
└── ExperimentInvalidError     422  the definition is wrong: weights, coverage, variants, languages,
                                    or a variant's text fails template validation (`problems`)
"""

from __future__ import annotations

from typing import Any

from hotel_agent.errors import ConflictError, HotelAgentError, NotFoundError, UnprocessableError


class ExperimentError(HotelAgentError):
    """Anything wrong with managing an experiment."""


class NoSuchExperimentError(ExperimentError, NotFoundError):
    status_code = 404

    def __init__(self, key: str) -> None:
        super().__init__(f"no experiment with key {key!r}", key=key)


class ExperimentExistsError(ExperimentError, ConflictError):
    status_code = 409

    def __init__(self, key: str) -> None:
        super().__init__(f"an experiment with key {key!r} exists already", key=key)


class ExperimentStateError(ExperimentError, ConflictError):
    status_code = 409


class ExperimentInvalidError(ExperimentError, UnprocessableError):
    status_code = 422

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
