"""evaluacion without NATS, for fast tests of its rules and reports: what the other services would
publish is handed to evaluacion's own consumers' handlers, and evaluacion's stored events go to its
projections through its publisher, exactly as the relay would map them (same ids, same times).

The real path (relay, JetStream, durable consumers) is proven by the end-to-end tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.agenda.protocolos import incluidos
from services.evaluacion.application import Evaluacion
from services.evaluacion.messaging import SUSCRIPCIONES, Publicador, handler
from services.evaluacion.projections import Proyecciones
from shared import contracts as c
from shared.contracts import Envelope

COMPONENTES = {clave: comp.model_dump(mode="json") for clave, comp in incluidos()[0].tipos.items()}
NIVEL_DE_TIPO = {"eib": "primaria", "multigrado": "primaria", "polidocente_inicial": "inicial",
                 "polidocente_primaria": "primaria", "polidocente_secundaria": "secundaria"}


class Bombeo:
    def __init__(self, app: Evaluacion, proyecciones: Proyecciones) -> None:
        self.app = app
        self.proyecciones = proyecciones
        self.publicador = Publicador(app)
        self.posicion_propia = 0
        self.otras = 0
        self.reloj = datetime(2026, 1, 1, tzinfo=UTC)

    def _tiempo(self) -> datetime:
        self.reloj += timedelta(milliseconds=1)
        return self.reloj

    def recibir(self, datos: c.IntegrationEvent, *, servicio: str | None = None, id_: str | None = None,
                tiempo: datetime | None = None) -> Envelope:
        """Another service's published fact reaches evaluacion's consumer (returns the envelope, to re-send)."""
        self.otras += 1
        envelope = Envelope(id=id_ or f"{servicio or datos.servicio}:{self.otras}", source=f"/acompana/{datos.servicio}",
                            subject="prueba", time=tiempo or self._tiempo(), data=datos,
                            dre=getattr(datos, "dre", "nacional"), ugel=getattr(datos, "ugel", "nacional"))
        self.entregar(envelope)
        return envelope

    def entregar(self, envelope: Envelope) -> None:
        registrar = SUSCRIPCIONES[type(envelope.data)]
        handler(self.app, self.proyecciones, registrar)(envelope)

    def propios(self) -> list[Envelope]:
        """evaluacion's events recorded since the last call, published and consumed (as the relay would)."""
        enviados = []
        for n in self.app.recorder.select_notifications(self.posicion_propia, 100_000, inclusive_of_start=False):
            evento = self.app.mapper.to_domain_event(n)
            publicacion = self.publicador(evento)
            self.posicion_propia = n.id
            if publicacion is None:
                continue
            envelope = Envelope.wrap(servicio="evaluacion", position=n.id, data=publicacion.data,
                                     subject=publicacion.subject, time=evento.timestamp, dre=publicacion.dre,
                                     ugel=publicacion.ugel)
            self.entregar(envelope)
            enviados.append(envelope)
        return enviados


def plan(docente_id: str, acompanante_id: str, anio: int, *, tipo_ie: str = "multigrado",
         codigo_modular: str = "0236885", dre: str = "DRE-PUNO", ugel: str = "UGEL-EL-COLLAO",
         convocatoria: str = "2020-2022") -> c.PlanAnualGeneradoV1:
    """agenda's plan of a docente for a year of the 2020-2022 convocatoria (etapa = year - 2019)."""
    nivel = NIVEL_DE_TIPO[tipo_ie]
    return c.PlanAnualGeneradoV1(
        plan_id=uuid.uuid5(uuid.NAMESPACE_URL, f"plan/{docente_id}/{anio}"), docente_id=docente_id,
        acompanante_id=acompanante_id, convocatoria=convocatoria, anio=anio, etapa=anio - 2019, modalidad="externa",
        protocolo="NT-026@1", codigo_modular=codigo_modular, anexo=0, tipo_ie=tipo_ie, nivel=nivel,
        anio_escolar_inicio=date(anio, 3, 15), anio_escolar_fin=date(anio, 12, 17),
        componentes=COMPONENTES[f"{tipo_ie}/{nivel}"], dre=dre, ugel=ugel)


def observacion(docente_id: str, acompanante_id: str, fecha: date, *, niveles: dict[str, str] | None = None,
                observacion_id: str | None = None, dre: str = "DRE-PUNO", ugel: str = "UGEL-EL-COLLAO",
                codigo_modular: str = "0236885") -> c.ObservacionRegistradaV1:
    competencia = {"D1": "C4", "D2": "C4", "D3": "C5", "D4": "C3", "D5": "C3", "PC": "C2"}
    return c.ObservacionRegistradaV1(
        visita_id=uuid.uuid4(), docente_id=docente_id, acompanante_id=acompanante_id, codigo_modular=codigo_modular,
        anexo=0, anio=fecha.year, fecha=fecha, observacion_id=observacion_id or uuid.uuid4(),
        instrumento="FICHA-AULA", version_instrumento=1,
        niveles={k: {"nivel": n, "evidencia": "Lo que se vio y escuchó.", "competencia": competencia[k]}
                 for k, n in (niveles or {"D1": "II"}).items()},
        fortalezas=[], aspectos_criticos=[], dre=dre, ugel=ugel)


def niveles_iniciales(competencias: tuple[str, ...], nivel: str, evidencia: str) -> dict[str, dict[str, Any]]:
    return {c_: {"nivel": nivel, "evidencias": [evidencia], "sustento": "Visita diagnóstica."} for c_ in competencias}
