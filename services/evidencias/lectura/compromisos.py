"""A docente's commitments in the read model: with whoever holds him now, open, due or verified as of a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.evidencias import domainmodel as dm
from services.evidencias import textos
from services.evidencias.lectura.base import Base, una
from services.evidencias.tablas import compromiso
from shared.unidad import UnidadDeTrabajo
from shared.views import Tablas


class Compromisos(Base):
    def _compromiso(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        c = e.compromiso
        self._origen(u, t, e, "compromiso", c.compromiso_id, c.docente_id)
        actual = self._actual(u, t, c.docente_id)
        u.insertar(t.compromiso, dict(
            compromiso_id=c.compromiso_id, docente_id=c.docente_id, acompanante_id=actual or c.acompanante_id,
            codigo_modular=c.codigo_modular, anexo=c.anexo, ugel=c.ugel, dre=c.dre, fecha_limite=c.fecha_limite,
            estado="abierto", vencido_el=None, datos=c.como_dict()))
        self._guardar(u, t, "visita", c.visita_id,
                      lambda r: r["compromisos_asumidos"].append(c.compromiso_id))

    def _verificado(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        compromiso_id = self._de(u, t, e)["clave"]
        datos = {**una(u.leer(t.compromiso, compromiso_id))["datos"],
                 "verificado": e.verificacion.como_dict()}
        u.cambiar(t.compromiso, compromiso_id, estado="verificado", datos=datos)
        self._guardar(u, t, "visita", e.verificacion.visita_id,
                      lambda r: r["compromisos_verificados"].append(compromiso_id))

    def _vencido(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        u.cambiar(t.compromiso, self._de(u, t, e)["clave"], vencido_el=date.fromisoformat(e.vencido_el))

    def compromisos_de_visita(self, ids: list[str], hoy: date) -> list[dict[str, Any]]:
        if not ids:
            return []
        filas = {f.compromiso_id: f for f in self.filas(select(compromiso).where(compromiso.c.compromiso_id.in_(ids)))}
        return [self._compromiso_legible(filas[i], hoy) for i in ids]  # in the order they were taken or verified

    def _compromiso_legible(self, fila: Any, hoy: date) -> dict[str, Any]:
        return _compromiso(fila, hoy, textos.descifrar(self.cifrador, dm.sujeto_docente(fila.docente_id)))

    def compromisos(self, *, hoy: date, docente_id: str | None = None, acompanante_id: str | None = None,
                    ie: tuple[str, int] | None = None, ugel: str | None = None, dre: str | None = None,
                    estado: str | None = None) -> list[dict[str, Any]]:
        """Commitments; ``estado`` ``abiertos`` (not verified, due date not passed), ``vencidos``
        (not verified, due date passed as of ``hoy``), ``pendientes`` (both) or ``verificados``."""
        c = compromiso.c
        consulta = select(compromiso).order_by(c.fecha_limite, c.compromiso_id)
        for columna, valor in ((c.docente_id, docente_id), (c.acompanante_id, acompanante_id), (c.ugel, ugel),
                               (c.dre, dre)):
            if valor:
                consulta = consulta.where(columna == valor)
        if ie:
            consulta = consulta.where(c.codigo_modular == ie[0], c.anexo == ie[1])
        if estado == "verificados":
            consulta = consulta.where(c.estado == "verificado")
        elif estado in ("abiertos", "vencidos", "pendientes"):
            consulta = consulta.where(c.estado == "abierto")
            if estado == "abiertos":
                consulta = consulta.where(c.fecha_limite >= hoy)
            elif estado == "vencidos":
                consulta = consulta.where(c.fecha_limite < hoy)
        return [self._compromiso_legible(f, hoy) for f in self.filas(consulta)]

    def por_vencer(self, hoy: date) -> list[str]:
        """Commitments whose due date passed unverified and that are not yet recorded as overdue."""
        c = compromiso.c
        return [f.compromiso_id for f in self.filas(select(c.compromiso_id).where(
            c.estado == "abierto", c.fecha_limite < hoy, c.vencido_el.is_(None)))]


def _compromiso(fila: Any, hoy: date, claro: textos.Campos) -> dict[str, Any]:
    d = textos.compromiso(claro, fila.datos)
    if fila.estado == "verificado":
        estado = "verificado"
    elif fila.vencido_el is not None or fila.fecha_limite < hoy:
        estado = "vencido"
    else:
        estado = "abierto"
    return {**d, "estado": estado, "acompanante_actual_id": fila.acompanante_id,
            "vencido_el": fila.vencido_el.isoformat() if fila.vencido_el else None}
