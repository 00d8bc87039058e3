"""agenda's outbox relay alone in a process, configured from AGENDA_* variables (tests kill it)."""

from __future__ import annotations

import asyncio

import nats

from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from services.agenda.messaging import Publicador
from shared.outbox import OutboxRelay
from shared.telemetry import Telemetry


async def main() -> None:
    settings = AgendaSettings()
    agenda = Agenda(settings)
    nc = await nats.connect(settings.nats_url)
    relay = OutboxRelay(agenda, Publicador(agenda), nc.jetstream(), Telemetry.create("agenda"),
                        batch_size=settings.relay_batch_size)
    await relay.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main())
