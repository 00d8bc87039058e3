"""A padrón file against what is registered: which rows are new, changed or the same (pure functions).

The application (``Focalizacion.importar_*``) reads the registered rows from its read model, asks these
functions what to record, and records it; a row equal to what is registered records nothing, so the same
file uploaded twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from services.focalizacion import domainmodel as dm
from services.focalizacion.padron import Lectura, Rechazo


@dataclass
class Cambios:
    """The rows to record (line, id, fields, whether it is new) and how many equal what is registered."""
    filas: list[tuple[int, UUID, dict[str, Any], bool]] = field(default_factory=list)
    sin_cambios: int = 0


def con_su_ie(lectura: Lectura, ies: dict[str, dict[str, Any]]) -> Lectura:
    """A docente's row is valid only when his IE is in the registered padrón and has his level; it takes
    the IE's territory (``dre``, ``ugel``)."""
    validas = []
    for linea, datos in lectura.validas:
        ie = ies.get(str(dm.ie_id(datos["codigo_modular"], datos["anexo"])))
        if ie is None:
            lectura.rechazadas.append(Rechazo(linea, [(
                "COD_MOD", f"la IE {datos['codigo_modular']}-{datos['anexo']} no está en el padrón registrado")],
                datos["dni"]))
        elif ie["nivel"] != datos["nivel"]:
            lectura.rechazadas.append(Rechazo(linea, [(
                "NIVEL", f"el docente figura en {datos['nivel']} y la IE es de {ie['nivel']}")], datos["dni"]))
        else:
            validas.append((linea, {**datos, "dre": ie["dre"], "ugel": ie["ugel"]}))
    lectura.validas = validas
    lectura.rechazadas.sort(key=lambda r: r.linea)
    return lectura


def cambios(lectura: Lectura, ident: Callable[[dict[str, Any]], UUID],
            existentes: dict[str, dict[str, Any]]) -> Cambios:
    """What of ``lectura`` differs from ``existentes`` (the registered rows by id, personal fields in clear)."""
    resultado = Cambios()
    for linea, datos in lectura.validas:
        id_ = ident(datos)
        previo = existentes.get(str(id_))
        if previo is not None:  # a column added to the padrón later, empty in this file: not a change
            datos = {k: v for k, v in datos.items() if v is not None or k in previo}
        if previo == datos:
            resultado.sin_cambios += 1
        else:
            resultado.filas.append((linea, id_, datos, previo is None))
    return resultado
