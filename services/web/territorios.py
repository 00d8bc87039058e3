"""The names of the DREs and UGELs, which a person reads instead of their codes ("UGEL El Collao", not
"UGEL-EL-COLLAO"): focalizacion's ``/territorios``, named by the padrón (its D_DREUGEL and D_REGION columns) and
narrowed by focalizacion to what the caller sees. A territory the padrón gave no name, or a role that may not
read them, shows its code. The services' downloads carry the names themselves (``descargas``).

Names change only with a new padrón: a desk's pages reuse them for ten minutes per user (``recientes``: what
each may read is his own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.web.recientes import RECIENTES
from services.web.servicios import Rechazo
from services.web.vistas import Contexto

SEGUNDOS = 600.0
USO = "territorios"


@dataclass(frozen=True)
class Territorios:
    """The names of the DREs and UGELs by code; a code without a name reads as itself."""

    dres: dict[str, str] = field(default_factory=dict)
    ugeles: dict[str, str] = field(default_factory=dict)

    def dre(self, codigo: Any) -> str:  # noqa: ANN401 - a code as a service gives it (None: no territory)
        return self.dres.get(str(codigo), "") or str(codigo or "")

    def ugel(self, codigo: Any) -> str:  # noqa: ANN401
        return self.ugeles.get(str(codigo), "") or str(codigo or "")

    def de(self, nivel: str, codigo: Any) -> str:  # noqa: ANN401
        """The name of the ``nivel`` ("dre" or "ugel") with that code; any other level's value as it is."""
        if nivel == "dre":
            return self.dre(codigo)
        return self.ugel(codigo) if nivel == "ugel" else str(codigo or "")


def olvidar(usuario: str | None = None) -> None:
    """Forget the names kept (one user's, or everyone's: a new padrón was imported)."""
    if usuario is None:
        RECIENTES.olvidar_uso(USO)
    else:
        RECIENTES.olvidar((USO, usuario))


async def territorios(ctx: Contexto) -> Territorios:
    """The names of the DREs and UGELs the caller sees (none for a role that may not read them)."""
    guardado = RECIENTES.leer((USO, ctx.usuario))
    if guardado is not None:
        return guardado
    try:
        filas = await ctx.leer("focalizacion", "/territorios")
    except Rechazo:  # a coach or a docente (403): codes, as before there were names
        filas = []
    nombres = Territorios(dres={t["codigo"]: t["nombre"] for t in filas if t["tipo"] == "DRE" and t.get("nombre")},
                          ugeles={t["codigo"]: t["nombre"] for t in filas if t["tipo"] == "UGEL" and t.get("nombre")})
    RECIENTES.guardar((USO, ctx.usuario), nombres, SEGUNDOS)
    return nombres
