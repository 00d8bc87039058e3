"""Who may see and do what: roles, territory and purpose, decided before a request reaches its route.

Each service declares a ``Politica``: one ``Regla`` per route (method and path template), and a
resolver that tells, from its own read models, where an object lies (``Territorio``: DRE, UGEL, IE,
the acompañantes who hold it, the docente it is about). The request's actor comes from its verified
token (``shared.autenticacion``):

- national roles (``minedu``, ``auditor``, ``administrador``, ``sistema``) see every territory;
- ``especialista_dre`` / ``especialista_ugel`` see their DRE / UGEL; ``directivo`` his IE;
  ``acompanante`` the docentes of his caseload and their schools; ``docente`` himself only.

An id outside the caller's territory answers 404, exactly as an id that does not exist: the caller
learns nothing of it. A role a route does not admit answers 403. Lists scoped by territory are
narrowed to the caller's own (the query's territory filter is set to his, or refused when it names
another). Coaching evidence (``formativo``) is not shown to roles that evaluate teachers for
their career (the directivo, who chairs his school's performance evaluation committee): the
external coach's formative evidence stays out of a teacher's career evaluation. This purpose
separation is a policy of the ministry, not a text of NT-026 (which says nothing of it); it is a
setting (``<S>_SEPARACION_FINALIDAD``, on by default). In the internal modality (NT-026 §5.2.1)
the directivo is the observer himself: what he recorded (``Territorio.autores``) he reads.
Every call by an auditor is recorded as a fact of the service before the route runs
(``shared.lecturas``: the route, the ids, the query, and the docentes and territory they belong to);
a route that records its own reads (a docente's history, with its reason) says so (``lectura_propia``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cachetools import LRUCache
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import compile_path

from shared.telemetry import Actor

NACIONALES = frozenset({"minedu", "auditor", "administrador", "sistema"})
TERRITORIALES = frozenset({"especialista_dre", "especialista_ugel", "directivo", "acompanante", "docente"})
TODOS = NACIONALES | TERRITORIALES
ESPECIALISTAS = frozenset({"especialista_dre", "especialista_ugel"})
GESTION = frozenset({"administrador", "sistema"})  # who runs the ministry's processes
EVALUAN_CARRERA = frozenset({"directivo"})  # evaluate teachers for their career: see only the evidence they recorded

NIVEL = {"especialista_dre": "dre", "especialista_ugel": "ugel", "directivo": "ie", "acompanante": "acompanante",
         "docente": "docente"}

auditoria = logging.getLogger("acompana.auditoria")


@dataclass(frozen=True)
class Territorio:
    """Where an object lies: each field is what the service knows, ``None`` when it does not apply."""

    dre: str | None = None
    ugel: str | None = None
    ie: str | None = None  # "codigo_modular-anexo"
    acompanantes: frozenset[str] = frozenset()  # who holds it: acompañantes, or the directivo observing inside his IE
    docentes: frozenset[str] = frozenset()
    autores: frozenset[str] = frozenset()  # who recorded it (a visit's observer)

    def contiene(self, actor: Actor) -> bool:
        if actor.rol in NACIONALES:
            return True
        nivel = NIVEL.get(actor.rol)
        if nivel == "dre":
            return actor.dre is not None and self.dre == actor.dre
        if nivel == "ugel":
            return actor.ugel is not None and self.ugel == actor.ugel
        if nivel == "ie":  # his IE, and what he holds himself as the observer of the internal modality
            return (actor.ie is not None and self.ie == actor.ie) or actor.usuario in self.acompanantes
        if nivel == "acompanante":
            return actor.usuario in self.acompanantes
        if nivel == "docente":
            return actor.usuario in self.docentes
        return False

    def de_autor(self, usuario: str) -> bool:
        return usuario in self.autores

    @staticmethod
    def unir(partes: list[Territorio]) -> Territorio | None:
        """Several places (a docente held in two years, a meeting of several docentes): any one counts."""
        if not partes:
            return None
        return partes[0] if len(partes) == 1 else _Varios(partes=tuple(partes))


@dataclass(frozen=True)
class _Varios(Territorio):
    partes: tuple[Territorio, ...] = ()

    def contiene(self, actor: Actor) -> bool:
        return any(p.contiene(actor) for p in self.partes)

    def de_autor(self, usuario: str) -> bool:
        return any(p.de_autor(usuario) for p in self.partes)


@dataclass(frozen=True)
class Regla:
    """Who may call one route.

    ``objetos``: the path parameters or JSON body fields naming an object, with its kind for the
    resolver (``{"docente_id": "docente"}``); on a GET, also the query parameters naming one (a list's
    ``?ugel=``): a territory finer than the caller's is looked up like any object, one coarser than his
    (a UGEL specialist's ``?dre=``) must be his own. ``filtros``: for lists, the query parameter that narrows
    them to each territorial level (``{"ugel": "ugel", "dre": "dre"}``); a territorial role whose level
    the route cannot narrow to is refused.
    """

    roles: frozenset[str]
    objetos: Mapping[str, str] = field(default_factory=dict)
    filtros: Mapping[str, str] = field(default_factory=dict)
    formativo: bool = False
    lectura_propia: bool = False  # the route records who reads it itself


Resolver = Callable[[str, str], "Territorio | None"]

# The routes every service mounts (shared.http): its dead letters and its chain of hashes.
OPERACION = {
    "GET /v1/mensajes-fallidos": Regla(GESTION),
    "POST /v1/mensajes-fallidos/{secuencia}/reintentar": Regla(GESTION),
    # supervision verifies (the MINEDU included); only the administrador republishes
    "POST /v1/cadena/verificacion": Regla(frozenset({"auditor", "administrador", "minedu"})),
    "POST /v1/cadena/republicacion": Regla(frozenset({"administrador"})),
}


def _no_encontrado() -> JSONResponse:
    return JSONResponse({"codigo": "no_encontrado", "mensaje": "No existe o no está en su ámbito."}, status_code=404)


def _prohibido(mensaje: str) -> JSONResponse:
    return JSONResponse({"codigo": "prohibido", "mensaje": mensaje}, status_code=403)


@dataclass
class Politica:
    reglas: Mapping[str, Regla]  # "GET /v1/docentes/{docente_id}/planes" -> Regla
    resolver: Resolver
    separacion: bool = True  # purpose separation (ministry policy; <S>_SEPARACION_FINALIDAD)
    # Kinds of object a caller of these roles may be himself, and always is inside of when he names himself
    # (agenda: an acompañante's own agenda, whatever the read model says): no lookup, no read model caught up.
    propios: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _rutas: list | None = None
    # what ``regla`` found for a method and path lately (a device sends many requests to the same path, e.g. its
    # acompañante's visits): the routes are not searched again; the ``RECORDADAS`` used last are kept
    _halladas: LRUCache = field(default_factory=lambda: LRUCache(maxsize=Politica.RECORDADAS))
    RECORDADAS: ClassVar[int] = 10_000

    def __post_init__(self) -> None:
        self.reglas = {**OPERACION, **self.reglas}

    def regla(self, request: Request) -> tuple[str, Regla | None, dict[str, Any]]:
        """The route's key (``"POST /v1/..."``), its rule and its path parameters; ``""`` for no route."""
        if self._rutas is None:
            self._rutas = list(rutas(request.app.router.routes))
        llave = (request.scope["method"], request.scope["path"])
        if (hallada := self._halladas.get(llave)) is not None:
            return hallada[0], hallada[1], dict(hallada[2])
        hallada = self._halladas[llave] = self._buscar(*llave)
        return hallada[0], hallada[1], dict(hallada[2])

    def _buscar(self, metodo: str, ruta: str) -> tuple[str, Regla | None, dict[str, Any]]:
        for metodos, plantilla, patron, convertidores in self._rutas or ():
            if metodo in metodos and (hallado := patron.match(ruta)):
                parametros = {k: convertidores[k].convert(v) for k, v in hallado.groupdict().items()}
                clave = f"{metodo} {plantilla}"
                return clave, self.reglas.get(clave), parametros
        return "", None, {}  # no route: the router answers 404 / 405 itself

    async def decidir(self, request: Request, actor: Actor) -> JSONResponse | None:
        """``None`` lets the request through; else the answer that refuses it."""
        clave, regla, parametros = self.regla(request)
        if not clave:
            return None
        if regla is None:
            return _prohibido("Esta ruta no tiene una regla de acceso; nadie puede usarla.")
        if (prohibido := _rol(regla, actor)) is not None:
            return _prohibido(prohibido)
        ids = {nombre: str(parametros[nombre]) for nombre in regla.objetos if nombre in parametros}
        faltan = [n for n in regla.objetos if n not in ids]
        if faltan and request.method in ("POST", "PUT", "PATCH") and actor.rol not in NACIONALES:
            ids.update(await _del_cuerpo(request, faltan))
        if faltan and request.method == "GET" and actor.rol in TERRITORIALES:
            de_la_consulta = _de_la_consulta(regla, actor, request, faltan)
            if de_la_consulta is None:
                return _no_encontrado()
            ids.update(de_la_consulta)
        if actor.rol not in NACIONALES:  # national roles see every territory: nothing to look up
            # the read models are asked in one worker thread (none when nothing needs a lookup)
            negado = (await asyncio.to_thread(self._negado, regla, actor, ids, request.method)
                      if self._a_buscar(regla, actor, ids)
                      else self._negado(regla, actor, ids, request.method))
            if negado is not None:
                return negado
        if actor.rol in TERRITORIALES and regla.filtros:
            nivel = NIVEL[actor.rol]
            parametro = regla.filtros.get(nivel)
            if parametro is None:
                return _prohibido("Esta consulta no se puede acotar a su ámbito; pídala por su "
                                  + {"dre": "DRE", "ugel": "UGEL", "ie": "IE", "acompanante": "cartera",
                                     "docente": "propio registro"}[nivel] + ".")
            propio = {"dre": actor.dre, "ugel": actor.ugel, "ie": actor.ie}.get(nivel, actor.usuario)
            pedido = request.query_params.get(parametro)
            if propio is None or (pedido is not None and pedido != propio):
                return _no_encontrado()
            if pedido is None:
                _fijar_consulta(request, parametro, propio)
        if actor.rol == "auditor" and not regla.lectura_propia:
            await self._auditar(request, actor, clave, regla, ids)
        return None

    def decidir_item(self, clave: str, actor: Actor, parametros: Mapping[str, str],
                     cuerpo: Mapping[str, Any]) -> tuple[int, str, str] | None:
        """The rule of the write route ``clave`` applied to one item of an offline batch (``shared.lote``),
        as ``decidir`` applies it to a request with those path parameters and that JSON body: ``None``
        lets it through, else its status, code and reason (403 ``prohibido``, 404 ``no_encontrado``)."""
        regla = self.reglas.get(clave)
        if regla is None:
            return 403, "prohibido", "Esta ruta no tiene una regla de acceso; nadie puede usarla."
        if (prohibido := _rol(regla, actor)) is not None:
            return 403, "prohibido", prohibido
        ids = {n: str(parametros[n]) for n in regla.objetos if n in parametros}
        ids.update({n: str(cuerpo[n]) for n in regla.objetos if n not in ids and isinstance(cuerpo.get(n), (str, int))})
        if (negado := self._formativo(regla, actor, ids)) is not None:
            return 403, "prohibido", negado
        if self._fuera(regla, actor, ids, clave.split(" ", 1)[0]):
            return 404, "no_encontrado", "No existe o no está en su ámbito."
        return None

    def _negado(self, regla: Regla, actor: Actor, ids: Mapping[str, str], metodo: str) -> JSONResponse | None:
        """The answer refusing a territorial caller the objects ``ids`` name (purpose, territory), or None."""
        if (negado := self._formativo(regla, actor, ids)) is not None:
            return _prohibido(negado)
        return _no_encontrado() if self._fuera(regla, actor, ids, metodo) else None

    def _propio(self, regla: Regla, actor: Actor, nombre: str, valor: str) -> bool:
        """Whether the object ``nombre`` names is the caller himself, in a kind he is always inside of."""
        return valor == actor.usuario and actor.rol in self.propios.get(regla.objetos[nombre], ())

    def _a_buscar(self, regla: Regla, actor: Actor, ids: Mapping[str, str]) -> bool:
        """Whether deciding on ``ids`` asks the resolver (the read models) anything."""
        if regla.formativo and self.separacion and actor.rol in EVALUAN_CARRERA:
            return bool(ids)
        return any(not self._propio(regla, actor, n, v) for n, v in ids.items())

    def _formativo(self, regla: Regla, actor: Actor, ids: Mapping[str, str]) -> str | None:
        """Purpose separation: why coaching evidence is refused to whoever evaluates the docente for his
        career, unless every object named is one he recorded himself (internal modality), or None."""
        if not (regla.formativo and self.separacion and actor.rol in EVALUAN_CARRERA):
            return None
        if ids and all((t := self.resolver(regla.objetos[n], v)) is not None and t.de_autor(actor.usuario)
                       for n, v in ids.items()):
            return None
        return ("La evidencia del acompañamiento es formativa: no se muestra a quien evalúa al docente para su "
                "carrera, salvo la que él mismo registró (modalidad interna).")

    def _fuera(self, regla: Regla, actor: Actor, ids: Mapping[str, str], metodo: str) -> bool:
        """Whether an object the request names lies outside the caller's territory (answered as not found)."""
        if actor.rol in NACIONALES:  # every territory is theirs
            return False
        for nombre, valor in ids.items():
            if self._propio(regla, actor, nombre, valor):
                continue
            territorio = self.resolver(regla.objetos[nombre], valor)
            if territorio is not None and not territorio.contiene(actor):
                return True
            if territorio is None and actor.rol in TERRITORIALES and metodo == "GET":
                return True  # an unknown object is nobody's territory
        return False

    async def _auditar(self, request: Request, actor: Actor, clave: str, regla: Regla,
                       ids: dict[str, str]) -> None:
        """Record the auditor's read, with the docentes and territory of what it names (``shared.lecturas``)."""
        faltan = [n for n in regla.objetos if n not in ids]
        if faltan and request.method in ("POST", "PUT", "PATCH"):
            ids.update(await _del_cuerpo(request, faltan))
        docentes: set[str] = set()
        dres: set[str | None] = set()
        ugeles: set[str | None] = set()
        for nombre, valor in ids.items():
            if regla.objetos[nombre] == "docente":
                docentes.add(valor)
            territorio = await asyncio.to_thread(self.resolver, regla.objetos[nombre], valor)
            for parte in getattr(territorio, "partes", None) or ([territorio] if territorio else []):
                docentes.update(parte.docentes)
                dres.add(parte.dre)
                ugeles.add(parte.ugel)
        consulta = dict(request.query_params)
        dres.update(v for k, v in consulta.items() if k == "dre")
        ugeles.update(v for k, v in consulta.items() if k == "ugel")
        auditoria.info("lectura de auditor %s: %s %s", actor.usuario, clave, ids or consulta)
        auditar = getattr(request.app.state, "auditar", None)
        if auditar is not None:
            await asyncio.to_thread(auditar, actor, clave, ids, consulta, docentes, dres, ugeles)


def _rol(regla: Regla, actor: Actor) -> str | None:
    """Why the caller's role may not use the route, or None."""
    if actor.rol not in regla.roles:
        return f"El rol {actor.rol!r} no puede usar esta ruta."
    return None


def rutas(routes: list) -> Iterator[tuple[set[str], str, re.Pattern, dict]]:
    """Every HTTP route of an app, included routers unfolded: its methods, template and matcher."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from rutas(route.effective_candidates())
        elif getattr(route, "path", None) and getattr(route, "methods", None):
            patron, _, convertidores = compile_path(route.path)
            yield set(route.methods), route.path, patron, convertidores


ORDEN = ("dre", "ugel", "ie", "acompanante", "docente")  # territorial levels, coarsest first


def _de_la_consulta(regla: Regla, actor: Actor, request: Request, nombres: list[str]) -> dict[str, str] | None:
    """The objects a GET's query names, to look up (a territory finer than the caller's level); None when
    one names a territory coarser than his that is not his own (another DRE, for a UGEL specialist). The
    caller's own level is the list's filter (``filtros``), checked there."""
    nivel_de = {parametro: nivel for nivel, parametro in regla.filtros.items()}
    suyo = ORDEN.index(NIVEL[actor.rol])
    ids = {}
    for nombre in nombres:
        valor = request.query_params.get(nombre)
        nivel = nivel_de.get(nombre)
        if valor is None or nivel == NIVEL[actor.rol]:
            continue
        if nivel in ORDEN and ORDEN.index(nivel) < suyo:
            propio = {"dre": actor.dre, "ugel": actor.ugel, "ie": actor.ie}.get(nivel)
            if propio is not None and valor != propio:
                return None
            continue
        ids[nombre] = valor
    return ids


async def _del_cuerpo(request: Request, campos: list[str]) -> dict[str, str]:
    if "json" not in request.headers.get("content-type", ""):
        return {}
    try:
        cuerpo = json.loads(await request.body() or b"null")
    except ValueError:
        return {}  # the route answers 422 itself
    if not isinstance(cuerpo, dict):
        return {}
    return {c: str(cuerpo[c]) for c in campos if isinstance(cuerpo.get(c), (str, int))}


def _fijar_consulta(request: Request, parametro: str, valor: str) -> None:
    from urllib.parse import urlencode
    pares = [(k, v) for k, v in request.query_params.multi_items() if k != parametro] + [(parametro, valor)]
    request.scope["query_string"] = urlencode(pares).encode()
