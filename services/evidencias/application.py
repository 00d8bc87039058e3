"""evidencias's write side: instruments, what agenda reports, and what each visit leaves behind.

What agenda reports (plans, realized visits, GIA and RTC) is recorded here as evidencias's own
facts, so every rule is checked against this service's store: an observation is refused for a
visit that did not take place, or by an acompañante who does not hold that docente, without
asking another service at request time. The commands of each sub-domain are in ``escritura``
(instrumentos, visitas, compromisos, actas, adjuntos); ``Evidencias`` puts them together with the
facts agenda and focalizacion report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.evidencias import comandos as c
from services.evidencias import domainmodel as dm
from services.evidencias import registros
from services.evidencias.escritura.actas import Actas
from services.evidencias.escritura.adjuntos import Adjuntos
from services.evidencias.escritura.base import CANCELADOS, Pendiente
from services.evidencias.escritura.compromisos import Compromisos
from services.evidencias.escritura.visitas import CORRIGEN, Visitas
from services.evidencias.projections import Proyecciones
from services.evidencias.valores import VALORES, PlanAnual, ReunionRealizada, VisitaRealizada
from shared.cifrado import Cifrador, llavero_de
from shared.settings import ServiceSettings

__all__ = ["CANCELADOS", "CORRIGEN", "Evidencias", "Pendiente"]


class Evidencias(Visitas, Compromisos, Actas, Adjuntos):
    name = "Evidencias"
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}
    valores = {**VALORES, **registros.VALORES}  # the values its events carry (services.evidencias.valores, registros)

    def __init__(self, settings: ServiceSettings, reloj: Callable[[], date] = date.today) -> None:
        super().__init__(settings)
        self.reloj = reloj
        self.cifrador = Cifrador(llavero_de(settings))
        self.proyecciones = Proyecciones(settings, self, self.cifrador)
        self._instrumentos = {}

    def close(self) -> None:
        self.proyecciones.close()
        self.cifrador.llavero.close()
        super().close()

    # --- what agenda reports ------------------------------------------------------------------

    def conocer_plan(self, plan: PlanAnual | dict[str, Any]) -> bool:
        p = plan if isinstance(plan, PlanAnual) else PlanAnual.de(plan)

        def cambio(docente: dm.DocenteAcompanado) -> bool:
            if docente.conoce(p.plan_id):
                return False
            docente.conocer_plan(plan=p)
            return True
        return self.modificar(lambda: self._docente(p.docente_id, crear=True), cambio)

    def cambiar_acompanante(self, cmd: c.CambiarAcompanante) -> bool:
        """Apply agenda's reassignment once, and only to the coach it moves him from: a redelivered one changes
        nothing, one that overtook an earlier change waits for it."""
        def cambio(docente: dm.DocenteAcompanado) -> bool:
            plan = docente.planes[cmd.anio]
            if cmd.aviso_id in plan.avisos:
                return False
            if plan.acompanante_id != cmd.de:
                raise Pendiente(f"el docente {cmd.docente_id} no está con {cmd.de} en {cmd.anio}: falta un cambio "
                                "anterior")
            docente.cambiar_acompanante(anio=cmd.anio, de_acompanante_id=cmd.de, a_acompanante_id=cmd.a,
                                        aviso_id=cmd.aviso_id, desde=cmd.el.isoformat() if cmd.el else None)
            return True
        return self.modificar(lambda: self._con_plan(cmd.docente_id, cmd.anio), cambio)

    def cerrar_plan(self, cmd: c.CerrarPlan) -> bool:
        def cambio(docente: dm.DocenteAcompanado) -> bool:
            if not docente.planes[cmd.anio].activo:
                return False
            docente.cerrar_plan(anio=cmd.anio, el=cmd.el.isoformat() if cmd.el else None)
            return True
        return self.modificar(lambda: self._con_plan(cmd.docente_id, cmd.anio), cambio)

    def _con_plan(self, docente_id: str, anio: int) -> dm.DocenteAcompanado:
        docente = self._docente(docente_id)
        if docente is None or anio not in docente.planes:
            raise Pendiente(f"aún no se conoce el plan {anio} del docente {docente_id}")
        return docente

    def conocer_visita(self, visita: VisitaRealizada | dict[str, Any]) -> bool:
        v = visita if isinstance(visita, VisitaRealizada) else VisitaRealizada.de(visita)
        return self.crear_una_vez(dm.Visita(id=dm.visita_id(v.visita_id), visita=v), lambda previa: True, "")

    def conocer_reunion(self, reunion: ReunionRealizada | dict[str, Any]) -> bool:
        r = reunion if isinstance(reunion, ReunionRealizada) else ReunionRealizada.de(reunion)
        return self.crear_una_vez(dm.Reunion(id=dm.reunion_id(r.actividad_id), reunion=r), lambda previa: True, "")

    # --- personal data (Ley 29733) ---------------------------------------------------------------

    def cancelar_datos_personales(self, docente_id: str, aviso_id: str) -> bool:
        """focalizacion cancelled the docente's personal data: record it, then erase this service's
        key of his evidence references (idempotent: a redelivered notice erases nothing new)."""
        nuevo = self.modificar(lambda: self._docente(docente_id, crear=True),
                               lambda docente: docente.cancelar_datos_personales(aviso_id))
        self.cifrador.llavero.suprimir(dm.sujeto_docente(docente_id), f"DatosPersonalesCancelados ({aviso_id})")
        self.proyecciones.ponerse_al_dia()  # the read model blanks him now, not at the next query
        return nuevo

    # --- who holds a docente ---------------------------------------------------------------------------

    def a_cargo_de(self, docente_id: str) -> set[str]:
        """Who holds the docente now: the acompañante of his latest plan, while it is active, and the
        directivo of his school's latest internal plan."""
        docente = self._docente(docente_id)
        return docente.observadores_actuales() if docente else set()
