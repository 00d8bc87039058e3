"""Fulfilment of the protocol (NT-026 §5.5) over a simulated school year: one UGEL, ten
acompañantes and their 110-odd docentes in twenty schools, with visits delayed, cancelled,
delivered on other dates than planned or never recorded, talleres with absences, and virtual
courses. What ``Proyecciones.cumplimiento`` reports is checked, docente by docente and rolled
up, against the test's own ledger of what each docente received and when.

The ledger dates each delivery as the norm's fulfilment does ("por la fecha de cada
actividad"): a visit, GIA or RTC by the day it started, a taller by the first day the docente
attended it, a course by the day he completed it.
"""

from __future__ import annotations

import heapq
import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from services.agenda import cumplimiento
from services.agenda.application import Agenda
from services.agenda.comandos import (Asignacion, Cambios, CancelarActividad, CompletarCurso, Curso,
                                      DesignarDirectivo, ProgramarActividad, RealizarActividad, ReprogramarActividad,
                                      pedido)
from services.agenda.config import AgendaSettings
from services.agenda.domainmodel import AgendaInvalida
from tests.support.world import registrar_planes

SEMILLA = 20210315
ANIO, CONV, DRE, UGEL = 2021, "2020-2022", "DRE-PUNO", "UGEL-EL-COLLAO"
INICIO, FIN = date(2021, 3, 15), date(2021, 12, 17)  # the 2020-2022 protocol's school year
# cut-offs: in the week of the first talleres, mid-year (a Wednesday), the third quarter, the year's end
CORTES = (date(2021, 5, 19), date(2021, 6, 30), date(2021, 9, 30), date(2021, 12, 31))
COMPONENTES = ("visitas", "dias_visita", "gia", "rtc", "talleres", "dias_taller", "cursos")

# NT-026 §5.6 restated here, not read from the service: what a docente of each school type is
# planned to receive in the year, and how many days one visit to him may last.
_REUNIONES = {"gia": 4, "rtc": 2, "talleres": 2, "cursos": 0}
_RURAL = {"visitas": 6, "dias_visita": 14, **_REUNIONES, "dias_taller": 10}
_PRIMARIA = {"visitas": 7, "dias_visita": 8, **_REUNIONES, "dias_taller": 8}
_INICIAL = {"visitas": 6, "dias_visita": 12, **_REUNIONES, "dias_taller": 8}
NORMA: dict[tuple[str, str], tuple[dict[str, int], tuple[int, int]]] = {
    ("polidocente_primaria", "primaria"): (_PRIMARIA, (1, 2)),
    ("polidocente_inicial", "inicial"): (_INICIAL, (1, 3)),
    ("eib", "primaria"): (_RURAL, (2, 3)),
    ("multigrado", "primaria"): (_RURAL, (2, 3)),
}
# The lengths of the year's visits (NT-026 §5.6 c): scheduling refuses a visit that breaks this mix
MEZCLA = {
    ("polidocente_primaria", "primaria"): [2, 1, 1, 1, 1, 1, 1],
    ("polidocente_inicial", "inicial"): [3, 3, 2, 2, 1, 1],
    ("eib", "primaria"): [3, 3, 2, 2, 2, 2],
    ("multigrado", "primaria"): [3, 3, 2, 2, 2, 2],
}
MESES_GIA, MESES_RTC, MESES_TALLER = (4, 6, 8, 10), (5, 9), (5, 8)
HORARIOS = (("15:00", "18:00"), ("14:00", "17:00"), ("08:00", "11:30"), ("14:30", "18:00"))
MOTIVOS = ("Huaico en la carretera", "Paro de transportistas", "Simulacro de sismo en la IE",
           "Docente con licencia por salud", "Convocatoria de la UGEL",
           "Actividad por el aniversario de la IE")
ACCIONES = ("observacion", "asesoria", "retroalimentacion", "modelado")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _habil(d: date) -> bool:
    return d.weekday() < 5


def _siguiente_habil(d: date) -> date:
    d += timedelta(days=1)
    while not _habil(d):
        d += timedelta(days=1)
    return d


def _fin_de_mes(mes: int) -> date:
    return date(ANIO, 12, 31) if mes == 12 else date(ANIO, mes + 1, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Docente:
    id: str
    acompanante: str
    ie: str  # código modular (anexo 0)
    tipo_ie: str
    nivel: str

    @property
    def plan(self) -> dict[str, int]:
        return NORMA[(self.tipo_ie, self.nivel)][0]

    @property
    def duracion(self) -> tuple[int, int]:
        return NORMA[(self.tipo_ie, self.nivel)][1]

    @property
    def mezcla(self) -> list[int]:
        return list(MEZCLA[(self.tipo_ie, self.nivel)])


@dataclass
class Mundo:
    docentes: dict[str, Docente] = field(default_factory=dict)
    directivos: dict[str, str] = field(default_factory=dict)  # código modular -> directivo
    acompanantes: list[str] = field(default_factory=list)

    def de(self, acompanante: str) -> list[Docente]:
        return [d for d in self.docentes.values() if d.acompanante == acompanante]


class Libro:
    """The test's own count of what each docente received, and on which day."""

    def __init__(self) -> None:
        self.entregas: dict[str, list[tuple[date, str, int]]] = defaultdict(list)

    def anotar(self, docente: str, fecha: date, **cantidades: int) -> None:
        for componente, n in cantidades.items():
            self.entregas[docente].append((fecha, componente, n))

    def hasta(self, docente: str, corte: date) -> dict[str, int]:
        recibido = dict.fromkeys(COMPONENTES, 0)
        for fecha, componente, n in self.entregas[docente]:
            if fecha <= corte:
                recibido[componente] += n
        return recibido


def poblar(agenda: Agenda, rng: random.Random, *, acompanantes: int,
           escuelas_por_acompanante: int = 2) -> Mundo:
    """Schools of the four rural and urban types, a directivo each, and every docente's plan."""
    mundo = Mundo()
    tipos = [t for t in NORMA for _ in range(math.ceil(acompanantes * escuelas_por_acompanante / len(NORMA)))]
    rng.shuffle(tipos)
    for k in range(acompanantes):
        acompanante = _uuid(rng)
        mundo.acompanantes.append(acompanante)
        n = rng.randint(10, 12)
        escuelas = []
        for j in range(escuelas_por_acompanante):
            codigo = f"{250000 + k * escuelas_por_acompanante + j:07d}"
            escuelas.append((codigo, tipos.pop()))
            mundo.directivos[codigo] = _uuid(rng)
            assert agenda.designar_directivo(DesignarDirectivo(codigo, 0, mundo.directivos[codigo], "director"))
        for i in range(n):
            codigo, (tipo_ie, nivel) = escuelas[i % len(escuelas)]
            d = Docente(_uuid(rng), acompanante, codigo, tipo_ie, nivel)
            mundo.docentes[d.id] = d
            assert agenda.generar_plan(Asignacion(
                docente_id=d.id, acompanante_id=acompanante, convocatoria=CONV, anio=ANIO,
                codigo_modular=codigo, anexo=0, dre=DRE, ugel=UGEL, tipo_ie=tipo_ie, nivel=nivel), etapa=2)
    return mundo


class AnioDeUnAcompanante:
    """One acompañante's year, lived day by day: each month he schedules what the month can
    hold; on each activity's day it happens (sometimes on other dates or hours than planned),
    is put off to a later free day, is cancelled, or is simply never recorded."""

    def __init__(self, agenda: Agenda, mundo: Mundo, acompanante: str, rng: random.Random, libro: Libro,
                 cuenta: Counter) -> None:
        self.agenda, self.rng, self.libro, self.cuenta = agenda, rng, libro, cuenta
        self.acompanante = acompanante
        self.docentes = mundo.de(acompanante)
        self.directivos = mundo.directivos
        self.ies = sorted({d.ie for d in self.docentes})
        self.ocupado: dict[date, str] = {}  # every day taken by an activity not cancelled
        self.actividades: dict[str, dict[str, Any]] = {}
        self.cola: list[tuple[date, int, int, str]] = []
        self.orden = 0
        # the visits still to schedule, as their lengths: the protocol's mix, in random order
        self.por_visitar = {d.id: rng.sample(d.mezcla, len(d.mezcla)) for d in self.docentes}

    # --- the calendar ------------------------------------------------------------------------

    def _libre(self, dias: list[date], excepto: str | None = None) -> bool:
        return all(_habil(x) and INICIO <= x <= FIN and self.ocupado.get(x, excepto) == excepto for x in dias)

    def _ventana(self, desde: date, n: int, hasta: date = FIN) -> list[date] | None:
        """The first ``n`` free school days in a row within one week, from ``desde``."""
        d = max(desde, INICIO)
        while d <= hasta:
            dias = [d + timedelta(days=i) for i in range(n)]
            if d.weekday() + n <= 5 and dias[-1] <= hasta and self._libre(dias):
                return dias
            d += timedelta(days=1)
        return None

    def _ventana_en(self, desde: date, hasta: date, n: int) -> list[date] | None:
        """A free window starting on a random day of [desde, hasta], else the first one."""
        azar = desde + timedelta(days=self.rng.randint(0, max((hasta - desde).days, 0)))
        return self._ventana(azar, n, hasta) or self._ventana(desde, n, hasta)

    def _tomar(self, actividad_id: str, dias: list[date]) -> None:
        for x in self.actividades[actividad_id]["dias"]:
            if self.ocupado.get(x) == actividad_id:
                del self.ocupado[x]
        self.actividades[actividad_id]["dias"] = dias
        for x in dias:
            self.ocupado[x] = actividad_id

    def _liberar(self, actividad_id: str) -> None:
        self._tomar(actividad_id, [])

    def _agendar(self, fecha: date, prioridad: int, actividad_id: str) -> None:
        self.orden += 1
        heapq.heappush(self.cola, (fecha, prioridad, self.orden, actividad_id))

    def _enviar(self, ejecutar, comando: Any) -> Any:
        """Send a command; a refusal of the norm's rules records nothing and is counted."""
        self.cuenta["enviados"] += 1
        try:
            return ejecutar(comando)
        except AgendaInvalida:
            self.cuenta["rechazados"] += 1
            return None

    # --- the year ------------------------------------------------------------------------------

    def vivir(self) -> None:
        for mes in range(3, 13):
            self._agendar(max(INICIO, date(ANIO, mes, 1)), 0, f"mes:{mes}")
        while self.cola:
            fecha, _, _, que = heapq.heappop(self.cola)
            if que.startswith("mes:"):
                self._planificar(int(que[4:]))
                continue
            a = self.actividades[que]
            if not a["dias"] or a["dias"][0] != fecha:
                continue  # put off or cancelled since: its new day has its own entry
            if a["estado"] == "directa":
                self._realizar(que)
            elif a["estado"] == "programada":
                self._resolver(que)

    def _planificar(self, mes: int) -> None:
        """What the month can hold: its talleres, GIA, RTC, then the visits due."""
        desde, hasta = max(INICIO, date(ANIO, mes, 1)), min(FIN, _fin_de_mes(mes))
        if mes in MESES_TALLER:
            n = self.rng.choice((4, 5))
            dias = self._ventana_en(desde, hasta, n)
            if dias:
                tema = f"Taller {MESES_TALLER.index(mes) + 1}: planificación curricular"
                self._programar("taller", dias, {"sede": "Auditorio de la UGEL El Collao", "tema": tema})
        for tipo, meses in (("gia", MESES_GIA), ("rtc", MESES_RTC)):
            if mes in meses:
                for ie in self.ies:
                    dias = self._ventana_en(desde, hasta, 1)
                    if dias:
                        inicio, fin = self.rng.choice(HORARIOS)
                        extra = {"directivo_id": self.directivos[ie]} if tipo == "rtc" else {}
                        self._programar(tipo, dias, {"codigo_modular": ie, "anexo": 0, "hora_inicio": inicio,
                                                     "hora_fin": fin, "tema": "Evaluación formativa",
                                                     **extra})
        meses_restantes = max(11 - mes + 1, 1)
        cupos = {d: math.ceil(len(v) / meses_restantes) for d, v in self.por_visitar.items()}
        turno = [d for d in self.por_visitar for _ in range(cupos[d])]
        self.rng.shuffle(turno)
        for docente in turno:
            if not self.por_visitar[docente]:
                continue
            n = self.por_visitar[docente][-1]
            dias = self._ventana_en(desde, hasta, n)
            if dias is None:
                continue
            if self.rng.random() < 0.2:  # not scheduled: recorded only once done
                self._reservar(dias, {"docente_id": docente})
                self.por_visitar[docente].pop()
            elif self._programar("visita", dias, {"docente_id": docente}):
                self.por_visitar[docente].pop()

    def _reservar(self, dias: list[date], datos: dict[str, Any]) -> None:
        """A visit the acompañante will make without scheduling it first (the test keeps its days)."""
        actividad_id = _uuid(self.rng)
        self.actividades[actividad_id] = {"tipo": "visita", "estado": "directa", "dias": [], "datos": datos,
                                          "reprogramaciones": 0}
        self._tomar(actividad_id, dias)
        self._agendar(dias[0], 1, actividad_id)

    def _programar(self, tipo: str, dias: list[date], datos: dict[str, Any]) -> bool:
        actividad_id = _uuid(self.rng)
        self.actividades[actividad_id] = a = {"tipo": tipo, "estado": "programada", "dias": [],
                                              "datos": datos, "reprogramaciones": 0}
        entrada = {**datos, **self._fechas(a, dias)}
        programar = ProgramarActividad(self.acompanante, actividad_id, tipo, pedido(tipo, entrada))
        if self._enviar(self.agenda.programar, programar) is None:
            del self.actividades[actividad_id]
            return False
        self.cuenta[f"programada:{tipo}"] += 1
        self._tomar(actividad_id, dias)
        self._agendar(dias[0], 1, actividad_id)
        return True

    @staticmethod
    def _fechas(a: dict[str, Any], dias: list[date]) -> dict[str, Any]:
        if a["tipo"] in ("gia", "rtc"):
            return {"fecha": dias[0].isoformat()}
        return {"fecha_inicio": dias[0].isoformat(), "fecha_fin": dias[-1].isoformat()}

    def _resolver(self, actividad_id: str) -> None:
        a, azar = self.actividades[actividad_id], self.rng.random()
        if azar < 0.12 and a["reprogramaciones"] < 2 and self._postergar(actividad_id):
            return
        if azar < 0.20:
            self._cancelar(actividad_id)
        elif azar < 0.25:
            self.cuenta["nunca_registrada"] += 1  # scheduled, maybe done, never recorded
        else:
            self._realizar(actividad_id)

    def _postergar(self, actividad_id: str) -> bool:
        a = self.actividades[actividad_id]
        desde = a["dias"][0] + timedelta(days=self.rng.randint(2, 21))
        dias = self._ventana(desde, len(a["dias"]))
        if dias is None:
            return False
        if self._enviar(self.agenda.reprogramar, ReprogramarActividad(actividad_id, Cambios.de(self._fechas(a, dias)),
                                                                      self.rng.choice(MOTIVOS))) is None:
            return False
        a["reprogramaciones"] += 1
        self.cuenta["reprogramada"] += 1
        self._tomar(actividad_id, dias)
        self._agendar(dias[0], 1, actividad_id)
        return True

    def _cancelar(self, actividad_id: str) -> None:
        a = self.actividades[actividad_id]
        assert self._enviar(self.agenda.cancelar, CancelarActividad(actividad_id, self.rng.choice(MOTIVOS))).nuevo
        a["estado"] = "cancelada"
        self.cuenta["cancelada"] += 1
        fecha, n = a["dias"][0], len(a["dias"])
        self._liberar(actividad_id)
        if a["tipo"] != "visita":
            return
        azar = self.rng.random()
        if azar < 0.5:  # it goes back to the visits to schedule
            self.por_visitar[a["datos"]["docente_id"]].insert(0, n)
        elif azar < 0.75:  # made up later, recorded only once done (never scheduled)
            dias = self._ventana(fecha + timedelta(days=self.rng.randint(3, 30)), n)
            if dias:
                self._reservar(dias, a["datos"])

    # --- delivery ------------------------------------------------------------------------------

    def _realizar(self, actividad_id: str) -> None:
        a = self.actividades[actividad_id]
        tipo, dias = a["tipo"], a["dias"]
        if self.rng.random() < 0.04:
            self._realizar_contra_la_norma(actividad_id)
        if self.rng.random() < 0.15:
            dias = self._otros_dias(actividad_id) or dias
        entrada: dict[str, Any] = {**a["datos"], **self._fechas(a, dias)}
        de_la_ie = sorted(d.id for d in self.docentes if d.ie == a["datos"].get("codigo_modular"))
        if tipo == "visita":
            # NT-026 §5.2.6 a: observation and advice, sometimes with feedback or modelling
            entrada |= {"acciones": ["observacion", "asesoria", *self.rng.sample(ACCIONES[2:], self.rng.randint(0, 2))],
                        "observaciones": "Sin novedad"}
        elif tipo in ("gia", "rtc"):
            if self.rng.random() < 0.2:
                entrada["hora_inicio"], entrada["hora_fin"] = self.rng.choice(HORARIOS)
            entrada["participantes"] = [d for d in de_la_ie if self.rng.random() < 0.9] or de_la_ie[:1]
            entrada["acuerdos"] = ["Aplicar la rúbrica de retroalimentación"]
        else:
            entrada["asistencia"] = self._asistencia(dias)
        realizar = RealizarActividad(self.acompanante, actividad_id, tipo, pedido(tipo, entrada))
        resultado = self._enviar(self.agenda.realizar, realizar)
        if resultado is None:
            return
        assert resultado.nuevo
        if self.rng.random() < 0.05:  # the device sends it again: recognised, nothing twice
            assert not self.agenda.realizar(realizar).nuevo
            self.cuenta["reenviada"] += 1
        a["estado"] = "realizada"
        self.cuenta[f"realizada:{tipo}"] += 1
        self._tomar(actividad_id, dias)
        self._anotar(tipo, dias, entrada)

    def _anotar(self, tipo: str, dias: list[date], entrada: dict[str, Any]) -> None:
        if tipo == "visita":
            self.libro.anotar(entrada["docente_id"], dias[0], visitas=1, dias_visita=len(dias))
        elif tipo in ("gia", "rtc"):
            for docente in entrada["participantes"]:
                self.libro.anotar(docente, dias[0], **{tipo: 1})
        else:
            for docente, asistio in entrada["asistencia"].items():
                primero = min(date.fromisoformat(x) for x in asistio)
                self.libro.anotar(docente, primero, talleres=1, dias_taller=len(asistio))

    def _asistencia(self, dias: list[date]) -> dict[str, list[str]]:
        asistencia = {}
        for d in self.docentes:
            azar = self.rng.random()
            if azar < 0.08:
                continue  # did not come at all (left out: a docente listed with no days is refused)
            fue = list(dias)
            if azar < 0.35:
                for faltado in self.rng.sample(fue, self.rng.randint(1, len(fue) - 1)):
                    fue.remove(faltado)
            asistencia[d.id] = [x.isoformat() for x in fue]
        return asistencia or {self.docentes[0].id: [dias[0].isoformat()]}

    def _otros_dias(self, actividad_id: str) -> list[date] | None:
        """It took place on other days than planned: a day later."""
        a = self.actividades[actividad_id]
        inicio = a["dias"][0]
        if self.rng.random() < 0.5:
            inicio = _siguiente_habil(inicio)
        n = len(a["dias"])  # a visit keeps its length: the year's mix of lengths (NT-026 §5.6 c)
        dias = [inicio + timedelta(days=i) for i in range(n)]
        if inicio.weekday() + n <= 5 and self._libre(dias, excepto=actividad_id):
            return dias
        return None

    def _realizar_contra_la_norma(self, actividad_id: str) -> None:
        """A record that breaks a rule: refused, and nothing of it is counted."""
        a = self.actividades[actividad_id]
        tipo, dias = a["tipo"], a["dias"]
        entrada: dict[str, Any] = {**a["datos"], **self._fechas(a, dias)}
        de_la_ie = [d.id for d in self.docentes if d.ie == a["datos"].get("codigo_modular")]
        if tipo == "visita":  # one school day longer than his protocol allows
            docente = next(d for d in self.docentes if d.id == a["datos"]["docente_id"])
            ultimo = dias[0]
            for _ in range(docente.duracion[1]):
                ultimo = _siguiente_habil(ultimo)
            entrada |= {"fecha_fin": ultimo.isoformat(), "acciones": ["observacion", "asesoria"]}
        elif tipo == "gia":  # two hours, below the three of §5.6
            entrada |= {"hora_inicio": "15:00", "hora_fin": "17:00", "participantes": de_la_ie}
        elif tipo == "rtc":  # led by someone who is not the school's directivo
            entrada |= {"directivo_id": _uuid(self.rng), "participantes": de_la_ie}
        else:  # attendance on a day outside the taller
            entrada["asistencia"] = {self.docentes[0].id: [(dias[0] - timedelta(days=1)).isoformat()]}
        self.cuenta["contra_la_norma"] += 1
        with pytest.raises(AgendaInvalida):
            self.agenda.realizar(RealizarActividad(self.acompanante, actividad_id, tipo, pedido(tipo, entrada)))


def simular(agenda: Agenda, mundo: Mundo, rng: random.Random) -> tuple[Libro, Counter]:
    libro, cuenta = Libro(), Counter()
    for acompanante in mundo.acompanantes:
        AnioDeUnAcompanante(agenda, mundo, acompanante, rng, libro, cuenta).vivir()
    # a few docentes complete virtual courses (some records are sent twice)
    for docente in sorted(mundo.docentes):
        for _ in range(rng.choice((0, 0, 0, 0, 0, 1, 1, 2))):
            fecha = date(ANIO, 4, 1) + timedelta(days=rng.randint(0, 260))
            curso = CompletarCurso(docente, ANIO, _uuid(rng),
                                   Curso("Evaluación formativa en el aula", 40.0, fecha, "PerúEduca"))
            assert agenda.completar_curso(curso)
            if rng.random() < 0.2:
                assert not agenda.completar_curso(curso)
            libro.anotar(docente, fecha, cursos=1)
            cuenta["curso"] += 1
    return libro, cuenta


def _sumar(filas: list[dict[str, int]]) -> dict[str, int]:
    return {c: sum(f[c] for f in filas) for c in COMPONENTES}


def _columna(fila: dict[str, Any], medida: str) -> dict[str, Any]:
    return {c: fila[f"{c}_{medida}"] for c in COMPONENTES}


@pytest.fixture
def agenda(make_settings, closing) -> Agenda:
    app = closing(Agenda(make_settings(AgendaSettings)))
    app.publicar_protocolos_incluidos()
    return app


def test_cumplimiento_de_un_anio_simulado_coincide_con_la_cuenta_propia(agenda):
    # Given one UGEL with 10 acompañantes, 20 schools of four types and over 100 docentes (a larger UGEL takes
    # longer and checks nothing more: every docente's row is checked, whatever their number)
    rng = random.Random(SEMILLA)
    mundo = poblar(agenda, rng, acompanantes=10)
    assert len(mundo.docentes) >= 100
    assert {(d.tipo_ie, d.nivel) for d in mundo.docentes.values()} == set(NORMA)

    # When the school year is lived: scheduled month by month, put off, cancelled, delivered
    # on other days, never recorded, and records that break the norm's rules
    libro, cuenta = simular(agenda, mundo, rng)

    # Then the year was eventful, and only the records contrary to the norm were refused
    assert cuenta["reprogramada"] > 50 and cuenta["cancelada"] > 40 and cuenta["nunca_registrada"] > 20
    assert cuenta["contra_la_norma"] > 15 and cuenta["reenviada"] > 15 and cuenta["curso"] > 25
    assert cuenta["realizada:taller"] >= 15 and cuenta["realizada:rtc"] >= 30
    assert cuenta["rechazados"] <= 0.02 * cuenta["enviados"], cuenta
    planes = {p["docente_id"]: p["plan"] for p in agenda.proyecciones.planes(anio=ANIO, ugel=UGEL)}
    assert set(planes) == set(mundo.docentes)

    for corte in CORTES:
        recibido = {d: libro.hasta(d, corte) for d in mundo.docentes}
        debido = {d: cumplimiento.esperado(planes[d], corte) for d in mundo.docentes}
        atrasado = {d: [c for c in COMPONENTES if recibido[d][c] < debido[d][c]] for d in mundo.docentes}

        # Then each docente's row shows his plan and exactly what he received by the cut-off
        filas = agenda.proyecciones.cumplimiento(ANIO, corte, "docente", ugel=UGEL)
        assert sorted(f["docente_id"] for f in filas) == sorted(mundo.docentes)
        for f in filas:
            d = mundo.docentes[f["docente_id"]]
            assert (f["acompanante_id"], f["ie"], f["tipo_ie"], f["etapa"]) == (
                d.acompanante, f"{d.ie}-0", d.tipo_ie, 2)
            assert _columna(f, "planificado") == d.plan, (corte, d)
            assert _columna(f, "realizado") == recibido[d.id], (corte, d)
            assert _columna(f, "cumplido") == {c: min(recibido[d.id][c], d.plan[c]) for c in COMPONENTES}
            assert f["atrasos"] == atrasado[d.id], (corte, d)
            assert f["docentes_atrasados"] == int(bool(atrasado[d.id]))

        # and the UGEL's row adds them up, counting at most the planned number per docente
        [ugel] = agenda.proyecciones.cumplimiento(ANIO, corte, "ugel", ugel=UGEL)
        assert (ugel["dre"], ugel["ugel"], ugel["docentes"]) == (DRE, UGEL, len(mundo.docentes))
        planificado = _sumar([d.plan for d in mundo.docentes.values()])
        cumplido = {c: sum(min(recibido[d][c], mundo.docentes[d].plan[c]) for d in mundo.docentes)
                    for c in COMPONENTES}
        assert _columna(ugel, "planificado") == planificado
        assert _columna(ugel, "realizado") == _sumar(list(recibido.values()))
        assert _columna(ugel, "esperado") == _sumar(list(debido.values()))
        assert _columna(ugel, "cumplido") == cumplido
        assert _columna(ugel, "porcentaje") == {
            c: (round(100 * cumplido[c] / planificado[c], 1) if planificado[c] else None)
            for c in COMPONENTES}
        assert ugel["docentes_atrasados"] == sum(1 for d in mundo.docentes if atrasado[d])

        # and each acompañante's and each school's rows add up their own docentes
        for nivel, campo, clave in (("acompanante", "acompanante_id", lambda d: d.acompanante),
                                    ("ie", "ie", lambda d: f"{d.ie}-0")):
            grupos: dict[str, list[str]] = defaultdict(list)
            for d in mundo.docentes.values():
                grupos[clave(d)].append(d.id)
            filas = agenda.proyecciones.cumplimiento(ANIO, corte, nivel, ugel=UGEL)
            assert sorted(f[campo] for f in filas) == sorted(grupos)
            for f in filas:
                suyos = grupos[f[campo]]
                assert f["docentes"] == len(suyos)
                assert _columna(f, "realizado") == _sumar([recibido[d] for d in suyos]), (corte, nivel, f)
                assert _columna(f, "cumplido") == {c: sum(min(recibido[d][c], mundo.docentes[d].plan[c])
                                                          for d in suyos) for c in COMPONENTES}
                assert f["docentes_atrasados"] == sum(1 for d in suyos if atrasado[d])

    # and the year exercised what the rules are about: docentes behind and docentes ahead,
    # and more delivered than planned to some (which fulfilment does not count twice)
    final = agenda.proyecciones.cumplimiento(ANIO, CORTES[-1], "docente", ugel=UGEL)
    assert 0 < sum(f["docentes_atrasados"] for f in final) < len(final)
    assert any(f[f"{c}_realizado"] > f[f"{c}_planificado"] for f in final for c in COMPONENTES)
    # (never visit days: the year's mix of lengths, NT-026 §5.6 c, refuses a visit beyond it)
    assert all(f["dias_visita_realizado"] <= f["dias_visita_planificado"] for f in final)
    assert any(f["cursos_realizado"] > 0 for f in final)
    [junio] = agenda.proyecciones.cumplimiento(ANIO, CORTES[1], "ugel", ugel=UGEL)
    [diciembre] = agenda.proyecciones.cumplimiento(ANIO, CORTES[-1], "ugel", ugel=UGEL)
    assert 0 < junio["visitas_realizado"] < diciembre["visitas_realizado"]


def test_reconstruir_la_proyeccion_da_el_mismo_cumplimiento(agenda):
    # Given a smaller UGEL (two acompañantes) after a simulated year
    rng = random.Random(SEMILLA + 1)
    mundo = poblar(agenda, rng, acompanantes=2)
    libro, _ = simular(agenda, mundo, rng)
    consultas = [(corte, nivel) for corte in (date(2021, 3, 31), *CORTES) for nivel in cumplimiento.NIVELES]
    antes = {c: agenda.proyecciones.cumplimiento(ANIO, *c) for c in consultas}
    agendas = {a: agenda.proyecciones.actividades(a, ANIO) for a in mundo.acompanantes}
    planes = agenda.proyecciones.planes(anio=ANIO)

    # When the read models are rebuilt from the event store
    aplicados = agenda.proyecciones.reconstruir()

    # Then every event was projected again and fulfilment, agendas and plans are identical
    assert aplicados == len(agenda.recorder.select_notifications(1, 10**6))
    assert {c: agenda.proyecciones.cumplimiento(ANIO, *c) for c in consultas} == antes
    assert {a: agenda.proyecciones.actividades(a, ANIO) for a in mundo.acompanantes} == agendas
    assert agenda.proyecciones.planes(anio=ANIO) == planes
    # (and what it reports is still the ledger's count)
    final = {f["docente_id"]: _columna(f, "realizado") for f in antes[(CORTES[-1], "docente")]}
    assert final == {d: libro.hasta(d, CORTES[-1]) for d in mundo.docentes}


def test_curso_con_registro_uuid_se_proyecta(agenda):
    # (The HTTP API takes a UUID as the course record's id; the delivery row's key is
    # "curso:<registro_id>", 42 characters, which PostgreSQL once refused, stopping the read model.)
    # Given a docente with a plan
    rng = random.Random(SEMILLA + 2)
    mundo = poblar(agenda, rng, acompanantes=1, escuelas_por_acompanante=1)
    docente = sorted(mundo.docentes)[0]
    # When he completes a virtual course recorded under a UUID, as the API sends it
    assert agenda.completar_curso(CompletarCurso(docente, ANIO, _uuid(rng), Curso(
        "Evaluación formativa", 40.0, date(2021, 5, 20), "PerúEduca")))
    # Then fulfilment counts it from the day he completed it, on both stores
    [antes] = agenda.proyecciones.cumplimiento(ANIO, date(2021, 5, 19), "docente", docente_id=docente)
    [despues] = agenda.proyecciones.cumplimiento(ANIO, date(2021, 5, 20), "docente", docente_id=docente)
    assert (antes["cursos_realizado"], despues["cursos_realizado"]) == (0, 1)


def test_el_cumplimiento_nacional_no_envia_un_parametro_por_docente(agenda):
    """PostgreSQL takes at most 65,535 parameters a statement: a UGEL's or the nation's fulfilment must not
    bind its docentes one by one (they are read with the plans' own filter, as a subquery)."""
    # Given 600 docentes' plans in three UGELs
    registrar_planes(agenda, 600)
    parametros: list[int] = []

    def contar(conn, cursor, statement, params, context, executemany):  # noqa: ANN001 - SQLAlchemy's signature
        parametros.append(len(params) if isinstance(params, (dict, tuple, list)) else 0)

    # When the nation's fulfilment is read at every level
    event.listen(agenda.proyecciones.store.engine, "before_cursor_execute", contar)
    try:
        for nivel in cumplimiento.NIVELES:
            filas = agenda.proyecciones.cumplimiento(ANIO, date(2021, 12, 31), nivel)
            assert filas, nivel
    finally:
        event.remove(agenda.proyecciones.store.engine, "before_cursor_execute", contar)

    # Then every docente is counted, and no statement binds more than a handful of parameters
    assert sum(f["docentes"] for f in agenda.proyecciones.cumplimiento(ANIO, date(2021, 12, 31), "ugel")) == 600
    assert parametros and max(parametros) < 20, max(parametros)
