"""A school year played through the public HTTP APIs, open loop, every operation in a history.

Preparation (also in the history): the padrón of UGEL El Collao (deploy/local/demo; ``copias`` > 1 adds
that many more UGELs like it, with their own codes and DNIs), a convocatoria, its focalización and its
assignment (focalizacion), then the plans agenda generates from the stream. The year: visits realized (each
of the length the docente's plan still admits, on school days, one acompañante never twice on a day), the
same visit sent again (a device retrying), offline batches (new visits and ones already sent), observations
of a realized visit, commitments, corrections of an observation, each docente's initial situation and
valuations of a competency. When no docente has a visit left in the year, the next etapa is opened
(``POST /v1/planes/generacion``, 2021 and 2022: the convocatoria's three years) while the other operations
go on; after the third year only observations, commitments, corrections and valuations are left.

Open loop: operation ``i`` starts at ``i / ritmo`` seconds whatever the previous ones did, at most
``concurrencia`` at once (the rest wait their turn), at most ``max_operaciones`` and ``duracion``
seconds. Each history line: the operation's id, kind, effect (the fact it must leave: type, field and
value), start and end, and its outcome: ``ok`` (2xx), ``fail`` (4xx: rejected, must leave nothing) or
``unknown`` (timeout, lost connection, 5xx: it may or may not have happened).
"""

from __future__ import annotations

import asyncio
import contextvars
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
ANIO, ULTIMO_ANIO = 2020, 2022
NIVELES = ("I", "II", "III", "IV")
DESEMPENOS = ("D1", "D2", "D3", "D4", "D5")
_PROGRAMADA: contextvars.ContextVar[float | None] = contextvars.ContextVar("programada", default=None)


@dataclass
class Docente:
    docente_id: str
    acompanante_id: str
    tipo_ie: str
    duraciones: list[int] = field(default_factory=list)  # lengths of the visits still due this year, in days
    visitas_ok: list[dict] = field(default_factory=list)  # acknowledged visits (bodies)
    observaciones_ok: list[tuple[str, str]] = field(default_factory=list)  # (visita_id, observacion_id)
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


def duraciones(plan: dict) -> list[int]:
    """The lengths, in school days, of a full year of visits by the plan's mix: each group's visits at their
    shortest, then days added up to their longest until the year's total is reached (NT-026 §5.6 tables)."""
    visitas = plan["componentes"]["visitas"]
    largos = [[g["dias_min"], g["dias_max"]] for g in visitas["grupos"] for _ in range(g["cantidad"])]
    faltan = visitas["dias_total"] - sum(minimo for minimo, _ in largos)
    for par in largos:
        extra = max(0, min(faltan, par[1] - par[0]))
        par[0] += extra
        faltan -= extra
    return sorted((minimo for minimo, _ in largos), reverse=True)


def _inicio_del_anio(anio: int) -> date:
    """The first school day after the protocol's school year starts (15 March)."""
    d = date(anio, 3, 16)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


class Carga:
    def __init__(self, urls: dict[str, str], token: Callable[[], str], historia: Historia, *,
                 ritmo: float = 10.0, duracion: float = 30.0, max_operaciones: int = 2000,
                 concurrencia: int = 16, timeout: float = 10.0, semilla: int = 22, copias: int = 1) -> None:
        self.urls = {s: _local(u) for s, u in urls.items()}
        self.token = token
        self.historia = historia
        self.ritmo = ritmo
        self.duracion = min(duracion, 3600.0)
        self.max_operaciones = min(max_operaciones, 1_000_000)
        self.concurrencia = concurrencia
        self.timeout = timeout
        self.rng = random.Random(semilla)
        self.docentes: list[Docente] = []
        self.anio = ANIO
        self.libre: dict[str, date] = {}  # each acompañante's first free school day this year
        self.copias = copias
        self.renovaciones: list[dict] = []  # each etapa opened during the load: year and seconds it took
        self._renovando: asyncio.Task | None = None
        self._por_id: dict[str, Docente] = {}
        self._de_acompanante: dict[str, list[Docente]] = {}
        self._primera_enviada: dict[str, dict] = {}  # each acompañante's first visit sent (a batch re-sends it)
        self._por_observar: list[tuple[Docente, dict]] = []  # acknowledged visits not observed yet
        self._observaciones: list[tuple[Docente, tuple[str, str]]] = []  # acknowledged: (visita, observacion)
        self._observados: list[Docente] = []  # docentes with an acknowledged observation
        self.enviadas: list[dict] = []  # every visit body sent (for re-sending)
        self.contadores: dict[str, int] = {"ok": 0, "fail": 0, "unknown": 0}
        self._http: httpx.AsyncClient | None = None
        self.cliente: Any = None  # what sends the operations if not ``_http`` (capacidad: cliente.ClienteLigero)
        self.limites = httpx.Limits(max_connections=max(100, concurrencia), max_keepalive_connections=concurrencia)

    # --- one operation ----------------------------------------------------------------------

    async def operar(self, tipo: str, servicio: str, ruta: str, cuerpo: Any, efectos: list[dict], *,
                     contenido: str = "application/json", extra: dict | None = None,
                     detallar: Callable[[Any], dict] | None = None, timeout: float | None = None
                     ) -> tuple[str, Any]:
        """Send one request and write its history line; returns (outcome, answer body)."""
        assert self._http is not None
        op = {"id": str(uuid.uuid4()), "tipo": tipo, "servicio": servicio, "ruta": ruta, "efectos": efectos,
              "inicio": time.time(), **(extra or {})}
        if (programada := _PROGRAMADA.get()) is not None:  # when the open loop meant it to start
            op["programada"] = programada
        datos = cuerpo if isinstance(cuerpo, bytes) else json.dumps(cuerpo).encode()
        try:
            r = await (self.cliente or self._http).post(f"{self.urls[servicio]}{ruta}", content=datos, headers={
                "Content-Type": contenido, "Authorization": f"Bearer {self.token()}", "X-Operacion": op["id"]},
                timeout=timeout or httpx.USE_CLIENT_DEFAULT)
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

    def _padron(self, archivo: str) -> bytes:
        """El Collao's CSV, plus ``copias - 1`` more UGELs like it: the same schools and people under their own
        UGEL code, códigos modulares (9kkkiii), DNIs (7kkkiiii and 8kkkiiii) and plazas."""
        texto = (DEMO / f"{archivo}-el-collao.csv").read_bytes().decode("latin-1")  # bytes kept as they are
        cabecera, *filas = texto.splitlines()
        if self.copias <= 1:
            return texto.encode("latin-1")
        separador = ";" if ";" in cabecera else ","
        columnas = cabecera.split(separador)
        codigos = self._codigos()
        salida = [cabecera]
        for k in range(self.copias):
            for i, fila in enumerate(filas):
                campos = fila.split(separador)
                if k:
                    for n, columna in enumerate(columnas):
                        if columna == "COD_MOD":
                            campos[n] = f"9{k:03d}{codigos.index(campos[n]):03d}"
                        elif columna == "CODOOII":
                            campos[n] = f"{campos[n]}-{k}"
                        elif columna == "DNI":
                            campos[n] = f"{7 if archivo == 'docentes' else 8}{k:03d}{i:04d}"
                        elif columna == "COD_PLAZA":
                            campos[n] = f"P{k:03d}{i:05d}"
                salida.append(separador.join(campos))
        return ("\n".join(salida) + "\n").encode("latin-1")

    @staticmethod
    def _codigos() -> list[str]:
        """The padrón's códigos modulares, in order: a copy's school ``i`` is ``9<copia><i>``."""
        cabecera, *filas = (DEMO / "padron-el-collao.csv").read_bytes().decode("latin-1").splitlines()
        n = cabecera.split(";").index("COD_MOD")
        return sorted({f.split(";")[n] for f in filas})

    async def preparar(self, timeout: float = 120.0) -> None:
        """The padrón, the convocatoria and its assignment; then wait for agenda's plans."""
        self._http = httpx.AsyncClient(timeout=self.timeout * 6 * self.copias, limits=self.limites)
        for que, archivo in (("ies", "padron"), ("docentes", "docentes"), ("acompanantes", "acompanantes")):
            await self.operar(f"padron-{que}", "focalizacion", f"/v1/padron/{que}", self._padron(archivo), [],
                              contenido="text/csv")
        await self.operar("convocatoria", "focalizacion", "/v1/convocatorias",
                          {"codigo": CONVOCATORIA, "anio_inicio": 2020, "anio_fin": 2022, "reglas": "NT-026"}, [])
        await self.operar("focalizacion", "focalizacion", f"/v1/convocatorias/{CONVOCATORIA}/focalizacion", {}, [])
        await self.operar("asignacion", "focalizacion", f"/v1/convocatorias/{CONVOCATORIA}/asignacion", {}, [])
        carteras = (await self._get("focalizacion", f"/v1/convocatorias/{CONVOCATORIA}/carteras")).json()
        pendientes = {d: c["acompanante_id"] for c in carteras for d in c["docente_ids"]}
        planes = await self._planes(ANIO, set(pendientes), timeout * self.copias)
        self.docentes = sorted((Docente(d, pendientes[d], p["tipo_ie"], duraciones(p["plan"]))
                                for d, p in planes.items()), key=lambda d: d.docente_id)
        if not self.docentes:
            raise RuntimeError("agenda no generó ningún plan: la asignación no llegó por el stream")
        self.libre = {d.acompanante_id: _inicio_del_anio(ANIO) for d in self.docentes}

    async def _planes(self, anio: int, docentes: set[str], timeout: float) -> dict[str, dict]:
        """agenda's plans of ``anio`` for ``docentes``, as they appear in its read model (``timeout`` s at most)."""
        encontrados: dict[str, dict] = {}
        deadline = time.monotonic() + timeout
        while len(encontrados) < len(docentes) and time.monotonic() < deadline:
            desde = 0
            while True:
                r = await self._get("agenda", "/v1/planes", anio=anio, limite=5000, desde=desde)
                filas = r.json() if r.status_code == 200 else []
                encontrados |= {p["docente_id"]: p for p in filas if p["docente_id"] in docentes}
                if len(filas) < 5000:
                    break
                desde += 5000
            if len(encontrados) < len(docentes):
                await asyncio.sleep(0.2)
        return encontrados

    async def _renovar(self) -> None:
        """The next etapa (agenda generates the plans of the year after for every active plan), then the
        docentes' visits of that year; a failed or unknown attempt is tried again at the next visit."""
        inicio, anio = time.monotonic(), self.anio + 1
        resultado, _ = await self.operar("generacion", "agenda", "/v1/planes/generacion", {"anio": anio}, [],
                                         timeout=60.0 * self.copias)
        if resultado != "ok":
            return
        planes = await self._planes(anio, {d.docente_id for d in self.docentes}, 60.0 * self.copias)
        for d in self.docentes:
            d.duraciones = duraciones(planes[d.docente_id]["plan"]) if d.docente_id in planes else []
        self.anio = anio
        self.libre = {a: _inicio_del_anio(anio) for a in self.libre}
        self.renovaciones.append({"anio": anio, "segundos": round(time.monotonic() - inicio, 1)})

    async def _get(self, servicio: str, ruta: str, **params: Any) -> httpx.Response:
        assert self._http is not None
        return await self._http.get(f"{self.urls[servicio]}{ruta}", params=params,
                                    headers={"Authorization": f"Bearer {self.token()}"})

    # --- the year -------------------------------------------------------------------------------

    def _franja(self, acompanante: str, dias: int) -> tuple[str, str] | None:
        """The acompañante's next ``dias`` school days within one week, or None when the year has no room."""
        d = self.libre[acompanante]
        while d.weekday() >= 5 or d.weekday() + dias > 5:
            d += timedelta(days=1)
        fin = d + timedelta(days=dias - 1)
        if fin > date(self.anio, 12, 17):  # the protocol's school year ends on 17 December
            return None
        self.libre[acompanante] = fin + timedelta(days=1)
        return d.isoformat(), fin.isoformat()

    def _visita_de(self, d: Docente, acciones: list[str]) -> dict | None:
        """The docente's next visit of the year, with the length his plan's mix still admits."""
        franja = self._franja(d.acompanante_id, d.duraciones[0])
        if franja is None:
            d.duraciones = []
            return None
        d.duraciones.pop(0)
        cuerpo = {"visita_id": str(uuid.uuid4()), "docente_id": d.docente_id, "acompanante_id": d.acompanante_id,
                  "fecha_inicio": franja[0], "fecha_fin": franja[1], "acciones": acciones}
        self.enviadas.append(cuerpo)
        self._primera_enviada.setdefault(d.acompanante_id, cuerpo)
        return cuerpo

    def _nueva_visita(self) -> dict | None:
        for intento in range(40):  # a few random picks; then every docente, once the year is nearly spent
            con_visitas = [d for d in self.rng.sample(self.docentes, min(8, len(self.docentes))) if d.duraciones] \
                if intento < 20 else [d for d in self.docentes if d.duraciones]
            if not con_visitas and intento >= 20:
                break
            if con_visitas and (cuerpo := self._visita_de(self.rng.choice(con_visitas), ["observacion", "asesoria",
                                                                                        "retroalimentacion"])):
                return cuerpo
        if self.anio < ULTIMO_ANIO and (self._renovando is None or self._renovando.done()):
            self._renovando = asyncio.create_task(self._renovar())
        return None

    @staticmethod
    def _efecto_visita(cuerpo: dict) -> dict:
        return {"hecho": "VisitaRealizada", "campo": "visita_id", "valor": cuerpo["visita_id"],
                "docente_id": cuerpo["docente_id"]}

    def _docente(self, docente_id: str) -> Docente:
        if len(self._por_id) != len(self.docentes):
            self._por_id = {d.docente_id: d for d in self.docentes}
        return self._por_id[docente_id]

    def _confirmada(self, cuerpo: dict) -> None:
        """A visit acknowledged: it can be observed (once)."""
        d = self._docente(cuerpo["docente_id"])
        if cuerpo["visita_id"] not in {v["visita_id"] for v in d.visitas_ok}:
            d.visitas_ok.append(cuerpo)
            self._por_observar.append((d, cuerpo))

    async def visita(self) -> None:
        cuerpo = self._nueva_visita()
        if cuerpo is None:  # the year has no visit left: what can still be done without one
            if self._observaciones:
                return await self.rng.choice((self.compromiso, self.correccion, self.valoracion))()
            return None
        resultado, _ = await self.operar("visita", "agenda", "/v1/visitas-realizadas", cuerpo,
                                         [self._efecto_visita(cuerpo)])
        if resultado == "ok":
            self._confirmada(cuerpo)

    async def reenvio(self) -> None:
        """A device that did not hear the answer sends the same visit again."""
        if not self.enviadas:
            return await self.visita()
        cuerpo = self.rng.choice(self.enviadas)
        resultado, _ = await self.operar("reenvio", "agenda", "/v1/visitas-realizadas", cuerpo,
                                         [self._efecto_visita(cuerpo)])
        if resultado == "ok":
            self._confirmada(cuerpo)

    async def lote(self) -> None:
        """An offline device's queue: two new visits of one acompañante and one it had sent already."""
        if not self._de_acompanante:
            for d in self.docentes:
                self._de_acompanante.setdefault(d.acompanante_id, []).append(d)
        acompanante = self.rng.choice(self.docentes).acompanante_id
        ya = [v for v in (self._primera_enviada.get(acompanante),) if v]
        nuevas = []
        for _ in range(2):
            con_visitas = [d for d in self._de_acompanante[acompanante] if d.duraciones]
            if con_visitas and (v := self._visita_de(self.rng.choice(con_visitas), ["observacion", "asesoria"])):
                nuevas.append(v)
        items = nuevas + ya
        if not items:
            return await self.visita()
        cuerpo = {"items": [{"operacion": "visita_realizada", "datos": v} for v in items]}
        resultado, respuesta = await self.operar(
            "lote", "agenda", f"/v1/acompanantes/{acompanante}/lote", cuerpo, [self._efecto_visita(v) for v in items],
            extra={"items": [v["visita_id"] for v in items]},
            detallar=lambda respuesta: {"codigos": [r.get("codigo") for r in respuesta]})
        if resultado == "ok" and isinstance(respuesta, list):
            for v, r in zip(items, respuesta, strict=False):
                if r.get("codigo") in (200, 201):
                    self._confirmada(v)

    async def observacion(self) -> None:
        if not self._por_observar:
            return await self.visita()
        n = self.rng.randrange(len(self._por_observar))  # taken out: one observation per visit
        self._por_observar[n], self._por_observar[-1] = self._por_observar[-1], self._por_observar[n]
        d, v = self._por_observar.pop()
        observacion = str(uuid.uuid4())
        niveles = {x: {"nivel": self.rng.choice(NIVELES[:3]), "evidencia": f"Se observó {x} durante la sesión."}
                   for x in DESEMPENOS}
        cuerpo = {"observacion_id": observacion, "acompanante_id": d.acompanante_id, "niveles": niveles,
                  "fortalezas": ["Trato cordial"], "aspectos_criticos": ["Preguntas de baja demanda cognitiva"]}
        resultado, _ = await self.operar(
            "observacion", "evidencias", f"/v1/visitas/{v['visita_id']}/observaciones", cuerpo,
            [{"hecho": "ObservacionRegistrada", "campo": "observacion_id", "valor": observacion}])
        if resultado == "ok":
            if not d.observaciones_ok:
                self._observados.append(d)
            d.observaciones_ok.append((v["visita_id"], observacion))
            self._observaciones.append((d, (v["visita_id"], observacion)))

    async def compromiso(self) -> None:
        if not self._observaciones:
            return await self.observacion()
        d, (visita, _) = self.rng.choice(self._observaciones)
        fecha = next(v["fecha_fin"] for v in d.visitas_ok if v["visita_id"] == visita)
        compromiso = str(uuid.uuid4())
        await self.operar("compromiso", "evidencias", f"/v1/visitas/{visita}/compromisos", {
            "compromiso_id": compromiso, "acompanante_id": d.acompanante_id, "item": "D1",
            "fecha_limite": (date.fromisoformat(fecha) + timedelta(days=30)).isoformat(),
            "descripcion": "Usar preguntas abiertas en cada sesión",
            "verificacion": "Observación en la próxima visita"},
            [{"hecho": "CompromisoAsumido", "campo": "compromiso_id", "valor": compromiso}])

    async def correccion(self) -> None:
        if not self._observaciones:
            return await self.observacion()
        d, (visita, observacion) = self.rng.choice(self._observaciones)
        await self.operar("correccion", "evidencias", f"/v1/visitas/{visita}/observaciones/{observacion}/correcciones", {
            "acompanante_id": d.acompanante_id, "motivo": "Se registró mal el nivel de un desempeño",
            "niveles": {"D1": {"nivel": "III", "evidencia": "Participan casi todos los estudiantes."}}},
            [{"hecho": "ObservacionCorregida", "campo": "observacion_id", "valor": observacion, "repetible": True}])

    async def valoracion(self) -> None:
        if not self._observados:
            return await self.observacion()
        d = self.rng.choice(self._observados)
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
            self._http = httpx.AsyncClient(timeout=self.timeout, limits=self.limites)
        self._http.timeout = httpx.Timeout(self.timeout)
        tipos, pesos = zip(*self.PESOS, strict=True)
        limite = asyncio.Semaphore(self.concurrencia)
        loop = asyncio.get_running_loop()
        inicio, reloj = loop.time(), time.time()
        tareas: set[asyncio.Task] = set()

        async def una(tipo: str, programada: float) -> None:
            _PROGRAMADA.set(programada)
            async with limite:
                await getattr(self, tipo)()

        for i in range(self.max_operaciones):
            cuando = inicio + i / self.ritmo
            if cuando - inicio > self.duracion:
                break
            await asyncio.sleep(max(0.0, cuando - loop.time()))
            tarea = asyncio.create_task(una(self.rng.choices(tipos, pesos)[0], reloj + i / self.ritmo))
            tareas.add(tarea)  # only those still running: a ten-minute run issues tens of thousands
            tarea.add_done_callback(tareas.discard)
        await asyncio.gather(*list(tareas))
        return dict(self.contadores)

    async def cerrar(self) -> None:
        if self._http is not None:
            await self._http.aclose()
