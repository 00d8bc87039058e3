"""agenda's aggregates of the protocol, the plans and the acompañante's agenda (NT-026 §5.2.6, §5.2.7,
§5.6.1–§5.6.3).

- ``Protocolo``: a published template of the yearly protocol, immutable once published.
- ``PlanAnual``: what one docente is to receive in one school year (an etapa), copied from
  the template in force when he was assigned; its acompañante, its retirement and the
  virtual courses he completed.
- ``AgendaAcompanante``: one acompañante's school year. It is the consistency boundary of
  scheduling and delivery: it knows the docentes he holds and every activity he scheduled or
  delivered, so the norm's rules (no overlap, GIA and RTC on a day distinct from the visit
  period, minimum durations) are checked against one consistent state, and a re-sent record
  (same client id) is recognised instead of creating a twin.
- ``Reserva``: an activity id claimed by one agenda (ids come from devices and must be unique).
- The school's aggregates (its directivo and docentes, its own plan, the internal modality) live in
  ``escuela``.

Dates travel in events as ISO text and hours as ``HH:MM``. Every event carries typed values
(``services.agenda.valores``; a template and a plan, ``protocolos``): an activity's data and whose agenda or plan it
is (``contexto``). Those of version 1, recorded before, are upcast when read: their dicts become those values and
their ``contexto`` is None (the publisher reads the aggregate's first event). The aggregates hold typed state
(``services.agenda.estado``) that the rules read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from services.agenda import reglas
from services.agenda.calendario import Franja
from services.agenda.estado import Actividad, DocenteEnAgenda, Reprogramacion
from services.agenda.identidades import (NS, PERSONALES, agenda_id, ie_id, plan_id, plan_ie_id,  # noqa: F401
                                         protocolo_id, reserva_id, sujeto_docente)
from services.agenda.protocolos import PlanDocente
from services.agenda.protocolos import Protocolo as Plantilla
from services.agenda.reglas import NOMBRE, AgendaInvalida
from services.agenda.valores import (AgendaDe, CursoCompletado, DatosActividad, DocenteDeAgenda, Entregado, PlanDe,
                                     Reunion, Taller, Visita, actividad_v1, curso_v1, docente_v1, realizada_v1,
                                     sin_contexto)
from shared.eventstore import Aggregate, Conflict
from shared.valores import como_valor


class Protocolo(Aggregate):
    class Publicado(Aggregate.Created):
        protocolo: Plantilla
        class_version = 2
        upcast_v1_v2 = como_valor(protocolo=Plantilla)

    @event(Publicado)
    def __init__(self, id: UUID, protocolo: Plantilla) -> None:  # noqa: A002
        self.protocolo = protocolo


class PlanAnual(Aggregate):
    class AcompananteCambiado(Aggregate.Event):
        de_acompanante_id: str
        a_acompanante_id: str
        motivo: str
        contexto: PlanDe | None
        class_version = 2
        upcast_v1_v2 = sin_contexto

    class Retirado(Aggregate.Event):
        motivo: str
        contexto: PlanDe | None
        class_version = 2
        upcast_v1_v2 = sin_contexto

    class CursoVirtualCompletado(Aggregate.Event):
        registro_id: str
        curso: CursoCompletado
        contexto: PlanDe | None
        class_version = 2
        upcast_v1_v2 = curso_v1

    class Generado(Aggregate.Created):
        plan: PlanDocente
        class_version = 2
        upcast_v1_v2 = como_valor(plan=PlanDocente)

    @event(Generado)
    def __init__(self, id: UUID, plan: PlanDocente) -> None:  # noqa: A002
        self.plan = plan
        self.acompanante_id: str = plan.acompanante_id
        self.activo = True
        self.cursos: dict[str, CursoCompletado] = {}

    @property
    def contexto(self) -> PlanDe:
        return PlanDe(self.plan.docente_id, self.plan.anio, self.plan.dre, self.plan.ugel)

    def cambiar_acompanante(self, de_acompanante_id: str, a_acompanante_id: str, motivo: str) -> None:
        self._acompanante_cambiado(de_acompanante_id=de_acompanante_id, a_acompanante_id=a_acompanante_id,
                                   motivo=motivo, contexto=self.contexto)

    @event(AcompananteCambiado)
    def _acompanante_cambiado(self, de_acompanante_id: str, a_acompanante_id: str, motivo: str,
                              contexto: PlanDe | None) -> None:
        self.acompanante_id = a_acompanante_id

    def retirar(self, motivo: str) -> None:
        self._retirado(motivo=motivo, contexto=self.contexto)

    @event(Retirado)
    def _retirado(self, motivo: str, contexto: PlanDe | None) -> None:
        self.activo = False

    def completar_curso(self, registro_id: str, curso: CursoCompletado) -> bool:
        """Record a completed virtual course; the same record again changes nothing."""
        previo = self.cursos.get(registro_id)
        if previo is not None:
            if previo != curso:
                raise Conflict(f"El registro {registro_id} ya se usó para otro curso.")
            return False
        if date.fromisoformat(curso.fecha).year != self.plan.anio:
            raise AgendaInvalida(f"El curso debe completarse en el año del plan ({self.plan.anio}).")
        self._curso_virtual_completado(registro_id=registro_id, curso=curso, contexto=self.contexto)
        return True

    @event(CursoVirtualCompletado)
    def _curso_virtual_completado(self, registro_id: str, curso: CursoCompletado, contexto: PlanDe | None) -> None:
        self.cursos[registro_id] = curso


class Reserva(Aggregate):
    """A device's activity id, claimed by one acompañante's agenda: saved with the agenda in
    the same transaction, so the id can never name activities in two agendas."""

    @event("Reservada")
    def __init__(self, id: UUID, acompanante_id: str, anio: int) -> None:  # noqa: A002
        self.acompanante_id = acompanante_id
        self.anio = anio


class AgendaAcompanante(Aggregate):
    class DocenteIncorporado(Aggregate.Event):
        docente_id: str
        plan: DocenteDeAgenda
        class_version = 2
        upcast_v1_v2 = docente_v1

    class CursoPropioCompletado(Aggregate.Event):
        registro_id: str
        curso: CursoCompletado
        contexto: AgendaDe | None
        class_version = 2
        upcast_v1_v2 = curso_v1

    class ActividadProgramada(Aggregate.Event):
        actividad_id: str
        tipo: str
        datos: DatosActividad
        contexto: AgendaDe | None
        class_version = 2
        upcast_v1_v2 = staticmethod(actividad_v1)

    class ActividadReprogramada(Aggregate.Event):
        actividad_id: str
        tipo: str
        datos: DatosActividad
        motivo: str
        contexto: AgendaDe | None
        class_version = 2
        upcast_v1_v2 = staticmethod(actividad_v1)

    class ActividadCancelada(Aggregate.Event):
        actividad_id: str
        tipo: str
        datos: DatosActividad
        motivo: str
        contexto: AgendaDe | None
        class_version = 2
        upcast_v1_v2 = staticmethod(actividad_v1)

    class VisitaRealizada(Aggregate.Event):
        actividad_id: str
        datos: Visita
        contexto: AgendaDe | None
        class_version = 2
        upcast_v1_v2 = realizada_v1("visita")

    class GIACompletado(Aggregate.Event):
        actividad_id: str
        datos: Reunion
        contexto: AgendaDe | None
        class_version = 2
        upcast_v1_v2 = realizada_v1("gia")

    class RTCRealizada(Aggregate.Event):
        actividad_id: str
        datos: Reunion
        contexto: AgendaDe | None
        class_version = 2
        upcast_v1_v2 = realizada_v1("rtc")

    class TallerRealizado(Aggregate.Event):
        actividad_id: str
        datos: Taller
        contexto: AgendaDe | None
        class_version = 2
        upcast_v1_v2 = realizada_v1("taller")

    @event("Abierta")
    def __init__(self, id: UUID, acompanante_id: str, anio: int, dre: str, ugel: str) -> None:  # noqa: A002
        self.acompanante_id = acompanante_id
        self.anio = anio
        self.dre = dre
        self.ugel = ugel
        self.docentes: dict[str, DocenteEnAgenda] = {}
        self.actividades: dict[str, Actividad] = {}
        self.cursos: dict[str, CursoCompletado] = {}  # his own virtual courses

    @property
    def contexto(self) -> AgendaDe:
        return AgendaDe(self.acompanante_id, self.anio, self.dre, self.ugel)

    # --- the docentes he holds -----------------------------------------------------------

    @event(DocenteIncorporado)
    def incorporar(self, docente_id: str, plan: DocenteDeAgenda) -> None:
        self.docentes[docente_id] = DocenteEnAgenda(plan)

    @event("DocenteRetirado")
    def retirar_docente(self, docente_id: str, motivo: str) -> None:
        self.docentes[docente_id].activo = False

    def entregado(self, docente_id: str) -> Entregado:
        """What this agenda delivered to the docente (realized activities only)."""
        suyas = [a for a in self.actividades.values() if a.estado == "realizada" and a.es_de(docente_id)]
        visitas = [a for a in suyas if a.tipo == "visita"]
        return Entregado(len(visitas), sum(Franja.de(a.datos).dias_lectivos() for a in visitas),
                         *(sum(1 for a in suyas if a.tipo == t) for t in ("gia", "rtc")))

    def recibido(self, docente_id: str) -> dict[str, Entregado]:
        """By agenda, what the docente received from his acompañantes this year, this one included:
        what a new acompañante carries over when the docente is handed to him."""
        antes = self.docentes[docente_id].recibido if docente_id in self.docentes else {}
        return {**antes, str(self.id): self.entregado(docente_id)}

    def previo(self, docente_id: str) -> Entregado:
        """Delivered to the docente this year by his other acompañantes' agendas."""
        return sum((cuentas for agenda, cuentas in self.docentes[docente_id].recibido.items()
                    if agenda != str(self.id)), Entregado())

    def completar_curso_propio(self, registro_id: str, curso: CursoCompletado) -> bool:
        """A virtual course the acompañante himself completed (his own formation, NT-026 §5.2.8: "los
        acompañantes pedagógicos deben participar en talleres macro regionales, cursos virtuales...")."""
        previo = self.cursos.get(registro_id)
        if previo is not None:
            if previo == curso:
                return False
            raise Conflict(f"El curso {registro_id} ya fue registrado con otros datos.")
        if date.fromisoformat(curso.fecha).year != self.anio:
            raise AgendaInvalida(f"El curso debe completarse en el año {self.anio} de esta agenda.")
        self._curso_propio_completado(registro_id=registro_id, curso=curso, contexto=self.contexto)
        return True

    @event(CursoPropioCompletado)
    def _curso_propio_completado(self, registro_id: str, curso: CursoCompletado,
                                 contexto: AgendaDe | None) -> None:
        self.cursos[registro_id] = curso

    def tiene(self, docente_id: str) -> bool:
        return docente_id in self.docentes and self.docentes[docente_id].activo

    def ies(self) -> set[str]:
        return {d.ie for d in self.docentes.values() if d.activo}

    # --- scheduling ------------------------------------------------------------------------

    def programar(self, actividad_id: str, tipo: str, datos: DatosActividad, directivo: str | None = None) -> bool:
        previa = self.actividades.get(actividad_id)
        if previa is not None:
            if previa.tipo == tipo and previa.programacion == datos:
                return False
            raise Conflict(f"El identificador {actividad_id} ya se usó para otra actividad.")
        self.check_actividad(actividad_id, tipo, datos, directivo, solo_realizadas=False)
        self._actividad_programada(actividad_id=actividad_id, tipo=tipo, datos=datos, contexto=self.contexto)
        return True

    def reprogramar(self, actividad_id: str, datos: DatosActividad, motivo: str, directivo: str | None = None) -> bool:
        previa = self.actividades.get(actividad_id)
        if previa is not None and Reprogramacion(datos, motivo.strip()) in previa.reprogramaciones:
            return False  # a change already applied, re-sent (perhaps after the activity took place)
        actividad = self._programada_existente(actividad_id, "reprogramar")
        if actividad.datos == datos:
            return False  # the same change, re-sent
        if not motivo.strip():
            raise AgendaInvalida("Indique el motivo de la reprogramación.")
        self.check_actividad(actividad_id, actividad.tipo, datos, directivo, solo_realizadas=False)
        self._actividad_reprogramada(actividad_id=actividad_id, tipo=actividad.tipo, datos=datos,
                                     motivo=motivo.strip(), contexto=self.contexto)
        return True

    def cancelar(self, actividad_id: str, motivo: str) -> bool:
        actividad = self.actividades.get(actividad_id)
        if actividad is not None and actividad.estado == "cancelada":
            return False
        actividad = self._programada_existente(actividad_id, "cancelar")
        if not motivo.strip():
            raise AgendaInvalida("Indique el motivo de la cancelación.")
        self._actividad_cancelada(actividad_id=actividad_id, tipo=actividad.tipo, datos=actividad.datos,
                                  motivo=motivo.strip(), contexto=self.contexto)
        return True

    def _programada_existente(self, actividad_id: str, que: str) -> Actividad:
        actividad = self.actividades.get(actividad_id)
        if actividad is None:
            raise AgendaInvalida(f"No hay una actividad {actividad_id} en la agenda de {self.anio}.")
        if actividad.estado != "programada":
            raise Conflict(f"No se puede {que}: la actividad {actividad_id} ya está {actividad.estado}.")
        return actividad

    @event(ActividadProgramada)
    def _actividad_programada(self, actividad_id: str, tipo: str, datos: DatosActividad,
                              contexto: AgendaDe | None) -> None:
        self.actividades[actividad_id] = Actividad(tipo, "programada", datos, programacion=datos, agendado=datos)

    @event(ActividadReprogramada)
    def _actividad_reprogramada(self, actividad_id: str, tipo: str, datos: DatosActividad, motivo: str,
                                contexto: AgendaDe | None) -> None:
        actividad = self.actividades[actividad_id]
        actividad.datos = actividad.agendado = datos
        actividad.reprogramaciones.append(Reprogramacion(datos, motivo))

    @event(ActividadCancelada)
    def _actividad_cancelada(self, actividad_id: str, tipo: str, datos: DatosActividad, motivo: str,
                             contexto: AgendaDe | None) -> None:
        self.actividades[actividad_id].estado = "cancelada"

    # --- delivery ----------------------------------------------------------------------------

    def realizar(self, actividad_id: str, tipo: str, datos: DatosActividad, directivo: str | None = None) -> bool:
        """Record a delivered activity, scheduled before or not. The same record re-sent
        (same id, same content) changes nothing; other content under that id is a conflict."""
        previa = self.actividades.get(actividad_id)
        if previa is not None:
            if previa.tipo != tipo:
                raise Conflict(f"El identificador {actividad_id} ya se usó para otra actividad.")
            if previa.estado == "realizada":
                if previa.datos == datos:
                    return False
                raise Conflict(f"{NOMBRE[tipo]} {actividad_id} ya fue registrada con otros datos.")
            if previa.estado == "cancelada":
                raise Conflict(f"{NOMBRE[tipo]} {actividad_id} fue cancelada; registre la realizada con otro identificador.")
        self.check_actividad(actividad_id, tipo, datos, directivo, solo_realizadas=True)
        realizada = {"visita": self._visita_realizada, "gia": self._gia_completado, "rtc": self._rtc_realizada,
                     "taller": self._taller_realizado}[tipo]
        realizada(actividad_id=actividad_id, datos=datos, contexto=self.contexto)
        return True

    def _realizada(self, actividad_id: str, tipo: str, datos: DatosActividad) -> None:
        previa = self.actividades.get(actividad_id)
        self.actividades[actividad_id] = replace(previa, estado="realizada", datos=datos) if previa is not None \
            else Actividad(tipo, "realizada", datos)

    @event(VisitaRealizada)
    def _visita_realizada(self, actividad_id: str, datos: Visita, contexto: AgendaDe | None) -> None:
        self._realizada(actividad_id, "visita", datos)

    @event(GIACompletado)
    def _gia_completado(self, actividad_id: str, datos: Reunion, contexto: AgendaDe | None) -> None:
        self._realizada(actividad_id, "gia", datos)

    @event(RTCRealizada)
    def _rtc_realizada(self, actividad_id: str, datos: Reunion, contexto: AgendaDe | None) -> None:
        self._realizada(actividad_id, "rtc", datos)

    @event(TallerRealizado)
    def _taller_realizado(self, actividad_id: str, datos: Taller, contexto: AgendaDe | None) -> None:
        self._realizada(actividad_id, "taller", datos)

    # --- the norm's rules ----------------------------------------------------------------------

    def check_actividad(self, actividad_id: str, tipo: str, d: DatosActividad, directivo: str | None,
                        *, solo_realizadas: bool) -> None:
        """What every activity must respect and the rules of its kind (``reglas.actividad``)."""
        reglas.actividad(self, actividad_id, tipo, d, directivo, solo_realizadas=solo_realizadas)

    def advertencias(self, referencia: date) -> list[str]:
        """Whether the year can still be completed (``reglas.advertencias``): warnings, never refusals."""
        return reglas.advertencias(self, referencia)
