"""The relay process is killed with SIGKILL at arbitrary moments while it publishes."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys

from services.agenda.application import Agenda
from services.agenda.config import AgendaSettings
from tests.conftest import eventually
from tests.support.stream import published_ids
from tests.support.world import registrar_planes


def environment(settings: AgendaSettings) -> dict[str, str]:
    """The child's AGENDA_* variables: the same store and NATS as this test."""
    return {**os.environ, **settings.eventsourcing_env(),
            "AGENDA_NATS_URL": settings.nats_url, "AGENDA_RELAY_BATCH_SIZE": "100"}


async def test_relay_matado_varias_veces_publica_todo_una_vez(make_settings, js, closing):
    settings = make_settings(AgendaSettings)
    agenda = closing(Agenda(settings))
    registrar_planes(agenda, 3000)
    expected = [f"agenda:{i}" for i in range(1, agenda.recorder.max_notification_id() + 1)]
    rng = random.Random(7)

    kills = 0
    while True:
        antes = len(await published_ids(js))
        if antes == len(expected):
            break
        process = subprocess.Popen([sys.executable, "-m", "tests.support.relay_process"],
                                   env=environment(settings))
        # Killed at an arbitrary moment once it publishes (a slow start on a loaded machine is not a kill)
        await eventually(lambda: _mas_que(js, antes), timeout=60, interval=0.05)
        await asyncio.sleep(rng.uniform(0.2, 1.0))
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        kills += 1
        # new events keep arriving between crashes
        if kills <= 3:
            registrar_planes(agenda, 100, start=10_000 + kills * 100)
            expected = [f"agenda:{i}" for i in range(1, agenda.recorder.max_notification_id() + 1)]
        assert kills < 40, "el relay no termina de publicar"

    assert kills >= 1, "el relay debe haber sido matado al menos una vez a mitad de trabajo"
    assert await published_ids(js) == expected


async def _mas_que(js, n: int) -> bool:
    return len(await published_ids(js)) > n

