"""Who is calling and how much he may ask: the bearer token verified once per request, the access policy
asked, and each user's requests counted against his budget (``shared.ritmo``)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.autenticacion import EmisorNoDisponible, TokenInvalido, Verificador
from shared.http.errores import _no_autenticado
from shared.ritmo import CubosLocales, PresupuestoCompartido, costo
from shared.telemetry import Actor, current_actor

PUBLICAS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json",
                      "/v1/catalogo/asyncapi.json"})


def install_auth_middleware(app: FastAPI, verificador: Verificador, por_minuto: int = 600, *,
                            presupuesto: PresupuestoCompartido | None = None, anonimas_por_minuto: int = 120,
                            costo_exportacion: int = 20, costo_lote_por_cada: int = 20,
                            cuerpo_max_bytes: int = 4 * 1024 * 1024) -> None:
    """Who is calling, from the request's bearer token (OpenID Connect), verified by ``verificador``.

    The one place that names the caller: every event saved during the request records this actor in
    its metadata, and every rule of access reads it. Probes, metrics, the API's description and the
    event catalog answer without a token; everything else answers 401 without a valid one.

    Rates (``shared.ritmo``): an address whose requests without a valid token exhausted
    ``anonimas_por_minuto`` is refused before any token is verified, unless its token names a key already
    read from the provider and verifies (the web application calls for all its users from one address); a
    user's requests are counted, at their cost (exports, batches), against a budget shared by the replicas
    (``presupuesto``). A batch is read for its cost only when its declared length is within
    ``cuerpo_max_bytes``; otherwise it costs 1 and the body limit (``LimiteCuerpo``, around this
    middleware) answers 413 before it is all read.
    """
    app.add_middleware(Autenticacion, verificador=verificador, por_minuto=por_minuto,
                       presupuesto=presupuesto or PresupuestoCompartido(por_minuto),
                       anonimas_por_minuto=anonimas_por_minuto, costo_exportacion=costo_exportacion,
                       costo_lote_por_cada=costo_lote_por_cada, cuerpo_max_bytes=cuerpo_max_bytes)


class Autenticacion:
    """The ASGI middleware ``install_auth_middleware`` mounts (a plain ASGI class: the request goes on in the
    same task, with no stream or task of its own per request). A body read here (a batch's cost, the access
    policy's object ids) is handed on to the route as it arrived."""

    def __init__(self, app, *, verificador: Verificador, por_minuto: int,  # noqa: ANN001
                 presupuesto: PresupuestoCompartido, anonimas_por_minuto: int, costo_exportacion: int,
                 costo_lote_por_cada: int, cuerpo_max_bytes: int) -> None:
        self.app, self.verificador, self.por_minuto, self.presupuesto = app, verificador, por_minuto, presupuesto
        self.anonimas_por_minuto, self.anonimas = anonimas_por_minuto, CubosLocales(anonimas_por_minuto)
        self.costo_exportacion, self.costo_lote_por_cada = costo_exportacion, costo_lote_por_cada
        self.cuerpo_max_bytes = cuerpo_max_bytes

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        leidos: list[dict] = []  # what was read of the body here, to hand on

        async def leyendo() -> dict:
            mensaje = await receive()
            leidos.append(mensaje)
            return mensaje

        request = Request(scope, leyendo)
        if scope["path"] in PUBLICAS:  # the path as routed (``request.url`` would build the whole URL first)
            return await self.app(scope, receive, send)
        actor, negado = await self._quien(request)
        if negado is not None:
            return await negado(scope, receive, send)
        marca = current_actor.set(actor)
        try:
            await self.app(scope, _de_nuevo(leidos, receive) if leidos else receive, send)
        finally:
            current_actor.reset(marca)

    async def _quien(self, request: Request) -> tuple[Actor | None, JSONResponse | None]:
        """The caller, or the answer that refuses the request."""
        direccion = request.client.host if request.client else "desconocida"
        esquema, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip() if esquema.lower() == "bearer" else ""
        # An address that spent its requests without a valid token is refused before any verification (a
        # flood costs nothing), except a token naming a key already read: its signature is checked from
        # memory, and a valid one is counted per user (one address may be many users: the web application).
        espera = self.anonimas.agotado(direccion)
        if espera and not (token and self.verificador.clave_conocida(token)):
            return None, _anonimas_agotadas(self.anonimas_por_minuto, espera)
        if not token:
            self.anonimas.gastar(direccion)
            return None, _no_autenticado("Falta el token de acceso (cabecera Authorization: Bearer).")
        # a token verified before is answered from memory; a new one is verified in a worker thread (it may
        # have to read the provider's keys)
        actor = self.verificador.recordado(token)
        if actor is None:
            try:
                actor = await asyncio.to_thread(self.verificador.actor, token)
            except TokenInvalido as exc:
                self.anonimas.gastar(direccion)
                return None, (_anonimas_agotadas(self.anonimas_por_minuto, espera) if espera
                              else _no_autenticado(str(exc)))
            except EmisorNoDisponible as exc:
                return None, JSONResponse({"codigo": "identidad_no_disponible", "mensaje": str(exc)}, status_code=503,
                                          headers={"Retry-After": str(exc.reintentar_en)})
        ruta = request.scope["path"]
        cuerpo = await _cuerpo_a_costear(request, self.cuerpo_max_bytes) if ruta.endswith("/lote") else None
        consulta = dict(request.query_params) if request.scope.get("query_string") else {}
        cuanto = costo(request.method, ruta, consulta, cuerpo, self.costo_exportacion, self.costo_lote_por_cada)
        if espera := await self.presupuesto.gastar(actor.usuario, cuanto):
            return None, _demasiadas(f"Demasiadas solicitudes: {self.por_minuto} por minuto como máximo (una "
                                     f"exportación cuenta {self.costo_exportacion}). Reintente en {espera} s.", espera)
        politica = getattr(request.app.state, "politica", None)  # shared.autorizacion, set by the service
        if politica is not None and (negado := await politica.decidir(request, actor)) is not None:
            return None, negado
        return actor, None


def _de_nuevo(leidos: list[dict], receive):  # noqa: ANN001, ANN202
    """``receive`` that first gives again the messages already read from it."""
    pendientes = list(leidos)

    async def recibir() -> dict:
        return pendientes.pop(0) if pendientes else await receive()
    return recibir


async def _cuerpo_a_costear(request: Request, max_bytes: int) -> bytes | None:
    """A batch's body, read to count its items, only when its declared length is within the limit."""
    largo = request.headers.get("content-length", "")
    if not largo.isdigit() or int(largo) > max_bytes:
        return None
    return await request.body()


def _anonimas_agotadas(por_minuto: int, espera: int) -> JSONResponse:
    return _demasiadas(f"Demasiadas solicitudes sin un token válido desde esta dirección: {por_minuto} por "
                       f"minuto como máximo. Reintente en {espera} s.", espera)


def _demasiadas(mensaje: str, espera: int) -> JSONResponse:
    return JSONResponse({"codigo": "demasiadas_solicitudes", "mensaje": mensaje}, status_code=429,
                        headers={"Retry-After": str(espera)})

