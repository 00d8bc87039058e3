"""One replica of agenda's outbox relay in a process, with leader election as in production
(configured from AGENDA_* variables). It writes what it is doing to the JSON file named by
ACOMPANA_ESTADO_RELAY, so a test can tell the leader from the follower (tests kill it)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import nats

from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from services.agenda.messaging import Publicador
from shared.liderazgo import Lease
from shared.outbox import OutboxRelay
from shared.telemetry import Telemetry


async def main() -> None:
    settings = AgendaSettings()
    estado = Path(os.environ["ACOMPANA_ESTADO_RELAY"])
    agenda = Agenda(settings)
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    enviados = 0
    publish_async = js.publish_async

    async def contando(*args, **kwargs):
        nonlocal enviados
        enviados += 1
        return await publish_async(*args, **kwargs)

    js.publish_async = contando  # type: ignore[method-assign]
    lease = Lease(js, settings.servicio, lease_seconds=settings.relay_lease_seconds,
                  renew_every=settings.relay_lease_renew_seconds)
    relay = OutboxRelay(agenda, Publicador(agenda), js, Telemetry.create("agenda"),
                        batch_size=settings.relay_batch_size, lease=lease)
    agenda.on_saved.append(relay.wake)
    relay_task = asyncio.create_task(relay.run(asyncio.Event()))
    while not relay_task.done():
        temporal = estado.with_suffix(".tmp")
        temporal.write_text(json.dumps({"pid": os.getpid(), "lider": lease.held, "enviados": enviados}))
        temporal.replace(estado)
        await asyncio.sleep(0.05)
    await relay_task


if __name__ == "__main__":
    asyncio.run(main())
