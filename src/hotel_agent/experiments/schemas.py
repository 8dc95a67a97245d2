"""Payloads of the experiments admin API and CLI (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from hotel_agent.message_templates.api_schemas import KEY_PATTERN, MAX_CONTENT_LENGTH, VARIANT_PATTERN
from hotel_agent.message_templates.languages import normalize_language

EXPERIMENT_KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
CONTROL = "control"
MAX_VARIANTS = 5
WEIGHT_TOLERANCE = 0.001

ExperimentStatus = Literal["draft", "running", "paused", "stopped"]


def _languages(values: list[str]) -> list[str]:
    tags: list[str] = []
    for value in values:
        tag = normalize_language(value)
        if tag is None:
            raise ValueError(f"{value!r} is not a language tag")
        if tag not in tags:
            tags.append(tag)
    return tags


class VariantIn(BaseModel):
    name: str = Field(pattern=VARIANT_PATTERN, examples=["control", "variant_a"])
    weight: float = Field(gt=0, le=1)
    texts: dict[str, str] | None = Field(
        default=None,
        description="Text per language for a non-control variant: stored as that variant's active template "
        "version, validated like any version. Omitted: the variant's active versions must exist already.",
    )

    @field_validator("texts")
    @classmethod
    def _texts(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) > 16:
            raise ValueError("at most 16 languages")
        out: dict[str, str] = {}
        for language, text in value.items():
            [tag] = _languages([language])
            if not text.strip() or len(text) > MAX_CONTENT_LENGTH:
                raise ValueError(f"the {tag} text must have 1..{MAX_CONTENT_LENGTH} characters")
            out[tag] = text
        return out


class ExperimentCreate(BaseModel):
    key: str = Field(pattern=EXPERIMENT_KEY_PATTERN, examples=["greeting-warmer"])
    name: str = Field(min_length=1, max_length=200)
    hypothesis: str = Field(default="", max_length=4000)
    template_key: str = Field(max_length=100, pattern=KEY_PATTERN, examples=["greeting.welcome"])
    languages: list[str] | None = Field(
        default=None, max_length=16, description="Languages the test applies to; omitted: every language."
    )
    variants: list[VariantIn] = Field(min_length=2, max_length=MAX_VARIANTS)
    coverage: float = Field(default=1.0, gt=0, le=1, description="Share of guests in the test.")
    seed: str | None = Field(default=None, max_length=64, description="Hash seed; omitted: the key.")
    goal_days: int = Field(default=7, ge=1, le=90, description="A booking within this many days counts.")
    guardrails: list[str] = Field(default_factory=lambda: ["cancellation"], max_length=8)

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, value: list[str] | None) -> list[str] | None:
        return _languages(value) if value is not None else None


class ExperimentUpdate(BaseModel):
    """A change to an experiment. Weights and coverage may change while it runs: guests who were already
    assigned keep their variant (sticky). `new_phase` re-randomises everybody on purpose."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    hypothesis: str | None = Field(default=None, max_length=4000)
    weights: dict[str, float] | None = Field(default=None, description="Variant name -> weight (sum 1).")
    coverage: float | None = Field(default=None, gt=0, le=1)
    goal_days: int | None = Field(default=None, ge=1, le=90)
    new_phase: bool = False


class PromoteRequest(BaseModel):
    variant: str | None = Field(
        default=None,
        pattern=VARIANT_PATTERN,
        description="The variant to promote; omitted: the winner the results call (409 when none is).",
    )
    note: str | None = Field(default=None, max_length=1000)


class VariantOut(BaseModel):
    name: str
    weight: float
    # Languages the variant has its own live text in (control: the live default text's languages).
    languages: list[str]


class ExperimentOut(BaseModel):
    key: str
    name: str
    hypothesis: str
    template_key: str
    languages: list[str]
    variants: list[VariantOut]
    coverage: float
    status: ExperimentStatus
    seed: str
    phase: int
    goal_days: int
    guardrails: list[str]
    winner: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    stopped_at: datetime | None
    warnings: list[str] = Field(default_factory=list)


class ExperimentList(BaseModel):
    items: list[ExperimentOut]
    count: int


class ArmOut(BaseModel):
    variant: str
    weight: float
    exposures: int
    conversions: int
    cancellations: int
    # Exposures whose variant lacked the guest's language: control's text was sent (still counted here).
    fallbacks: int
    rate: float
    rate_interval: tuple[float, float]
    uplift: float | None
    uplift_interval: tuple[float, float] | None
    p_value: float | None
    chance_to_beat_control: float | None


class ExperimentResults(BaseModel):
    key: str
    status: ExperimentStatus
    phase: int
    goal_days: int
    arms: list[ArmOut]
    srm_p_value: float | None
    srm: bool
    enough_data: bool
    min_exposures_per_arm: int
    min_conversions_per_arm: int
    needed_per_arm: int | None
    winner: str | None
    warnings: list[str]


class ExperimentEventOut(BaseModel):
    action: str
    actor: str
    details: dict[str, Any]
    created_at: datetime


class ExperimentHistory(BaseModel):
    key: str
    events: list[ExperimentEventOut]
