"""Results an operator can trust: rates with intervals, uplift, a z-test, chance to beat control, SRM.

Defaults follow GrowthBook's stats engine where it documents one:
- conversion rate per variant with a 95% Wilson interval (sane at 0 or 100%, unlike the Wald interval);
- relative uplift vs control with a 95% delta-method interval on the log of the ratio of rates;
- a two-sided two-proportion z-test (pooled standard error);
- Bayesian chance to beat control from Beta(1 + conversions, 1 + non-conversions) posteriors, computed
  by exact numerical integration over the control's posterior (no sampling noise);
- sample-ratio mismatch: chi-square goodness of fit of the exposure counts against the weights,
  flagged at p < 0.001 (GrowthBook's default: SRM is rare, so 0.05 would make most alarms false);
- a winner is called only when both engines agree: chance to beat control >= 95% *and* the z-test's
  p < 0.05 (two-sided). The chance alone is a one-sided 5% rule, so an A/A test would crown a "winner"
  in about 5% of runs; requiring both keeps false winners near 2.5% and costs little power;
- minimum sample: no variant is called a winner before every arm has `MIN_EXPOSURES` exposures and
  `MIN_CONVERSIONS` conversions, and the per-arm size a test needs to detect the observed uplift with
  80% power at alpha 0.05 is reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import integrate, stats

SRM_THRESHOLD = 0.001
CHANCE_TO_WIN = 0.95
ALPHA = 0.05
MIN_EXPOSURES = 100
MIN_CONVERSIONS = 10
_Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class ArmCounts:
    variant: str
    exposures: int
    conversions: int
    weight: float


@dataclass(frozen=True, slots=True)
class ArmResult:
    variant: str
    exposures: int
    conversions: int
    rate: float
    rate_interval: tuple[float, float]
    uplift: float | None  # relative to control; None for control or when control's rate is 0
    uplift_interval: tuple[float, float] | None
    p_value: float | None  # two-proportion z-test vs control
    chance_to_beat_control: float | None


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    arms: tuple[ArmResult, ...]
    srm_p_value: float | None
    srm: bool  # sample-ratio mismatch: do not trust these numbers
    enough_data: bool
    needed_per_arm: int | None  # exposures per arm to detect the observed best uplift (80% power)
    winner: str | None  # a variant beating control with >= 95% chance, once there is enough data
    warnings: tuple[str, ...]


def wilson_interval(conversions: int, exposures: int, z: float = _Z95) -> tuple[float, float]:
    if exposures <= 0:
        return (0.0, 1.0)
    p = conversions / exposures
    denominator = 1 + z * z / exposures
    centre = (p + z * z / (2 * exposures)) / denominator
    half = z * math.sqrt(p * (1 - p) / exposures + z * z / (4 * exposures * exposures)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def relative_uplift(control: ArmCounts, arm: ArmCounts) -> tuple[float, tuple[float, float]] | None:
    """(treatment rate / control rate - 1) with a 95% interval from the delta method on log(ratio)."""
    if control.exposures == 0 or arm.exposures == 0 or control.conversions == 0 or arm.conversions == 0:
        return None
    p_c = control.conversions / control.exposures
    p_t = arm.conversions / arm.exposures
    log_ratio = math.log(p_t / p_c)
    se = math.sqrt((1 - p_t) / arm.conversions + (1 - p_c) / control.conversions)
    low, high = math.exp(log_ratio - _Z95 * se) - 1, math.exp(log_ratio + _Z95 * se) - 1
    return (p_t / p_c - 1, (low, high))


def two_proportion_p_value(control: ArmCounts, arm: ArmCounts) -> float | None:
    """Two-sided pooled z-test of equal conversion rates."""
    n_c, n_t = control.exposures, arm.exposures
    if n_c == 0 or n_t == 0:
        return None
    pooled = (control.conversions + arm.conversions) / (n_c + n_t)
    if pooled in (0.0, 1.0):
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_t))
    z = (arm.conversions / n_t - control.conversions / n_c) / se
    return float(2 * stats.norm.sf(abs(z)))


def chance_to_beat(control: ArmCounts, arm: ArmCounts) -> float:
    """P(rate_arm > rate_control) under independent Beta(1 + x, 1 + n - x) posteriors (uniform prior)."""
    a_c, b_c = 1 + control.conversions, 1 + control.exposures - control.conversions
    a_t, b_t = 1 + arm.conversions, 1 + arm.exposures - arm.conversions
    control_posterior = stats.beta(a_c, b_c)
    arm_posterior = stats.beta(a_t, b_t)
    # Integrate over where the control's posterior has its mass: the integrand is negligible elsewhere.
    low, high = control_posterior.ppf(1e-9), control_posterior.ppf(1 - 1e-9)
    value, _ = integrate.quad(lambda x: control_posterior.pdf(x) * arm_posterior.sf(x), low, high, limit=200)
    return float(min(1.0, max(0.0, value)))


def srm_p_value(exposures: Sequence[int], weights: Sequence[float]) -> float | None:
    """Chi-square goodness of fit of the observed exposure counts to the configured weights."""
    total = sum(exposures)
    if total == 0 or len(exposures) < 2:
        return None
    weight_sum = sum(weights)
    expected = np.array([total * w / weight_sum for w in weights])
    if (expected <= 0).any():
        return None
    return float(stats.chisquare(np.array(exposures, dtype=float), expected).pvalue)


def sample_size_per_arm(
    base_rate: float, uplift: float, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Exposures per arm for a two-sided two-proportion test to detect `uplift` (relative) on `base_rate`."""
    target = base_rate * (1 + uplift)
    if not 0 < base_rate < 1 or not 0 < target < 1 or target == base_rate:
        return None
    z_alpha, z_beta = float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))
    mean = (base_rate + target) / 2
    numerator = (
        z_alpha * math.sqrt(2 * mean * (1 - mean))
        + z_beta * math.sqrt(base_rate * (1 - base_rate) + target * (1 - target))
    ) ** 2
    return math.ceil(numerator / (target - base_rate) ** 2)


def analyse(arms: Sequence[ArmCounts]) -> ExperimentResult:
    """Every number of the results table; the first arm is control."""
    if not arms:
        return ExperimentResult((), None, False, False, None, None, ("no variants",))
    control = arms[0]
    results: list[ArmResult] = []
    for index, arm in enumerate(arms):
        rate = arm.conversions / arm.exposures if arm.exposures else 0.0
        interval = wilson_interval(arm.conversions, arm.exposures)
        if index == 0:
            results.append(
                ArmResult(arm.variant, arm.exposures, arm.conversions, rate, interval, None, None, None, None)
            )
            continue
        uplift = relative_uplift(control, arm)
        results.append(
            ArmResult(
                variant=arm.variant,
                exposures=arm.exposures,
                conversions=arm.conversions,
                rate=rate,
                rate_interval=interval,
                uplift=uplift[0] if uplift else None,
                uplift_interval=uplift[1] if uplift else None,
                p_value=two_proportion_p_value(control, arm),
                chance_to_beat_control=chance_to_beat(control, arm)
                if control.exposures and arm.exposures
                else None,
            )
        )
    srm_p = srm_p_value([arm.exposures for arm in arms], [arm.weight for arm in arms])
    srm = srm_p is not None and srm_p < SRM_THRESHOLD
    enough = all(arm.exposures >= MIN_EXPOSURES and arm.conversions >= MIN_CONVERSIONS for arm in arms)
    warnings: list[str] = []
    if srm:
        warnings.append(
            f"sample ratio mismatch (p = {srm_p:.2g} < {SRM_THRESHOLD}): the split does not match the "
            "weights, so these results are not to be trusted; look for a bug in assignment or logging"
        )
    best = max(results[1:], key=lambda r: r.chance_to_beat_control or 0.0, default=None)
    base_rate = results[0].rate
    needed = (
        sample_size_per_arm(base_rate, best.uplift)
        if best is not None and best.uplift is not None and best.uplift != 0
        else None
    )
    if not enough:
        warnings.append(
            f"not enough data yet: every variant needs at least {MIN_EXPOSURES} exposures and "
            f"{MIN_CONVERSIONS} conversions before a winner is called"
        )
    elif needed is not None and min(arm.exposures for arm in arms) < needed:
        warnings.append(
            f"underpowered: about {needed} exposures per variant are needed to confirm this uplift"
        )
    winner = None
    if (
        enough
        and not srm
        and best is not None
        and (best.chance_to_beat_control or 0.0) >= CHANCE_TO_WIN
        and best.p_value is not None
        and best.p_value < ALPHA
    ):
        winner = best.variant
    return ExperimentResult(tuple(results), srm_p, srm, enough, needed, winner, tuple(warnings))
