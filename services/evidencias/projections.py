"""evidencias's read models, kept from its own event store (see ``shared.views.OwnLogProjection``); their tables
are in ``tablas``, their handlers and queries in ``lectura`` (one module per sub-domain of the norm).

The handlers read nothing but the event they apply and the tables they are given (``t``: those of ``tablas`` or
a new generation's copies of them): never an aggregate, the key store or any other current state, so a rebuild
from zero gives the rows the live projection gave, whatever happened since (a cancellation included).

An attachment's file name and description stay in the rows as the event has them, encrypted with the
key of its visit's docente (or of its GIA/RTC), and are decrypted when read (``visita``, ``reunion``): once
that key is erased they read ``MARCA``. ``DatosPersonalesCancelados`` puts ``MARCA`` in the rows already
built, and in those of a docente's attachments applied after it (docs/datos-personales.md). The free text of
a visit's record, of commitments and of training needs (``services.evidencias.textos``) is kept the same way,
encrypted with the docente's key, and decrypted by the queries that return it.

Here: the composition, and what agenda reports (plans and their changes, realized visits).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from sqlalchemy import select

from services.evidencias import domainmodel as dm
from services.evidencias.lectura.actas import Actas
from services.evidencias.lectura.adjuntos import Adjuntos
from services.evidencias.lectura.base import de_origen, del_origen, del_plan
from services.evidencias.lectura.compromisos import Compromisos
from services.evidencias.lectura.instrumentos import Instrumentos
from services.evidencias.lectura.visitas import Visitas
from services.evidencias.tablas import (adjunto, adjunto_por_purgar, cancelado, cartera, compromiso, instrumento,
                                        interno, item, metadata, necesidad, origen, registro, reunion, valoracion,
                                        visita)
from shared.cifrado import Cifrador
from shared.settings import ServiceSettings
from shared.unidad import UnidadDeTrabajo
from shared.views import Tablas

__all__ = ["Proyecciones", "adjunto", "adjunto_por_purgar", "cancelado", "cartera", "compromiso", "instrumento",
           "interno", "item", "metadata", "necesidad", "origen", "registro", "reunion", "valoracion", "visita"]

V, R, D, C = dm.Visita, dm.Reunion, dm.DocenteAcompanado, dm.Compromiso


class Proyecciones(Visitas, Compromisos, Actas, Adjuntos, Instrumentos):
    nombre = "evidencias"
    tablas = (instrumento, item, cartera, interno, visita, valoracion, compromiso, necesidad, reunion, registro, adjunto,
              adjunto_por_purgar, origen, cancelado)

    def __init__(self, settings: ServiceSettings, app: Application, cifrador: Cifrador, lote: int = 2000) -> None:
        """``app``'s notification log is what it projects; ``cifrador`` only decrypts what a query returns."""
        super().__init__(settings, app, metadata, lote)
        self.cifrador = cifrador
        self.handlers.update({
            dm.Instrumento.Publicado: self._instrumento, D.Registrado: self._docente_registrado,
            D.PlanConocido: self._plan, D.AcompananteCambiado: self._cambio, D.PlanCerrado: self._cierre,
            D.NecesidadFormativaRegistrada: self._necesidad, D.DatosPersonalesCancelados: self._cancelados,
            V.Conocida: self._visita, V.ObservacionRegistrada: self._observacion,
            V.ObservacionCorregida: self._observacion, V.RetroalimentacionBrindada: self._retro,
            dm.ConAdjuntos.EvidenciaAdjuntada: self._adjunto,
            C.Asumido: self._compromiso, C.Verificado: self._verificado, C.Vencido: self._vencido,
            R.Conocida: self._reunion, R.ActaRegistrada: self._acta, R.ActaCorregida: self._acta,
            dm.SesionEjecucion.Registrada: self._registro, dm.Autoevaluacion.Registrada: self._registro,
        })
        en_origen = (V.ObservacionRegistrada, V.ObservacionCorregida, V.RetroalimentacionBrindada,
                     dm.ConAdjuntos.EvidenciaAdjuntada, C.Verificado, C.Vencido, R.ActaRegistrada,
                     R.ActaCorregida)
        self.lecturas += [  # the rows by key each handler reads: read for a whole batch at once, in stages
            {**dict.fromkeys((*en_origen, D.AcompananteCambiado, D.PlanCerrado,
                              D.NecesidadFormativaRegistrada, D.DatosPersonalesCancelados, D.Registrado,
                              R.Conocida), de_origen),
             # a new row of the batch known to be new (else the batch reads whether it was there when asked)
             V.Conocida: lambda u, t, e: (*de_origen(u, t, e), (t.visita, (e.visita.visita_id,))),
             C.Asumido: lambda u, t, e: (*de_origen(u, t, e), (t.visita, (e.compromiso.visita_id,)),
                                         (t.compromiso, (e.compromiso.compromiso_id,)))},
            {**dict.fromkeys(en_origen, del_origen),  # the row its origen names (read in the stage before)
             C.Verificado: lambda u, t, e: (*del_origen(u, t, e), (t.visita, (e.verificacion.visita_id,)))},
            # the plan of the visit's year
            {**dict.fromkeys((V.ObservacionRegistrada, V.ObservacionCorregida), del_plan)},
        ]
        with self.store.engine.connect() as conn:
            sin_origen = conn.execute(select(origen.c.agregado_id).limit(1)).first() is None
        if sin_origen and self.posicion():
            self.reconstruir()  # read models built before ``origen`` existed: built again from the events

    # --- what agenda reports ------------------------------------------------------------------

    def _plan(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        p = e.plan
        if p.modalidad == "interna":
            u.insertar(t.interno, dict(
                docente_id=p.docente_id, anio=p.anio, directivo_id=p.acompanante_id, codigo_modular=p.codigo_modular,
                anexo=p.anexo, dre=p.dre, ugel=p.ugel))
            return
        u.insertar(t.cartera, dict(
            docente_id=p.docente_id, anio=p.anio, acompanante_id=p.acompanante_id, activo=True, etapa=p.etapa,
            codigo_modular=p.codigo_modular, anexo=p.anexo, dre=p.dre, ugel=p.ugel))
        self._seguir_al_docente(u, t, p.docente_id)

    def _docente_registrado(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        self._origen(u, t, e, "docente", e.docente_id, e.docente_id)

    def _cambio(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        docente = self._docente(u, t, e)
        u.cambiar(t.cartera, docente, e.anio, acompanante_id=e.a_acompanante_id)
        self._seguir_al_docente(u, t, docente)

    def _cierre(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        u.cambiar(t.cartera, self._docente(u, t, e), e.anio, activo=False)

    def _visita(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        v = e.visita
        self._origen(u, t, e, "visita", v.visita_id, v.docente_id)
        u.insertar(t.visita, dict(
            visita_id=v.visita_id, docente_id=v.docente_id, acompanante_id=v.acompanante_id, anio=v.anio,
            fecha_inicio=v.fecha_inicio,
            registro={"visita": v.como_dict(), "observaciones": {}, "retroalimentacion": None, "compromisos_asumidos": [],
                      "compromisos_verificados": [], "adjuntos": []}))

    def territorio(self, acompanante_id: str, anio: int, ie: tuple[str, int] | None = None) -> tuple[str, str] | None:
        """The DRE and UGEL where the acompañante holds docentes in ``anio`` (at that IE, if given)."""
        consulta = select(cartera.c.dre, cartera.c.ugel).where(
            cartera.c.acompanante_id == acompanante_id, cartera.c.anio == anio, cartera.c.activo.is_(True))
        if ie:
            consulta = consulta.where(cartera.c.codigo_modular == ie[0], cartera.c.anexo == ie[1])
        filas = self.filas(consulta.limit(1))
        return (filas[0].dre, filas[0].ugel) if filas else None
