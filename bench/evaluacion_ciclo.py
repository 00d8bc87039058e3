"""The synthetic three-year cycle that ``bench.evaluacion_rebuild`` publishes (the events evaluacion consumes,
in the proportions of a real year, each in its relay's envelope and hash chain), what those events imply in
the read models (the rows every check expects), and the fill of the stream with them."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.evaluacion.hechos import docentes_de
from shared import contracts as c
from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS
from tests.support.evaluacion import plan

UGELES = [("DRE-PUNO", "UGEL-EL-COLLAO"), ("DRE-PUNO", "UGEL-PUNO"), ("DRE-PUNO", "UGEL-AZANGARO"),
          ("DRE-CUSCO", "UGEL-CUSCO"), ("DRE-CUSCO", "UGEL-CANCHIS"), ("DRE-LIMA-METROPOLITANA", "UGEL-03"),
          ("DRE-PIURA", "UGEL-PIURA"), ("DRE-LORETO", "UGEL-MAYNAS")]
# School type, docentes per school; the school's index mod 10 picks the type (40/30/10/10/10 %).
TIPOS = [("polidocente_primaria", 6)] * 4 + [("multigrado", 3)] * 3 + [
    ("polidocente_inicial", 3), ("polidocente_secundaria", 8), ("eib", 3)]
ANIOS = (2020, 2021, 2022)
CONVOCATORIA = "2020-2022"
ITEMS = {"D1": "C4", "D2": "C4", "D3": "C5", "D4": "C3", "D5": "C3", "PC": "C2"}
NIVELES = ("I", "II", "III", "IV")
PREGUNTAS = [f"P{i}" for i in range(1, 9)]
TRACEPARENT = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"
FILL_BATCH = 2000
EVIDENCIA = ("La docente plantea una situación retadora vinculada al contexto de la comunidad y acompaña a "
             "los grupos con preguntas que promueven el razonamiento; retroalimenta de forma descriptiva.")


def _id(espacio: int, n: int) -> uuid.UUID:
    return uuid.UUID(int=(espacio << 96) | n)


def competencias(tipo_ie: str) -> tuple[str, ...]:
    return ("C2", "C3", "C4", "C5", "C7" if tipo_ie in ("multigrado", "eib") else "C6")


# --- the synthetic three-year cycle --------------------------------------------------------------


class Ciclo:
    """Every event of ``bloques`` acompañantes (two schools each) over three years, in stream order."""

    def __init__(self, bloques: int) -> None:
        self.bloques = bloques
        self.posiciones: Counter[str] = Counter()
        self.cadenas: dict[str, tuple[int, str]] = {}
        self.ids = 0

    def _sobre(self, servicio: str, data: c.IntegrationEvent, sujeto: str, cuando: datetime) -> Envelope:
        """The envelope as the service's relay publishes it: its author, and chained after the service's
        previous fact (``ce-cadena``); ``crudo`` holds the payload, serialized once."""
        self.posiciones[servicio] += 1
        posicion = self.posiciones[servicio]
        usuario, rol = autor(data)
        sobre = replace(Envelope.wrap(servicio=servicio, position=posicion, data=data, subject=sujeto, time=cuando,
                                      dre=data.dre, ugel=data.ugel, traceparent=TRACEPARENT,  # type: ignore[attr-defined]
                                      usuario=usuario, rol=rol), crudo=data.model_dump_json().encode())
        sobre = sobre.encadenar(*self.cadenas.get(servicio, (0, GENESIS)))
        self.cadenas[servicio] = (posicion, sobre.cadena)
        return sobre

    def _nuevo(self, espacio: int) -> uuid.UUID:
        self.ids += 1
        return _id(espacio, self.ids)

    @staticmethod
    def escuelas(bloque: int) -> list[tuple[int, str, int]]:
        return [(2 * bloque + k, *TIPOS[(2 * bloque + k) % len(TIPOS)]) for k in range(2)]

    @staticmethod
    def eventos_de_bloque(bloque: int, anio: int) -> int:
        """How many events ``bloque`` yields in ``anio`` (without building them)."""
        n = 2  # the acompañante's two semestral surveys
        for _, tipo, docentes in Ciclo.escuelas(bloque):
            componentes = plan(str(_id(1, 1)), str(_id(2, 1)), anio, tipo_ie=tipo).componentes
            visitas = sum(g["cantidad"] for g in componentes["visitas"]["grupos"])
            por_docente = 1 + 2 * visitas + len(competencias(tipo)) + 1 + 1 + (anio == ANIOS[0])
            n += docentes * por_docente + componentes["gia"]["cantidad"]
        return n

    def __iter__(self) -> Iterator[Envelope]:
        for anio in ANIOS:
            for bloque in range(self.bloques):
                yield from self._bloque(bloque, anio)

    def _bloque(self, bloque: int, anio: int) -> Iterator[Envelope]:
        dre, ugel = UGELES[bloque % len(UGELES)]
        acompanante = _id(2, bloque)
        etapa = anio - ANIOS[0] + 1
        t0 = datetime(anio, 3, 16, 13, tzinfo=UTC) + timedelta(seconds=bloque % 3600)
        for escuela, tipo, n_docentes in self.escuelas(bloque):
            codigo = f"{1_000_000 + escuela:07d}"
            docentes = [_id(1, escuela * 10 + k) for k in range(n_docentes)]
            planes = [plan(str(d), str(acompanante), anio, tipo_ie=tipo, codigo_modular=codigo, dre=dre, ugel=ugel,
                           convocatoria=CONVOCATORIA) for d in docentes]
            for p in planes:
                yield self._sobre("agenda", p, f"docente/{p.docente_id}", t0)
            k = planes[0].componentes
            n_visitas = sum(g["cantidad"] for g in k["visitas"]["grupos"])
            n_gia = k["gia"]["cantidad"]
            dias = (2, 3) if k["visitas"]["dias_total"] > 2 * n_visitas else (1, 2)
            comps = competencias(tipo)
            contexto = {"acompanante_id": acompanante, "codigo_modular": codigo, "anexo": 0, "tipo_ie": tipo,
                        "convocatoria": CONVOCATORIA, "anio": anio, "etapa": etapa, "dre": dre, "ugel": ugel}
            observadas: dict[uuid.UUID, list[uuid.UUID]] = {d: [] for d in docentes}
            for v in range(n_visitas):
                inicio = date(anio, 4, 6) + timedelta(weeks=5 * v, days=escuela % 4)
                for i, d in enumerate(docentes):
                    dias_v = dias[(i + v) % 2]
                    visita = c.VisitaRealizadaV1(
                        visita_id=self._nuevo(3), docente_id=d, acompanante_id=acompanante, codigo_modular=codigo,
                        anexo=0, dre=dre, ugel=ugel, anio=anio, fecha_inicio=inicio,
                        fecha_fin=inicio + timedelta(days=dias_v - 1), dias=dias_v,
                        acciones=["observacion", "asesoria", "retroalimentacion"])
                    cuando = datetime.combine(inicio + timedelta(days=dias_v - 1), t0.timetz())
                    yield self._sobre("agenda", visita, f"docente/{d}", cuando)
                    observacion = c.ObservacionRegistradaV1(
                        visita_id=visita.visita_id, docente_id=d, acompanante_id=acompanante, codigo_modular=codigo,
                        anexo=0, anio=anio, fecha=inicio, observacion_id=self._nuevo(4), instrumento="FICHA-AULA",
                        version_instrumento=1,
                        niveles={item: {"nivel": NIVELES[(i + v + j + etapa) % 4], "evidencia": EVIDENCIA,
                                        "competencia": comp} for j, (item, comp) in enumerate(ITEMS.items())},
                        fortalezas=["Planifica con el contexto de los estudiantes."],
                        aspectos_criticos=["Retroalimentación aún general en el cierre de la sesión."],
                        dre=dre, ugel=ugel)
                    observadas[d].append(observacion.observacion_id)
                    yield self._sobre("evidencias", observacion, f"docente/{d}", cuando + timedelta(hours=1))
                    if v == 0 and anio == ANIOS[0]:  # the diagnostic visit gives the initial situation
                        inicial = c.SituacionInicialRegistradaV1(
                            docente_id=d, **contexto, fecha=inicio,
                            niveles={comp: {"nivel": NIVELES[(i + j) % 3], "evidencias": [observacion.observacion_id],
                                            "sustento": "Visita diagnóstica."} for j, comp in enumerate(comps)})
                        yield self._sobre("evaluacion", inicial, f"docente/{d}", cuando + timedelta(hours=2))
                    if v == n_visitas // 2:  # mid-year: one valuation per competency
                        for j, comp in enumerate(comps):
                            valoracion = c.NivelCompetenciaValoradoV1(
                                docente_id=d, **contexto, fecha=inicio, valoracion_id=self._nuevo(5), competencia=comp,
                                nivel=NIVELES[(i + j + etapa) % 4], evidencias=observadas[d][-2:],
                                sustento="Se sustenta en las dos últimas observaciones de aula.")
                            yield self._sobre("evaluacion", valoracion, f"docente/{d}", cuando + timedelta(hours=3))
                if v < n_gia:
                    fecha = inicio + timedelta(days=7)
                    gia = c.GIACompletadoV1(
                        actividad_id=self._nuevo(6), acompanante_id=acompanante, anio=anio, codigo_modular=codigo,
                        anexo=0, docente_ids=docentes, fecha_inicio=fecha, fecha_fin=fecha, hora_inicio="15:00",
                        hora_fin="18:00", horas=3.0, tema="Retroalimentación formativa",
                        acuerdos=["Aplicar la ruta de retroalimentación en la próxima sesión."], dre=dre, ugel=ugel)
                    yield self._sobre("agenda", gia, f"ie/{codigo}", datetime.combine(fecha, t0.timetz()))
            cierre_t = datetime(anio, 12, 10, 13, tzinfo=UTC) + timedelta(seconds=escuela % 3600)
            for i, d in enumerate(docentes):
                cierre = c.EtapaCerradaV1(docente_id=d, **contexto, fecha=cierre_t.date(),
                                          niveles={comp: NIVELES[(i + j + etapa) % 4] for j, comp in enumerate(comps)})
                yield self._sobre("evaluacion", cierre, f"docente/{d}", cierre_t)
                encuesta = c.EncuestaSatisfaccionRespondidaV1(
                    encuesta_id=self._nuevo(7), encuestado="docente", persona_id=d, anio=anio, periodo="anual",
                    respuestas={p: 1 + (i + q) % 5 for q, p in enumerate(PREGUNTAS)}, dre=dre, ugel=ugel)
                yield self._sobre("evaluacion", encuesta, f"docente/{d}", cierre_t + timedelta(hours=1))
        for periodo, mes in (("semestre_1", 7), ("semestre_2", 12)):
            encuesta = c.EncuestaSatisfaccionRespondidaV1(
                encuesta_id=self._nuevo(7), encuestado="acompanante", persona_id=acompanante, anio=anio,
                periodo=periodo, respuestas={p: 1 + (bloque + q) % 5 for q, p in enumerate(PREGUNTAS)},
                dre=dre, ugel=ugel)
            yield self._sobre("evaluacion", encuesta, f"acompanante/{acompanante}",
                              datetime(anio, mes, 20, 13, tzinfo=UTC))


def autor(data: Any) -> tuple[str, str]:
    """Who caused the fact (``ce-usuario``, ``ce-rol``): the UGEL's specialist for plans, the docente
    for his survey, the acompañante otherwise."""
    if isinstance(data, c.PlanAnualGeneradoV1):
        return f"especialista-{data.ugel}", "especialista_ugel"
    if isinstance(data, c.EncuestaSatisfaccionRespondidaV1):
        return str(data.persona_id), data.encuestado
    return str(data.acompanante_id), "acompanante"


def bloques_para(n: int) -> int:
    """The fewest acompañantes whose three years give at least ``n`` events."""
    total, bloques = 0, 0
    while total < n:
        total += sum(Ciclo.eventos_de_bloque(bloques, anio) for anio in ANIOS)
        bloques += 1
    return bloques


# --- what the published events imply -----------------------------------------------------------


@dataclass
class Esperado:
    historia: bool = False
    por_contrato: Counter = field(default_factory=Counter)
    filas: Counter = field(default_factory=Counter)  # "<projection>.<table>" -> rows
    servicios: set = field(default_factory=set)

    def contar(self, env: Envelope) -> None:
        d = env.data
        self.por_contrato[type(d).__name__] += 1
        f = self.filas
        if self.historia:  # every fact: a row per docente it concerns, and its link in its service's chain
            f["historia.hechos"] += len(docentes_de(d))
            f["historia.eslabones"] += 1
            f["historia.inbox"] += 1
            self.servicios.add(d.servicio)
            f["historia.cadenas"] = len(self.servicios)
        if isinstance(d, c.PlanAnualGeneradoV1):
            for p in ("progreso", "seguimiento", "practica"):
                f[f"{p}.planes"] += 1
                f[f"{p}.inbox"] += 1
        elif isinstance(d, c.VisitaRealizadaV1):
            f["seguimiento.entregas"] += 1
            f["seguimiento.inbox"] += 1
        elif isinstance(d, c.GIACompletadoV1):
            f["seguimiento.entregas"] += len(set(d.docente_ids))
            f["seguimiento.inbox"] += 1
        elif isinstance(d, c.EncuestaSatisfaccionRespondidaV1):
            f["seguimiento.encuestas"] += 1
            f["seguimiento.inbox"] += 1
        elif isinstance(d, c.ObservacionRegistradaV1):
            f["practica.observaciones"] += 1
            f["practica.inbox"] += 1
        elif isinstance(d, c.SituacionInicialRegistradaV1):
            f["progreso.iniciales"] += len(d.niveles)
            f["progreso.inbox"] += 1
        elif isinstance(d, c.NivelCompetenciaValoradoV1):
            f["progreso.valoraciones"] += 1
            f["progreso.inbox"] += 1
        elif isinstance(d, c.EtapaCerradaV1):
            f["progreso.cierres"] += len(d.niveles)
            f["progreso.inbox"] += 1


# --- the fill --------------------------------------------------------------------------------------


async def llenar(js: Any, n: int, *, historia: bool) -> tuple[Esperado, int]:
    esperado = Esperado(historia=historia)
    futuros: list[asyncio.Future] = []
    duplicados = 0
    bloques = bloques_para(n)
    for i, env in enumerate(Ciclo(bloques)):
        if i == n:
            break
        esperado.contar(env)
        futuros.append(await js.publish_async(env.nats_subject, env.crudo, headers=env.headers()))
        if len(futuros) == FILL_BATCH:
            duplicados += sum(bool(ack.duplicate) for ack in await asyncio.gather(*futuros))
            futuros = []
    duplicados += sum(bool(ack.duplicate) for ack in await asyncio.gather(*futuros))
    return esperado, duplicados
