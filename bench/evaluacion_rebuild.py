"""Rebuild of evaluacion's three projections from the stream, against the raw read-and-decode rate
of the same events in the same run, and its memory as the event count grows (issue 6).

    python -m bench.evaluacion_rebuild                                  # 200,000 events, SQLite (~3 min)
    python -m bench.evaluacion_rebuild --eventos 1000000 5000000        # the issue's sizes (see bench/README.md)
    python -m bench.evaluacion_rebuild --store postgres                 # throwaway database on 127.0.0.1:5432
    python -m bench.evaluacion_rebuild --eventos 100000 --perfil        # cProfile of the rebuild (slower)
    python -m bench.evaluacion_rebuild --con-historia                   # + the fourth projection (historia)
    python -m bench.evaluacion_rebuild --con-historia --particiones 1 2 4  # + the rebuild split by DRE

Each size runs in a fresh subprocess, so its peak RSS is its own. In it:

1. **Setup (not timed):** its own nats-server (``tests.support.servers.NatsServer``, data in a temp
   dir under /tmp, removed at the end), the streams (``shared.streams.ensure_streams``), and N
   synthetic events of a three-year cycle (convocatoria 2020-2022) published with
   ``js.publish_async`` and the PubAcks awaited in bulk. The events are what evaluacion consumes, in
   the proportions of a real year: per docente and year a plan (``PlanAnualGeneradoV1``, with the
   protocol's components), the plan's visits (``VisitaRealizadaV1``) each with its classroom
   observation (``ObservacionRegistradaV1``, six desempeños), one valuation per competency
   (``NivelCompetenciaValoradoV1``), the etapa's close (``EtapaCerradaV1``) and a survey
   (``EncuestaSatisfaccionRespondidaV1``); per school and year the plan's GIAs (``GIACompletadoV1``,
   every docente of the school); per acompañante two semestral surveys; in the first year the
   initial situation (``SituacionInicialRegistradaV1``). Schools of five types, one acompañante per
   two schools, eight UGELs. Each envelope is what a relay publishes: its author (``ce-usuario``,
   ``ce-rol``) and its link in its service's hash chain (``Envelope.encadenar``).
2. **(a) raw:** an ephemeral pull consumer (the same config as ``shared.replay.replay``: the
   projections' subjects, from sequence 1, no acks) that fetches every message in batches; once
   without decoding and once with ``Envelope.parse`` of each (read and decode: the limit).
3. **(b) ours:** ``Proyecciones(settings)`` (generation 1, empty) and then
   ``shared.replay.rebuild(js, [progreso, seguimiento, practica], batch=lote, grace=0)``, timed
   (``grace`` is a 2 s wait for readers of the old generation, not work). ``--con-historia`` adds
   the fourth projection, ``historia`` (every fact about each docente and the services' hash
   chains), which ``python -m services.evaluacion.rebuild`` also rebuilds by default; then the raw
   reader reads the same subjects, and the checks add one fact row per docente concerned, one
   verified link per event and one chain per service. ``--cadenas`` passes the producers
   (``productores=PRODUCTORES``) as ``python -m services.evaluacion.rebuild`` does: the rebuild also
   follows their hash chains in memory (``shared.eslabones.Lectura``), a matrix applying only what
   continues its chain; without it the chains are not followed (the runs recorded before it).
   Checks: every projection's active generation is 2 and generation 1 is dropped; every table and
   inbox holds the rows the published events imply (valuations = NivelCompetenciaValorado
   published, entregas = visits + each GIA's docentes, ...).

4. **``--particiones P ...``:** after (b), for each P, ``services.evaluacion.rebuild.reconstruir_particionado``
   with P processes (``python -m services.evaluacion.rebuild --particiones P``: each reads every fact, writes
   the rows of its DREs and the ledger of its services' chains; the last switches), timed from the
   reservation of the generations to the switch. Check: every projection's checksum equals the one-process
   rebuild's. Reported: its time, the processes' CPU, the peak RSS of one process, the speed-up against (b),
   its ratio to the raw read and the time 49 million events would take at that rate.

Reported per phase: wall s, process CPU s (all threads), events/s, the RSS at its start and its
peak (VmHWM, reset before each phase by writing 5 to /proc/self/clear_refs; ru_maxrss otherwise),
and for the rebuild the RSS sampled at every tenth of the way (flat memory shows there).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import func, select

from bench._common import (
    bench_world,
    machine_line,
    print_table,
    rate,
    reiniciar_pico,
    ru_maxrss_mib,
    status_mib,
)
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.historia import docentes_de
from services.evaluacion.projections import Proyecciones
from services.evaluacion.rebuild import PRODUCTORES, en_subproceso, reconstruir_particionado
from shared import contracts as c
from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS
from shared.replay import rebuild
from shared.streams import STREAM
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


# --- memory ---------------------------------------------------------------------------------------


@dataclass
class Fase:
    nombre: str
    eventos: int
    s: float
    cpu: float
    rss_inicio: float
    rss_pico: float
    pico_de_fase: bool
    carga: float  # load average (1 min) of the machine at the end of the phase: other work competing for the CPU


class Medidor:
    def __init__(self) -> None:
        self.fases: list[Fase] = []

    def empezar(self) -> tuple[float, float, float, bool]:
        rss = status_mib("VmRSS")
        de_fase = reiniciar_pico()
        return rss, time.perf_counter(), time.process_time(), de_fase

    def terminar(self, nombre: str, eventos: int, inicio: tuple[float, float, float, bool]) -> Fase:
        rss, t, cpu, de_fase = inicio
        s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
        pico = status_mib("VmHWM") if de_fase else ru_maxrss_mib()
        fase = Fase(nombre, eventos, s, cpu_s, rss, pico, de_fase, os.getloadavg()[0])
        self.fases.append(fase)
        return fase


# --- the phases -------------------------------------------------------------------------------------


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


async def leer_crudo(js: Any, contratos: list[type[c.IntegrationEvent]], n: int, lote: int, *,
                     decodificar: bool) -> int:
    """Every message with an ephemeral pull consumer configured as ``replay`` does; optionally parsed."""
    sub = await js.pull_subscribe(
        "", stream=STREAM,
        config=ConsumerConfig(filter_subjects=sorted({k.subject() for k in contratos}),
                              deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=1,
                              ack_policy=AckPolicy.NONE, inactive_threshold=120.0, max_ack_pending=-1))
    leidos = 0
    try:
        while leidos < n:
            try:
                msgs = await sub.fetch(lote, timeout=5.0)
            except NatsTimeout:
                break
            if decodificar:
                for msg in msgs:
                    Envelope.parse(msg.subject, msg.headers, msg.data, msg.metadata.sequence.stream)
            leidos += len(msgs)
    finally:
        await sub.unsubscribe()
    return leidos


def contar_filas(vistas: list[Any]) -> Counter:
    def consulta(conn: Any, t: Any) -> dict[str, int]:
        return {base: conn.execute(select(func.count()).select_from(tabla)).scalar_one() for base, tabla in t.items()}

    filas: Counter = Counter()
    for vista in vistas:
        for base, cuantas in vista.leer(consulta).items():
            filas[f"{vista.nombre}.{base}"] = cuantas
    return filas


def tamano_vistas(settings: EvaluacionSettings, proyecciones: Proyecciones) -> float:
    """MiB on disk of the read-model database."""
    if settings.is_postgres:
        with proyecciones.store.engine.connect() as conn:
            return conn.execute(select(func.pg_database_size(settings.postgres_dbname))).scalar_one() / 2**20
    base = settings.sqlite_path("-vistas")
    return sum(p.stat().st_size for p in base.parent.glob(base.name + "*")) / 2**20


def perfilar(vistas: list[Any]) -> tuple[cProfile.Profile, cProfile.Profile]:
    """One profiler for the event loop's thread (fetch, parse), one for the thread that applies batches."""
    hilo_lazo, hilo_aplicar = cProfile.Profile(), cProfile.Profile()
    for vista in vistas:
        original = vista.aplicar_varias

        def envuelta(conn: Any, tablas: Any, envelopes: Any, _original: Any = original) -> int:
            hilo_aplicar.enable()
            try:
                return _original(conn, tablas, envelopes)
            finally:
                hilo_aplicar.disable()
        vista.aplicar_varias = envuelta  # this instance only
    return hilo_lazo, hilo_aplicar


def imprimir_perfil(titulo: str, perfil: cProfile.Profile, lineas: int) -> None:
    print(f"\n--- perfil: {titulo} ---")
    stats = pstats.Stats(perfil, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(lineas)
    stats.sort_stats("cumulative").print_stats(lineas)


async def un_tamano(args: argparse.Namespace) -> dict[str, Any]:
    n = args.un_tamano
    medidor = Medidor()
    async with bench_world("bench-eval-rebuild-", args.store, sync_always=args.sync_siempre) as (tmp, server, st, nc):
        js = nc.jetstream()
        started = time.perf_counter()
        esperado, duplicados = await llenar(js, n, historia=args.con_historia)
        fill_s = time.perf_counter() - started
        info = (await js.stream_info(STREAM)).state
        mix = ", ".join(f"{k.removesuffix('V1')} {v:,} ({100 * v / n:.1f}%)"
                        for k, v in esperado.por_contrato.most_common())
        print(f"preparado: {info.messages:,} mensajes, {info.bytes / 2**20:,.0f} MiB en el stream, en {fill_s:.0f}s "
              f"({rate(n, fill_s)}/s, no medido), {duplicados} duplicados\n  {mix}", flush=True)

        settings = EvaluacionSettings(**st.settings(tmp / "data"), nats_url=server.url)
        proyecciones = Proyecciones(settings)
        vistas = list((proyecciones.todas if args.con_historia else proyecciones.matrices).values())
        contratos = sorted({k for v in vistas for k in v.contratos}, key=lambda k: k.ce_type())

        inicio = medidor.empezar()
        leidos_sin = await leer_crudo(js, contratos, n, args.lote, decodificar=False)
        medidor.terminar("crudo: fetch (sin decodificar)", leidos_sin, inicio)
        inicio = medidor.empezar()
        leidos = await leer_crudo(js, contratos, n, args.lote, decodificar=True)
        crudo = medidor.terminar("crudo: fetch + Envelope.parse", leidos, inicio)
        print(f"crudo: {leidos_sin:,} leídos sin decodificar, {leidos:,} leídos y decodificados", flush=True)

        muestras: list[tuple[int, float]] = []
        siguiente = [0.1]

        def avance(vistos: int, total: int) -> None:
            if total and vistos / total >= siguiente[0] - 1e-9:
                rss = status_mib("VmRSS")
                muestras.append((vistos, rss))
                siguiente[0] = (int(10 * vistos / total) + 1) / 10
                s = time.perf_counter() - inicio[1]
                print(f"  rebuild {100 * vistos / total:3.0f}%: {vistos:,} eventos en {s:,.0f}s "
                      f"({rate(vistos, s)}/s), RSS {rss:,.0f} MiB, carga {os.getloadavg()[0]:.1f}", flush=True)

        perfiles = perfilar(vistas) if args.perfil else None
        inicio = medidor.empezar()
        if perfiles:
            perfiles[0].enable()
        generaciones = await rebuild(js, vistas, batch=args.lote, progress=avance, grace=0.0,
                                     productores=PRODUCTORES if args.cadenas else ())
        if perfiles:
            perfiles[0].disable()
        nuestro = medidor.terminar(f"rebuild de {len(vistas)} proyecciones", n, inicio)

        estados = {v.nombre: v.estado() for v in vistas}
        guardadas = {v.nombre: v.generaciones_guardadas() for v in vistas}
        filas = await asyncio.to_thread(contar_filas, vistas)
        if args.con_historia:
            def sin_verificar(conn: Any, t: Any) -> int:
                e = t.eslabones
                return conn.execute(select(func.count()).select_from(e).where(e.c.estado != "verificado")).scalar_one()
            filas["historia.eslabones sin verificar"] = proyecciones.historia.leer(sin_verificar)
        mib_vistas = tamano_vistas(settings, proyecciones)
        sumas = {}
        if args.checksum or args.particiones:
            sumas = {v.nombre: v.checksum() for v in vistas}
        if args.checksum:
            print("checksums: " + ", ".join(f"{k} {v[:16]}" for k, v in sumas.items()))
        particionadas = []
        for p in args.particiones or []:  # the same rebuild split by DRE, each partition its own process
            hijos = os.times()
            inicio = medidor.empezar()
            partida = await reconstruir_particionado(
                settings, server.url, [v.nombre for v in vistas], p, lote=args.lote,
                lanzar=en_subproceso(settings, server.url, args.lote, grace=0.0))
            fase = medidor.terminar(f"rebuild en {p} particiones", n, inicio)
            despues = os.times()
            cpu_hijos = (despues.children_user + despues.children_system) - (hijos.children_user + hijos.children_system)
            iguales = {k: v.split(" ", 1)[1] for k, v in partida.items()} == sumas
            particionadas.append({"particiones": p, "s": fase.s, "cpu_hijos": cpu_hijos, "iguales": iguales,
                                  "rss_hijo_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024})
            print(f"  {p} particiones: {fase.s:.1f}s, CPU de los procesos {cpu_hijos:.1f}s, "
                  f"checksums {'iguales' if iguales else 'DISTINTOS'} a los del rebuild en un proceso", flush=True)
            estados = {v.nombre: v.estado() for v in vistas}
            guardadas = {v.nombre: v.generaciones_guardadas() for v in vistas}
        nats_rss = status_mib("VmRSS", server.process.pid) if server.process else float("nan")
        nats_hwm = status_mib("VmHWM", server.process.pid) if server.process else float("nan")
        proyecciones.close()

    fallos = []
    if info.messages != n or duplicados:
        fallos.append(f"stream: {info.messages} mensajes, {duplicados} duplicados (se esperaban {n}, 0)")
    if leidos_sin != n or leidos != n:
        fallos.append(f"crudo: {leidos_sin} y {leidos} leídos de {n}")
    ultima = 2 + len(particionadas)  # each rebuild fills the next generation and drops the one before
    for nombre, estado in estados.items():
        if estado["activa"] != ultima or estado["construyendo"] is not None or guardadas[nombre] != [ultima]:
            fallos.append(f"{nombre}: activa {estado['activa']}, construyendo {estado['construyendo']}, "
                          f"generaciones en la base {guardadas[nombre]} (se esperaba {ultima}, None, [{ultima}])")
    for r in particionadas:
        if not r["iguales"]:
            fallos.append(f"rebuild en {r['particiones']} particiones: checksums distintos a los del rebuild en un proceso")
    for clave in sorted(set(filas) | set(esperado.filas)):
        if filas[clave] != esperado.filas[clave]:
            fallos.append(f"{clave}: {filas[clave]:,} filas, se esperaban {esperado.filas[clave]:,}")

    print(f"reconstruido: generaciones {generaciones}; filas: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(filas.items()) if not k.endswith(".inbox")))
    print("RSS durante el rebuild (eventos leídos: MiB): "
          + ", ".join(f"{v:,}: {m:,.0f}" for v, m in muestras))
    print(f"base de las vistas: {mib_vistas:,.0f} MiB; nats-server RSS {nats_rss:,.0f} MiB (pico {nats_hwm:,.0f})")
    print_table(
        f"Rebuild de evaluacion ({', '.join(v.nombre for v in vistas)}) vs lectura cruda ({n:,} eventos, "
        f"lotes de {args.lote}, {args.store}{', siguiendo las cadenas' if args.cadenas else ''})",
        [(f.nombre, f"{f.eventos:,}", f"{f.s:.2f}", f"{f.cpu:.2f}", rate(f.eventos, f.s), f"{f.rss_inicio:,.0f}",
          f"{f.rss_pico:,.0f}" + ("" if f.pico_de_fase else "*"), f"{f.carga:.1f}") for f in medidor.fases],
        ("fase", "eventos", "s", "CPU s", "eventos/s", "RSS inicio MiB", "pico RSS MiB", "carga 1 min"),
    )
    razon = (n / nuestro.s) / (n / crudo.s)
    print(f"\nnuestro/crudo = {razon:.3f}  (el rebuild logra el {100 * razon:.1f}% de leer y decodificar)")
    print(f"meta ≥ 0.5: {'cumplida' if razon >= 0.5 else 'no cumplida'}")
    for r in particionadas:
        print(f"{r['particiones']} particiones: {n / r['s']:,.0f} eventos/s, {r['s']:.1f}s "
              f"(× {nuestro.s / r['s']:.2f} el rebuild en un proceso; particionado/crudo = {crudo.s / r['s']:.3f}); "
              f"CPU de sus procesos {r['cpu_hijos']:.1f}s; pico RSS de un proceso {r['rss_hijo_mib']:,.0f} MiB; "
              f"a este ritmo, 49 M eventos: {49e6 / (n / r['s']) / 60:,.0f} min")
    print(f"pico RSS de todo el proceso (ru_maxrss, incluye el llenado): "
          f"{ru_maxrss_mib():,.0f} MiB")
    if perfiles:
        imprimir_perfil("hilo del lazo (fetch, Envelope.parse, asyncio)", perfiles[0], args.perfil_lineas)
        imprimir_perfil("hilo que aplica los lotes (aplicar_varias de cada vista)", perfiles[1],
                        args.perfil_lineas)
    for fallo in fallos:
        print("INCONSISTENTE:", fallo)
    return {"eventos": n, "llenado_s": fill_s, "fases": [asdict(f) for f in medidor.fases], "razon": razon,
            "muestras_rss": muestras, "ru_maxrss_mib": ru_maxrss_mib(),
            "mib_stream": info.bytes / 2**20, "mib_vistas": mib_vistas, "nats_hwm_mib": nats_hwm,
            "fallos": fallos, "mezcla": dict(esperado.por_contrato), "particionadas": particionadas}


def main(args: argparse.Namespace) -> int:
    """One fresh subprocess per size (its own peak RSS), then the summary."""
    print(machine_line(args.store, sync_always=args.sync_siempre), flush=True)
    resultados = []
    for n in args.eventos:
        print(f"\n=== {n:,} eventos ===", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-eval-rebuild-res-") as carpeta:
            salida = Path(carpeta) / "resultado.json"
            orden = [sys.executable, "-m", "bench.evaluacion_rebuild", "--un-tamano", str(n), "--salida", str(salida),
                     "--store", args.store, "--lote", str(args.lote), "--perfil-lineas", str(args.perfil_lineas)]
            orden += ["--sync-siempre"] * args.sync_siempre + ["--perfil"] * args.perfil
            orden += ["--checksum"] * args.checksum + ["--con-historia"] * args.con_historia
            orden += ["--cadenas"] * args.cadenas
            orden += ["--particiones", *map(str, args.particiones)] if args.particiones else []
            rc = subprocess.run(orden, check=False).returncode
            if rc != 0 or not salida.exists():
                print(f"la corrida de {n:,} eventos terminó con código {rc}")
                resultados.append(None)
                continue
            resultados.append(json.loads(salida.read_text()))
    filas = []
    for r in resultados:
        if r is None:
            continue
        sin, crudo, nuestro = (r["fases"][i] for i in range(3))
        filas.append((f"{r['eventos']:,}", rate(r["eventos"], sin["s"]), rate(r["eventos"], crudo["s"]),
                      rate(r["eventos"], nuestro["s"]), f"{r['razon']:.3f}", f"{crudo['cpu']:.1f} / {nuestro['cpu']:.1f}",
                      f"{crudo['rss_pico']:,.0f} / {nuestro['rss_pico']:,.0f}", f"{r['ru_maxrss_mib']:,.0f}",
                      f"{crudo['carga']:.1f} / {nuestro['carga']:.1f}"))
    if filas:
        print_table(f"Resumen ({args.store}, lotes de {args.lote}"
                    + (", con la historia)" if args.con_historia else ")"), filas,
                    ("eventos", "fetch ev/s", "fetch+parse ev/s", "rebuild ev/s", "rebuild/crudo",
                     "CPU s crudo / rebuild", "pico RSS MiB crudo / rebuild", "ru_maxrss MiB", "carga crudo / rebuild"))
    ok = all(r is not None and not r["fallos"] for r in resultados)
    if not ok:
        print("\nINCONSISTENTE: revise los conteos de arriba")
    return 0 if ok else 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--eventos", type=int, nargs="+", default=[200_000],
                   help="tamaños (uno o más), cada uno en un subproceso nuevo; p. ej. --eventos 1000000 5000000")
    p.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--lote", type=int, default=500, help="mensajes por fetch y por transacción (el de rebuild: 500)")
    p.add_argument("--sync-siempre", action="store_true",
                   help="nats-server con sync_interval: always (solo hace más lento el llenado, que no se mide)")
    p.add_argument("--perfil", action="store_true", help="cProfile del rebuild (sus tiempos no son los del benchmark)")
    p.add_argument("--perfil-lineas", type=int, default=25)
    p.add_argument("--checksum", action="store_true",
                   help="imprime el checksum de cada proyección (los datos son deterministas: iguales entre corridas)")
    p.add_argument("--con-historia", action="store_true",
                   help="reconstruye también la historia de cada docente (la cuarta proyección, sobre todo sujeto), "
                        "como hace por defecto python -m services.evaluacion.rebuild")
    p.add_argument("--cadenas", action="store_true",
                   help="el rebuild sigue las cadenas de huellas de los productores en memoria (una matriz aplica "
                        "solo lo que continúa su cadena), como python -m services.evaluacion.rebuild; sin esta "
                        "opción la llamada a shared.replay.rebuild no las sigue")
    p.add_argument("--particiones", type=int, nargs="+", default=[],
                   help="después del rebuild en un proceso, el mismo partido por DRE en N procesos (p. ej. 1 2 4: "
                        "python -m services.evaluacion.rebuild --particiones N); sus checksums deben ser iguales")
    p.add_argument("--un-tamano", type=int, help=argparse.SUPPRESS)
    p.add_argument("--salida", type=Path, help=argparse.SUPPRESS)
    return p


if __name__ == "__main__":
    argumentos = parser().parse_args()
    if argumentos.un_tamano:
        # SIGTERM as Ctrl-C: the nats-server and the temp dir (GBs at 5M events) are cleaned up on the way out.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        resultado = asyncio.run(un_tamano(argumentos))
        if argumentos.salida:
            argumentos.salida.write_text(json.dumps(resultado, default=str))
        sys.exit(1 if resultado["fallos"] else 0)
    sys.exit(main(argumentos))
