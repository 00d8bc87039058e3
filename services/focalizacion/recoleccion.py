"""Python's cyclic garbage collector during a rebuild of the read model.

A batch of the log (2,000 events) keeps every decoded event and every row of its unit of work alive until it is
written: tens of thousands of containers that outlive the young generations, so with the default thresholds
(700 allocations) the collector runs a young collection every few hundred events and, as they are promoted, a
full one every few batches, traversing every object of the process. At 5,000 IIEE (80,988 events) that was 1.3
of the rebuild's 5.6 s of CPU (13 full collections, 70 ms each). The batch's objects are freed by their reference
counts when it ends, with no cycles among them: the collector has nothing to find there. So while a rebuild runs
the young generation's threshold is raised (``UMBRAL``): the collector still runs (0.1 s in that rebuild), and the
process-wide thresholds are restored when the last rebuild of the process ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

UMBRAL = 50_000  # net container allocations between two young collections (CPython's default: 700)

_lock = threading.Lock()
_dentro = 0
_antes: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def pocas_recolecciones(umbral: int = UMBRAL) -> Iterator[None]:
    """The young generation's threshold at least ``umbral`` within the block (nested or in several threads: the
    thresholds before the first are restored after the last)."""
    global _dentro, _antes
    with _lock:
        if _dentro == 0:
            _antes = gc.get_threshold()
            gc.set_threshold(max(umbral, _antes[0]), *_antes[1:])
        _dentro += 1
    try:
        yield
    finally:
        with _lock:
            _dentro -= 1
            if _dentro == 0:
                gc.set_threshold(*_antes)
