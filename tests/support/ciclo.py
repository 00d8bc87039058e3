"""A three-year coaching cycle, generated through the services' public APIs, and the per-etapa results
computed again from the raw generated data, independently of evaluacion's code.

The generator decides, for every docente the caseloads assigned, the levels of his initial situation
and the level he achieves at the close of each etapa; everything else (plans, visits, observations,
valuations) goes through the four services' HTTP APIs, and the facts travel between them as events.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

NIVELES = ["I", "II", "III", "IV"]
METAS = Path(__file__).parents[2] / "services" / "evaluacion" / "datos" / "metas-nt026-2020-2022.json"
AGRUPACIONES = {"ie": ("dre", "ugel", "codigo_modular", "anexo"), "ugel": ("dre", "ugel"), "dre": ("dre",),
                "tipo_ie": ("tipo_ie",), "nacional": ()}


@dataclass
class Docente:
    id: str
    acompanante: str
    tipo_ie: str
    codigo_modular: str
    dre: str
    ugel: str
    dias_visita: int
    inicial: dict[str, str] = field(default_factory=dict)
    logrado: dict[int, dict[str, str]] = field(default_factory=dict)  # by etapa: what the last close says
    observaciones: dict[int, str] = field(default_factory=dict)  # by year: the observation id

    @property
    def competencias(self) -> list[str]:
        return ["C2", "C3", "C4", "C5", "C7" if self.tipo_ie in ("eib", "multigrado") else "C6"]


def dias_lectivos(desde: date):
    dia = desde
    while True:
        if dia.weekday() < 5:
            yield dia
        dia += timedelta(days=1)


async def esperar(condicion, timeout: float = 120.0, intervalo: float = 0.2) -> Any:
    limite = asyncio.get_running_loop().time() + timeout
    while True:
        resultado = await condicion()
        if resultado:
            return resultado
        if asyncio.get_running_loop().time() > limite:
            raise AssertionError("el ciclo no avanzó a tiempo")
        await asyncio.sleep(intervalo)


class Ciclo:
    def __init__(self, agenda: httpx.AsyncClient, evidencias: httpx.AsyncClient, evaluacion: httpx.AsyncClient,
                 seed: int = 20) -> None:
        self.agenda, self.evidencias, self.evaluacion = agenda, evidencias, evaluacion
        self.rng = random.Random(seed)
        self.docentes: dict[str, Docente] = {}

    # --- the world ------------------------------------------------------------------------------------

    async def planes(self, anio: int, esperados: int | None = None) -> list[dict[str, Any]]:
        """agenda's plans of ``anio``, once it holds ``esperados`` of them."""
        async def listos() -> list[dict[str, Any]] | None:
            filas = (await self.agenda.get("/v1/planes", params={"anio": anio, "limite": 5000})).json()
            return filas if esperados is None or len(filas) >= esperados else None
        return await esperar(listos)

    def conocer(self, planes: list[dict[str, Any]]) -> None:
        for p in planes:
            grupos = p["plan"]["componentes"]["visitas"]["grupos"]
            self.docentes.setdefault(p["docente_id"], Docente(
                id=p["docente_id"], acompanante=p["acompanante_id"], tipo_ie=p["tipo_ie"],
                codigo_modular=p["codigo_modular"], dre=p["dre"], ugel=p["ugel"],
                dias_visita=min(g["dias_min"] for g in grupos)))

    def decidir_niveles(self) -> None:
        """Each docente's initial level per competency and the level he achieves at each close."""
        for d in self.docentes.values():
            for comp in d.competencias:
                inicial = self.rng.choice([1, 1, 2, 2, 2, 3])
                d.inicial[comp] = NIVELES[inicial - 1]
                nivel = inicial
                for etapa in (1, 2, 3):
                    nivel = min(4, nivel + self.rng.choice([0, 0, 1, 1, 2]))
                    d.logrado.setdefault(etapa, {})[comp] = NIVELES[nivel - 1]

    # --- a school year ----------------------------------------------------------------------------------

    async def visitar(self, anio: int, periodos: tuple[date, ...] | None = None) -> dict[str, list[str]]:
        """A visit to every docente in each period (by default one, from April), sent by each acompañante's
        device as one batch. Returns each docente's first visit of the year (the one observed)."""
        por_acompanante: dict[str, list[Docente]] = defaultdict(list)
        for d in self.docentes.values():
            por_acompanante[d.acompanante].append(d)
        primeras: dict[str, list[str]] = {}
        for acompanante, docentes in por_acompanante.items():
            items = []
            for inicio in periodos or (date(anio, 4, 6),):
                dias = dias_lectivos(inicio)
                for d in docentes:
                    tramo = [next(dias) for _ in range(d.dias_visita)]
                    visita_id = str(uuid.uuid4())
                    items.append({"operacion": "visita_realizada", "datos": {
                        "visita_id": visita_id, "docente_id": d.id, "acompanante_id": acompanante,
                        "fecha_inicio": tramo[0].isoformat(), "fecha_fin": tramo[-1].isoformat(),
                        "acciones": ["observacion", "asesoria"]}})
                    primeras.setdefault(d.id, [visita_id, tramo[-1].isoformat()])
            r = await self.agenda.post(f"/v1/acompanantes/{acompanante}/lote", json={"items": items})
            assert r.status_code == 200, r.text
            rechazos = [x for x in r.json() if x["codigo"] not in (200, 201)]
            assert not rechazos, rechazos[:3]
        return primeras

    async def observar(self, anio: int, primeras: dict[str, list[str]]) -> None:
        """The observation of each docente's first visit of the year, in evidencias (once it knows the visit)."""
        for docente_id, (visita_id, _) in primeras.items():
            d = self.docentes[docente_id]
            observacion_id = str(uuid.uuid4())
            nivel = NIVELES[min(3, NIVELES.index(d.inicial["C4"]) + anio - 2020)]
            cuerpo = {"observacion_id": observacion_id, "acompanante_id": d.acompanante, "instrumento": "FICHA-AULA",
                      "niveles": {k: {"nivel": nivel, "evidencia": "Lo que se vio y escuchó en el aula."}
                                  for k in ("D1", "D3", "D4", "PC")},
                      "fortalezas": ["Trato cordial"], "aspectos_criticos": ["Preguntas de baja demanda"]}

            async def registrada() -> bool:
                r = await self.evidencias.post(f"/v1/visitas/{visita_id}/observaciones", json=cuerpo)
                assert r.status_code in (200, 201) or r.json()["codigo"] == "en_espera", r.text
                return r.status_code in (200, 201)

            await esperar(registrada, intervalo=0.05)
            d.observaciones[anio] = observacion_id

    async def valorar_y_cerrar(self, anio: int, primeras: dict[str, list[str]]) -> None:
        """Each acompañante's device sends its year: the initial situation (first year), a valuation of
        C4 and the close of the etapa; re-sent until evaluacion knows every plan and observation."""
        etapa = anio - 2019
        por_acompanante: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in self.docentes.values():
            evidencia = d.observaciones[anio]
            dia_visita = date.fromisoformat(primeras[d.id][1])
            items = por_acompanante[d.acompanante]
            if etapa == 1:
                items.append({"operacion": "situacion_inicial", "docente_id": d.id, "datos": {
                    "fecha": (dia_visita + timedelta(days=1)).isoformat(),
                    "niveles": {c: {"nivel": d.inicial[c], "evidencias": [evidencia], "sustento": "Diagnóstico."}
                                for c in d.competencias}}})
            items.append({"operacion": "valoracion", "docente_id": d.id, "datos": {
                "valoracion_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"valoracion/{d.id}/{anio}")),
                "fecha": date(anio, 10, 15).isoformat(), "competencia": "C4",
                "nivel": d.logrado[etapa]["C4"], "evidencias": [evidencia]}})
            items.append({"operacion": "cierre", "docente_id": d.id, "datos": {
                "anio": anio, "fecha": date(anio, 12, 10).isoformat(), "niveles": d.logrado[etapa]}})
        for acompanante, items in por_acompanante.items():
            async def aplicado() -> bool:
                r = await self.evaluacion.post(f"/v1/acompanantes/{acompanante}/lote", json={"items": items})
                assert r.status_code == 200, r.text
                pendientes = [x for x in r.json() if x["codigo"] not in (200, 201)]
                # not yet known in evaluacion: the plan or the observation; and what follows them in the batch
                esperan = {x["docente_id"] for x in pendientes if "no consta" in x["motivo"] or "no tiene plan" in x["motivo"]}
                assert all(x["docente_id"] in esperan for x in pendientes), pendientes
                return not pendientes
            await esperar(aplicado, intervalo=0.1)

    async def corregir_cierre(self, d: Docente, anio: int, fecha: date) -> None:
        etapa = anio - 2019
        nuevos = dict(d.logrado[etapa])
        nuevos["C3"] = NIVELES[(NIVELES.index(nuevos["C3"]) + 1) % 4]
        r = await self.evaluacion.post(f"/v1/docentes/{d.id}/cierres/{anio}/correcciones", json={
            "acompanante_id": d.acompanante, "fecha": fecha.isoformat(), "niveles": nuevos,
            "motivo": "Se digitó mal el nivel de C3."})
        assert r.status_code == 201, r.text
        d.logrado[etapa] = nuevos


def esperados(etapa: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(tipo_ie, competencia) -> (avance, minimo) of the bundled metas, read from the data file."""
    datos = json.loads(METAS.read_text("utf-8"))
    return {(m["tipo_ie"], comp): (meta["avance"], NIVELES.index(meta["minimo"]) + 1)
            for m in datos["metas"] for comp, meta in m["metas"][str(etapa)].items()}


def resultados_independientes(docentes: list[Docente], logrado: dict[str, dict[str, str]], etapa: int,
                              por: str) -> dict[tuple, dict[str, Any]]:
    """The per-etapa results computed from the generated levels: per group and competency, the docentes,
    the count per achieved level and how many reached max(minimo, inicial + avance), capped at IV."""
    metas = esperados(etapa)
    grupos: dict[tuple, dict[str, Any]] = {}
    for d in docentes:
        fila = {"dre": d.dre, "ugel": d.ugel, "codigo_modular": d.codigo_modular, "anexo": 0, "tipo_ie": d.tipo_ie}
        for comp in d.competencias:
            clave = (*(fila[k] for k in AGRUPACIONES[por]), comp)
            g = grupos.setdefault(clave, {"docentes": 0, "con_cierre": 0, **dict.fromkeys(NIVELES, 0),
                                          "alcanzaron": 0})
            avance, minimo = metas[(d.tipo_ie, comp)]
            esperado = min(4, max(minimo, NIVELES.index(d.inicial[comp]) + 1 + avance))
            alcanzado = NIVELES.index(logrado[d.id][comp]) + 1
            g["docentes"] += 1
            g["con_cierre"] += 1
            g[logrado[d.id][comp]] += 1
            g["alcanzaron"] += alcanzado >= esperado
    for g in grupos.values():
        g["porcentaje_alcanzaron"] = round(100.0 * g["alcanzaron"] / g["con_cierre"], 1)
    return grupos
