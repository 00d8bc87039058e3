"""The value objects stored events carry and aggregates hold, the same in every service: a frozen dataclass
(``Valor``) read from a plain dict and given back as one by the types of its fields, and the upcast of a stored
event whose dict became such a value (``como_valor``).

How the store records a value is not here: ``shared.eventstore.ValorTranscoding`` stores it by its fields, under
the name its service gives it (``ServiceApplication.valores``). ``de`` and ``como_dict`` are for what is not the
store: a command's or a message's dict, a record an older event kept as a dict, the rows of a read model and the
data of a published contract (dates as ISO text, values within as dicts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import Any, Self, Union, get_args, get_origin, get_type_hints

__all__ = ["Valor", "como_valor"]


@dataclass(frozen=True)
class Valor:
    """An immutable value. Its subclasses are frozen dataclasses (``@dataclass(frozen=True)``) of plain fields:
    text, numbers, dates, other values, and lists, tuples and dicts of them; a field that came later has a
    default, so a dict recorded before it existed still reads."""

    @classmethod
    def de(cls, datos: Mapping[str, Any] | Valor) -> Self:
        """From a dict (or another value with these fields): each field read by its type; keys that are not
        fields are ignored, a missing field takes its default."""
        datos = _campos(datos)
        tipos = _tipos(cls)
        return cls(**{f.name: _leer(tipos[f.name], datos[f.name]) for f in fields(cls) if f.name in datos})

    def como_dict(self) -> dict[str, Any]:
        """The value as plain data: dates as ISO text, values within as dicts, tuples as lists."""
        d = {}
        for nombre in nombres_de_campos(type(self)):
            valor = getattr(self, nombre)
            d[nombre] = valor if type(valor) in _ESCALARES else _plano(valor)
        return d

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """A copy of an aggregate (the repository's cache deep-copies it on every read) shares its values: they
        are frozen, and their lists and dicts are never changed in place."""
        return self


def como_valor(fijos: Mapping[str, Any] | None = None, /, **campos: type) -> Any:
    """The upcast of a stored event whose ``campos`` it kept as dicts and are now values (``Valor.de``; a pydantic
    model's ``model_validate``), with ``fijos`` for the fields it did not carry. Assigned as the event's
    ``upcast_v1_v2`` (or ``_v2_v3``)::

        upcast_v1_v2 = como_valor({"informe": None}, recepcion=Recepcion)
    """

    def upcast(state: dict[str, Any]) -> None:
        state.update({**(fijos or {}), **{campo: _leer(tipo, state[campo]) for campo, tipo in campos.items()}})

    return staticmethod(upcast)


def _campos(datos: Mapping[str, Any] | Valor) -> Mapping[str, Any]:
    if isinstance(datos, Valor):
        return {f.name: getattr(datos, f.name) for f in fields(datos)}
    return datos


@cache
def _tipos(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _leer(tipo: Any, valor: Any) -> Any:  # noqa: PLR0911 - one return per kind of type
    """``valor`` as a field of type ``tipo`` holds it: a date from ISO text, a value from its dict, in lists, tuples
    and dicts too; of a union (``list[str] | str``) the type ``valor`` already is, else its first."""
    if valor is None or tipo is Any:
        return valor
    if get_origin(tipo) in (Union, UnionType):
        opciones = [t for t in get_args(tipo) if t is not NoneType]
        tipo = next((t for t in opciones if _es(valor, t)), opciones[0])
    origen, args = get_origin(tipo), get_args(tipo)
    if origen is list:
        return [_leer(args[0], v) for v in valor]
    if origen is tuple:
        if args[1:] == (Ellipsis,):  # tuple[X, ...]
            return tuple(_leer(args[0], v) for v in valor)
        return tuple(_leer(t, v) for t, v in zip(args, valor, strict=True))
    if origen is dict:
        return {k: _leer(args[1], v) for k, v in valor.items()}
    if not isinstance(tipo, type) or isinstance(valor, tipo):
        return valor  # Literal, or already of its type
    if tipo in (date, datetime):
        return tipo.fromisoformat(valor)
    if issubclass(tipo, Valor):
        return tipo.de(valor)
    if issubclass(tipo, Enum):
        return tipo(valor)
    if hasattr(tipo, "model_validate"):  # a pydantic model
        return tipo.model_validate(valor)
    return valor


def _es(valor: Any, tipo: Any) -> bool:
    clase = get_origin(tipo) or tipo
    return isinstance(clase, type) and isinstance(valor, clase)


_ESCALARES = frozenset({str, int, float, bool, NoneType})  # exactly these types (an Enum of str is not): as they are
_NOMBRES: dict[type, tuple[str, ...]] = {}


def nombres_de_campos(cls: type) -> tuple[str, ...]:
    """The names of a value type's fields, in their order: ``dataclasses.fields`` once per type, not per value."""
    try:
        return _NOMBRES[cls]
    except KeyError:
        return _NOMBRES.setdefault(cls, tuple(f.name for f in fields(cls)))


def _plano(valor: Any) -> Any:
    if type(valor) in _ESCALARES:
        return valor
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, Valor):
        return valor.como_dict()
    if isinstance(valor, Enum):
        return valor.value
    if isinstance(valor, list | tuple):
        return [v if type(v) in _ESCALARES else _plano(v) for v in valor]
    if isinstance(valor, dict):
        return {k: _plano(v) for k, v in valor.items()}
    if hasattr(valor, "model_dump"):  # a pydantic model
        return valor.model_dump(mode="json")
    return valor
