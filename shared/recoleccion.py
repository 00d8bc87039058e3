"""Python's cyclic garbage collector and the processes that apply events for long (a consumer, a rebuild): the
one policy every path that applies events follows.

1. ``congelar_arranque``: when a process starts applying events for long (a consumer's start, a rebuild's start,
   of an own-log projection or of a StreamView), what exists then (the modules, the contracts' schemas,
   SQLAlchemy's tables and statements the service built to start: most of the objects it tracks, living as long
   as it does) leaves the collector's full passes (``gc.freeze``), once per process. Evaluacion's rebuild of
   50,000 events with its history spent about 1.3 of 12 s of CPU in its twelve full passes over them. What is
   frozen is never collected as a cycle: what start-up left as cyclic garbage stays (once, bounded).

2. ``sin_recolector``: while a batch is applied (an own-log projection's unit of work, ``shared.unidad``, in its
   rebuild and its catch-up; a StreamView's batch, ``shared.stream_views.aplicar_juntas``; the live consumer's
   batch, ``shared.fases``) the collector waits. What a batch decodes, reads and writes lives until its end:
   every collection in between walked it again and moved it to the oldest generation, whose collections walk
   every object of the process (most of a rebuild's collector time; at 5,000 IIEE focalizacion's rebuild spent
   1.3 of 5.6 s in 13 full passes). Reference counting frees what the batch drops as always, and there are no
   cycles among a batch's objects for the collector to find; it runs again after the batch, on what is left.
   Batches open at once (nested, or in several threads) count as one: the collector is back after the last,
   if it was on before the first (a caller that switched it off keeps it off).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_abiertas = 0  # batches open now in the process
_estaba = True  # whether the collector was on when the first of them opened


def congelar_arranque() -> None:
    """Move every object the process tracks now out of the collector's passes, the first time only."""
    if gc.get_freeze_count() == 0:
        gc.freeze()


def pausar() -> None:
    """A batch opens: the collector waits until it (and every other open one) closes (``reanudar``)."""
    global _abiertas, _estaba
    with _lock:
        if _abiertas == 0:
            _estaba = gc.isenabled()
            gc.disable()
        _abiertas += 1


def reanudar() -> None:
    """A batch closes (after ``pausar``): the collector is back when it was the last one open, if it was on."""
    global _abiertas
    with _lock:
        _abiertas -= 1
        if _abiertas == 0 and _estaba:
            gc.enable()


@contextmanager
def sin_recolector() -> Iterator[None]:
    """The collector waits within the block (``pausar``/``reanudar``), failure included."""
    pausar()
    try:
        yield
    finally:
        reanudar()
