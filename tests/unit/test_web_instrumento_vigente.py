"""The coach's observation form shows the version of the instrument evidencias records today's visit with:
the latest in force today, never a later version published ahead of its start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.web import i18n
from services.web.paginas import instrumento


class _Ctx:
    def __init__(self, publicados: list[dict[str, Any]]) -> None:
        self.publicados = publicados
        self.leidos: list[str] = []

    async def leer(self, servicio: str, ruta: str, **_: Any) -> Any:
        self.leidos.append(ruta)
        return self.publicados if ruta == "/instrumentos" else {"ruta": ruta}


def _version(numero: int, desde: str, hasta: str | None = None) -> dict[str, Any]:
    return {"codigo": "FICHA-AULA", "version": numero, "vigencia": {"desde": desde, "hasta": hasta}}


async def test_la_ficha_es_la_version_vigente_hoy_y_no_una_que_empieza_despues():
    hoy = i18n.hoy()
    manana, ayer = (hoy + timedelta(days=1)).isoformat(), (hoy - timedelta(days=1)).isoformat()
    ctx = _Ctx([_version(1, "2020-01-01"), _version(2, "2021-03-01"), _version(3, manana)])
    assert await instrumento(ctx) == {"ruta": "/instrumentos/FICHA-AULA/2"}  # type: ignore[arg-type]
    # one that ended yesterday is not in force either
    ctx = _Ctx([_version(1, "2020-01-01"), _version(2, "2021-03-01", ayer)])
    assert await instrumento(ctx) == {"ruta": "/instrumentos/FICHA-AULA/1"}  # type: ignore[arg-type]
    # none in force: the latest published, so the form still opens (evidencias explains its refusal)
    ctx = _Ctx([_version(1, manana), _version(2, manana)])
    assert await instrumento(ctx) == {"ruta": "/instrumentos/FICHA-AULA/2"}  # type: ignore[arg-type]
