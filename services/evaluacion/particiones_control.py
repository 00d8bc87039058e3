"""Where the processes (or pods) of a partitioned rebuild meet: the run and its tasks, in the read-model database.

- ``reconstruccion``: the run (its key, the generations it fills, the stream sequence every task reads up to,
  which partition switched, the checksums).
- ``reconstruccion_tareas``: each task's progress (read up to which sequence of how many, how many events, the
  process CPU seconds it took, when it finished): the chain of one service (``cadena <servicio>``, phase 1) and
  each apply partition (``partición <i>``, phase 2); a chain task also leaves there where its chain ended
  (the head's position, hash and state, and how many facts still wait), for the switch's catch-up.
- ``reconstruccion_tramos``: what each slice of the stream (``tramo <i>``, phase 1) found of each service's chain
  (whether it continues link after link, its first fact's link, its last one's), for the join.
- ``reconstruccion_excepciones``: the producers' facts a live consumer would not apply where they came in the
  stream (``shared.eslabones.Veredictos``): normally none.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column, DateTime, Float, Integer, LargeBinary, MetaData, String, Table, Text, delete, func, or_, select, update,
)

from shared.stream_views import StreamView

CADENA, PARTICION = 1, 2  # the phases


def nombre_cadena(servicio: str) -> str:
    return f"cadena {servicio}"


def nombre_particion(indice: int) -> str:
    return f"partición {indice}"


def nombre_tramo(indice: int) -> str:
    return f"tramo {indice}"


def tablas_control(metadata: MetaData) -> tuple[Table, Table, Table, Table, Table]:
    corrida = Table("reconstruccion", metadata,
                    Column("clave", String(64), primary_key=True),
                    Column("particiones", Integer, nullable=False),
                    Column("generaciones", Text, nullable=False),  # JSON: projection -> generation being filled
                    Column("hasta", Integer, nullable=False),  # every task reads the stream up to this sequence
                    Column("activada_por", Integer, nullable=True),
                    Column("checksums", Text, nullable=True),
                    Column("creada_en", DateTime(timezone=True), nullable=False))
    tareas = Table("reconstruccion_tareas", metadata,
                   Column("clave", String(64), primary_key=True),
                   Column("tarea", String(40), primary_key=True),
                   Column("fase", Integer, nullable=False),
                   Column("leidos", Integer, nullable=False),  # the stream sequence read up to
                   Column("total", Integer, nullable=False),
                   Column("eventos", Integer, nullable=False, default=0),  # the messages it was handed
                   Column("cpu", Float, nullable=False, default=0.0),  # its process's CPU seconds
                   Column("inicio", Float, nullable=False),
                   Column("terminada_en", DateTime(timezone=True), nullable=True),
                   Column("cabeza", Integer, nullable=True),  # a chain's head: position, hash and state
                   Column("cabeza_hash", String(64), nullable=True),
                   Column("cabeza_estado", String(12), nullable=True),
                   Column("esperando", Integer, nullable=True))  # its facts still waiting for a predecessor
    excepciones = Table("reconstruccion_excepciones", metadata,
                        Column("clave", String(64), primary_key=True),
                        Column("secuencia", Integer, primary_key=True),
                        Column("servicio", String(20), nullable=False),
                        Column("estado", String(12), nullable=False),
                        Column("liberado_en", Integer, nullable=True),
                        Column("orden", Integer, nullable=True))
    tramos = Table("reconstruccion_tramos", metadata,
                   Column("clave", String(64), primary_key=True),
                   Column("tramo", Integer, primary_key=True),
                   Column("servicio", String(20), primary_key=True),
                   Column("limpio", Integer, nullable=False),  # 1: each fact continues the one before it
                   Column("primera", Integer, nullable=True),  # its first fact: position, predecessor, hash, content
                   Column("primera_anterior", Integer, nullable=True),
                   Column("primera_hash", String(64), nullable=True),
                   Column("primera_canonico", LargeBinary, nullable=True),
                   Column("ultima", Integer, nullable=True),  # its last fact: position and hash
                   Column("ultima_hash", String(64), nullable=True))
    territorios = Table("reconstruccion_territorios", metadata,
                        Column("clave", String(64), primary_key=True),
                        Column("territorio", String(80), primary_key=True),  # <dre>.<ugel>
                        Column("particion", Integer, nullable=False))
    return corrida, tareas, excepciones, tramos, territorios


class Control:
    """The run's and its tasks' rows, in the read-model database."""

    def __init__(self, engine: Any) -> None:
        metadata = MetaData()
        self.corrida, self.tareas, self.excepciones, self.tramos, self.territorios = tablas_control(metadata)
        self.engine = engine
        metadata.create_all(self.engine)

    def reservar(self, clave: str, particiones: int, vistas: list[StreamView], hasta: int,
                 cadenas: list[str], reparto: dict[str, int]) -> dict[str, int]:
        """The run's generations, each territory's partition (``reparto``), and a row for each of its tasks
        (nothing read yet): the total counts them all from the start."""
        generaciones = {v.nombre: v.empezar_construccion() for v in vistas}
        ahora = datetime.now(UTC).timestamp()
        tareas = [{"tarea": nombre_tramo(i), "fase": CADENA} for i in range(particiones) if cadenas]
        tareas += [{"tarea": nombre_cadena(s), "fase": CADENA} for s in cadenas]
        tareas += [{"tarea": nombre_particion(i), "fase": PARTICION} for i in range(particiones)]
        with self.engine.begin() as conn:
            conn.execute(self.corrida.insert().values(clave=clave, particiones=particiones, hasta=hasta,
                                                      generaciones=json.dumps(generaciones),
                                                      creada_en=datetime.now(UTC)))
            conn.execute(self.tareas.insert(), [{"clave": clave, "leidos": 0, "total": hasta, "eventos": 0,
                                                 "cpu": 0.0, "inicio": ahora, **t} for t in tareas])
            if reparto:
                conn.execute(self.territorios.insert(), [{"clave": clave, "territorio": t, "particion": i}
                                                         for t, i in reparto.items()])
        return generaciones

    def territorios_de(self, clave: str, indice: int) -> list[str]:
        r = self.territorios
        with self.engine.connect() as conn:
            return list(conn.execute(select(r.c.territorio).where(r.c.clave == clave, r.c.particion == indice))
                        .scalars())

    def corrida_de(self, clave: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(self.corrida).where(self.corrida.c.clave == clave)).first()

    def avance(self, clave: str, tarea: str, fase: int, leidos: int, total: int, inicio: float,
               **mas: Any) -> None:
        t = self.tareas
        with self.engine.begin() as conn:
            hecho = conn.execute(update(t).where(t.c.clave == clave, t.c.tarea == tarea)
                                 .values(leidos=leidos, total=total, inicio=inicio, **mas))
            if not hecho.rowcount:
                conn.execute(t.insert().values(clave=clave, tarea=tarea, fase=fase, leidos=leidos, total=total,
                                               inicio=inicio, **mas))

    def terminar_cadena(self, clave: str, servicio: str, excepciones: list[dict], **mas: Any) -> None:
        """A chain task's exceptions (those it wrote before, if it ran before, replaced) and its end, at once."""
        x, t = self.excepciones, self.tareas
        with self.engine.begin() as conn:
            conn.execute(delete(x).where(x.c.clave == clave, x.c.servicio == servicio))
            if excepciones:
                conn.execute(x.insert(), [{"clave": clave, **e} for e in excepciones])
            conn.execute(update(t).where(t.c.clave == clave, t.c.tarea == nombre_cadena(servicio))
                         .values(terminada_en=datetime.now(UTC), **mas))

    def terminar_tramo(self, clave: str, indice: int, resumenes: list[dict], **mas: Any) -> None:
        """A slice's summary of each chain (replacing one written before, if it ran before) and its end, at once."""
        r, t = self.tramos, self.tareas
        with self.engine.begin() as conn:
            conn.execute(delete(r).where(r.c.clave == clave, r.c.tramo == indice))
            if resumenes:
                conn.execute(r.insert(), [{"clave": clave, "tramo": indice, **x} for x in resumenes])
            conn.execute(update(t).where(t.c.clave == clave, t.c.tarea == nombre_tramo(indice))
                         .values(terminada_en=datetime.now(UTC), **mas))

    def tramo_terminado(self, clave: str, indice: int) -> bool:
        t = self.tareas
        with self.engine.connect() as conn:
            return conn.execute(select(t.c.terminada_en).where(
                t.c.clave == clave, t.c.tarea == nombre_tramo(indice))).scalar() is not None

    def tramos_terminados(self, clave: str) -> int:
        t = self.tareas
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(t).where(
                t.c.clave == clave, t.c.tarea.like("tramo %"), t.c.terminada_en.is_not(None))).scalar_one()

    def tramos_de(self, clave: str, servicio: str) -> list[Any]:
        r = self.tramos
        with self.engine.connect() as conn:
            return list(conn.execute(select(r).where(r.c.clave == clave, r.c.servicio == servicio)
                                     .order_by(r.c.tramo)))

    def cadenas_terminadas(self, clave: str, servicios: list[str]) -> dict[str, Any]:
        t = self.tareas
        with self.engine.connect() as conn:
            filas = conn.execute(select(t).where(t.c.clave == clave, t.c.fase == CADENA,
                                                 t.c.terminada_en.is_not(None)))
            return {f.tarea.removeprefix("cadena "): f for f in filas if f.tarea.removeprefix("cadena ") in servicios}

    def excepciones_de(self, clave: str) -> list[Any]:
        x = self.excepciones
        with self.engine.connect() as conn:
            return list(conn.execute(select(x).where(x.c.clave == clave).order_by(x.c.secuencia)))

    def terminar(self, clave: str, indice: int, **mas: Any) -> bool:
        """Record that the partition finished; whether it is the one that switches (the last to finish)."""
        t, c = self.tareas, self.corrida
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.clave == clave, t.c.tarea == nombre_particion(indice))
                         .values(terminada_en=datetime.now(UTC), **mas))
        with self.engine.begin() as conn:
            n = conn.execute(select(c.c.particiones).where(c.c.clave == clave)).scalar_one()
            hechas = conn.execute(select(func.count()).select_from(t).where(
                t.c.clave == clave, t.c.fase == PARTICION, t.c.terminada_en.is_not(None))).scalar_one()
            if hechas < n:
                return False
            # the same partition again (its pod restarted mid-switch) takes it up where it stopped
            return bool(conn.execute(update(c).where(c.c.clave == clave, or_(c.c.activada_por.is_(None),
                                                                               c.c.activada_por == indice))
                                     .values(activada_por=indice)).rowcount)

    def guardar_checksums(self, clave: str, sumas: dict[str, str]) -> None:
        c = self.corrida
        with self.engine.begin() as conn:
            conn.execute(update(c).where(c.c.clave == clave).values(checksums=json.dumps(sumas)))

    def estado(self, clave: str) -> list[Any]:
        t = self.tareas
        with self.engine.connect() as conn:
            return list(conn.execute(select(t).where(t.c.clave == clave).order_by(t.c.fase, t.c.tarea)))


def resumen(filas: list[Any], ahora: float) -> list[str]:
    """One line per task (chains first, then partitions) and one for the total: read (stream sequence), of how
    many, and the time left at its pace."""
    def linea(nombre: str, leidos: int, total: int, inicio: float, terminada: bool) -> str:
        s = ahora - inicio
        resto = "terminada" if terminada else (
            f"quedan ~{s * (total - leidos) / leidos:,.0f} s" if leidos and total else "empezando")
        pct = 100 * leidos / total if total else 0.0
        return f"{nombre}: {leidos:,}/{total:,} ({pct:.0f}%), {s:,.0f} s, {resto}"

    lineas = [linea(f.tarea, f.leidos, f.total, f.inicio, f.terminada_en is not None) for f in filas]
    if filas:
        lineas.append(linea("total", sum(f.leidos for f in filas), sum(f.total for f in filas),
                            min(f.inicio for f in filas), all(f.terminada_en is not None for f in filas)))
    return lineas
