"""The reports of evaluacion, on SQLite and on PostgreSQL, checked against the test's own arithmetic.

A small convocatoria is built through ``Bombeo`` (what agenda and evidencias publish) and the
application (what the coaches record): twelve docentes in two UGEL of two DRE and three school
types, through etapas 1 and 2, with a cut taken between them. Every figure a report gives is
computed again here from the levels the test generated and the bundled metas read as data
(expected = max(minimo, inicial + avance), never above IV), so a report is checked against the
norm, not against itself.

Each world is built once per store for the module (on PostgreSQL every recorded fact is a commit,
and a convocatoria takes seconds): the tests only read it, except the last, which re-delivers
everything and must change nothing.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.evaluacion import comandos as cmd
from services.evaluacion import reportes, reportes_matrices
from services.evaluacion.application import Evaluacion
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from shared import contracts as c
from shared.contracts import Envelope
from shared.settings import POSTGRES, SQLITE
from shared.telemetry import Actor, current_actor
from tests.support.evaluacion import Bombeo, observacion, plan

CONV = "2020-2022"
NIVELES = ("I", "II", "III", "IV")
COMPLEMENTARIA = {"multigrado": "C7", "eib": "C7", "polidocente_primaria": "C6"}
TERRITORIOS = (("DRE-PUNO", "UGEL-EL-COLLAO"), ("DRE-CUSCO", "UGEL-CANCHIS"))
TIPOS = ("multigrado", "polidocente_primaria", "eib")
CLAVES = {"ie": ("dre", "ugel", "codigo_modular", "anexo"), "ugel": ("dre", "ugel"), "dre": ("dre",),
          "tipo_ie": ("tipo_ie",), "nacional": ()}
METAS = {m["tipo_ie"]: m["metas"] for m in json.loads(
    (Path(__file__).parents[2] / "services/evaluacion/datos/metas-nt026-2020-2022.json").read_text("utf-8"))["metas"]}
LIMA = ZoneInfo("America/Lima")
HOY = date(2022, 2, 28)


def uid(*partes: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, partes))))


def comps(tipo_ie: str) -> tuple[str, ...]:
    return ("C2", "C3", "C4", "C5", COMPLEMENTARIA[tipo_ie])


def v(nivel: str) -> int:
    return NIVELES.index(nivel) + 1


def esperado(tipo_ie: str, etapa: int, comp: str, inicial: str) -> str:
    """NT-026 §5.2.5 as the bundled metas fix it: at least ``minimo``, ``avance`` above the initial, at most IV."""
    meta = METAS[tipo_ie][str(etapa)][comp]
    return NIVELES[min(4, max(v(meta["minimo"]), v(inicial) + meta["avance"])) - 1]


def pct(parte: int, total: int) -> float | None:
    return round(100.0 * parte / total, 1) if total else None


def en(dia: date, hora: int = 15) -> datetime:
    """The moment a fact was recorded: that day at ``hora`` in Lima."""
    return datetime(dia.year, dia.month, dia.day, hora, tzinfo=LIMA)


# --- the convocatoria the reports describe ----------------------------------------------------------


@dataclass
class Docente:
    id: str
    acompanante: str
    dre: str
    ugel: str
    tipo_ie: str
    codigo_modular: str
    inicial: dict[str, str]
    cierres: dict[int, dict[str, str]]  # by etapa; etapa 2 missing when not closed
    valoraciones: list[dict[str, Any]] = field(default_factory=list)
    acompanante_2021: str = ""
    retirado_2021: bool = False

    def grupo(self, por: str) -> tuple:
        fila = {"dre": self.dre, "ugel": self.ugel, "codigo_modular": self.codigo_modular, "anexo": 0,
                "tipo_ie": self.tipo_ie}
        return tuple(fila[k] for k in CLAVES[por])


def convocatoria() -> list[Docente]:
    """Twelve docentes, two per IE: six IE across two UGEL (two DRE) and three school types."""
    azar = random.Random(2020)
    docentes = []
    for i in range(12):
        t, k = i % 2, (i // 2) % 3
        (dre, ugel), tipo = TERRITORIOS[t], TIPOS[k]
        inicial = {comp: azar.choice(NIVELES[:3]) for comp in comps(tipo)}
        e1 = {comp: NIVELES[min(3, v(n) - 1 + azar.choice((0, 0, 1)))] for comp, n in inicial.items()}
        e2 = {comp: NIVELES[min(3, v(n) - 1 + azar.choice((0, 1, 1)))] for comp, n in e1.items()}
        d = Docente(id=uid("docente", i), acompanante=uid("acompanante", t, k), dre=dre, ugel=ugel, tipo_ie=tipo,
                    codigo_modular=f"02{t}{k}885", inicial=inicial, cierres={1: e1, 2: e2})
        d.acompanante_2021 = uid("acompanante-nuevo", i) if i == 9 else d.acompanante
        d.valoraciones = [
            {"valoracion_id": uid("valoracion", i, 1), "etapa": 1, "fecha": date(2020, 5, 20), "competencia": "C4",
             "nivel": azar.choice(NIVELES)},
            {"valoracion_id": uid("valoracion", i, 2), "etapa": 1, "fecha": date(2020, 8, 10), "competencia": "C5",
             "nivel": azar.choice(NIVELES)},
            {"valoracion_id": uid("valoracion", i, 3), "etapa": 2, "fecha": date(2021, 5, 20), "competencia": "C4",
             "nivel": azar.choice(NIVELES)}]
        docentes.append(d)
    del docentes[10].cierres[2]  # etapa 2 not closed yet
    docentes[11].retirado_2021 = True  # left the coaching in 2021, before the close
    del docentes[11].cierres[2]
    return docentes


class Mundo:
    def __init__(self, app: Evaluacion, proyecciones: Proyecciones) -> None:
        self.app = app
        self.proyecciones = proyecciones
        self.bombeo = Bombeo(app, proyecciones)
        self.docentes = convocatoria()
        self.corte: reportes.Corte | None = None
        self.al_corte = ""  # the reports as of the cut, read right at the cut
        self.corregido: dict[str, str] = {}  # docente 0's etapa 1 after the late correction

    def leer(self, nombre: str, consulta: Any) -> Any:
        return self.proyecciones.leer(nombre, consulta)

    def resultados(self, etapa: int, por: str, corte: reportes.Corte, **filtros: Any) -> list[dict[str, Any]]:
        return self.leer("progreso", lambda conn, t: reportes.resultados_etapa(conn, t, corte, CONV, etapa, por,
                                                                               **filtros))

    def progreso(self, docente: Docente, corte: reportes.Corte) -> dict[str, Any]:
        return self.leer("progreso", lambda conn, t: reportes.progreso_docente(conn, t, docente.id, corte))

    def informe(self, corte: reportes.Corte) -> str:
        """Every report of the formative evaluation as of ``corte``, as the bytes an export would hold."""
        return json.dumps({
            "resultados": {por: self.resultados(1, por, corte) for por in CLAVES},
            "progreso": self.progreso(self.docentes[0], corte),
            "valoraciones": self.leer("progreso", lambda conn, t: reportes.valoraciones_del_periodo(
                conn, t, corte, date(2020, 1, 1), date(2020, 12, 31)))}, sort_keys=True, default=str)

    # --- building it ---------------------------------------------------------------------------------

    def etapa_1(self) -> None:
        for d in self.docentes:
            self.bombeo.recibir(plan(d.id, d.acompanante, 2020, tipo_ie=d.tipo_ie, codigo_modular=d.codigo_modular,
                                     dre=d.dre, ugel=d.ugel))
            diagnostica, julio = (observacion(d.id, d.acompanante, dia, dre=d.dre, ugel=d.ugel,
                                              codigo_modular=d.codigo_modular)
                                  for dia in (date(2020, 4, 10), date(2020, 7, 20)))
            self.bombeo.recibir(diagnostica)
            self.bombeo.recibir(julio)
            assert self.app.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(d.id, d.acompanante, date(2020, 4, 15), {
                comp: {"nivel": n, "evidencias": [str(diagnostica.observacion_id)], "sustento": ""}
                for comp, n in d.inicial.items()}))
            for val in (x for x in d.valoraciones if x["etapa"] == 1):
                evidencia = diagnostica if val["fecha"] < julio.fecha else julio
                assert self.app.valorar(cmd.Valorar(d.id, val["valoracion_id"], d.acompanante, val["fecha"], val["competencia"],
                                        val["nivel"], [str(evidencia.observacion_id)]))
            assert self.app.cerrar_etapa(cmd.CerrarEtapa(d.id, d.acompanante, 2020, date(2020, 12, 10), d.cierres[1]))
        self.bombeo.propios()

    def etapa_2(self) -> None:
        for d in self.docentes:
            self.bombeo.recibir(plan(d.id, d.acompanante, 2021, tipo_ie=d.tipo_ie, codigo_modular=d.codigo_modular,
                                     dre=d.dre, ugel=d.ugel))
            p = plan(d.id, d.acompanante, 2021)
            if d.acompanante_2021 != d.acompanante:
                self.bombeo.recibir(c.PlanAnualReasignadoV1(
                    plan_id=p.plan_id, docente_id=d.id, anio=2021, de_acompanante_id=d.acompanante,
                    a_acompanante_id=d.acompanante_2021, motivo="Licencia", dre=d.dre, ugel=d.ugel))
            if d.retirado_2021:
                self.bombeo.recibir(c.PlanAnualCerradoV1(plan_id=p.plan_id, docente_id=d.id, anio=2021,
                                                         motivo="Retiro", dre=d.dre, ugel=d.ugel))
                continue
            obs = observacion(d.id, d.acompanante_2021, date(2021, 4, 12), dre=d.dre, ugel=d.ugel,
                              codigo_modular=d.codigo_modular)
            self.bombeo.recibir(obs)
            for val in (x for x in d.valoraciones if x["etapa"] == 2):
                assert self.app.valorar(cmd.Valorar(d.id, val["valoracion_id"], d.acompanante_2021, val["fecha"],
                                        val["competencia"], val["nivel"], [str(obs.observacion_id)]))
            if 2 in d.cierres:
                assert self.app.cerrar_etapa(cmd.CerrarEtapa(d.id, d.acompanante_2021, 2021, date(2021, 12, 10), d.cierres[2]))
        # a late correction of docente 0's etapa 1, recorded in 2022
        d0 = self.docentes[0]
        self.corregido = {**d0.cierres[1], "C4": "III" if d0.cierres[1]["C4"] == "IV" else "IV"}
        assert self.app.corregir_cierre(cmd.CorregirCierre(d0.id, 2020, date(2022, 1, 20), self.corregido, "Revisión de evidencias",
                                        d0.acompanante))
        self.bombeo.propios()

    # --- the test's own arithmetic ---------------------------------------------------------------------

    def cierre(self, d: Docente, etapa: int, corregido: bool) -> dict[str, str] | None:
        if corregido and etapa == 1 and d is self.docentes[0]:
            return self.corregido
        return d.cierres.get(etapa)

    def esperados(self, etapa: int, por: str, corregido: bool = True, docentes: list[Docente] | None = None,
                  ) -> dict[tuple, dict[str, Any]]:
        filas: dict[tuple, dict[str, Any]] = {}
        for d in docentes if docentes is not None else self.docentes:
            cierre = self.cierre(d, etapa, corregido)
            activo = not (etapa == 2 and d.retirado_2021)
            for comp in comps(d.tipo_ie):
                f = filas.setdefault((*d.grupo(por), comp), {
                    "docentes": 0, "con_cierre": 0, **dict.fromkeys(NIVELES, 0), "alcanzaron": 0, "sin_meta": 0,
                    "sin_cierre": 0})
                if cierre is None:
                    f["docentes"] += activo
                    f["sin_cierre"] += activo
                    continue
                f["docentes"] += 1
                f["con_cierre"] += 1
                f[cierre[comp]] += 1
                f["alcanzaron"] += v(cierre[comp]) >= v(esperado(d.tipo_ie, etapa, comp, d.inicial[comp]))
        for f in filas.values():
            f["porcentaje_alcanzaron"] = pct(f["alcanzaron"], f["con_cierre"])
        return filas


def por_grupo(filas: list[dict[str, Any]], por: str) -> dict[tuple, dict[str, Any]]:
    fuera = {"convocatoria", "etapa", "competencia", *CLAVES[por]}
    return {(*(f[k] for k in CLAVES[por]), f["competencia"]): {k: x for k, x in f.items() if k not in fuera}
            for f in filas}


def ajustes(store: str, carpeta: Path, request: pytest.FixtureRequest) -> EvaluacionSettings:
    """What ``make_settings`` gives, for a module-wide world: a SQLite file or a PostgreSQL schema of its own."""
    if store == "sqlite":
        return EvaluacionSettings(persistence_module=SQLITE, data_dir=carpeta)
    pg = request.getfixturevalue("postgres")
    return EvaluacionSettings(persistence_module=POSTGRES, data_dir=carpeta, postgres_host=pg.host,
                              postgres_port=pg.port, postgres_user=pg.user, postgres_dbname=pg.dbname,
                              postgres_schema=f"evaluacion_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def mundo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mundo]:
    """Given etapa 1 of twelve docentes closed, a cut, and then etapa 2 and a late correction of etapa 1.

    Built once per store for the module (it takes seconds on PostgreSQL): the tests that use it only read."""
    settings = ajustes(request.param, tmp_path_factory.mktemp("evaluacion"), request)
    app = Evaluacion(settings, reloj=lambda: HOY)
    mundo = Mundo(app, Proyecciones(settings))
    try:
        app.publicar_metas_incluidas()
        mundo.etapa_1()
        mundo.corte = reportes.Corte.de(datetime.now(UTC))
        mundo.al_corte = mundo.informe(mundo.corte)
        time.sleep(0.002)  # what follows is recorded strictly after the cut
        mundo.bombeo.reloj = datetime.now(UTC)
        mundo.etapa_2()
        yield mundo
    finally:
        mundo.proyecciones.close()
        app.close()


def test_el_corte_es_un_instante_y_dice_cual():
    # A date is the end of that day in Lima (UTC-5); a naive date and time is Lima's; an aware one is itself
    fin_de_anio = reportes.Corte.de(date(2020, 12, 31))
    assert fin_de_anio.clave == "2021-01-01T04:59:59.999999Z" and fin_de_anio.dia == date(2020, 12, 31)
    assert reportes.Corte.de(datetime(2021, 3, 1, 8, 30)).clave == "2021-03-01T13:30:00.000000Z"
    assert reportes.Corte.de(datetime(2021, 3, 1, 2, 0, tzinfo=UTC)).dia == date(2021, 2, 28)
    assert "31/12/2020 23:59:59 (hora de Lima)" in fin_de_anio.nota()["nota"]
    assert abs(reportes.Corte.de(None).momento - datetime.now(UTC)) < timedelta(seconds=5)


# --- 1. the formative evaluation -------------------------------------------------------------------


@pytest.mark.parametrize("por", list(CLAVES))
def test_resultados_de_etapa_coinciden_con_el_calculo_propio(mundo, por):
    ahora = reportes.Corte.de(None)
    # Then etapa 1 as of the cut counts the original closes, and now the corrected one
    assert por_grupo(mundo.resultados(1, por, mundo.corte), por) == mundo.esperados(1, por, corregido=False)
    assert por_grupo(mundo.resultados(1, por, ahora), por) == mundo.esperados(1, por)
    # And etapa 2 leaves out the docente who left before his close and counts the one not yet closed
    etapa_2 = mundo.resultados(2, por, ahora)
    assert por_grupo(etapa_2, por) == mundo.esperados(2, por)
    assert {(f["convocatoria"], f["etapa"]) for f in etapa_2} == {(CONV, 2)}


def test_resultados_de_etapa_filtrados_por_territorio_y_tipo(mundo):
    ahora = reportes.Corte.de(None)
    canchis = [d for d in mundo.docentes if d.ugel == "UGEL-CANCHIS"]
    eib = [d for d in mundo.docentes if d.tipo_ie == "eib"]
    assert por_grupo(mundo.resultados(2, "ie", ahora, ugel="UGEL-CANCHIS"), "ie") == mundo.esperados(
        2, "ie", docentes=canchis)
    assert por_grupo(mundo.resultados(1, "dre", ahora, tipo_ie="eib"), "dre") == mundo.esperados(1, "dre", docentes=eib)
    assert mundo.resultados(1, "ugel", ahora, dre="DRE-AREQUIPA") == []
    # And etapa 2 has a row for the docente without a close: counted, without a level
    sin_cierre = mundo.docentes[10]
    fila = next(f for f in mundo.resultados(2, "ie", ahora, ugel=sin_cierre.ugel)
                if f["codigo_modular"] == sin_cierre.codigo_modular and f["competencia"] == "C2")
    assert fila["sin_cierre"] == 1 and fila["docentes"] == fila["con_cierre"] + 1


def test_progreso_del_docente_desde_su_situacion_inicial(mundo):
    ahora = reportes.Corte.de(None)
    for d in (mundo.docentes[0], mundo.docentes[9], mundo.docentes[11]):
        progreso = mundo.progreso(d, ahora)
        # Then it shows his plans, with the coach who holds him and whether he is still coached
        assert [(p["anio"], p["etapa"], p["acompanante_id"], p["activo"]) for p in progreso["planes"]] == [
            (2020, 1, d.acompanante, True), (2021, 2, d.acompanante_2021, not d.retirado_2021)]
        assert (progreso["tipo_ie"], progreso["convocatoria"]) == (d.tipo_ie, CONV)
        assert [x["competencia"] for x in progreso["competencias"]] == list(comps(d.tipo_ie))
        for x in progreso["competencias"]:
            comp = x["competencia"]
            # his initial level with its evidence, every valuation in date order
            assert x["inicial"]["nivel"] == d.inicial[comp] and x["inicial"]["fecha"] == "2020-04-15"
            assert len(x["inicial"]["evidencias"]) == 1
            assert [(y["valoracion_id"], y["etapa"], y["fecha"], y["nivel"]) for y in x["valoraciones"]] == [
                (y["valoracion_id"], y["etapa"], y["fecha"].isoformat(), y["nivel"]) for y in d.valoraciones
                if y["competencia"] == comp and (y["etapa"] == 1 or not d.retirado_2021)]
            # and per etapa the achieved and expected levels and the gap
            for e in x["etapas"]:
                cierre = mundo.cierre(d, e["etapa"], corregido=True)
                meta = esperado(d.tipo_ie, e["etapa"], comp, d.inicial[comp])
                logrado = cierre[comp] if cierre else None
                assert (e["logrado"], e["esperado"], e["metas_version"]) == (logrado, meta, 1)
                assert e["brecha"] == (v(meta) - v(logrado) if logrado else None)
                assert e["alcanzo"] == (v(logrado) >= v(meta) if logrado else None)
                assert e["correcciones"] == (1 if d is mundo.docentes[0] and e["etapa"] == 1 else 0)
    # And a docente evaluacion never heard of has no progress
    assert mundo.leer("progreso", lambda conn, t: reportes.progreso_docente(conn, t, uid("nadie"), ahora)) is None


def test_valoraciones_del_trimestre_frente_a_lo_esperado(mundo):
    ahora = reportes.Corte.de(None)
    # Given the quarters of the school year
    assert [reportes.trimestre(2020, n) for n in (1, 2, 3, 4)] == [
        (date(2020, 1, 1), date(2020, 3, 31)), (date(2020, 4, 1), date(2020, 6, 30)),
        (date(2020, 7, 1), date(2020, 9, 30)), (date(2020, 10, 1), date(2020, 12, 31))]
    assert reportes.trimestre(2024, 1) == (date(2024, 1, 1), date(2024, 3, 31))
    for anio, numero, ugel in ((2020, 2, None), (2020, 3, "UGEL-EL-COLLAO"), (2021, 2, "UGEL-CANCHIS"),
                               (2020, 4, None)):
        desde, hasta = reportes.trimestre(anio, numero)
        # When the UGEL reports the quarter's valuations
        filas = mundo.leer("progreso", lambda conn, t: reportes.valoraciones_del_periodo(
            conn, t, ahora, desde, hasta, ugel=ugel))
        # Then they are the ones the test made in it, with the share at or above the etapa's expected level
        propias: dict[str, dict[str, Any]] = {}
        for d in mundo.docentes:
            for x in d.valoraciones:
                fuera = x["etapa"] == 2 and d.retirado_2021  # his 2021 valuations were never made
                if fuera or not desde <= x["fecha"] <= hasta or ugel not in (None, d.ugel):
                    continue
                g = propias.setdefault(x["competencia"], {"competencia": x["competencia"], "valoraciones": 0,
                                                          **dict.fromkeys(NIVELES, 0), "en_o_sobre_lo_esperado": 0})
                g["valoraciones"] += 1
                g[x["nivel"]] += 1
                g["en_o_sobre_lo_esperado"] += v(x["nivel"]) >= v(esperado(d.tipo_ie, x["etapa"], x["competencia"],
                                                                             d.inicial[x["competencia"]]))
        for g in propias.values():
            g["porcentaje_en_o_sobre_lo_esperado"] = pct(g["en_o_sobre_lo_esperado"], g["valoraciones"])
        assert filas == [propias[k] for k in sorted(propias)], (anio, numero, ugel)
    assert filas == []  # nobody was valued in the last quarter


def test_el_reporte_al_corte_no_cambia_con_lo_que_llega_despues(mundo):
    # Given the reports read right at the cut, before etapa 2 and the late correction of etapa 1
    # When they are read again as of the same cut / Then they are byte for byte the same
    assert mundo.informe(mundo.corte) == mundo.al_corte
    # And the current ones differ: the correction, the etapa 2 plan and valuations show
    ahora = json.loads(mundo.informe(reportes.Corte.de(None)))
    antes = json.loads(mundo.al_corte)
    assert ahora != antes
    assert len(antes["progreso"]["planes"]) == 1 and len(ahora["progreso"]["planes"]) == 2
    c4 = {k: next(x for x in p["progreso"]["competencias"] if x["competencia"] == "C4")["etapas"][0]
          for k, p in (("antes", antes), ("ahora", ahora))}
    assert (c4["antes"]["logrado"], c4["antes"]["correcciones"]) == (mundo.docentes[0].cierres[1]["C4"], 0)
    assert (c4["ahora"]["logrado"], c4["ahora"]["correcciones"]) == (mundo.corregido["C4"], 1)
    assert antes["progreso"]["al"] == mundo.corte.momento.isoformat() != ahora["progreso"]["al"]


# --- 2. the seguimiento and evaluación matrices ---------------------------------------------------------

PREGUNTAS = ("pertinencia", "calidad_formacion", "calidad_recursos", "utilidad_recursos")
CAMPOS = ("visitas", "dias_visita", "gia", "rtc", "talleres", "dias_taller", "cursos")
PUNO, CUSCO = {"dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"}, {"dre": "DRE-CUSCO", "ugel": "UGEL-CANCHIS"}


class Territorio:
    """Three docentes coached in 2020: A (multigrado) and B (polidocente primaria) in UGEL El Collao,
    C (EIB) in Canchis; their two acompañantes; what agenda, evidencias and the specialists reported
    of them. Facts are recorded on the day they say (``en``), so a cut can fall between them."""

    A, B, C = uid("A"), uid("B"), uid("C")
    aco_puno, aco_cusco = uid("aco-puno"), uid("aco-cusco")
    respuestas = {A: (5, 5, 4, 4), B: (3, 3, 4, 2), C: (4, 4, 4, 4), aco_puno: (2, 3, 3, 4), aco_cusco: (5, 4, 5, 5)}

    def __init__(self, app: Evaluacion, proyecciones: Proyecciones, store: str) -> None:
        self.app = app
        self.proyecciones = proyecciones
        self.store = store
        self.bombeo = Bombeo(app, proyecciones)
        self.entregados: list[Envelope] = []  # what the other services published, in the order it arrived
        self.propios: list[Envelope] = []  # what evaluacion published
        self.tardia: Envelope | None = None

    def lugar(self, docente: str) -> dict[str, str]:
        if docente == self.C:
            return {**CUSCO, "codigo_modular": "0300001"}
        return {**PUNO, "codigo_modular": "0236885" if docente == self.A else "0237016"}

    def acompanante(self, docente: str) -> str:
        return self.aco_cusco if docente == self.C else self.aco_puno

    def recibir(self, contrato: c.IntegrationEvent, registrado: date) -> Envelope:
        envelope = self.bombeo.recibir(contrato, tiempo=en(registrado))
        self.entregados.append(envelope)
        return envelope

    def visita(self, docente: str, inicio: date, dias: int, registrado: date | None = None) -> Envelope:
        lugar = self.lugar(docente)
        return self.recibir(c.VisitaRealizadaV1(
            visita_id=uuid.uuid4(), docente_id=docente, acompanante_id=self.acompanante(docente),
            codigo_modular=lugar["codigo_modular"], dre=lugar["dre"], ugel=lugar["ugel"], anio=inicio.year,
            fecha_inicio=inicio, fecha_fin=inicio + timedelta(days=dias - 1), dias=dias,
            acciones=["observacion", "asesoria"]), registrado or inicio + timedelta(days=1))

    def actividad(self, contrato: type, docentes: list[str], dia: date, **extra: Any) -> Envelope:
        return self.recibir(contrato(
            actividad_id=uuid.uuid4(), acompanante_id=self.aco_puno, anio=dia.year, codigo_modular="0236885",
            docente_ids=docentes, fecha_inicio=dia, fecha_fin=dia, **PUNO, **extra), dia)

    def observar(self, docente: str, dia: date, registrado: date, **niveles: str) -> c.ObservacionRegistradaV1:
        o = observacion(docente, self.acompanante(docente), dia, niveles=niveles, **self.lugar(docente))
        self.recibir(o, registrado)
        return o

    def construir(self) -> None:
        t = self
        for docente, tipo in ((t.A, "multigrado"), (t.B, "polidocente_primaria"), (t.C, "eib")):
            t.recibir(plan(docente, t.acompanante(docente), 2020, tipo_ie=tipo, **t.lugar(docente)), date(2020, 3, 1))
        for acompanante, territorio in ((t.aco_puno, PUNO), (t.aco_cusco, CUSCO)):
            t.recibir(c.AcompananteIncorporadoV1(acompanante_id=acompanante, tipo_ie="multigrado", anio=2020,
                                                 convocatoria=CONV, **territorio), date(2020, 3, 1))
        # strategies: A visited seven times for three days (his plan: 6 visits, 14 days), B three times, C once
        for k in range(7):
            t.visita(t.A, date(2020, 4, 1) + timedelta(days=14 * k), 3)
        t.visita(t.B, date(2020, 5, 5), 1)
        t.visita(t.B, date(2020, 9, 10), 2, registrado=date(2020, 10, 2))  # reported after 30 September
        t.tardia = t.visita(t.B, date(2020, 10, 5), 1, registrado=date(2020, 9, 20))  # dated after it; arrives late
        t.visita(t.C, date(2020, 6, 1), 2)
        # a GIA (A listed twice), an RTC, a workshop for docentes and one for acompañantes
        t.actividad(c.GIACompletadoV1, [t.A, t.A, t.B], date(2020, 6, 10), horas=3.0)
        t.actividad(c.RTCRealizadaV1, [t.A], date(2020, 8, 5), horas=3.0, directivo_id=uid("directivo"))
        dias = [date(2020, 7, d) for d in (6, 7, 8, 9, 10)]
        t.actividad(c.TallerRealizadoV1, [t.A, t.B], date(2020, 7, 6), destinatarios="docentes",
                    asistencia={t.A: dias, t.B: [dias[0], dias[0], dias[1], dias[2]]})
        t.actividad(c.TallerRealizadoV1, [], date(2020, 7, 13), destinatarios="acompanantes",
                    asistencia={t.aco_puno: dias})
        # practice: A observed in April (D1 II, D3 I) and September (D1 III, D3 I), and in March (reported in
        # October); September's corrected in November (D1 IV, D3 II); B once; someone without a plan
        abril = t.observar(t.A, date(2020, 4, 10), date(2020, 4, 10), D1="II", D3="I")
        septiembre = t.observar(t.A, date(2020, 9, 14), date(2020, 9, 14), D1="III", D3="I")
        t.observar(t.A, date(2020, 3, 20), date(2020, 10, 1), D1="I")
        t.recibir(c.ObservacionCorregidaV1(
            **septiembre.model_dump(exclude={"niveles"}), correccion=1, motivo="Error de registro",
            niveles={"D1": {"nivel": "IV", "evidencia": "x", "competencia": "C4"},
                     "D3": {"nivel": "II", "evidencia": "x", "competencia": "C5"}},
            autor_id="esp", autor_rol="especialista_ugel"), date(2020, 11, 5))
        t.observar(t.B, date(2020, 5, 5), date(2020, 5, 5), D1="II")
        t.observar(uid("sin-plan"), date(2020, 5, 5), date(2020, 5, 5), D1="IV")
        # B's plan passes to another coach in July
        t.recibir(c.PlanAnualReasignadoV1(
            plan_id=plan(t.B, t.aco_puno, 2020).plan_id, docente_id=t.B, anio=2020, de_acompanante_id=t.aco_puno,
            a_acompanante_id=uid("aco-nuevo"), motivo="Licencia", **PUNO), date(2020, 7, 1))
        # evaluacion's own: A's initial situation and close, the surveys, the coaches' performance
        assert t.app.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(t.A, t.aco_puno, date(2020, 4, 15), {
            comp: {"nivel": "II", "evidencias": [str(abril.observacion_id)], "sustento": ""}
            for comp in comps("multigrado")}))
        assert t.app.cerrar_etapa(cmd.CerrarEtapa(t.A, t.aco_puno, 2020, date(2020, 12, 10), dict.fromkeys(comps("multigrado"), "III")))
        for persona, puntajes in t.respuestas.items():
            encuestado, periodo = ("docente", "anual") if persona in (t.A, t.B, t.C) else ("acompanante", "semestre_1")
            assert t.app.responder_encuesta(cmd.ResponderEncuesta(encuestado, persona, 2020, periodo, dict(zip(PREGUNTAS, puntajes))))[1]
        token = current_actor.set(Actor(usuario="esp-dre", rol="especialista_dre"))
        try:
            for acompanante, momento, dia, nivel in ((t.aco_puno, "inicio", date(2020, 4, 1), "II"),
                                                     (t.aco_puno, "semestre_1", date(2020, 7, 1), "II"),
                                                     (t.aco_puno, "semestre_2", date(2020, 11, 1), "III"),
                                                     (t.aco_puno, "termino", date(2020, 12, 1), "IV"),
                                                     (t.aco_cusco, "inicio", date(2020, 4, 2), "III")):
                assert t.app.evaluar_desempeno(cmd.EvaluarDesempeno(acompanante, 2020, momento, dia, {"retroalimenta": nivel}, nivel,
                                               "DIFODS"))[1]
        finally:
            current_actor.reset(token)
        t.propios = t.bombeo.propios()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def territorio(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Territorio]:
    """Built once per store for the module; the tests read it (the last one re-delivers what it holds)."""
    settings = ajustes(request.param, tmp_path_factory.mktemp("territorio"), request)
    app = Evaluacion(settings, reloj=lambda: HOY)
    t = Territorio(app, Proyecciones(settings), request.param)
    try:
        t.construir()
        yield t
    finally:
        t.proyecciones.close()
        app.close()


def test_cumplimiento_de_estrategias_frente_a_lo_planificado(territorio):
    t = territorio
    planificado = {  # NT-026 §5.6, per docente: visits, visit days, GIA, RTC, workshops, workshop days, courses
        t.A: (6, 14, 4, 2, 2, 10, 0), t.B: (7, 8, 4, 2, 2, 8, 0), t.C: (6, 14, 4, 2, 2, 10, 0)}
    al_corte = {t.A: (6, 14, 1, 1, 1, 5, 0), t.B: (1, 1, 1, 0, 1, 3, 0), t.C: (1, 2, 0, 0, 0, 0, 0)}
    ahora = {**al_corte, t.B: (3, 4, 1, 0, 1, 3, 0)}

    def propio(realizado: dict[str, tuple], por: str) -> dict[tuple, dict[str, Any]]:
        grupos: dict[tuple, dict[str, Any]] = {}
        for d in (t.A, t.B, t.C):
            lugar = {**t.lugar(d), "anexo": 0}
            g = grupos.setdefault(tuple(lugar[k] for k in CLAVES[por]), {"anio": 2020, "docentes": 0, **{
                f"{x}_{s}": 0 for x in CAMPOS for s in ("planificado", "realizado")}})
            g["docentes"] += 1
            for i, x in enumerate(CAMPOS):
                g[f"{x}_planificado"] += planificado[d][i]
                g[f"{x}_realizado"] += realizado[d][i]
        for g in grupos.values():
            for x in CAMPOS:
                g[f"{x}_porcentaje"] = pct(g[f"{x}_realizado"], g[f"{x}_planificado"])
        return grupos

    def leido(corte: reportes.Corte, por: str, **filtros: Any) -> dict[tuple, dict[str, Any]]:
        filas = t.proyecciones.leer("seguimiento", lambda conn, tb: reportes_matrices.cumplimiento(conn, tb, corte, 2020, por,
                                                                                          **filtros))
        return {tuple(f[k] for k in CLAVES[por]): {k: x for k, x in f.items() if k not in CLAVES[por]} for f in filas}

    # Then as of 30 September each docente counts what was done and reported by then, never above his plan:
    # not B's September visit reported in October, nor his October visit reported in September
    corte = reportes.Corte.de(date(2020, 9, 30))
    for por in ("ie", "ugel", "nacional"):
        assert leido(corte, por) == propio(al_corte, por), por
    assert leido(corte, "ugel")[("DRE-PUNO", "UGEL-EL-COLLAO")]["visitas_porcentaje"] == 53.8  # 7 of 13
    # And now both count
    assert leido(reportes.Corte.de(None), "ie") == propio(ahora, "ie")
    assert leido(reportes.Corte.de(None), "ie", ugel="UGEL-CANCHIS") == {
        k: x for k, x in propio(ahora, "ie").items() if k[1] == "UGEL-CANCHIS"}
    # And before the plans were recorded there was nothing to fulfil
    assert leido(reportes.Corte.de(date(2020, 2, 28)), "ie") == {}


def test_satisfaccion_de_docentes_y_acompanantes(territorio):
    t = territorio

    def propio(personas: list[str], encuestado: str, periodo: str, **territorio_: str) -> dict[str, Any]:
        n, satisfechos = len(personas), sum(sum(t.respuestas[p]) / 4 >= 4 for p in personas)
        return {**territorio_, "anio": 2020, "encuestado": encuestado, "periodo": periodo, "respuestas": n,
                "satisfechos": satisfechos,
                **{f"promedio_{q}": round(sum(t.respuestas[p][i] for p in personas) / n, 2)
                   for i, q in enumerate(PREGUNTAS)},
                "porcentaje_satisfechos": pct(satisfechos, n)}

    def leido(por: str, corte: reportes.Corte | None = None, **filtros: Any) -> list[dict[str, Any]]:
        return t.proyecciones.leer("seguimiento", lambda conn, tb: reportes_matrices.satisfaccion(
            conn, tb, corte or reportes.Corte.de(None), 2020, por, **filtros))
    # Then per UGEL, respondent and period: answers, mean per question and the share satisfied (mean ≥ 4)
    assert leido("ugel") == [
        propio([t.aco_cusco], "acompanante", "semestre_1", **CUSCO), propio([t.C], "docente", "anual", **CUSCO),
        propio([t.aco_puno], "acompanante", "semestre_1", **PUNO), propio([t.A, t.B], "docente", "anual", **PUNO)]
    assert leido("nacional") == [propio([t.aco_puno, t.aco_cusco], "acompanante", "semestre_1"),
                                 propio([t.A, t.B, t.C], "docente", "anual")]
    assert leido("dre", dre="DRE-CUSCO") == [propio([t.aco_cusco], "acompanante", "semestre_1", dre="DRE-CUSCO"),
                                             propio([t.C], "docente", "anual", dre="DRE-CUSCO")]
    # A mean of exactly 4 counts as satisfied (C: 4, 4, 4, 4); B's 3 does not
    assert leido("ugel", ugel="UGEL-CANCHIS")[1]["porcentaje_satisfechos"] == 100.0
    assert leido("ugel", ugel="UGEL-EL-COLLAO")[1]["porcentaje_satisfechos"] == 50.0
    # And as of a moment before the answers were recorded, there is nothing
    assert leido("ugel", reportes.Corte.de(date(2020, 12, 31))) == []


def test_practica_pedagogica_primer_y_ultimo_nivel_observado(territorio):
    t = territorio

    def leido(corte: reportes.Corte, por: str, **filtros: Any) -> list[dict[str, Any]]:
        return t.proyecciones.leer("practica", lambda conn, tb: reportes_matrices.practica(conn, tb, corte, 2020, por,
                                                                                  **filtros))

    def fila(docente: str, item: str, n: int, primero: str, ultimo: str) -> dict[str, Any]:
        return {"docente_id": docente, **t.lugar(docente), "anexo": 0,
                "tipo_ie": "multigrado" if docente == t.A else "polidocente_primaria", "item": item,
                "observaciones": n, "primer_nivel": primero, "ultimo_nivel": ultimo, "cambio": v(ultimo) - v(primero)}
    # Then per docente: the first level is March's (though reported last), the last September's as corrected;
    # the docente without a plan is not in it
    ahora = reportes.Corte.de(None)
    assert leido(ahora, "docente") == sorted(
        [fila(t.A, "D1", 3, "I", "IV"), fila(t.A, "D3", 2, "I", "II"), fila(t.B, "D1", 1, "II", "II")],
        key=lambda f: (f["docente_id"], f["item"]))
    # And as of October the correction did not exist yet
    octubre = leido(reportes.Corte.de(date(2020, 10, 31)), "docente", ugel="UGEL-EL-COLLAO")
    assert [(f["item"], f["observaciones"], f["primer_nivel"], f["ultimo_nivel"]) for f in octubre
            if f["docente_id"] == t.A] == [("D1", 3, "I", "III"), ("D3", 2, "I", "I")]
    # And per UGEL: how many docentes ended at each level, how many improved, the mean change
    base = {**PUNO, "anio": 2020}
    assert leido(ahora, "ugel") == [
        {**base, "item": "D1", "docentes": 2, "ultimo_I": 0, "ultimo_II": 1, "ultimo_III": 0, "ultimo_IV": 1,
         "mejoraron": 1, "cambio_promedio": 1.5, "porcentaje_mejoraron": 50.0},
        {**base, "item": "D3", "docentes": 1, "ultimo_I": 0, "ultimo_II": 1, "ultimo_III": 0, "ultimo_IV": 0,
         "mejoraron": 1, "cambio_promedio": 1.0, "porcentaje_mejoraron": 100.0}]
    assert leido(ahora, "ugel", ugel="UGEL-CANCHIS") == []


def test_desempeno_de_los_acompanantes_al_inicio_y_al_termino(territorio):
    t = territorio
    ahora = reportes.Corte.de(None)
    puno, cusco = {"acompanante_id": t.aco_puno, **PUNO}, {"acompanante_id": t.aco_cusco, **CUSCO}
    # Then the evaluación matrix gives each coach's level at the start and the end, and the change
    evaluacion = t.proyecciones.leer("practica", lambda conn, tb: reportes_matrices.desempeno_acompanantes(
        conn, tb, ahora, None, ("inicio", "termino")))
    assert sorted(evaluacion, key=lambda a: a["acompanante_id"]) == sorted([
        {**puno, "inicio": "II", "termino": "IV", "cambio": 2, "evaluaciones": 2},
        {**cusco, "inicio": "III", "termino": None, "cambio": None, "evaluaciones": 1}],
        key=lambda a: a["acompanante_id"])
    # And the seguimiento matrix the semestral quality, filtered by UGEL
    calidad = t.proyecciones.leer("seguimiento", lambda conn, tb: reportes_matrices.desempeno_acompanantes(
        conn, tb, ahora, 2020, ("semestre_1", "semestre_2"), ugel="UGEL-EL-COLLAO"))
    assert calidad == [{**puno, "semestre_1": "II", "semestre_2": "III", "cambio": 1, "evaluaciones": 2}]
    assert t.proyecciones.leer("seguimiento", lambda conn, tb: reportes_matrices.desempeno_acompanantes(
        conn, tb, ahora, 2021, ("semestre_1", "semestre_2"))) == []


# --- 3. late and repeated events ------------------------------------------------------------------------


def test_un_evento_tardio_o_repetido_no_cambia_nada_la_segunda_vez(territorio, request, tmp_path, closing):
    t = territorio
    # Given the late visit: recorded on 20 September, delivered after one recorded on 2 October
    assert t.tardia.time < max(e.time for e in t.entregados[:t.entregados.index(t.tardia)])
    antes, registrados = t.proyecciones.checksums(), t.app.recorder.max_notification_id()
    # When it is delivered again / Then nothing changes
    t.bombeo.entregar(t.tardia)
    assert t.proyecciones.checksums() == antes
    # When every event, the other services' and evaluacion's own, is delivered again in reverse order
    todos = t.entregados + t.propios
    for envelope in reversed(todos):
        t.bombeo.entregar(envelope)
    # Then neither the projections nor evaluacion's store change
    assert t.proyecciones.checksums() == antes
    assert t.app.recorder.max_notification_id() == registrados
    # And a second set of projections fed the same events once, in stream order, is identical
    otra = closing(Proyecciones(ajustes(t.store, tmp_path, request)))
    assert otra.checksums() != antes
    for envelope in sorted(todos, key=lambda e: (e.time, e.id)):
        otra.aplicar(envelope)
    assert otra.checksums() == antes
    ahora = reportes.Corte.de(None)
    for nombre, reporte in (("seguimiento", reportes_matrices.cumplimiento), ("practica", reportes_matrices.practica)):
        assert otra.leer(nombre, lambda conn, tb: reporte(conn, tb, ahora, 2020, "docente")) == t.proyecciones.leer(
            nombre, lambda conn, tb: reporte(conn, tb, ahora, 2020, "docente"))
