"""Python's cyclic garbage collector and the processes that apply events for long (a consumer, a rebuild).

The collector's full passes read every object the process tracks; the modules, the contracts' schemas and
SQLAlchemy's tables and statements a service builds to start are most of them, and live as long as it does.
``congelar_arranque`` takes what exists when that work starts out of those passes (``gc.freeze``), once per process:
evaluacion's rebuild of 50,000 events with its history spent about 1.3 of 12 s of CPU in its twelve full passes, its
live consumer about 0.1 s per pass. What is frozen is never collected as a cycle: what start-up left as cyclic
garbage stays (once, bounded).
"""

from __future__ import annotations

import gc


def congelar_arranque() -> None:
    """Move every object the process tracks now out of the collector's passes, the first time only."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
