"""What the capacity harness reads of a process from /proc: its CPU seconds, its memory, and the machine's busy
time."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float | None:
    """A process's CPU seconds so far (user + system, all its threads), or None once it is gone."""
    try:
        campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(campos[11]) + int(campos[12])) / TICKS  # utime, stime: fields 14 and 15 of stat(5)


def cpu_maquina_s() -> float:
    """Every core's busy seconds so far (``/proc/stat``: user to steal, but idle and iowait; guest time is
    already in user)."""
    valores = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(valores) - valores[3] - valores[4]) / TICKS


def memoria_mib(pid: int, campo: str = "Rss") -> float:
    """A process's resident memory (``Rss``), or its proportional share (``Pss``: memory shared among
    processes, like PostgreSQL's shared buffers, counted once among them), from /proc."""
    try:
        for linea in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if linea.startswith(f"{campo}:"):
                return int(linea.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
