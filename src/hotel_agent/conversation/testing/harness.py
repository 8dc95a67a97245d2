"""Where the conversations run: the embedded default in this process, or a deployment by URL."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx

from hotel_agent.config import PmsType, Settings
from hotel_agent.conversation.testing.drivers import EngineDriver, RestDriver, WhatsAppDriver
from hotel_agent.conversation.testing.runner import PmsControl, RunOptions
from hotel_agent.conversation.wiring import build_conversation
from hotel_agent.db import standalone_session
from hotel_agent.nlu.service import NluService
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.errors import PmsUnavailableError
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    Booking,
    BookingChange,
    BookingRequest,
    HotelProfile,
    RoomTypeInfo,
)
from hotel_agent.resources import build_resources


class OutageSwitch(PmsAdapter):
    """The in-process PMS with an off switch: while down every call fails as an unreachable PMS does."""

    def __init__(self, inner: PmsAdapter) -> None:
        self.inner = inner
        self.name = inner.name
        self.requires_guest_phone = inner.requires_guest_phone
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise PmsUnavailableError("the PMS is down (conversation test outage)")

    async def get_hotel_profile(self) -> HotelProfile:
        self._check()
        return await self.inner.get_hotel_profile()

    async def list_room_types(self) -> list[RoomTypeInfo]:
        self._check()
        return await self.inner.list_room_types()

    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        self._check()
        return await self.inner.check_availability(query)

    async def create_booking(self, request: BookingRequest) -> Booking:
        self._check()
        return await self.inner.create_booking(request)

    async def get_booking(self, reference: str) -> Booking:
        self._check()
        return await self.inner.get_booking(reference)

    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        self._check()
        return await self.inner.modify_booking(reference, change)

    async def cancel_booking(self, reference: str) -> Booking:
        self._check()
        return await self.inner.cancel_booking(reference)

    async def ping(self) -> None:
        self._check()
        await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()


async def _prepare_embedded_database(url: str) -> None:
    from hotel_agent.migrations import upgrade
    from hotel_agent.pms.local.seed import seed_demo_hotel

    await asyncio.to_thread(upgrade, url)  # Alembic's env runs its own event loop
    async with standalone_session(Settings(database_url=url)) as session:
        await seed_demo_hotel(session)


@asynccontextmanager
async def in_process(settings: Settings, *, nlu: NluService | None = None) -> AsyncIterator[RunOptions]:
    """The embedded default, fresh: a temporary SQLite database with the demo hotel, in-process state."""
    with tempfile.TemporaryDirectory(prefix="hotel-agent-conversations-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'hotel_agent.db'}"
        await _prepare_embedded_database(url)
        embedded = settings.model_copy(
            update={"database_url": url, "redis_url": None, "pms_type": PmsType.LOCAL}
        )
        resources = await build_resources(embedded)
        switch = OutageSwitch(resources.pms)
        resources.pms = switch
        try:
            components = await build_conversation(embedded, resources, nlu=nlu)

            async def down() -> None:
                switch.down = True

            async def up() -> None:
                switch.down = False

            async def references(conversation_id: str) -> list[str]:
                state = await components.store.load(conversation_id)
                return list(state.booking_refs) if state is not None else []

            yield RunOptions(
                driver=EngineDriver(components.engine),
                pms=switch.inner,
                pms_control=PmsControl(down, up),
                known_references=references,
                clean_up=True,
            )
        finally:
            await resources.close()


@asynccontextmanager
async def by_url(
    settings: Settings,
    url: str,
    *,
    pms_check: bool,
    channel: str = "rest",
    graph_url: str | None = None,
    pms_faults_url: str | None = None,
    request_timeout: float = 30.0,
) -> AsyncIterator[RunOptions]:
    """A deployment at `url`; with `pms_check`, the PMS this environment configures is read directly."""
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=request_timeout))
        pms: PmsAdapter | None = None
        if pms_check:
            resources = await build_resources(settings)
            stack.push_async_callback(resources.close)
            pms = resources.pms
        control: PmsControl | None = None
        if pms_faults_url is not None:
            emulator = await stack.enter_async_context(httpx.AsyncClient(base_url=pms_faults_url, timeout=10))

            async def down() -> None:
                (await emulator.post("/__emulator__/faults", json={"down": True})).raise_for_status()

            async def up() -> None:
                (await emulator.post("/__emulator__/faults", json={"down": False})).raise_for_status()

            control = PmsControl(down, up)
        if channel == "whatsapp":
            if graph_url is None:
                raise ValueError(
                    "--channel whatsapp needs --graph-url (the fake Graph API the deployment uses)"
                )
            graph = await stack.enter_async_context(httpx.AsyncClient(base_url=graph_url, timeout=10))
            secret = settings.whatsapp_app_secret
            driver: RestDriver | WhatsAppDriver = WhatsAppDriver(
                client,
                graph,
                app_secret=secret.get_secret_value() if secret is not None else "",
                phone_number_id=settings.whatsapp_phone_number_id or "",
                timeout=request_timeout,
            )
        else:
            driver = RestDriver(client)
        yield RunOptions(driver=driver, pms=pms, pms_control=control, numeric_ids=channel == "whatsapp")
