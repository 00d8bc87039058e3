"""Published instruments in the read model: each item with its canonical key (the first version's item it
descends from through the declared equivalences), so observations made with different versions line up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.evidencias.lectura.base import Base, una
from services.evidencias.tablas import instrumento
from shared.unidad import UnidadDeTrabajo
from shared.views import Tablas


class Instrumentos(Base):
    def _instrumento(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        i = e.instrumento
        u.insertar(t.instrumento, {"clave": i.clave, "codigo": i.codigo, "version": i.version,
                                   "contenido": i.model_dump(mode="json")})
        items = t.item
        for it in i.items:
            canonico = it.clave
            if it.equivale_a:
                canonico = una(u.leer(items, f"{i.codigo}@{i.reemplaza}", it.equivale_a))["canonico"]
            u.insertar(items, {"instrumento": i.clave, "item": it.clave, "canonico": canonico,
                               "competencia": it.competencia})

    def instrumentos(self, codigo: str | None = None) -> list[dict[str, Any]]:
        consulta = select(instrumento.c.contenido).order_by(instrumento.c.codigo, instrumento.c.version)
        if codigo:
            consulta = consulta.where(instrumento.c.codigo == codigo)
        return [f.contenido for f in self.filas(consulta)]
