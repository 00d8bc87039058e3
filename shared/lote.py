"""A device's offline queue (``POST /v1/acompanantes/{id}/lote``), applied item by item as its single
routes would apply it: the same rule of access, the same validation and the same answers.

Each item names an operation, which is one single route (``Operacion.ruta``, e.g.
``POST /v1/visitas/{visita_id}/observaciones``): its path parameters travel at the top of the item,
its body in ``datos``. For each item, in order:

1. the route's rule (``shared.autorizacion``) on the item's ids: 403 ``prohibido`` with the policy's
   reason, or 404 ``no_encontrado`` for what lies outside the caller's territory;
2. the body's model: 422 ``solicitud_invalida`` with each field and reason;
3. the command: 201 registrado, 200 ya registrado (a re-send), or the domain's answer mapped as the
   single route maps it (``shared.http.respuesta_de``): 404, 409 ``conflicto``, 422 ``regla_incumplida``,
   and 409 ``en_espera`` when the item depends on something this service has not received yet.

The answer lists one ``ResultadoItem`` per item, in order, with ``estado``: ``registrado``,
``ya_registrado``, ``rechazado`` (with ``motivo``, kept by the device until its user fixes or discards
it) or ``en_espera`` (the device sends it again by itself; it goes through once what it waits for
arrives). One item refused never stops the others; the same queue sent again records nothing twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from shared.autorizacion import Politica
from shared.eventstore import DomainError
from shared.http import ErrorDeCampo, motivo, respuesta_de
from shared.telemetry import Actor

Estado = Literal["registrado", "ya_registrado", "rechazado", "en_espera"]


class ResultadoItem(BaseModel):
    """The answer to one item of a queue."""

    indice: int = Field(description="Posición del elemento en la cola (desde 0).")
    operacion: str
    id: str | None = Field(None, description="El identificador del registro (el que generó el dispositivo).")
    codigo: int = Field(description="El código HTTP que habría respondido la ruta individual: 201 registrado, "
                                    "200 ya registrado, 403 o 404 fuera de su ámbito, 409 conflicto o en espera, "
                                    "422 no válido.")
    estado: Estado = Field(description="registrado, ya_registrado, rechazado (ver motivo) o en_espera (se "
                                       "reenvía solo: depende de algo que este servicio aún no recibe).")
    error: str | None = Field(None, description="Código estable del error, como en la ruta individual (p. ej. "
                                                "``prohibido``, ``no_encontrado``, ``conflicto``, ``en_espera``).")
    motivo: str | None = Field(None, description="Por qué se rechazó o espera, en castellano.")
    errores: list[ErrorDeCampo] | None = Field(None, description="En 422, cada dato no válido.")
    advertencias: list[str] = Field(default_factory=list, description="Avisos que no impiden el registro.")


@dataclass(frozen=True)
class Operacion:
    """One kind of item: the single route it stands for, its body and the command that applies it.

    ``aplicar(entrada, **parametros)`` returns the record's id and whether it was new (a bool, or a
    result with ``nuevo`` and ``advertencias``). ``autor``: the body field naming the acompañante who
    records it, filled with the queue's acompañante when absent and refused when it names another.
    """

    ruta: str
    modelo: type[BaseModel]
    aplicar: Callable[..., tuple[Any, Any]]
    autor: str | None = "acompanante_id"
    id: str | None = None  # the field (of ``datos`` or a path parameter) naming the record, if not the first id


    @property
    def parametros(self) -> list[str]:
        return re.findall(r"\{(\w+)", self.ruta)


class Lote:
    """The executor every service's ``…/lote`` route calls (``ejecutar``), from a worker thread."""

    def __init__(self, operaciones: Mapping[str, Operacion],
                 resultado: type[ResultadoItem] = ResultadoItem) -> None:
        self.operaciones = operaciones
        self.resultado = resultado

    def ejecutar(self, politica: Politica, actor: Actor, acompanante: str, items: Sequence[Any]) -> list[ResultadoItem]:
        return [self._item(politica, actor, acompanante, indice, item) for indice, item in enumerate(items)]

    def _item(self, politica: Politica, actor: Actor, acompanante: str, indice: int, item: Any) -> ResultadoItem:
        op = self.operaciones[item.operacion]
        parametros = {p: getattr(item, p, None) or (acompanante if p == "acompanante_id" else None)
                      for p in op.parametros}
        datos = dict(item.datos)
        if op.autor and op.autor in op.modelo.model_fields:
            datos.setdefault(op.autor, acompanante)
        base = {"indice": indice, "operacion": item.operacion, "id": _id_de(op, parametros, datos),
                **{k: getattr(item, k) for k in self.resultado.model_fields if k not in ResultadoItem.model_fields
                   and hasattr(item, k)}}
        faltan = [p for p, v in parametros.items() if v is None]
        if faltan:
            return self.resultado(**base, codigo=422, estado="rechazado", error="solicitud_invalida",
                                  motivo="La solicitud tiene datos no válidos.",
                                  errores=[ErrorDeCampo(campo=p, motivo="es obligatorio") for p in faltan])
        ids = {k: str(v) for k, v in parametros.items()}
        negado = politica.decidir_item(op.ruta, actor, ids, datos)
        if negado is not None:
            codigo, error, mensaje = negado
            return self.resultado(**base, codigo=codigo, estado="rechazado", error=error, motivo=mensaje)
        try:
            entrada = op.modelo.model_validate(datos)
            if op.autor and str(getattr(entrada, op.autor, acompanante)) != acompanante:
                raise DomainError("El elemento es de otro acompañante que el del lote.")
            id_, res = op.aplicar(entrada, **parametros)
        except ValidationError as exc:
            errores = [ErrorDeCampo(campo=".".join(str(x) for x in ("datos", *e["loc"])), motivo=motivo(e))
                       for e in exc.errors()]
            return self.resultado(**base, codigo=422, estado="rechazado", error="solicitud_invalida",
                                  motivo="; ".join(f"{e.campo}: {e.motivo}" for e in errores), errores=errores)
        except Exception as exc:
            mapeado = respuesta_de(exc)
            if mapeado is None:
                raise
            codigo, error, mensaje = mapeado
            return self.resultado(**base, codigo=codigo, estado="en_espera" if error == "en_espera" else "rechazado",
                                  error=error, motivo=mensaje)
        nuevo = getattr(res, "nuevo", res)
        return self.resultado(**{**base, "id": str(id_) if id_ is not None else base["id"]},
                              codigo=201 if nuevo else 200, estado="registrado" if nuevo else "ya_registrado",
                              advertencias=list(getattr(res, "advertencias", [])))


def _id_de(op: Operacion, parametros: dict[str, Any], datos: dict[str, Any]) -> str | None:
    """The record an item is about, for the device to match the answer: the id it generated."""
    propios = [c for c in op.modelo.model_fields if c.endswith("_id") and c != op.autor]
    for clave in [op.id] if op.id else propios + list(reversed(parametros)):
        valor = datos.get(clave, parametros.get(clave))
        if valor:
            return str(valor)
    return None
