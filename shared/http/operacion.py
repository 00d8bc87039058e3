"""The routes every service mounts for its operators: probes, metrics, the event catalog, dead letters and
the chain of published facts."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel, ConfigDict, Field

from shared.consumer import IdempotentConsumers
from shared.contracts import ContractError
from shared.eventstore import DomainError, NotFound
from shared.http.errores import _no_autenticado

class Salud(BaseModel):
    estado: str
    detalle: dict[str, str] = {}


@functools.cache
def _catalogo() -> dict:
    from shared.catalogo import especificacion  # built once, on the first request
    return especificacion()


def ops_router(registry: CollectorRegistry, checks: dict[str, Callable[[], Awaitable[None]]],
               metricas_token: str = "") -> APIRouter:
    """``/healthz`` (the process answers), ``/readyz`` (each dependency answers), ``/metrics`` (with
    ``metricas_token``, only for whoever presents it; without, only the monitoring network reaches it:
    deploy/k8s NetworkPolicy)."""
    router = APIRouter(tags=["operación"])

    @router.get("/healthz", summary="El proceso está vivo")
    async def healthz() -> Salud:
        return Salud(estado="vivo")

    @router.get("/readyz", summary="El almacén de eventos y NATS responden", response_model=Salud,
                responses={503: {"model": Salud}})
    async def readyz() -> JSONResponse:
        detalle, ok = {}, True
        for name, check in checks.items():
            try:
                await check()
                detalle[name] = "ok"
            except Exception as exc:  # a probe reports, it does not raise
                detalle[name] = f"falla: {exc!r}"[:200]
                ok = False
        body = Salud(estado="listo" if ok else "no_listo", detalle=detalle)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @router.get("/v1/catalogo/asyncapi.json", summary="Catálogo AsyncAPI de todos los eventos publicados",
                tags=["catálogo"])
    async def catalogo() -> JSONResponse:
        return JSONResponse(_catalogo())

    @router.get("/metrics", summary="Métricas Prometheus", response_class=Response, include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if metricas_token:
            esquema, _, token = request.headers.get("Authorization", "").partition(" ")
            if esquema.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), metricas_token.encode()):
                return _no_autenticado("Las métricas exigen el token de monitoreo (Authorization: Bearer).")
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


class MensajeFallido(BaseModel):
    secuencia: int
    consumidor: str
    motivo: str
    entregas: int
    sujeto_original: str
    evento_id: str
    registrado_en: str


def dead_letter_router(consumers: IdempotentConsumers) -> APIRouter:
    router = APIRouter(prefix="/v1/mensajes-fallidos", tags=["operación"])

    @router.get("", summary="Mensajes que este servicio no pudo procesar, con su motivo")
    async def listar(limite: int = 100) -> list[MensajeFallido]:
        return [MensajeFallido(**vars(d)) for d in await consumers.dead_letters(min(limite, 1000))]

    @router.post("/{secuencia}/reintentar", summary="Procesar de nuevo un mensaje fallido",
                 responses={404: {"description": "No existe ese mensaje fallido"},
                            422: {"description": "El mensaje sigue sin poder procesarse"}})
    async def reintentar(secuencia: int) -> dict[str, str]:
        try:
            await consumers.redrive(secuencia)
        except LookupError:
            raise NotFound(f"No hay un mensaje fallido con secuencia {secuencia}.") from None
        except ContractError as exc:
            raise DomainError(f"El mensaje no cumple su contrato: {exc}") from None
        except Exception as exc:
            raise DomainError(f"El mensaje volvió a fallar: {exc!r}") from None
        return {"estado": "procesado"}

    return router


POSICION_MAX = 2**63 - 1  # the largest position a store holds (SQLite INTEGER, PostgreSQL BIGINT)


class VerificacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    desde: int = Field(1, ge=1, le=POSICION_MAX, description="Primera posición (id de notificación) a verificar.")
    hasta: int | None = Field(None, ge=1, le=POSICION_MAX,
                              description="Última posición; vacío: hasta lo último publicado.")


class RepublicacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    desde: int = Field(1, ge=1, le=POSICION_MAX,
                       description="Desde qué posición republicar lo que falte en el stream.")


class RepublicacionOut(BaseModel):
    republicados: int = Field(description="Hechos publicados de nuevo.")
    retenidos: list[int] = Field(description="Posiciones que el stream ya no tiene pero aún reconoce como "
                                             "duplicadas (ventana de duplicados): repetir pasada la ventana.")


def cadena_router(runtime: Any) -> APIRouter:
    """Tamper evidence and recovery of the service's published facts (see ``shared.cadena``).

    Who may call each route is decided by ``shared.autorizacion.OPERACION``, not here."""
    router = APIRouter(prefix="/v1/cadena", tags=["operación"])

    @router.post("/verificacion", summary="Verificar que lo almacenado corresponde a la cadena publicada",
                 description="Recalcula la huella de cada hecho almacenado en el rango y la compara con la "
                             "publicada en el stream; informa cada posición cambiada, borrada o reordenada.")
    async def verificar(body: VerificacionIn) -> dict[str, Any]:
        return await runtime.verificar_cadena(body.desde, body.hasta)

    @router.post("/republicacion", summary="Republicar desde el almacén lo que el stream perdió",
                 description="El relay del servicio (la réplica que publica), entre dos de sus lotes, publica de "
                             "nuevo con sus ids y huellas originales cada hecho desde `desde` que el stream ya no "
                             "tiene; lo que sí tiene no se envía (no hay duplicados). `retenidos`: posiciones que "
                             "el stream borró pero aún recuerda en su ventana de duplicados; repetir pasada la "
                             "ventana.")
    async def republicar(body: RepublicacionIn) -> RepublicacionOut:
        return RepublicacionOut(**await runtime.republicar(body.desde))

    return router

