"""What evaluacion's aggregates share: the namespace of their ids, their errors, and the rules of the norm a
valuation of a docente is checked against (``ReglasDeValoracion``, the checks of ``domainmodel.Docente``).

Every valuation rests on evidence the docente's record already holds, is made by the acompañante who holds him
that year, and covers the competencies of his school type.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from services.evaluacion.metas import competencias
from services.evaluacion.valores import Cierre, Contexto, Evidencia, PlanEnCurso, SituacionInicial, Valoracion
from shared.eventstore import DomainError, EnEspera

NS = uuid5(NAMESPACE_URL, "https://acompana.minedu.gob.pe/evaluacion")


class EvaluacionInvalida(DomainError):
    """A valuation that breaks a rule of the norm; the message says which."""


class Pendiente(Exception):
    """A change to something another service has not reported yet: retried until it arrives."""


def igual(registrado: Valoracion | SituacionInicial | Cierre, acompanante_id: str, fecha: date,
          **propio: Any) -> bool:
    """A re-sent command: who made it, when, and what it says equal what was recorded (whatever context was
    added then)."""
    return (registrado.contexto.acompanante_id, registrado.contexto.fecha) == (acompanante_id, fecha) and all(
        getattr(registrado, k) == v for k, v in propio.items())


def contexto(plan: PlanEnCurso, fecha: date, acompanante_id: str) -> Contexto:
    """What every published valuation carries about the docente's plan when it was made."""
    return Contexto.de({**plan.como_dict(), "acompanante_id": acompanante_id, "fecha": fecha})


class ReglasDeValoracion:
    """The checks of a valuation against a docente's record (``domainmodel.Docente``'s state: his plans of each
    year, agenda's and his school's own, the evidence known of him and his initial situations)."""

    planes: dict[int, PlanEnCurso]
    internos: dict[int, PlanEnCurso]
    evidencias: dict[str, Evidencia]
    iniciales: dict[str, SituacionInicial]

    def plan(self, anio: int, acompanante: str) -> PlanEnCurso:
        """His plan of ``anio``, held by ``acompanante``; otherwise the rule that stops the valuation."""
        plan = self.planes.get(anio)
        interno = self.internos.get(anio)
        if interno is not None and interno.acompanante_id == acompanante and (
                plan is None or plan.acompanante_id != acompanante):
            return interno  # the directivo values him in his school's own plan (NT-026 §5.2.1)
        if plan is None:  # agenda's plan may still be on its way
            raise EnEspera(f"El docente no tiene plan de acompañamiento en {anio} (aún no llega de agenda): se "
                           "registrará cuando llegue.")
        if not plan.activo:
            raise EvaluacionInvalida(f"El plan {anio} del docente está cerrado (retiro del acompañamiento).")
        if plan.acompanante_id != acompanante:
            raise EvaluacionInvalida(f"El docente no está a cargo de ese acompañante en {anio}: lo valora "
                                     "quien lo acompaña.")
        return plan

    def check_competencias(self, plan: PlanEnCurso, dadas: set[str], todas: bool) -> None:
        propias = competencias(plan.tipo_ie)
        ajenas = sorted(dadas - set(propias))
        if ajenas:
            raise EvaluacionInvalida(f"{', '.join(ajenas)} no se desarrolla(n) con un docente de IE "
                                     f"{plan.tipo_ie}: sus competencias son {', '.join(propias)} (NT-026 §5.2.4).")
        faltan = [c for c in propias if c not in dadas]
        if todas and faltan:
            raise EvaluacionInvalida(f"Falta el nivel de {', '.join(faltan)}: se valoran todas sus competencias "
                                     f"({', '.join(propias)}).")

    def check_evidencias(self, evidencias: list[str], fecha: date) -> None:
        if not evidencias:
            raise EvaluacionInvalida("Una valoración se sustenta en evidencias: indique al menos una observación.")
        for e in evidencias:
            conocida = self.evidencias.get(e)
            if conocida is None:
                raise EnEspera(f"La evidencia {e} no consta para este docente (aún no llega de evidencias): se "
                               "registrará cuando llegue.")
            if conocida.fecha > fecha:
                raise EvaluacionInvalida(f"La evidencia {e} es del {conocida.fecha.isoformat()}, posterior a la "
                                         "valoración.")

    def check_inicial(self, convocatoria: str) -> None:
        if convocatoria not in self.iniciales:
            raise EnEspera("Registre antes la situación inicial del docente: los niveles esperados "
                           "progresan desde ella (NT-026 §5.2.5); esto se registrará cuando llegue.")
