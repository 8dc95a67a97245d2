"""`hotel-agent pms ...`: operator commands for the PMS connection.

`check` validates a live QloApps configuration before a deploy: the base URL is the shop's own (QloApps
redirects any other host, and the adapter never follows redirects), the key is accepted and has the
permissions the adapter needs, the hotel id exists, its room types load, and one availability search
answers. It prints one line per step and exits 1 on the first failure (2 when the configuration is
incomplete), so it can gate a deployment script.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import typer

from hotel_agent.config import Settings, get_settings
from hotel_agent.errors import ConfigurationError
from hotel_agent.kit.clock import utc_now
from hotel_agent.pms.errors import PmsError
from hotel_agent.pms.qloapps import QloAppsAdapter, QloAppsRedirectError, build_qloapps_adapter
from hotel_agent.pms.schemas import AvailabilityQuery

pms_app = typer.Typer(help="PMS connection tools.", no_args_is_help=True)


@pms_app.callback()
def _pms() -> None:
    """PMS connection tools (a group, so `pms check` stays a subcommand when it is the only one)."""


# Resource -> methods the adapter uses; `configurations` and `countries` are optional extras.
REQUIRED_PERMISSIONS: dict[str, set[str]] = {
    "hotels": {"GET", "HEAD"},
    "room_types": {"GET"},
    "hotel_room_types": {"GET"},
    "hotel_ari": {"POST"},
    "bookings": {"GET", "POST", "PUT"},
    "orders": {"GET"},
    "room_bookings": {"GET"},
    "customers": {"GET", "POST"},
    "currencies": {"GET"},
}
OPTIONAL_PERMISSIONS: dict[str, set[str]] = {"configurations": {"GET"}, "countries": {"GET"}}


@dataclass
class CheckStep:
    name: str
    ok: bool
    detail: str
    warning: bool = False


def _missing(granted: dict[str, set[str]], wanted: dict[str, set[str]]) -> list[str]:
    return [
        f"{resource} {'/'.join(sorted(methods - granted.get(resource, set())))}"
        for resource, methods in wanted.items()
        if methods - granted.get(resource, set())
    ]


async def run_check(adapter: QloAppsAdapter, *, days_ahead: int = 30) -> list[CheckStep]:
    """The checks, in order; stops at the first failure since later steps depend on earlier ones."""
    steps: list[CheckStep] = []
    try:
        granted = await adapter.resource_permissions()
        missing = _missing(granted, REQUIRED_PERMISSIONS)
        if missing:
            steps.append(CheckStep("authentication", False, "key lacks: " + ", ".join(missing)))
            return steps
        optional = _missing(granted, OPTIONAL_PERMISSIONS)
        steps.append(
            CheckStep(
                "authentication",
                True,
                f"key accepted, {len(REQUIRED_PERMISSIONS)} required resources allowed"
                + (f" (optional, missing: {', '.join(optional)})" if optional else ""),
                warning=bool(optional),
            )
        )

        profile = await adapter.get_hotel_profile()
        steps.append(
            CheckStep(
                "hotel",
                True,
                f"{profile.hotel_id} {profile.name!r} ({profile.city or 'no city'}), "
                f"currency {profile.currency}, timezone {profile.timezone}",
            )
        )

        room_types = await adapter.list_room_types()
        if not room_types:
            steps.append(CheckStep("room types", False, "the hotel has no active room types"))
            return steps
        names = ", ".join(f"{info.name_in(profile.default_language)} ({info.code})" for info in room_types)
        steps.append(CheckStep("room types", True, f"{len(room_types)}: {names}"))

        checkin = utc_now().date() + timedelta(days=days_ahead)
        query = AvailabilityQuery(checkin=checkin, checkout=checkin + timedelta(days=1), adults=1)
        result = await adapter.check_availability(query)
        cheapest = min((offer.total for offer in result.offers), default=None)
        steps.append(
            CheckStep(
                "availability",
                True,
                f"{checkin.isoformat()}, 1 night, 1 adult: {len(result.offers)} room type(s) offered"
                + (f", from {result.currency} {cheapest}" if cheapest is not None else ""),
            )
        )
    except QloAppsRedirectError as exc:
        # Not a key or hotel problem: every call would be redirected, so say what to configure.
        steps.append(CheckStep("base URL", False, exc.detail))
    except PmsError as exc:
        step = ("authentication", "hotel", "room types", "availability")[len(steps)]
        steps.append(CheckStep(step, False, f"{type(exc).__name__}: {exc.detail}"))
    return steps


def _render(steps: list[CheckStep]) -> None:
    for step in steps:
        mark = "✗" if not step.ok else ("!" if step.warning else "✓")
        color = (
            typer.colors.RED if not step.ok else (typer.colors.YELLOW if step.warning else typer.colors.GREEN)
        )
        typer.secho(f"  {mark} {step.name:<15} {step.detail}", fg=color)


async def _check(settings: Settings, days_ahead: int) -> bool:
    adapter = build_qloapps_adapter(settings)
    try:
        steps = await run_check(adapter, days_ahead=days_ahead)
    finally:
        await adapter.close()
    _render(steps)
    return all(step.ok for step in steps) and len(steps) == 4


@pms_app.command("check")
def check(
    base_url: Annotated[str | None, typer.Option(help="Overrides PMS_BASE_URL.")] = None,
    api_key: Annotated[str | None, typer.Option(help="Overrides PMS_API_KEY.")] = None,
    hotel_id: Annotated[str | None, typer.Option(help="Overrides PMS_HOTEL_ID.")] = None,
    days_ahead: Annotated[int, typer.Option(min=0, help="Check-in of the test search, from today.")] = 30,
) -> None:
    """Validate the live QloApps configuration: auth, hotel id, room types, one availability search."""
    overrides = {
        key: value
        for key, value in (("pms_base_url", base_url), ("pms_api_key", api_key), ("pms_hotel_id", hotel_id))
        if value is not None
    }
    try:
        settings = Settings.model_validate({**get_settings().model_dump(), **overrides})
    except ValueError as exc:
        typer.secho(f"Invalid configuration: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"QloApps check: {settings.pms_base_url or '(PMS_BASE_URL unset)'}, hotel {settings.pms_hotel_id}"
    )
    try:
        passed = asyncio.run(_check(settings, days_ahead))
    except ConfigurationError as exc:
        typer.secho(f"  ✗ configuration    {exc}", fg=typer.colors.RED)
        raise typer.Exit(2) from exc
    if not passed:
        typer.secho("PMS check failed.", fg=typer.colors.RED)
        raise typer.Exit(1)
    typer.secho("PMS check passed.", fg=typer.colors.GREEN)
