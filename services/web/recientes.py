"""What the desks reuse for a while, per user, instead of asking a service again on every page: the names of
the DREs and UGELs (``territorios``) and a UGEL's caseloads with names (``escritorio_ugel.nombres_ugel``). Each
user's own, since what each may read is his.

One cache for the BFF, bounded (``MAXIMO`` entries; past it, the least recently used goes), each entry living
its own time (cachetools' ``TLRUCache``): an expired entry is evicted at the next write, so the users who came
and went do not stay in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import TLRUCache

MAXIMO = 4096


class Recientes:
    """Values by key (``(use, user, ...)``), each kept for the seconds it was saved with."""

    def __init__(self, maximo: int = MAXIMO, reloj: Callable[[], float] = time.monotonic) -> None:
        self._cache: TLRUCache = TLRUCache(maxsize=maximo, ttu=_vence, timer=reloj)

    def leer(self, clave: Hashable) -> Any | None:  # noqa: ANN401 - whatever was saved
        guardado = self._cache.get(clave)
        return None if guardado is None else guardado[1]

    def guardar(self, clave: Hashable, valor: Any, segundos: float) -> None:  # noqa: ANN401
        self._cache[clave] = (segundos, valor)

    def olvidar(self, clave: Hashable) -> None:
        self._cache.pop(clave, None)

    def olvidar_uso(self, uso: str) -> None:
        """Forget every user's entries of one use (keys starting with ``uso``)."""
        for clave in [k for k in self._cache if isinstance(k, tuple) and k[:1] == (uso,)]:
            self._cache.pop(clave, None)

    def __len__(self) -> int:
        return len(self._cache)


def _vence(_clave: Hashable, guardado: tuple[float, Any], ahora: float) -> float:
    return ahora + guardado[0]


RECIENTES = Recientes()
