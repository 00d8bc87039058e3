"""GIA and RTC with their actas in the read model, and the acompañante's execution sessions and
self-evaluations (``registro``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.evidencias import domainmodel as dm
from services.evidencias.lectura.base import Base, cuando
from services.evidencias.tablas import registro, reunion
from shared.unidad import UnidadDeTrabajo
from shared.views import Tablas


class Actas(Base):
    def _reunion(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        r = e.reunion
        self._origen(u, t, e, "reunion", r.actividad_id)
        u.insertar(t.reunion, {
            "actividad_id": r.actividad_id, "tipo": r.tipo, "acompanante_id": r.acompanante_id, "fecha": r.fecha,
            "registro": {"reunion": r.como_dict(), "actas": [], "adjuntos": []}})

    def _acta(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        acta = {**e.acta.como_dict(), "correccion": getattr(e, "correccion", 0), "motivo": getattr(e, "motivo", ""),
                "registrada_en": cuando(e)}
        self._guardar(u, t, "reunion", self._de(u, t, e)["clave"], lambda r: r["actas"].append(acta))

    def _registro(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        if isinstance(e, dm.SesionEjecucion.Registrada):
            tipo, datos, registro_id = "sesion", e.sesion, e.sesion.sesion_id
        else:
            tipo, datos, registro_id = "autoevaluacion", e.autoevaluacion, e.autoevaluacion.autoevaluacion_id
        u.insertar(t.registro, {"registro_id": registro_id, "tipo": tipo,
                                "acompanante_id": datos.acompanante_id, "fecha": datos.fecha,
                                "datos": datos.como_dict()})

    def reunion(self, actividad_id: str) -> dict[str, Any] | None:
        filas = self.filas(select(reunion.c.registro).where(reunion.c.actividad_id == actividad_id))
        return self._legible(filas[0].registro, dm.sujeto_reunion(actividad_id)) if filas else None

    def registros(self, tipo: str, acompanante_id: str) -> list[dict[str, Any]]:
        return [f.datos for f in self.filas(select(registro.c.datos).where(
            registro.c.tipo == tipo, registro.c.acompanante_id == acompanante_id).order_by(registro.c.fecha))]
