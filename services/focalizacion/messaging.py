"""What focalizacion publishes: the one place where its stored events become published contracts.

Registry entries (names, DNI) are not published: of a docente's entry, only his id, IE and level
(``DocenteRegistradoEnIE``, so a school's own plan knows its docentes); nor are a school's rows, but the names
the padrón gives each UGEL and its DRE are (``TerritorioNombrado``: each time an import brings a name not known
before, ``domainmodel.NombresUGEL``), so every service shows people names, not codes; decisions and assignments are, and the
cancellation of a docente's personal data (only his id and territory), so every service erases
its own key for him (docs/datos-personales.md). Assignment events belong to the caseloads of one
UGEL in one convocatoria and carry that territory (``Territorio``); those recorded before they did
(class_version 1) take it from the aggregate's first event.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import singledispatchmethod
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol

from services.focalizacion.asignaciones import AsignacionesUGEL
from services.focalizacion.domainmodel import DecisionFocalizacion, Docente, NombresUGEL
from services.focalizacion.valores import Territorio
from shared.contracts import focalizacion as contrato
from shared.outbox import Publication

A = AsignacionesUGEL


class Publicador:
    def __init__(self, app: Application) -> None:
        self.app = app

    def __call__(self, event: DomainEventProtocol) -> Publication | None:
        return self.publicacion(event)

    def _territorio(self, event: AsignacionesUGEL.CambioDeCartera) -> Territorio:
        if event.territorio is not None:
            return event.territorio
        # recorded before caseload events carried their territory (class_version 1): the aggregate's, as opened
        inicial: AsignacionesUGEL = self.app.inicial(event.originator_id)
        return inicial.territorio

    def _cartera(self, event: Any, contrato: type, sujeto: str, **campos: Any) -> Publication:
        t = self._territorio(event)
        return Publication(data=contrato(convocatoria=t.convocatoria, dre=t.dre, ugel=t.ugel, **campos), subject=sujeto,
                           dre=t.dre, ugel=t.ugel)

    @singledispatchmethod
    def publicacion(self, event: DomainEventProtocol) -> Publication | None:
        return None  # internal: registries, rule sets, convocatorias, opening of caseloads

    @publicacion.register(DecisionFocalizacion.Decidida)
    @publicacion.register(DecisionFocalizacion.Cambiada)
    def _(self, event: Any) -> Publication:
        d = event.decision
        comunes = {k: getattr(d, k) for k in ("convocatoria", "reglas", "codigo_modular", "anexo", "nombre", "nivel",
                                              "dre", "ugel", "tipo")}
        evaluaciones = [contrato.CriterioEvaluado(**asdict(e)) for e in d.evaluaciones]
        if d.focalizada:
            data = contrato.IEFocalizadaV1(**comunes, evaluaciones=evaluaciones, puntaje=d.puntaje, orden=d.orden,
                                           ratio=contrato.RatioAplicada(**asdict(d.ratio)))
        else:
            data = contrato.IEExcluidaV1(**comunes, evaluaciones=evaluaciones, motivos=d.motivos or [])
        return Publication(data=data, subject=f"ie/{d.codigo_modular}-{d.anexo}", dre=d.dre, ugel=d.ugel)

    @publicacion.register(NombresUGEL.Nombrado)
    @publicacion.register(NombresUGEL.Renombrado)
    def _(self, event: Any) -> Publication:
        data = contrato.TerritorioNombradoV1(dre=event.dre, nombre_dre=event.nombre_dre, ugel=event.ugel,
                                             nombre_ugel=event.nombre_ugel)
        return Publication(data=data, subject=f"ugel/{event.ugel}", dre=event.dre, ugel=event.ugel)

    @publicacion.register(Docente.Registrado)
    @publicacion.register(Docente.Actualizado)
    def _(self, event: Any) -> Publication | None:
        d = event.datos
        if event.originator_version > 1:  # an update: published only when his school or level changed
            cambia = event.cambia_su_escuela
            if cambia is None:  # recorded before updates said so (class_version 1): compared with the previous one
                previo: Docente = self.app.repository.get(event.originator_id, version=event.originator_version - 1)
                cambia = Docente.cambia_su_escuela(previo.datos, d)
            if not cambia:
                return None
        data = contrato.DocenteRegistradoEnIEV1(docente_id=event.originator_id, codigo_modular=d.codigo_modular,
                                                anexo=d.anexo, nivel=d.nivel, dre=d.dre, ugel=d.ugel)
        return Publication(data=data, subject=f"docente/{event.originator_id}", dre=d.dre, ugel=d.ugel)

    @publicacion.register(Docente.DatosPersonalesCancelados)
    def _(self, event: Any) -> Publication:
        docente = event.originator_id
        data = contrato.DatosPersonalesCanceladosV1(docente_id=docente, motivo=event.motivo, dre=event.dre,
                                                    ugel=event.ugel)
        return Publication(data=data, subject=f"docente/{docente}", dre=event.dre, ugel=event.ugel)

    @publicacion.register(A.AcompananteIncorporado)
    def _(self, event: Any) -> Publication:
        return self._cartera(event, contrato.AcompananteIncorporadoV1, f"acompanante/{event.acompanante_id}",
                             acompanante_id=event.acompanante_id, tipo_ie=event.tipo, anio=event.anio)

    @publicacion.register(A.AcompananteRetirado)
    def _(self, event: Any) -> Publication:
        return self._cartera(event, contrato.AcompananteRetiradoV1, f"acompanante/{event.acompanante_id}",
                             acompanante_id=event.acompanante_id, motivo=event.motivo)

    @publicacion.register(A.DocenteAsignado)
    def _(self, event: Any) -> Publication:
        return self._cartera(event, contrato.DocenteAsignadoV1, f"docente/{event.docente_id}",
                             docente_id=event.docente_id, acompanante_id=event.acompanante_id,
                             codigo_modular=event.codigo_modular, anexo=event.anexo, nivel=event.nivel,
                             tipo_ie=event.tipo, ratio_maximo=event.ratio_maximo, anio=event.anio)

    @publicacion.register(A.DocenteReasignado)
    def _(self, event: Any) -> Publication:
        return self._cartera(event, contrato.DocenteReasignadoV1, f"docente/{event.docente_id}",
                             docente_id=event.docente_id, de_acompanante_id=event.de_acompanante_id,
                             a_acompanante_id=event.a_acompanante_id, motivo=event.motivo)

    @publicacion.register(A.DocenteRetirado)
    def _(self, event: Any) -> Publication:
        return self._cartera(event, contrato.DocenteRetiradoV1, f"docente/{event.docente_id}",
                             docente_id=event.docente_id, acompanante_id=event.acompanante_id, motivo=event.motivo)

    @publicacion.register(A.ExcepcionRatioRegistrada)
    def _(self, event: Any) -> Publication:
        return self._cartera(event, contrato.ExcepcionRatioRegistradaV1, f"acompanante/{event.acompanante_id}",
                             acompanante_id=event.acompanante_id, limite=event.limite,
                             justificacion=event.justificacion, autorizado_por=event.autorizado_por)
