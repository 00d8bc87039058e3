"""Stateful property tests of two aggregates: any sequence of commands keeps their invariants.

Two hypothesis state machines drive the applications (on a temporary SQLite store, no broker)
with any sequence of commands, valid or not, and keep a model of what the norm allows:

- ``PlanYVisitas`` (agenda): the yearly plans of two docentes and their visits on the agendas of
  two acompañantes; visits scheduled, reprogrammed, cancelled and recorded as realized (with dates
  in and out of the school year, re-sent with the same device id, under an id already used),
  docentes retired (the plan closed) or handed to another acompañante (NT-026 §5.2.6, §5.6).
- ``Compromisos`` (evidencias): commitments taken at an observed visit and verified at a later
  visit of the same docente, by the coach who holds him then (the same one, or the one of the
  next etapa), re-verified, re-sent, overdue, after the plan closed.

For every command the model predicts whether it is accepted (and whether it records something
new) or refused, and with which of the domain's errors. After every step the invariants check:
the aggregate's state is the model's; the notification log never moves back and a refused
command or a re-send recorded nothing; the aggregate rebuilt from its stored events equals the
one the application reads; what the norm bounds stays within bounds; states and versions only
move forward.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, get_args

from eventsourcing.application import project_aggregate
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from services.agenda import domainmodel as agenda_dm
from services.agenda.application import Agenda, Asignacion, Resultado
from services.agenda.comandos import (
    Cambios,
    CancelarActividad,
    ProgramarActividad,
    RealizarActividad,
    ReprogramarActividad,
    VisitaPedida,
)
from services.agenda.config import AgendaSettings
from services.evidencias import domainmodel as evidencias_dm
from services.evidencias import textos
from services.evidencias.application import Evidencias, Pendiente
from services.evidencias.config import EvidenciasSettings
from shared.contracts.evidencias import Resultado as ResultadoPublicado
from shared.eventstore import Conflict, DomainError, EnEspera, NotFound
from shared.settings import SQLITE
from tests.integration.test_evidencias_reglas import cambio_de, cierre_de, compromiso_de, observacion_de, verificacion_de

# Bounded for CI: about 7 s for both machines on an idle 2-core machine, well under 25 s loaded.
# Derandomized like the other hypothesis tests of the project: CI runs the same sequences every time.
BOUNDED = settings(
    max_examples=60, stateful_step_count=25, deadline=None, database=None, derandomize=True,
    # A step is a command on a SQLite store plus the replay of the aggregates it touched: slower
    # than hypothesis expects of a data generator, on purpose.
    suppress_health_check=[HealthCheck.too_slow],
)

AgendaInvalida = agenda_dm.AgendaInvalida
EvidenciaInvalida = evidencias_dm.EvidenciaInvalida


def new_id() -> str:
    return str(uuid.uuid4())


def dias(inicio: date, fin: date) -> list[date]:
    return [inicio + timedelta(days=i) for i in range((fin - inicio).days + 1)]


def dias_lectivos(inicio: date, fin: date) -> int:
    return sum(1 for d in dias(inicio, fin) if d.weekday() < 5)


def se_cruzan(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


class CommandLog:
    """Runs one command against the model's prediction and watches the notification log."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = self.position()

    def position(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def run(self, command: Any, expected: type[Exception] | bool | int) -> Any:
        """``expected`` is the error that refuses the command, or what it answers when accepted
        (``Resultado.nuevo``, a bool or a count): something new recorded exactly when truthy."""
        before = self.position()
        if isinstance(expected, type):
            try:
                command()
            except (DomainError, Pendiente) as exc:
                assert type(exc) is expected, f"se esperaba {expected.__name__}, se obtuvo {exc!r}"
            else:
                raise AssertionError(f"se esperaba {expected.__name__}: el comando se aceptó")
            assert self.position() == before, "un comando rechazado registró eventos"
            return None
        answer = command()
        value = answer.nuevo if isinstance(answer, Resultado) else answer
        assert value == expected, f"se esperaba {expected!r}, se obtuvo {value!r}"
        if value:
            assert self.position() > before, "un comando aceptado como nuevo no registró nada"
        else:
            assert self.position() == before, "un reenvío (o un comando sin efecto) registró eventos"
        return answer

    def check_monotonic(self) -> None:
        now = self.position()
        assert now >= self.last, "el registro de notificaciones retrocedió"
        self.last = now


def replayed(app: Any, aggregate_id: uuid.UUID) -> Any:
    """The aggregate rebuilt from its stored events, bypassing the application's cache."""
    return project_aggregate(None, app.repository.event_store.get(aggregate_id))


def state_of(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


class VersionWatch:
    """Each aggregate's version and modification time only move forward."""

    def __init__(self) -> None:
        self.seen: dict[uuid.UUID, tuple[int, Any]] = {}

    def check(self, aggregate: Any) -> None:
        previous = self.seen.get(aggregate.id)
        if previous is not None:
            assert aggregate.version >= previous[0], "la versión del agregado retrocedió"
            assert aggregate.modified_on >= previous[1], "la fecha de modificación retrocedió"
        assert aggregate.modified_on >= aggregate.created_on
        self.seen[aggregate.id] = (aggregate.version, aggregate.modified_on)


# --- 1. agenda: a docente's yearly plan and his visits ----------------------------------------------

ANIO = 2021
INICIO_ESCOLAR, FIN_ESCOLAR = date(2021, 3, 15), date(2021, 12, 17)  # the NT-026 2020-2022 protocol
IE_POLIDOCENTE, IE_EIB = "0236885", "0500001"
# mostly three weeks of June (weekends included, so spans cross them); now and then the school
# year's edges, the last day of the year, another year
FECHAS = (3 * [date(2021, 6, 7) + timedelta(days=i) for i in range(21)]
          + [date(2021, 3, 12), date(2021, 3, 15), date(2021, 12, 16), date(2021, 12, 17), date(2021, 12, 20),
             date(2021, 12, 31), date(2020, 6, 10)])
LARGOS = (0, 0, 1, 1, 2, 3, -1)  # fecha_fin - fecha_inicio, in days
QUIEN = "AAAB"
TIPOS = ("polidocente", "polidocente", "eib")
ACCIONES = (("observacion", "asesoria"), ("asesoria", "observacion", "modelado"), ("observacion",))  # the last: refused
MOTIVOS = ("Huaico en la carretera", "Paro de transportistas", "   ")
ESTADOS_FINALES = ("realizada", "cancelada")


@dataclass
class ActividadModel:
    docente: str
    inicio: date
    fin: date
    estado: str  # programada, realizada, cancelada
    acciones: tuple[str, ...] | None = None  # realized: what was done
    programacion: tuple[str, date, date] | None = None  # as first scheduled
    agendado: tuple[str, date, date] | None = None  # as last scheduled
    reprogramaciones: list[tuple[tuple[str, date, date], str]] = field(default_factory=list)

    @property
    def datos(self) -> tuple[str, date, date]:
        return (self.docente, self.inicio, self.fin)


@dataclass
class AgendaModel:
    docentes: dict[str, bool] = field(default_factory=dict)  # held once -> still held
    actividades: dict[str, ActividadModel] = field(default_factory=dict)


class PlanYVisitas(RuleBasedStateMachine):
    """One school year of two docentes (primaria polidocente: visits of 1 or 2 school days; EIB:
    2 or 3) first held by acompañante A; B may receive them. Device ids come from a small pool so
    re-sends and reused ids are frequent."""

    def __init__(self, app: Agenda) -> None:
        super().__init__()
        self.app = app  # one store for all examples: each has its own acompañantes, docentes and ids
        self.log = CommandLog(self.app)
        self.versions = VersionWatch()
        self.acompanantes = {"A": new_id(), "B": new_id()}
        self.docentes = {"polidocente": new_id(), "eib": new_id()}
        self.limites = {self.docentes["polidocente"]: (1, 2), self.docentes["eib"]: (2, 3)}
        self.ids = [new_id() for _ in range(6)]  # the devices' ids
        self.desconocida = new_id()  # never sent
        # the model
        self.planes: dict[str, dict[str, Any]] = {}  # by docente: acompanante, activo
        self.agendas: dict[str, AgendaModel] = {}  # by acompanante: only those opened
        self.reservas: dict[str, str] = {}  # activity id -> acompanante whose agenda holds it
        self.historia: dict[tuple[str, str], str] = {}  # (acompanante, id) -> estado seen last

    # --- the world ------------------------------------------------------------------------------

    @initialize()
    def un_anio_en_curso(self) -> None:
        a = self.acompanantes["A"]
        for tipo, codigo in (("polidocente", IE_POLIDOCENTE), ("eib", IE_EIB)):
            docente = self.docentes[tipo]
            asignacion = self._asignacion(docente, a, codigo, tipo)
            self.log.run(lambda asignacion=asignacion: self.app.generar_plan(asignacion, etapa=2), True)
            self.planes[docente] = {"acompanante": a, "activo": True}
            self.agendas.setdefault(a, AgendaModel()).docentes[docente] = True
        # and A's first weeks of June: two visits scheduled, one already realized
        self.programar("A", 0, "polidocente", date(2021, 6, 8), 0)
        self.programar("A", 1, "eib", date(2021, 6, 14), 1)
        self.realizar("A", 2, "polidocente", date(2021, 6, 10), 0, ACCIONES[0])
        assert len(self.reservas) == 3

    def _asignacion(self, docente: str, acompanante: str, codigo: str, tipo: str) -> Asignacion:
        return Asignacion(docente_id=docente, acompanante_id=acompanante, convocatoria="2020-2022", anio=ANIO,
                          codigo_modular=codigo, anexo=0, dre="DRE-PUNO", ugel="UGEL-EL-COLLAO",
                          tipo_ie="polidocente_primaria" if tipo == "polidocente" else "eib", nivel="primaria")

    # --- the norm's checks, restated -------------------------------------------------------------

    def _viola_la_norma(self, agenda: AgendaModel, actividad_id: str, docente: str, inicio: date, fin: date,
                        acciones: tuple[str, ...] | None, *, solo_realizadas: bool) -> bool:
        if fin < inicio or inicio.year != ANIO or fin.year != ANIO:
            return True
        if not agenda.docentes.get(docente, False):
            return True  # not (or no longer) held by this acompañante
        if inicio < INICIO_ESCOLAR or fin > FIN_ESCOLAR:
            return True
        if acciones is not None and not {"observacion", "asesoria"} <= set(acciones):
            return True  # a visit is observation and advice (NT-026 §5.2.6 a)
        minimo, maximo = self.limites[docente]
        if not minimo <= dias_lectivos(inicio, fin) <= maximo:
            return True
        otras = [a for i, a in agenda.actividades.items() if i != actividad_id and a.estado != "cancelada"
                 and (a.estado == "realizada" or not solo_realizadas)]
        return any(se_cruzan((inicio, fin), (o.inicio, o.fin)) for o in otras)

    # --- scheduling and delivery -------------------------------------------------------------------

    @rule(quien=st.sampled_from(QUIEN), i=st.integers(0, 5), tipo=st.sampled_from(TIPOS),
          inicio=st.sampled_from(FECHAS), largo=st.sampled_from(LARGOS))
    def programar(self, quien: str, i: int, tipo: str, inicio: date, largo: int) -> None:
        acompanante, actividad_id, docente = self.acompanantes[quien], self.ids[i], self.docentes[tipo]
        fin = inicio + timedelta(days=largo)
        esperado = self._predecir_programar(acompanante, actividad_id, docente, inicio, fin)
        self.log.run(lambda: self.app.programar(ProgramarActividad(acompanante, actividad_id, "visita",
                                                                   VisitaPedida(docente, inicio, fin))), esperado)
        if esperado is True:
            datos = (docente, inicio, fin)
            self.agendas[acompanante].actividades[actividad_id] = ActividadModel(
                docente, inicio, fin, "programada", programacion=datos, agendado=datos)
            self.reservas[actividad_id] = acompanante

    def _predecir_programar(self, acompanante: str, actividad_id: str, docente: str, inicio: date,
                            fin: date) -> type[Exception] | bool:
        agenda = self.agendas.get(acompanante) if inicio.year == ANIO else None
        if agenda is None or docente not in agenda.docentes:
            return AgendaInvalida  # no agenda that year, or a docente he never held
        previa = agenda.actividades.get(actividad_id)
        if previa is not None:  # a re-send of the first scheduling records nothing; other content conflicts
            return False if previa.programacion == (docente, inicio, fin) else Conflict
        if actividad_id in self.reservas:
            return Conflict  # the id names an activity of another acompañante
        if self._viola_la_norma(agenda, actividad_id, docente, inicio, fin, None, solo_realizadas=False):
            return AgendaInvalida
        return True

    @rule(quien=st.sampled_from(QUIEN), i=st.integers(0, 5), tipo=st.sampled_from(TIPOS),
          inicio=st.sampled_from(FECHAS), largo=st.sampled_from(LARGOS), acciones=st.sampled_from(ACCIONES))
    def realizar(self, quien: str, i: int, tipo: str, inicio: date, largo: int, acciones: tuple[str, ...]) -> None:
        acompanante, actividad_id, docente = self.acompanantes[quien], self.ids[i], self.docentes[tipo]
        fin = inicio + timedelta(days=largo)
        hechas = tuple(sorted(set(acciones)))
        esperado = self._predecir_realizar(acompanante, actividad_id, docente, inicio, fin, hechas)
        self.log.run(lambda: self.app.realizar(RealizarActividad(acompanante, actividad_id, "visita",
                                                                 VisitaPedida(docente, inicio, fin, tuple(acciones)))), esperado)
        if esperado is True:
            agenda = self.agendas[acompanante]
            previa = agenda.actividades.get(actividad_id) or ActividadModel(docente, inicio, fin, "programada")
            previa.docente, previa.inicio, previa.fin = docente, inicio, fin
            previa.estado, previa.acciones = "realizada", hechas
            agenda.actividades[actividad_id] = previa
            self.reservas[actividad_id] = acompanante

    def _predecir_realizar(self, acompanante: str, actividad_id: str, docente: str, inicio: date, fin: date,
                           acciones: tuple[str, ...]) -> type[Exception] | bool:
        agenda = self.agendas.get(acompanante) if inicio.year == ANIO else None
        if agenda is None or docente not in agenda.docentes:
            return AgendaInvalida
        previa = agenda.actividades.get(actividad_id)
        if previa is None and actividad_id in self.reservas:
            return Conflict
        if previa is not None and previa.estado == "realizada":
            return False if (previa.datos, previa.acciones) == ((docente, inicio, fin), acciones) else Conflict
        if previa is not None and previa.estado == "cancelada":
            return Conflict  # a cancelled visit is not recorded as realized under its id
        if self._viola_la_norma(agenda, actividad_id, docente, inicio, fin, acciones, solo_realizadas=True):
            return AgendaInvalida
        return True

    @precondition(lambda self: self.reservas)
    @rule(data=st.data())
    def reenviar(self, data: st.DataObject) -> None:
        """A device re-sends what it sent for an activity: its first scheduling or its realization."""
        actividad_id = data.draw(st.sampled_from([i for i in self.ids if i in self.reservas]), label="actividad_id")
        acompanante = self.reservas[actividad_id]
        actividad = self.agendas[acompanante].actividades[actividad_id]
        quien = next(k for k, v in self.acompanantes.items() if v == acompanante)
        tipo = next(k for k, v in self.docentes.items() if v == actividad.docente)
        if actividad.estado == "realizada" and (actividad.programacion is None or data.draw(st.booleans())):
            self.realizar(quien, self.ids.index(actividad_id), tipo, actividad.inicio,
                          (actividad.fin - actividad.inicio).days, actividad.acciones)
        elif actividad.programacion is not None:
            docente, inicio, fin = actividad.programacion
            tipo = next(k for k, v in self.docentes.items() if v == docente)
            self.programar(quien, self.ids.index(actividad_id), tipo, inicio, (fin - inicio).days)

    def _una_actividad(self, data: st.DataObject) -> str:
        """An id an agenda holds (more often a scheduled one), or one no agenda holds (NotFound)."""
        conocidas = [i for i in self.ids if i in self.reservas]
        programadas = [i for i in conocidas if self.agendas[self.reservas[i]].actividades[i].estado == "programada"]
        return data.draw(st.sampled_from([*programadas, *programadas, *conocidas, self.desconocida]), label="actividad_id")

    @precondition(lambda self: self.reservas)
    @rule(data=st.data(), corrimiento=st.sampled_from([1, 1, 3, 7, 7, 14, -1, -7, 200]),
          largo=st.sampled_from([None, None, 0, 1, 2, -1]), motivo=st.sampled_from(MOTIVOS))
    def reprogramar(self, data: st.DataObject, corrimiento: int, largo: int | None, motivo: str) -> None:
        """Move an activity by ``corrimiento`` days; with no ``largo``, only its first day is sent."""
        actividad_id = self._una_actividad(data)
        actividad = self.agendas[self.reservas[actividad_id]].actividades.get(actividad_id) \
            if actividad_id in self.reservas else None
        inicio = (actividad.inicio if actividad else date(2021, 6, 7)) + timedelta(days=corrimiento)
        entrada = {"fecha_inicio": inicio.isoformat()}
        if largo is not None:
            entrada["fecha_fin"] = (inicio + timedelta(days=largo)).isoformat()
        esperado, datos = self._predecir_reprogramar(actividad_id, inicio, largo, motivo)
        self.log.run(lambda: self.app.reprogramar(ReprogramarActividad(actividad_id, Cambios.de(entrada), motivo)), esperado)
        if esperado is True:
            actividad = self.agendas[self.reservas[actividad_id]].actividades[actividad_id]
            actividad.inicio, actividad.fin = datos[1], datos[2]
            actividad.agendado = datos
            actividad.reprogramaciones.append((datos, motivo.strip()))

    def _predecir_reprogramar(self, actividad_id: str, inicio: date, largo: int | None,
                              motivo: str) -> tuple[type[Exception] | bool, Any]:
        if actividad_id not in self.reservas:
            return NotFound, None
        agenda = self.agendas[self.reservas[actividad_id]]
        actividad = agenda.actividades[actividad_id]
        base = actividad.agendado or actividad.datos  # what was scheduled, even if it took place since
        fin = inicio + (timedelta(days=largo) if largo is not None else base[2] - base[1])  # keeps its length
        datos = (base[0], inicio, fin)
        if (datos, motivo.strip()) in actividad.reprogramaciones:
            return False, datos  # a change already applied, re-sent
        if actividad.estado != "programada":
            return Conflict, datos
        if actividad.datos == datos:
            return False, datos
        if not motivo.strip():
            return AgendaInvalida, datos
        if self._viola_la_norma(agenda, actividad_id, base[0], inicio, fin, None, solo_realizadas=False):
            return AgendaInvalida, datos
        return True, datos

    @precondition(lambda self: self.reservas)
    @rule(data=st.data(), motivo=st.sampled_from(MOTIVOS))
    def cancelar(self, data: st.DataObject, motivo: str) -> None:
        actividad_id = self._una_actividad(data)
        if actividad_id not in self.reservas:
            esperado: type[Exception] | bool = NotFound
        else:
            actividad = self.agendas[self.reservas[actividad_id]].actividades[actividad_id]
            esperado = (False if actividad.estado == "cancelada" else Conflict if actividad.estado != "programada"
                        else AgendaInvalida if not motivo.strip() else True)
        self.log.run(lambda: self.app.cancelar(CancelarActividad(actividad_id, motivo)), esperado)
        if esperado is True:
            self.agendas[self.reservas[actividad_id]].actividades[actividad_id].estado = "cancelada"

    # --- the plan: re-sent, closed, handed over --------------------------------------------------------

    def _reenviar_asignacion(self, docente: str) -> None:
        # agenda's plan id is the docente's and the year's: a re-sent assignment (to whichever
        # acompañante) creates no twin and does not bring a retired docente back
        tipo = next(k for k, v in self.docentes.items() if v == docente)
        codigo = IE_POLIDOCENTE if tipo == "polidocente" else IE_EIB
        acompanante = self.acompanantes["A"]  # who first held him
        self.log.run(lambda: self.app.generar_plan(self._asignacion(docente, acompanante, codigo, tipo), etapa=2), False)

    def _sacar(self, acompanante: str, docente: str) -> None:
        agenda = self.agendas[acompanante]
        for actividad in agenda.actividades.values():
            if actividad.estado == "programada" and actividad.docente == docente:
                actividad.estado = "cancelada"
        agenda.docentes[docente] = False

    @precondition(lambda self: any(p["activo"] for p in self.planes.values()))
    @rule(tipo=st.sampled_from(["polidocente", "eib"]), motivo=st.sampled_from(MOTIVOS))
    def retirar(self, tipo: str, motivo: str) -> None:
        docente = self.docentes[tipo]
        plan = self.planes[docente]
        esperado = 1 if plan["activo"] else 0
        self.log.run(lambda: self.app.retirar(docente, motivo), esperado)
        if esperado:
            self._sacar(plan["acompanante"], docente)
            plan["activo"] = False
        self._reenviar_asignacion(docente)

    @precondition(lambda self: any(p["activo"] for p in self.planes.values()))
    @rule(tipo=st.sampled_from(["polidocente", "eib"]), de_otro=st.sampled_from([False, False, False, True]),
          al_mismo=st.sampled_from([False, False, False, True]), motivo=st.sampled_from(MOTIVOS))
    def reasignar(self, tipo: str, de_otro: bool, al_mismo: bool, motivo: str) -> None:
        docente = self.docentes[tipo]
        plan = self.planes[docente]
        otro = next(x for x in self.acompanantes.values() if x != plan["acompanante"])
        sale = otro if de_otro else plan["acompanante"]  # mostly from who holds him
        entra = sale if al_mismo else next(x for x in self.acompanantes.values() if x != sale)
        esperado: type[Exception] | int = (AgendaInvalida if sale == entra
                                           else 1 if plan["activo"] and plan["acompanante"] == sale else 0)
        self.log.run(lambda: self.app.reasignar(docente, sale, entra, motivo), esperado)
        if esperado == 1:
            self._sacar(sale, docente)
            self.agendas.setdefault(entra, AgendaModel()).docentes[docente] = True
            plan["acompanante"] = entra
        self._reenviar_asignacion(docente)

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def el_registro_solo_avanza(self) -> None:
        self.log.check_monotonic()

    @invariant()
    def los_planes_son_los_del_modelo(self) -> None:
        for docente, esperado in self.planes.items():
            plan: agenda_dm.PlanAnual = self.app.repository.get(agenda_dm.plan_id(docente, ANIO))
            assert (plan.acompanante_id, plan.activo) == (esperado["acompanante"], esperado["activo"])
            assert state_of(replayed(self.app, plan.id)) == state_of(plan)
            self.versions.check(plan)

    @invariant()
    def las_agendas_son_las_del_modelo(self) -> None:
        for quien, acompanante in self.acompanantes.items():
            modelo = self.agendas.get(acompanante)
            if modelo is None:
                assert not self.app.existe(agenda_dm.agenda_id(acompanante, ANIO)), f"la agenda de {quien} no debía abrirse"
                continue
            agenda: agenda_dm.AgendaAcompanante = self.app.agenda(acompanante, ANIO)
            assert {d: v.activo for d, v in agenda.docentes.items()} == modelo.docentes
            real = {i: (a.tipo, a.estado, tuple(a.datos.docentes), a.datos.fecha_inicio, a.datos.fecha_fin,
                        tuple(a.datos.acciones) if a.datos.acciones is not None else None, len(a.reprogramaciones))
                    for i, a in agenda.actividades.items()}
            esperado = {i: ("visita", a.estado, (a.docente,), a.inicio.isoformat(), a.fin.isoformat(),
                            a.acciones if a.estado == "realizada" else None, len(a.reprogramaciones))
                        for i, a in modelo.actividades.items()}
            assert real == esperado
            # rebuilt from its events, the agenda is the one the application reads
            assert state_of(replayed(self.app, agenda.id)) == state_of(agenda)
            self.versions.check(agenda)
            self._dentro_de_la_norma(agenda)
            self._estados_solo_avanzan(acompanante, agenda)

    def _dentro_de_la_norma(self, agenda: agenda_dm.AgendaAcompanante) -> None:
        vigentes = {i: a for i, a in agenda.actividades.items() if a.estado != "cancelada"}
        for a in vigentes.values():
            inicio, fin = date.fromisoformat(a.datos.fecha_inicio), date.fromisoformat(a.datos.fecha_fin)
            assert len(a.datos.docentes) == 1, "una visita en aula es a un solo docente"
            assert INICIO_ESCOLAR <= inicio <= fin <= FIN_ESCOLAR, "una visita cae fuera del año escolar"
            minimo, maximo = self.limites[a.datos.docentes[0]]
            assert minimo <= dias_lectivos(inicio, fin) <= maximo, "una visita dura más o menos de lo que manda su protocolo"
            if a.estado == "realizada":
                assert {"observacion", "asesoria"} <= set(a.datos.acciones)
        # an acompañante is never in two visits at once: neither two realized nor two scheduled ones
        for estado in ("realizada", "programada"):
            franjas = sorted((a.datos.fecha_inicio, a.datos.fecha_fin) for a in vigentes.values() if a.estado == estado)
            for antes, despues in pairwise(franjas):
                assert antes[1] < despues[0], f"dos visitas {estado}s se cruzan: {antes} y {despues}"
        # no more visits than school days in the year, one a day at most
        assert len(vigentes) <= dias_lectivos(INICIO_ESCOLAR, FIN_ESCOLAR)

    def _estados_solo_avanzan(self, acompanante: str, agenda: agenda_dm.AgendaAcompanante) -> None:
        for i, a in agenda.actividades.items():
            antes = self.historia.get((acompanante, i))
            if antes in ESTADOS_FINALES:
                assert a.estado == antes, f"la actividad {i} pasó de {antes} a {a.estado}"
            self.historia[(acompanante, i)] = a.estado


def test_plan_anual_y_visitas(tmp_path):
    app = Agenda(AgendaSettings(persistence_module=SQLITE, data_dir=tmp_path))
    app.publicar_protocolos_incluidos()
    try:
        run_state_machine_as_test(lambda: PlanYVisitas(app), settings=BOUNDED)
    finally:
        app.close()


# --- 2. evidencias: a docente's commitments --------------------------------------------------------

RESULTADOS = get_args(ResultadoPublicado)  # what the published contract allows: cumplido, parcialmente, no_cumplido
INICIOS_VISITA = (date(2021, 4, 12), date(2021, 5, 10), date(2021, 5, 11), date(2021, 6, 14), date(2021, 7, 19),
                  date(2021, 11, 15), date(2022, 4, 4), date(2022, 4, 18))
ITEMS = (("D1",), ("D1", "D3"), ("D2", "D3", "D5"))
POR_OTRO = (False, False, False, True)  # now and then, the command comes from the acompañante who did not visit
HOY = date(2021, 5, 3)


@dataclass
class VisitaModel:
    docente: str
    acompanante: str
    inicio: date
    fin: date
    items: set[str] | None = None  # what its observation rated

    @property
    def anio(self) -> int:
        return self.inicio.year


@dataclass
class CompromisoModel:
    contenido: tuple[Any, ...]
    docente: str
    visita_fin: date
    fecha_limite: date
    verificacion: dict[str, Any] | None = None
    vencido_el: str | None = None

    @property
    def rango(self) -> int:
        """abierto 0 < vencido 1 < verificado 2: a commitment's state never goes back."""
        return 2 if self.verificacion else 1 if self.vencido_el else 0


class Compromisos(RuleBasedStateMachine):
    """A docente (and another one) held in 2021 by acompañante A; the 2022 etapa may come, with A or
    handed to N. Visits agenda reports, their observations, and the commitments taken there."""

    visitas = Bundle("visitas")
    compromisos = Bundle("compromisos")

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        # a store of its own for each example: overdue commitments are looked for in the whole store
        self.app = Evidencias(EvidenciasSettings(persistence_module=SQLITE, data_dir=data_dir / new_id()),
                              reloj=lambda: self.hoy)
        self.app.publicar_instrumentos_incluidos()
        self.log = CommandLog(self.app)
        self.versions = VersionWatch()
        self.acompanantes = {"A": new_id(), "N": new_id()}
        self.docentes = {"docente": new_id(), "otro": new_id()}
        self.avisos = [new_id() for _ in range(3)]
        self.hoy = HOY
        # the model
        self.planes: dict[tuple[str, int], dict[str, Any]] = {}  # (docente, anio): acompanante, activo, avisos
        self.visitas_m: dict[str, VisitaModel] = {}
        self.compromisos_m: dict[str, CompromisoModel] = {}
        self.intentos: dict[str, tuple[Any, ...]] = {}  # compromiso id -> the last asumir sent
        self.rangos: dict[str, int] = {}
        self.verificados: dict[str, dict[str, Any]] = {}
        self.vencidos: dict[str, str] = {}

    def teardown(self) -> None:
        self.app.close()

    def _tiene(self, acompanante: str, docente: str, anio: int) -> bool:
        plan = self.planes.get((docente, anio))
        return plan is not None and plan["activo"] and plan["acompanante"] == acompanante

    def _autor_que_lo_tiene(self, acompanante: str, visita: VisitaModel) -> type[Exception] | None:
        """What refuses (or makes wait) a record of ``visita`` by ``acompanante``: not its author; the plan of
        its year not known yet; or not holding the docente (reassignments here carry no day: as of now)."""
        if acompanante != visita.acompanante:
            return EvidenciaInvalida
        if (visita.docente, visita.anio) not in self.planes:
            return EnEspera
        return None if self._tiene(acompanante, visita.docente, visita.anio) else EvidenciaInvalida

    # --- what agenda reports ------------------------------------------------------------------------

    @initialize(target=visitas)
    def un_aula_observada(self) -> str:
        a = self.acompanantes["A"]
        self._planes_2021()
        visita = self._conocer_visita(self.docentes["docente"], a, date(2021, 5, 10), 1)
        self._observar(visita, a, ("D1", "D3"))
        return visita

    @initialize(target=compromisos)
    def un_compromiso_abierto(self) -> str:
        """Taken at an April visit, due in June: the May visit (``un_aula_observada``) may verify it."""
        a = self.acompanantes["A"]
        self._planes_2021()
        visita = self._conocer_visita(self.docentes["docente"], a, date(2021, 4, 12), 1)
        self._observar(visita, a, ("D1", "D3", "D5"))
        compromiso_id = new_id()
        self._asumir(compromiso_id, (visita, a, "D3", date(2021, 6, 30), "Formular preguntas abiertas"))
        return compromiso_id

    def _planes_2021(self) -> None:
        for docente in self.docentes.values():
            if (docente, 2021) not in self.planes:
                self._conocer_plan(docente, 2021, self.acompanantes["A"])
                self._conocer_plan(docente, 2021, self.acompanantes["A"])  # re-delivered: nothing new

    def _conocer_plan(self, docente: str, anio: int, acompanante: str) -> None:
        esperado = (docente, anio) not in self.planes  # the plan id is the docente's and the year's
        self.log.run(lambda: self.app.conocer_plan({
            "plan_id": f"{docente}:{anio}", "docente_id": docente, "acompanante_id": acompanante, "anio": anio,
            "etapa": anio - 2019, "modalidad": "externa", "codigo_modular": "0236885", "anexo": 0,
            "tipo_ie": "polidocente_primaria", "nivel": "primaria", "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"}),
            esperado)
        if esperado:
            self.planes[(docente, anio)] = {"acompanante": acompanante, "activo": True, "avisos": set()}

    def _conocer_visita(self, docente: str, acompanante: str, inicio: date, largo: int) -> str:
        visita_id, fin = new_id(), inicio + timedelta(days=largo)
        self.log.run(lambda: self.app.conocer_visita({
            "visita_id": visita_id, "docente_id": docente, "acompanante_id": acompanante,
            "codigo_modular": "0236885", "anexo": 0, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO", "anio": inicio.year,
            "fecha_inicio": inicio.isoformat(), "fecha_fin": fin.isoformat(),
            "acciones": ["observacion", "asesoria"]}), True)
        self.visitas_m[visita_id] = VisitaModel(docente, acompanante, inicio, fin)
        return visita_id

    @precondition(lambda self: any((d, 2022) not in self.planes for d in self.docentes.values()))
    @rule(quien=st.sampled_from("AN"), de_quien=st.sampled_from(["docente", "otro"]))
    def abrir_etapa_2022(self, quien: str, de_quien: str) -> None:
        """agenda's plan of the next etapa, with the same acompañante or another one (re-sent: nothing new)."""
        self._conocer_plan(self.docentes[de_quien], 2022, self.acompanantes[quien])

    @rule(target=visitas, de_quien=st.sampled_from(["docente", "docente", "otro"]), quien=st.sampled_from("AAN"),
          inicio=st.sampled_from(INICIOS_VISITA), largo=st.integers(0, 1), observada=st.sampled_from([True, True, False]))
    def conocer_visita(self, de_quien: str, quien: str, inicio: date, largo: int, observada: bool) -> str:
        visita = self._conocer_visita(self.docentes[de_quien], self.acompanantes[quien], inicio, largo)
        if observada:  # and its author records the observation (refused if he no longer holds the docente)
            self._observar(visita, self.acompanantes[quien], ("D1", "D3"))
        return visita

    @rule(anio=st.sampled_from([2021, 2022]), de=st.sampled_from("AN"), a=st.sampled_from("AN"),
          aviso=st.integers(0, 2))
    def cambiar_acompanante(self, anio: int, de: str, a: str, aviso: int) -> None:
        docente, aviso_id = self.docentes["docente"], self.avisos[aviso]
        plan = self.planes.get((docente, anio))
        esperado: type[Exception] | bool = (
            Pendiente if plan is None or (aviso_id not in plan["avisos"] and plan["acompanante"] != self.acompanantes[de])
            else aviso_id not in plan["avisos"])
        self.log.run(lambda: self.app.cambiar_acompanante(cambio_de(docente, anio, self.acompanantes[de],
                                                                    self.acompanantes[a], aviso_id)), esperado)
        if esperado is True:
            plan["acompanante"] = self.acompanantes[a]
            plan["avisos"].add(aviso_id)

    @precondition(lambda self: any(p["activo"] for p in self.planes.values()))
    @rule(anio=st.sampled_from([2021, 2022]))
    def cerrar_plan(self, anio: int) -> None:
        docente = self.docentes["docente"]
        plan = self.planes.get((docente, anio))
        esperado: type[Exception] | bool = Pendiente if plan is None else plan["activo"]
        self.log.run(lambda: self.app.cerrar_plan(cierre_de(docente, anio)), esperado)
        if esperado is True:
            plan["activo"] = False

    # --- what the coach records ----------------------------------------------------------------------

    def _observar(self, visita_id: str, acompanante: str, items: tuple[str, ...]) -> None:
        visita = self.visitas_m[visita_id]
        esperado: type[Exception] | bool = self._autor_que_lo_tiene(acompanante, visita) or (
            Conflict if visita.items is not None else True)  # one observation per instrument
        niveles = {i: {"nivel": "II", "evidencia": f"Se vio en {i}: 12 de 25 estudiantes participan."} for i in items}
        self.log.run(lambda: self.app.registrar_observacion(observacion_de(visita_id, new_id(), acompanante, {
            "instrumento": "FICHA-AULA", "niveles": niveles, "fortalezas": [], "aspectos_criticos": []})), esperado)
        if esperado is True:
            visita.items = set(items)

    def _quien(self, visita: str, por_otro: bool) -> str:
        """The visit's author, or the other acompañante."""
        autor = self.visitas_m[visita].acompanante
        return next(a for a in self.acompanantes.values() if a != autor) if por_otro else autor

    @rule(visita=visitas, por_otro=st.sampled_from(POR_OTRO), items=st.sampled_from(ITEMS))
    def observar(self, visita: str, por_otro: bool, items: tuple[str, ...]) -> None:
        self._observar(visita, self._quien(visita, por_otro), items)

    def _asumir(self, compromiso_id: str, intento: tuple[Any, ...]) -> None:
        visita_id, acompanante, item, limite, descripcion = intento
        visita = self.visitas_m[visita_id]
        self.intentos[compromiso_id] = intento
        if compromiso_id in self.compromisos_m and self.compromisos_m[compromiso_id].contenido == intento:
            esperado: type[Exception] | bool = False  # sent again: recognised first, even by a coach who lost him
        elif self._autor_que_lo_tiene(acompanante, visita):
            esperado = self._autor_que_lo_tiene(acompanante, visita)  # type: ignore[assignment]
        elif visita.items is None:
            esperado = EnEspera  # tied to a desempeño observed at that visit, whose observation has not arrived
        elif item not in visita.items:
            esperado = EvidenciaInvalida  # tied to a desempeño observed at that visit
        elif limite <= visita.fin:
            esperado = EvidenciaInvalida  # due after the visit
        elif compromiso_id in self.compromisos_m:
            esperado = Conflict  # the same id with other content
        else:
            esperado = True
        self.log.run(lambda: self.app.asumir_compromiso(compromiso_de(compromiso_id, visita_id, acompanante, {
            "descripcion": descripcion, "item": item, "fecha_limite": limite.isoformat(),
            "verificacion": "Observación en la próxima visita"})), esperado)
        if esperado is True:
            self.compromisos_m[compromiso_id] = CompromisoModel(intento, visita.docente, visita.fin, limite)

    @rule(target=compromisos, visita=visitas, por_otro=st.sampled_from(POR_OTRO),
          item=st.sampled_from(["D1", "D1", "D3", "D4"]), plazo=st.sampled_from([0, 20, 50, 200]))
    def asumir(self, visita: str, por_otro: bool, item: str, plazo: int) -> str:
        """Taken at ``visita``, due ``plazo`` days after it ended (0: not after the visit)."""
        compromiso_id, limite = new_id(), self.visitas_m[visita].fin + timedelta(days=plazo)
        self._asumir(compromiso_id, (visita, self._quien(visita, por_otro), item, limite, "Formular preguntas abiertas"))
        return multiple(compromiso_id) if compromiso_id in self.compromisos_m else multiple()

    @rule(compromiso=compromisos, otro_contenido=st.booleans())
    def reenviar_asumir(self, compromiso: str, otro_contenido: bool) -> None:
        intento = self.intentos[compromiso]
        if otro_contenido:
            intento = (*intento[:4], "Usar organizadores visuales")
        self._asumir(compromiso, intento)

    @rule(compromiso=compromisos, data=st.data(), por_otro=st.sampled_from(POR_OTRO),
          resultado=st.sampled_from([*RESULTADOS, "en_proceso"]), evidencia=st.sampled_from(["Lo hizo", "Lo intenta"]))
    def verificar(self, compromiso: str, data: st.DataObject, por_otro: bool, resultado: str, evidencia: str) -> None:
        """At any visit, more often at a later visit to the docente who took it."""
        c = self.compromisos_m[compromiso]
        posteriores = [i for i, v in self.visitas_m.items() if v.docente == c.docente and v.inicio > c.visita_fin]
        visita = data.draw(st.sampled_from([*posteriores, *posteriores, *self.visitas_m]), label="visita")
        self._verificar(compromiso, visita, self._quien(visita, por_otro), resultado, evidencia)

    @precondition(lambda self: self.compromisos_m)
    @rule(visita=visitas)
    def verificar_lo_que_no_existe(self, visita: str) -> None:
        self._verificar(new_id(), visita, self.visitas_m[visita].acompanante, "cumplido", "Lo hizo")

    def _verificar(self, compromiso: str, visita: str, acompanante: str, resultado: str, evidencia: str) -> None:
        v = self.visitas_m[visita]
        c = self.compromisos_m.get(compromiso)
        verificacion = {"visita_id": visita, "acompanante_id": acompanante, "fecha": v.inicio.isoformat(),
                        "resultado": resultado, "evidencia": evidencia}
        if c is None:
            esperado: type[Exception] | bool = EnEspera  # the commitment may be on its way from the same device
        elif c.verificacion == verificacion:
            esperado = False  # sent again: recognised first, even by a coach who lost the docente since
        elif self._autor_que_lo_tiene(acompanante, v):
            esperado = self._autor_que_lo_tiene(acompanante, v)  # type: ignore[assignment]  # the visit's author
        elif resultado not in RESULTADOS:
            esperado = EvidenciaInvalida
        elif c.verificacion is not None:
            esperado = Conflict  # verified once
        elif v.docente != c.docente or v.inicio <= c.visita_fin:
            esperado = EvidenciaInvalida  # at a later visit to who took it
        else:
            esperado = True
        self.log.run(lambda: self.app.verificar_compromiso(verificacion_de(compromiso, visita, acompanante, resultado,
                                                                           evidencia)),
                     esperado)
        if esperado is True:
            c.verificacion = verificacion

    @rule(dias_despues=st.sampled_from([0, 10, 45, 120, 300]))
    def vencer(self, dias_despues: int) -> None:
        self.hoy += timedelta(days=dias_despues)  # the clock only moves forward
        por_vencer = [c for c in self.compromisos_m.values()
                      if c.verificacion is None and c.vencido_el is None and c.fecha_limite < self.hoy]
        self.log.run(lambda: self.app.vencer_compromisos(self.hoy), len(por_vencer))
        for c in por_vencer:
            c.vencido_el = (c.fecha_limite + timedelta(days=1)).isoformat()

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def el_registro_solo_avanza(self) -> None:
        self.log.check_monotonic()

    @invariant()
    def los_compromisos_son_los_del_modelo(self) -> None:
        for compromiso_id in self.intentos:
            if compromiso_id not in self.compromisos_m:
                assert not self.app.existe(evidencias_dm.compromiso_id(compromiso_id)), "se registró un compromiso rechazado"
        for compromiso_id, modelo in self.compromisos_m.items():
            c: evidencias_dm.Compromiso = self.app.compromiso(compromiso_id)
            visita_id, acompanante, item, limite, descripcion = modelo.contenido
            # (its free text is stored encrypted with the docente's key: read back as his readers read it)
            k = c.compromiso
            descifrar = textos.descifrar(self.app.cifrador, evidencias_dm.sujeto_docente(k.docente_id))
            claro = textos.compromiso(descifrar, k.como_dict())
            assert (k.visita_id, k.acompanante_id, k.item, k.fecha_limite, claro["descripcion"], k.docente_id) == (
                visita_id, acompanante, item, limite, descripcion, modelo.docente)
            verificacion = c.verificacion and textos.verificacion(descifrar, c.verificacion.como_dict())
            assert (verificacion, c.vencido_el) == (modelo.verificacion, modelo.vencido_el)
            assert state_of(replayed(self.app, c.id)) == state_of(c)
            assert c.version == 1 + (c.verificacion is not None) + (c.vencido_el is not None)
            self.versions.check(c)
            self._dentro_de_la_norma(c)
            self._solo_avanza(compromiso_id, modelo)

    def _dentro_de_la_norma(self, c: evidencias_dm.Compromiso) -> None:
        origen = self.visitas_m[c.compromiso.visita_id]
        assert c.fecha_limite > origen.fin, "la fecha límite no es posterior a la visita"
        if c.verificacion is not None:
            visita = self.visitas_m[c.verificacion.visita_id]
            assert visita.docente == c.compromiso.docente_id, "verificado en la visita a otro docente"
            assert visita.inicio > origen.fin, "verificado en una visita que no es posterior"
            assert visita.acompanante == c.verificacion.acompanante_id
            assert c.verificacion.resultado in RESULTADOS, (
                f"resultado {c.verificacion.resultado!r} fuera del contrato publicado {RESULTADOS}")
        if c.vencido_el is not None:
            assert c.vencido_el == (c.fecha_limite + timedelta(days=1)).isoformat()
            assert date.fromisoformat(c.vencido_el) <= self.hoy, "vencido antes de su fecha"

    def _solo_avanza(self, compromiso_id: str, modelo: CompromisoModel) -> None:
        assert modelo.rango >= self.rangos.get(compromiso_id, 0), "un compromiso volvió a un estado anterior"
        self.rangos[compromiso_id] = modelo.rango
        if compromiso_id in self.verificados:  # verified is terminal: its verification never changes
            assert modelo.verificacion == self.verificados[compromiso_id]
        if modelo.verificacion is not None:
            self.verificados[compromiso_id] = modelo.verificacion
        if compromiso_id in self.vencidos:
            assert modelo.vencido_el == self.vencidos[compromiso_id]
        if modelo.vencido_el is not None:
            self.vencidos[compromiso_id] = modelo.vencido_el

    @invariant()
    def los_planes_son_los_del_modelo(self) -> None:
        for docente in self.docentes.values():
            registrado = self.app.repository.get(evidencias_dm.docente_id(docente))
            assert {anio: (p.acompanante_id, p.activo) for anio, p in registrado.planes.items()} == {
                anio: (p["acompanante"], p["activo"]) for (d, anio), p in self.planes.items() if d == docente}
            assert state_of(replayed(self.app, registrado.id)) == state_of(registrado)
            self.versions.check(registrado)


def test_compromisos(tmp_path):
    run_state_machine_as_test(lambda: Compromisos(tmp_path), settings=BOUNDED)


def test_un_compromiso_no_se_verifica_con_un_resultado_ajeno_al_contrato(tmp_path):
    """Regression (found by ``Compromisos``): ``Compromiso.verificar`` recorded any ``resultado``, so a
    caller other than the API (whose pydantic model is the only check) could store ``"en_proceso"``:
    a terminal state that ``CompromisoVerificadoV1`` refuses, so the outbox relay would stop at
    that event for good."""
    machine = Compromisos(tmp_path)
    try:
        # Given a commitment taken at a visit and a later visit of the same coach to the same docente
        origen = machine.un_aula_observada()
        machine.asumir(origen, False, "D1", 50)
        (compromiso_id,) = machine.compromisos_m
        posterior = machine.conocer_visita("docente", "A", date(2021, 6, 14), 0, False)
        a = machine.acompanantes["A"]
        # When it is verified "en_proceso", Then it is refused and nothing is recorded
        machine.log.run(lambda: machine.app.verificar_compromiso(verificacion_de(compromiso_id, posterior, a, "en_proceso",
                                                                                 "Lo intenta")),
                        EvidenciaInvalida)
        assert machine.app.compromiso(compromiso_id).verificacion is None
        # and with a result of the contract it is verified
        machine.log.run(lambda: machine.app.verificar_compromiso(verificacion_de(compromiso_id, posterior, a, "parcialmente",
                                                                                 "Lo intenta")),
                        True)
    finally:
        machine.teardown()
