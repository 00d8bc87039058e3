"""A school year played through the public HTTP APIs, open loop, every operation in a history.

Preparation (also in the history): the padrón of UGEL El Collao (deploy/local/demo), a convocatoria, its
focalización and its assignment (focalizacion), then the plans agenda generates from the stream. The year:
visits realized (one acompañante never twice on a day), the same visit sent again (a device retrying),
offline batches (new visits and ones already sent), observations of a realized visit, commitments,
corrections of an observation, each docente's initial situation and valuations of a competency.

Open loop: operation ``i`` starts at ``i / ritmo`` seconds whatever the previous ones did, at most
``concurrencia`` at once (the rest wait their turn), at most ``max_operaciones`` and ``duracion``
seconds. Each history line: the operation's id, kind, effect (the fact it must leave: type, field and
value), start and end, and its outcome: ``ok`` (2xx), ``fail`` (4xx: rejected, must leave nothing) or
``unknown`` (timeout, lost connection, 5xx: it may or may not have happened).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "deploy" / "local" / "demo"
CONVOCATORIA = "2020-2022"
ANIO = 2020
NIVELES = ("I", "II", "III", "IV")
DESEMPENOS = ("D1", "D2", "D3", "D4", "D5")


@dataclass
class Docente:
    docente_id: str
    acompanante_id: str
    tipo_ie: str
    visitas_ok: list[dict] = field(default_factory=list)  # acknowledged visits (bodies)
    observaciones_ok: list[tuple[str, str]] = field(default_factory=list)  # (visita_id, observacion_id)
    observadas: set[str] = field(default_factory=set)  # visits with an observation sent (one each)
    situacion_inicial: bool = False

    @property
    def competencias(self) -> list[str]:
        return ["C2", "C3", "C4", "C5", "C7" if self.tipo_ie in ("eib", "multigrado", "unidocente") else "C6"]


class Historia:
    """The JSON-lines history: one line per operation, written when its outcome is known."""

    def __init__(self, ruta: Path) -> None:
        self.ruta = ruta
        self._archivo = ruta.open("a", encoding="utf-8")

    def escribir(self, linea: dict) -> None:
        self._archivo.write(json.dumps(linea, ensure_ascii=False) + "\n")
        self._archivo.flush()

    def cerrar(self) -> None:
        self._archivo.close()

    @staticmethod
    def leer(ruta: Path) -> list[dict]:
        return [json.loads(linea) for linea in ruta.read_text(encoding="utf-8").splitlines() if linea.strip()]


def _local(url: str) -> str:
    if urlparse(url).hostname != "127.0.0.1":
        raise ValueError(f"la carga solo se dirige a 127.0.0.1, no a {url}")
    return url.rstrip("/")


def _dias_libres(anio: int) -> list[tuple[str, str]]:
    """Monday-Tuesday and Wednesday-Thursday pairs from April to November: an acompañante's visit days."""
    pares = []
    d = date(anio, 4, 1)
    while d < date(anio, 12, 1):
        if d.weekday() in (0, 2):
            pares.append((d.isoformat(), (d + timedelta(days=1)).isoformat()))
        d += timedelta(days=1)
    return pares


class Carga:
    def __init__(self, urls: dict[str, str], token: Callable[[], str], historia: Historia, *,
                 ritmo: float = 10.0, duracion: float = 30.0, max_operaciones: int = 2000,
                 concurrencia: int = 16, timeout: float = 10.0, semilla: int = 22) -> None:
        self.urls = {s: _local(u) for s, u in urls.items()}
        self.token = token
        self.historia = historia
        self.ritmo = ritmo
        self.duracion = min(duracion, 600.0)
        self.max_operaciones = min(max_operaciones, 100_000)
        self.concurrencia = concurrencia
        self.timeout = timeout
        self.rng = random.Random(semilla)
        self.docentes: list[Docente] = []
        self.dias: dict[str, list[tuple[str, str]]] = {}  # free visit days per acompañante
        self.enviadas: list[dict] = []  # every visit body sent (for re-sending)
        self.contadores: dict[str, int] = {"ok": 0, "fail": 0, "unknown": 0}
        self._http: httpx.AsyncClient | None = None

    # --- one operation ----------------------------------------------------------------------

    async def operar(self, tipo: str, servicio: str, ruta: str, cuerpo: Any, efectos: list[dict], *,
                     contenido: str = "application/json", extra: dict | None = None,
                     detallar: Callable[[Any], dict] | None = None) -> tuple[str, Any]:
        """Send one request and write its history line; returns (outcome, answer body)."""
        assert self._http is not None
        op = {"id": str(uuid.uuid4()), "tipo": tipo, "servicio": servicio, "ruta": ruta, "efectos": efectos,
              "inicio": time.time(), **(extra or {})}
        datos = cuerpo if isinstance(cuerpo, bytes) else json.dumps(cuerpo).encode()
        try:
            r = await self._http.post(f"{self.urls[servicio]}{ruta}", content=datos, headers={
                "Content-Type": contenido, "Authorization": f"Bearer {self.token()}", "X-Operacion": op["id"]})
            resultado = "ok" if r.status_code < 300 else "fail" if r.status_code < 500 else "unknown"
            op["status"] = r.status_code
            try:
                respuesta = r.json()
            except ValueError:
                respuesta = None
            if resultado != "ok":
                op["detalle"] = r.text[:300]
            elif detallar is not None:
                op.update(detallar(respuesta))
        except httpx.ConnectError as exc:  # the request never left: nothing can have happened
            resultado, respuesta = "fail", None
            op["detalle"] = repr(exc)[:300]
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            resultado, respuesta = "unknown", None
            op["detalle"] = repr(exc)[:300]
        op["fin"], op["resultado"] = time.time(), resultado
        self.contadores[resultado] += 1
        self.historia.escribir(op)
        return resultado, respuesta

    # --- preparation --------------------------------------------------------------------------

    async def preparar(self, timeout: float = 120.0) -> None:
        """The padrón, the convocatoria and its assignment; then wait for agenda's plans."""
        self._http = httpx.AsyncClient(timeout=self.timeout * 6)
        for que, archivo in (("ies", "padron"), ("docentes", "docentes"), ("acompanantes", "acompanantes")):
            await self.operar(f"padron-{que}", "focalizacion", f"/v1/padron/{que}",
                              (DEMO / f"{archivo}-el-collao.csv").read_bytes(), [], contenido="text/csv")
        await self.operar("convocatoria", "focalizacion", "/v1/convocatorias",
                          {"codigo": CONVOCATORIA, "anio_inicio": 2020, "anio_fin": 2022, "reglas": "NT-026"}, [])
        await self.operar("focalizacion", "focalizacion", f"/v1/convocatorias/{CONVOCATORIA}/focalizacion", {}, [])
        await self.operar("asignacion", "focalizacion", f"/v1/convocatorias/{CONVOCATORIA}/asignacion", {}, [])
        carteras = (await self._get("focalizacion", f"/v1/convocatorias/{CONVOCATORIA}/carteras")).json()
        pendientes = {d: c["acompanante_id"] for c in carteras for d in c["docente_ids"]}
        deadline = time.monotonic() + timeout
        while pendientes and time.monotonic() < deadline:
            r = await self._get("agenda", "/v1/planes", anio=ANIO, limite=5000)  # one read a round
            for plan in r.json() if r.status_code == 200 else []:
                if (acompanante := pendientes.pop(plan["docente_id"], None)) is not None:
                    self.docentes.append(Docente(plan["docente_id"], acompanante, plan["tipo_ie"]))
            if pendientes:
                await asyncio.sleep(0.5)
        if not self.docentes:
            raise RuntimeError("agenda no generó ningún plan: la asignación no llegó por el stream")
        self.docentes.sort(key=lambda d: d.docente_id)
        for d in self.docentes:
            self.dias.setdefault(d.acompanante_id, _dias_libres(ANIO))

    async def _get(self, servicio: str, ruta: str, **params: Any) -> httpx.Response:
        assert self._http is not None
        return await self._http.get(f"{self.urls[servicio]}{ruta}", params=params,
                                    headers={"Authorization": f"Bearer {self.token()}"})

    # --- the year -------------------------------------------------------------------------------

    def _nueva_visita(self) -> dict | None:
        con_dias = [d for d in self.docentes if self.dias[d.acompanante_id]]
        if not con_dias:
            return None
        d = self.rng.choice(con_dias)
        inicio, fin = self.dias[d.acompanante_id].pop(0)
        cuerpo = {"visita_id": str(uuid.uuid4()), "docente_id": d.docente_id, "acompanante_id": d.acompanante_id,
                  "fecha_inicio": inicio, "fecha_fin": fin, "acciones": ["observacion", "asesoria", "retroalimentacion"]}
        self.enviadas.append(cuerpo)
        return cuerpo

    @staticmethod
    def _efecto_visita(cuerpo: dict) -> dict:
        return {"hecho": "VisitaRealizada", "campo": "visita_id", "valor": cuerpo["visita_id"],
                "docente_id": cuerpo["docente_id"]}

    def _docente(self, docente_id: str) -> Docente:
        return next(d for d in self.docentes if d.docente_id == docente_id)

    async def visita(self) -> None:
        cuerpo = self._nueva_visita()
        if cuerpo is None:
            return
        resultado, _ = await self.operar("visita", "agenda", "/v1/visitas-realizadas", cuerpo,
                                         [self._efecto_visita(cuerpo)])
        if resultado == "ok":
            self._docente(cuerpo["docente_id"]).visitas_ok.append(cuerpo)

    async def reenvio(self) -> None:
        """A device that did not hear the answer sends the same visit again."""
        if not self.enviadas:
            return await self.visita()
        cuerpo = self.rng.choice(self.enviadas)
        resultado, _ = await self.operar("reenvio", "agenda", "/v1/visitas-realizadas", cuerpo,
                                         [self._efecto_visita(cuerpo)])
        docente = self._docente(cuerpo["docente_id"])
        if resultado == "ok" and cuerpo not in docente.visitas_ok:
            docente.visitas_ok.append(cuerpo)

    async def lote(self) -> None:
        """An offline device's queue: two new visits of one acompañante and one it had sent already."""
        acompanante = self.rng.choice(self.docentes).acompanante_id
        suyos = [d for d in self.docentes if d.acompanante_id == acompanante]
        nuevas = []
        for _ in range(2):
            if not self.dias[acompanante]:
                break
            d = self.rng.choice(suyos)
            inicio, fin = self.dias[acompanante].pop(0)
            nuevas.append({"visita_id": str(uuid.uuid4()), "docente_id": d.docente_id, "acompanante_id": acompanante,
                           "fecha_inicio": inicio, "fecha_fin": fin, "acciones": ["observacion", "asesoria"]})
        ya = [v for v in self.enviadas if v["acompanante_id"] == acompanante][:1]
        items = nuevas + ya
        if not items:
            return await self.visita()
        self.enviadas.extend(nuevas)
        cuerpo = {"items": [{"operacion": "visita_realizada", "datos": v} for v in items]}
        resultado, respuesta = await self.operar(
            "lote", "agenda", f"/v1/acompanantes/{acompanante}/lote", cuerpo, [self._efecto_visita(v) for v in items],
            extra={"items": [v["visita_id"] for v in items]},
            detallar=lambda respuesta: {"codigos": [r.get("codigo") for r in respuesta]})
        if resultado == "ok" and isinstance(respuesta, list):
            for v, r in zip(items, respuesta, strict=False):
                if r.get("codigo") in (200, 201) and v not in self._docente(v["docente_id"]).visitas_ok:
                    self._docente(v["docente_id"]).visitas_ok.append(v)

    async def observacion(self) -> None:
        candidatos = [(d, v) for d in self.docentes for v in d.visitas_ok if v["visita_id"] not in d.observadas]
        if not candidatos:
            return await self.visita()
        d, v = self.rng.choice(candidatos)
        d.observadas.add(v["visita_id"])
        observacion = str(uuid.uuid4())
        niveles = {x: {"nivel": self.rng.choice(NIVELES[:3]), "evidencia": f"Se observó {x} durante la sesión."}
                   for x in DESEMPENOS}
        cuerpo = {"observacion_id": observacion, "acompanante_id": d.acompanante_id, "niveles": niveles,
                  "fortalezas": ["Trato cordial"], "aspectos_criticos": ["Preguntas de baja demanda cognitiva"]}
        resultado, _ = await self.operar(
            "observacion", "evidencias", f"/v1/visitas/{v['visita_id']}/observaciones", cuerpo,
            [{"hecho": "ObservacionRegistrada", "campo": "observacion_id", "valor": observacion}])
        if resultado == "ok":
            d.observaciones_ok.append((v["visita_id"], observacion))

    async def compromiso(self) -> None:
        candidatos = [(d, o) for d in self.docentes for o in d.observaciones_ok]
        if not candidatos:
            return await self.observacion()
        d, (visita, _) = self.rng.choice(candidatos)
        compromiso = str(uuid.uuid4())
        await self.operar("compromiso", "evidencias", f"/v1/visitas/{visita}/compromisos", {
            "compromiso_id": compromiso, "acompanante_id": d.acompanante_id, "item": "D1",
            "fecha_limite": f"{ANIO}-11-30", "descripcion": "Usar preguntas abiertas en cada sesión",
            "verificacion": "Observación en la próxima visita"},
            [{"hecho": "CompromisoAsumido", "campo": "compromiso_id", "valor": compromiso}])

    async def correccion(self) -> None:
        candidatos = [(d, o) for d in self.docentes for o in d.observaciones_ok]
        if not candidatos:
            return await self.observacion()
        d, (visita, observacion) = self.rng.choice(candidatos)
        await self.operar("correccion", "evidencias", f"/v1/visitas/{visita}/observaciones/{observacion}/correcciones", {
            "acompanante_id": d.acompanante_id, "motivo": "Se registró mal el nivel de un desempeño",
            "niveles": {"D1": {"nivel": "III", "evidencia": "Participan casi todos los estudiantes."}}},
            [{"hecho": "ObservacionCorregida", "campo": "observacion_id", "valor": observacion, "repetible": True}])

    async def valoracion(self) -> None:
        candidatos = [d for d in self.docentes if d.observaciones_ok]
        if not candidatos:
            return await self.observacion()
        d = self.rng.choice(candidatos)
        visita, observacion = d.observaciones_ok[0]
        fecha = next(v["fecha_fin"] for v in d.visitas_ok if v["visita_id"] == visita)
        if not d.situacion_inicial:
            resultado, _ = await self.operar("situacion-inicial", "evaluacion", f"/v1/docentes/{d.docente_id}/situacion-inicial", {
                "acompanante_id": d.acompanante_id, "fecha": fecha,
                "niveles": {c: {"nivel": "II", "evidencias": [observacion], "sustento": "Visita diagnóstica."}
                            for c in d.competencias}},
                [{"hecho": "SituacionInicialRegistrada", "campo": "docente_id", "valor": d.docente_id}])
            d.situacion_inicial = resultado == "ok"
            return
        valoracion = str(uuid.uuid4())
        ultima = max(v["fecha_fin"] for v in d.visitas_ok)
        await self.operar("valoracion", "evaluacion", f"/v1/docentes/{d.docente_id}/valoraciones", {
            "valoracion_id": valoracion, "acompanante_id": d.acompanante_id, "fecha": ultima,
            "competencia": "C4", "nivel": self.rng.choice(NIVELES[1:3]), "evidencias": [observacion],
            "sustento": "Avance observado."},
            [{"hecho": "NivelCompetenciaValorado", "campo": "valoracion_id", "valor": valoracion}])

    PESOS = (("visita", 50), ("reenvio", 8), ("lote", 5), ("observacion", 15), ("compromiso", 8),
             ("correccion", 4), ("valoracion", 10))

    async def correr(self) -> dict[str, int]:
        """The year, open loop; returns how many operations ended ok, fail and unknown."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.timeout)
        self._http.timeout = httpx.Timeout(self.timeout)
        tipos, pesos = zip(*self.PESOS, strict=True)
        limite = asyncio.Semaphore(self.concurrencia)
        loop = asyncio.get_running_loop()
        inicio = loop.time()
        tareas = []

        async def una(tipo: str) -> None:
            async with limite:
                await getattr(self, tipo)()

        for i in range(self.max_operaciones):
            cuando = inicio + i / self.ritmo
            if cuando - inicio > self.duracion:
                break
            await asyncio.sleep(max(0.0, cuando - loop.time()))
            tareas.append(asyncio.create_task(una(self.rng.choices(tipos, pesos)[0])))
        await asyncio.gather(*tareas)
        return dict(self.contadores)

    async def cerrar(self) -> None:
        if self._http is not None:
            await self._http.aclose()
