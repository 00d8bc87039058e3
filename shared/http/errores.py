"""How a service answers an error: every domain error mapped to an HTTP status here and only here.

``respuesta_de`` is the one mapping, used by the error handlers and by the offline batch (``shared.lote``): 403
not allowed, 404 not found, 409 conflict (including a stale aggregate version) or waiting for a fact not received
yet (``en_espera``), 422 invalid input, always with a Spanish message and, for invalid input, each field.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import RecordConflictError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.eventstore import Conflict, DomainError, EnEspera, Forbidden, NotFound
from shared.telemetry import current_traceparent

log = logging.getLogger(__name__)

_MENSAJES = {
    "missing": "es obligatorio",
    "extra_forbidden": "no es un campo permitido",
    "uuid_parsing": "no es un identificador UUID válido",
    "uuid_type": "no es un identificador UUID válido",
    "date_parsing": "no es una fecha válida (AAAA-MM-DD)",
    "date_from_datetime_parsing": "no es una fecha válida (AAAA-MM-DD)",
    "datetime_parsing": "no es una fecha y hora válida (ISO 8601)",
    "datetime_from_date_parsing": "no es una fecha y hora válida (ISO 8601)",
    "int_parsing": "debe ser un número entero",
    "int_type": "debe ser un número entero",
    "float_parsing": "debe ser un número",
    "string_type": "debe ser un texto",
    "bool_parsing": "debe ser verdadero o falso",
    "list_type": "debe ser una lista",
    "json_invalid": "el cuerpo no es JSON válido",
    "model_attributes_type": "debe ser un objeto JSON",
    "dict_type": "debe ser un objeto JSON",
}


def motivo(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in _MENSAJES:
        return _MENSAJES[kind]
    if kind == "string_pattern_mismatch":
        return f"no tiene el formato requerido ({ctx.get('pattern')})"
    if kind in ("greater_than_equal", "greater_than"):
        return f"debe ser {'mayor o igual que' if kind.endswith('equal') else 'mayor que'} {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"debe ser {'menor o igual que' if kind.endswith('equal') else 'menor que'} {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return f"debe ser uno de: {str(ctx.get('expected', '')).replace(' or ', ' o ')}"
    if kind in ("string_too_short", "too_short"):
        return f"debe tener al menos {ctx.get('min_length')} elemento(s) o carácter(es)"
    if kind in ("string_too_long", "too_long"):
        return f"admite como máximo {ctx.get('max_length')} elemento(s) o carácter(es)"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return error.get("msg", "valor no válido")


class ErrorDeCampo(BaseModel):
    campo: str = Field(description="Dónde está el dato no válido (p. ej. ``body.anio``, ``query.limite``).")
    motivo: str


class Error(BaseModel):
    """The body of every error answer: a stable code, a Spanish message and, for invalid input, each field."""
    codigo: str = Field(description="Código estable del error.", examples=["solicitud_invalida"])
    mensaje: str = Field(description="Qué pasó, en castellano.")
    errores: list[ErrorDeCampo] | None = Field(None, description="Cada dato no válido (solo en 422 y 413).")


def _respuesta(descripcion: str) -> dict[str, Any]:
    return {"model": Error, "description": descripcion}


ERRORES: dict[int | str, dict[str, Any]] = {
    401: _respuesta("Falta el token de acceso o no es válido"),
    403: _respuesta("El rol o el territorio del usuario no lo permite"),
    404: _respuesta("No existe lo solicitado"),
    409: _respuesta("Conflicto con lo ya registrado (o versión desactualizada); o, con código en_espera, depende de "
                    "un hecho que el servicio aún no recibe: reenviar tras Retry-After"),
    413: _respuesta("La solicitud es más grande de lo admitido"),
    422: _respuesta("Datos no válidos o una regla de negocio incumplida"),
    429: _respuesta("Demasiadas solicitudes del usuario; reintente tras Retry-After"),
    503: _respuesta("El proveedor de identidad no responde; reintente tras Retry-After"),
}
"""What any authenticated route may answer besides its own result (``install_error_handlers``, the
token and rate checks, the body limit), documented on every such route by ``ServiceRuntime.http_app``."""


def _error(status: int, codigo: str, mensaje: str, **extra: object) -> JSONResponse:
    return JSONResponse({"codigo": codigo, "mensaje": mensaje, **extra}, status_code=status)


def _no_autenticado(mensaje: str) -> JSONResponse:
    return JSONResponse({"codigo": "no_autenticado", "mensaje": mensaje}, status_code=401,
                        headers={"WWW-Authenticate": 'Bearer realm="acompana", error="invalid_token"'})


_HTTP = {
    404: ("no_encontrado", "No existe esa ruta."),
    405: ("metodo_no_permitido", "La ruta no admite ese método."),
    413: ("cuerpo_demasiado_grande", "La solicitud es más grande de lo admitido."),
    415: ("tipo_no_admitido", "Tipo de contenido no admitido."),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # the framework could not read the body: invalid input, as bad JSON syntax is
            return _error(422, "solicitud_invalida", "La solicitud tiene datos no válidos.", errores=[{
                "campo": "body", "motivo": "no se pudo leer (JSON o formulario mal formado, o texto que no es UTF-8)"}])
        codigo, mensaje = _HTTP.get(exc.status_code, ("error_http", str(exc.detail)))
        return _error(exc.status_code, codigo, mensaje)

    @app.exception_handler(Exception)
    async def inesperado(request: Request, exc: Exception) -> JSONResponse:
        # The details stay in the service's log, with the trace id; the caller never sees a stack trace.
        traza = current_traceparent().split("-")[1] if current_traceparent() else ""
        log.exception("error inesperado en %s %s (traza %s)", request.method, request.url.path, traza)
        return _error(500, "error_interno", "Ocurrió un error inesperado; quedó registrado"
                      + (f" con la traza {traza}." if traza else "."))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errores = [
            {"campo": ".".join(str(p) for p in e["loc"]), "motivo": motivo(e)} for e in exc.errors()
        ]
        return _error(422, "solicitud_invalida", "La solicitud tiene datos no válidos.", errores=errores)

    @app.exception_handler(DomainError)
    @app.exception_handler(RecordConflictError)
    async def dominio(_: Request, exc: Exception) -> JSONResponse:
        status, codigo, mensaje = respuesta_de(exc) or (500, "error_interno", "Ocurrió un error inesperado.")
        campo = getattr(exc, "campo", None)
        extra = {"errores": [{"campo": campo, "motivo": mensaje}]} if campo and status == 422 else {}
        respuesta = _error(status, codigo, mensaje, **extra)
        if codigo == "en_espera":
            respuesta.headers["Retry-After"] = str(EN_ESPERA_REINTENTAR)
        return respuesta


EN_ESPERA_REINTENTAR = 5  # seconds: what a fact on its way between services usually takes, with room


def respuesta_de(exc: Exception) -> tuple[int, str, str] | None:
    """The HTTP status, stable code and Spanish message of a domain error; None for any other error."""
    if isinstance(exc, NotFound):
        return 404, "no_encontrado", str(exc)
    if isinstance(exc, Forbidden):
        return 403, "prohibido", str(exc)
    if isinstance(exc, EnEspera):
        return 409, "en_espera", str(exc)
    if isinstance(exc, Conflict):
        return 409, "conflicto", str(exc)
    if isinstance(exc, RecordConflictError):
        return 409, "version_desactualizada", "Otro cambio se registró antes; vuelva a leer y reintente."
    if isinstance(exc, DomainError):
        return 422, "regla_incumplida", str(exc)
    return None
