"""A realized visit's record in the read model (observations and their corrections, feedback), a docente's
valuations over time (``valoracion``) and his training needs; their free text decrypted on the way out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from services.evidencias import domainmodel as dm
from services.evidencias import textos
from services.evidencias.lectura.base import Base, cuando, sentencias_de
from services.evidencias.tablas import necesidad, valoracion, visita
from shared.unidad import UnidadDeTrabajo
from shared.views import Tablas


class Visitas(Base):
    def _necesidad(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        n = e.necesidad
        u.insertar(t.necesidad, {"necesidad_id": e.necesidad_id, "docente_id": self._docente(u, t, e),
                                 "anio": n.anio, "datos": {**n.como_dict(), "registrada_en": cuando(e)}})

    def _observacion(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        v = self._visita_de(u, t, e)
        o = e.observacion
        correccion = getattr(e, "correccion", 0)
        entrada = {**o.como_dict(), "correccion": correccion, "registrada_en": cuando(e)}
        if correccion:
            entrada.update(motivo=e.motivo, autor_id=e.autor_id, autor_rol=e.autor_rol)

        def cambio(r: dict[str, Any]) -> None:
            r["observaciones"].setdefault(e.observacion_id, []).append(entrada)
        self._guardar(u, t, "visita", v["visita_id"], cambio)
        clave, valoraciones = f"{o.instrumento}@{o.version}", t.valoracion
        canonicos = dict(u.consultar(sentencias_de(t).canonicos, {"clave": clave}))
        plan = u.leer(t.cartera, v["docente_id"], v["anio"])
        etapa = plan["etapa"] if plan is not None else None
        if correccion:
            u.execute(delete(valoraciones).where(valoraciones.c.visita_id == v["visita_id"],
                                                 valoraciones.c.observacion_id == e.observacion_id))
        for clave_item, n in o.niveles.items():
            u.insertar(valoraciones, dict(
                observacion_id=e.observacion_id, item=clave_item, visita_id=v["visita_id"],
                docente_id=v["docente_id"], fecha=v["fecha_inicio"], anio=v["anio"], etapa=etapa,
                instrumento=clave,
                canonico=canonicos[clave_item], competencia=n.competencia, nivel=n.nivel,
                evidencia=n.evidencia, correcciones=correccion))

    def _retro(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        self._guardar(u, t, "visita", self._de(u, t, e)["clave"],
                      lambda r: r.update(retroalimentacion=e.retroalimentacion.como_dict()))

    def visita(self, visita_id: str) -> dict[str, Any] | None:
        filas = self.filas(select(visita.c.docente_id, visita.c.registro)
                           .where(visita.c.visita_id == visita_id))
        if not filas:
            return None
        sujeto = dm.sujeto_docente(filas[0].docente_id)
        registro = self._legible(filas[0].registro, sujeto)
        claro = textos.descifrar(self.cifrador, sujeto)
        return {**registro,
                "observaciones": {k: [textos.observacion(claro, o) for o in lista]
                                  for k, lista in registro["observaciones"].items()},
                "retroalimentacion": registro["retroalimentacion"] and textos.retroalimentacion(
                    claro, registro["retroalimentacion"])}

    def visitas_de(self, docente_id: str, acompanante_id: str) -> set[str]:
        """The visits to the docente that ``acompanante_id`` made."""
        return {f.visita_id for f in self.filas(select(visita.c.visita_id).where(
            visita.c.docente_id == docente_id, visita.c.acompanante_id == acompanante_id))}

    def valoraciones(self, docente_id: str, canonico: str | None = None) -> list[dict[str, Any]]:
        consulta = select(valoracion).where(valoracion.c.docente_id == docente_id).order_by(
            valoracion.c.canonico, valoracion.c.fecha, valoracion.c.observacion_id)
        if canonico:
            consulta = consulta.where(valoracion.c.canonico == canonico)
        claro = textos.descifrar(self.cifrador, dm.sujeto_docente(docente_id))
        return [claro(dict(f._mapping), textos.NIVEL) for f in self.filas(consulta)]

    def necesidades(self, docente_id: str) -> list[dict[str, Any]]:
        claro = textos.descifrar(self.cifrador, dm.sujeto_docente(docente_id))
        return [textos.necesidad(claro, f.datos) for f in self.filas(
            select(necesidad.c.datos).where(necesidad.c.docente_id == docente_id)
            .order_by(necesidad.c.anio, necesidad.c.necesidad_id))]
