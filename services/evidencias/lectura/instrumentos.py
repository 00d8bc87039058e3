"""Published instruments in the read model: each item with its canonical key (the first version's item it
descends from through the declared equivalences), so observations made with different versions line up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from services.evidencias.lectura.base import Base
from services.evidencias.tablas import instrumento
from shared.views import Tablas


class Instrumentos(Base):
    def _instrumento(self, conn: Connection, t: Tablas, e: Any, _: int) -> None:
        i = e.instrumento
        self.escribir(conn, t.instrumento, {"clave": i.clave, "codigo": i.codigo, "version": i.version,
                                            "contenido": i.model_dump(mode="json")}, "clave", actualizar=False)
        items = t.item
        for it in i.items:
            canonico = it.clave
            if it.equivale_a:
                previo = f"{i.codigo}@{i.reemplaza}"
                canonico = conn.execute(select(items.c.canonico).where(
                    items.c.instrumento == previo, items.c.item == it.equivale_a)).scalar_one()
            self.escribir(conn, items, {"instrumento": i.clave, "item": it.clave, "canonico": canonico,
                                        "competencia": it.competencia}, "instrumento", "item", actualizar=False)

    def instrumentos(self, codigo: str | None = None) -> list[dict[str, Any]]:
        consulta = select(instrumento.c.contenido).order_by(instrumento.c.codigo, instrumento.c.version)
        if codigo:
            consulta = consulta.where(instrumento.c.codigo == codigo)
        return [f.contenido for f in self.filas(consulta)]
