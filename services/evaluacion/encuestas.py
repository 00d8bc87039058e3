"""The facts of the seguimiento and evaluación matrices about people (NT-026 §5.5.2, §5.5.3):
satisfaction surveys (``Encuesta``) and the performance of the acompañantes (``DesempenoAcompanante``), with each
acompañante's territory as focalizacion reports it (``Acompanante``).

These aggregates lived in ``services.evaluacion.domainmodel``: their events stored there keep that topic, which
resolves here (``register_topic``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event
from eventsourcing.utils import register_topic

from services.evaluacion.reglas import NS
from services.evaluacion.valores import Desempeno, RespuestaEncuesta, TerritorioAcompanante
from shared.eventstore import Aggregate


def acompanante_id(acompanante: UUID | str) -> UUID:
    return uuid5(NS, f"acompanante:{acompanante}")


def encuesta_id(encuestado: str, persona: UUID | str, anio: int, periodo: str) -> UUID:
    """One survey per person and period: a second answer is a conflict, a re-sent one is nothing new."""
    return uuid5(NS, f"encuesta:{encuestado}:{persona}:{anio}:{periodo}")


def desempeno_id(acompanante: UUID | str, anio: int, momento: str) -> UUID:
    return uuid5(NS, f"desempeno:{acompanante}:{anio}:{momento}")


class Acompanante(Aggregate):
    @event("Registrado")
    def __init__(self, id: UUID, acompanante_id: str) -> None:  # noqa: A002
        self.acompanante_id = acompanante_id
        self.territorio: TerritorioAcompanante | None = None

    @event("Incorporado")
    def incorporar(self, dre: str, ugel: str, tipo_ie: str, convocatoria: str) -> None:
        self.territorio = TerritorioAcompanante(dre, ugel, tipo_ie, convocatoria)

    def situar(self, territorio: TerritorioAcompanante) -> bool:
        """focalizacion's incorporation, recorded when it changes."""
        if self.territorio == territorio:
            return False
        self.incorporar(**asdict(territorio))
        return True


def _aplanar(state: dict[str, Any], campo: str) -> None:
    """A version 1 event kept its record in one dict ``campo``: version 2 has its fields."""
    state.update(state.pop(campo))


class Encuesta(Aggregate):
    class Respondida(Aggregate.Created):
        encuesta_id: str
        encuestado: str
        persona_id: str
        anio: int
        periodo: str
        respuestas: dict[str, int]
        comentario: str
        dre: str
        ugel: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _aplanar(state, "encuesta")

    @event(Respondida)
    def __init__(self, id: UUID, encuesta_id: str, encuestado: str, persona_id: str, anio: int,  # noqa: A002, PLR0913
                 periodo: str, respuestas: dict[str, int], comentario: str, dre: str, ugel: str) -> None:
        self.encuesta = RespuestaEncuesta(encuesta_id, encuestado, persona_id, anio, periodo, respuestas, comentario,
                                          dre, ugel)


class DesempenoAcompanante(Aggregate):
    class Evaluado(Aggregate.Created):
        evaluacion_id: str
        acompanante_id: str
        anio: int
        momento: str
        fecha: date
        criterios: dict[str, str]
        nivel: str
        evaluador: str
        dre: str
        ugel: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _aplanar(state, "evaluacion")
            state["fecha"] = date.fromisoformat(state["fecha"])

    @event(Evaluado)
    def __init__(self, id: UUID, evaluacion_id: str, acompanante_id: str, anio: int, momento: str,  # noqa: A002, PLR0913
                 fecha: date, criterios: dict[str, str], nivel: str, evaluador: str, dre: str, ugel: str) -> None:
        self.evaluacion = Desempeno(evaluacion_id, acompanante_id, anio, momento, fecha, criterios, nivel, evaluador,
                                    dre, ugel)


for _agregado in (Acompanante, Encuesta, DesempenoAcompanante):
    register_topic(f"services.evaluacion.domainmodel:{_agregado.__name__}", _agregado)
