"""The full history of each docente, across the four services, and the ledger of their hash chains.

A projection of every published fact (``acompana.>``), rebuilt like the others from the stream:

- ``hechos``: one row per fact and docente it concerns, with its service, stream sequence, position
  in its service's store, type and version, who caused it (user and role), when it happened and when
  it was recorded, the request's trace id and its content. A docente's timeline is ordered by the
  time each fact was recorded, then by its place in the stream.
- ``eslabones``: every fact's link in its service's chain, verified on arrival: its hash must follow
  from the previous fact's hash and its own content (``Envelope.encadenar``). A fact whose
  predecessor has not arrived yet waits, and is verified when it does; a broken link stays recorded
  with its reason. ``sellos``: the seals the relays published, to compare with the ledger.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    text,
)

from services.evaluacion.enlaces import Eslabon, Esperando, enlazar
from services.evaluacion.hechos import filas_de_hecho
from shared import contracts as c
from shared.contracts import Envelope, IntegrationEvent
from shared.eslabones_tabla import por_anterior
from shared.stream_views import Filas, StreamView, Tablas, instante, marca
from shared.transacciones import ejecutar_varias

Id = String(36)


class Historia(StreamView):
    nombre = "historia"
    sigue_cadenas = False  # it records every fact, its link broken or not, in ``eslabones``

    def __init__(self, store: Any, control: Table) -> None:
        super().__init__(store, control)
        self._textos: dict[tuple, Any] = {}  # by (ledger table's name, statement[, n]): one per generation
        for contrato in IntegrationEvent.registry.values():
            self.handlers[contrato] = self._hecho
        self.handlers[c.CadenaSelladaV1] = self._sello

    def definir(self, metadata: MetaData, n: Callable[[str], str]) -> list[Table]:
        return [
            Table(n("hechos"), metadata,
                  Column("docente_id", Id, primary_key=True),
                  Column("secuencia", Integer, primary_key=True),
                  Column("servicio", String(20), nullable=False),
                  Column("evento", String(60), nullable=False),
                  Column("version", Integer, nullable=False),
                  Column("evento_id", String(200), nullable=False),
                  Column("registrado_en", String(27), nullable=False),
                  Column("ocurrido", Date, nullable=True),
                  Column("anio", Integer, nullable=True),
                  Column("usuario", String(100), nullable=False),
                  Column("rol", String(50), nullable=False),
                  Column("traza", String(32), nullable=False),
                  Column("contenido", Text, nullable=False)),
            Table(n("eslabones"), metadata,
                  Column("servicio", String(20), primary_key=True),
                  Column("posicion", Integer, primary_key=True),
                  Column("anterior", Integer, nullable=False, index=True),  # who waits for whom
                  Column("hash", String(64), nullable=False),
                  Column("secuencia", Integer, nullable=False),
                  Column("estado", String(12), nullable=False),  # verificado | pendiente | roto
                  Column("motivo", Text, nullable=False),
                  Column("canonico", LargeBinary, nullable=True)),  # kept only while it waits
            Table(n("cadenas"), metadata,  # one row per service: its ledger is updated by one writer at a time
                  Column("servicio", String(20), primary_key=True),
                  Column("ultima", Integer, nullable=False)),
            Table(n("sellos"), metadata,
                  Column("servicio", String(20), primary_key=True),
                  Column("posicion", Integer, primary_key=True),
                  Column("hash", String(64), nullable=False),
                  Column("hechos", Integer, nullable=False),
                  Column("sellado_en", String(27), nullable=False)),
        ]

    # --- handlers -------------------------------------------------------------------------------------

    def _aplicar_nuevos(self, conn: Connection, t: Tablas, nuevos: list[Envelope]) -> None:
        """A batch's facts: their rows (``_filas``), each statement once for all of them, then every fact's link
        in its service's chain (``_eslabones``)."""
        hechos = self._filas(conn, t, nuevos)
        if hechos:
            self._eslabones(conn, t, hechos)

    def _filas(self, conn: Connection, t: Tablas, envelopes: list[Envelope]) -> list[Envelope]:
        """The rows of ``envelopes``: each fact's in ``hechos`` (built here in one loop, one executemany: the
        handlers' way, a call and a statement lookup per fact, cost a tenth of the history), each seal's in
        ``sellos``. Returns the facts (the seals aside), in order."""
        filas: list[dict[str, Any]] = []
        hechos: list[Envelope] = []
        sellos = Filas()
        for env in envelopes:
            if type(env.data) is c.CadenaSelladaV1:  # dispatched by type, as ``handlers``
                self._sello(sellos, t, env)
            else:
                hechos.append(env)
                filas_de_hecho(env, filas)
        ejecutar_varias(conn, self.sentencia(t, "hechos", "docente_id", "secuencia"), filas)
        sellos.vaciar(conn)
        return hechos

    def aplicar_particion(self, envelopes: list[Envelope], generacion: int, territorio: Callable[[Envelope], bool],
                          cadena: Callable[[str], bool]) -> int:
        """A partition's share of a batch (``services.evaluacion.particiones``): the rows, seals and inbox ids
        of the facts of its territories, each once; the links of every fact of the services whose chains it
        checks (a fact of another territory is checked here and recorded there, without its inbox: one whose
        position already has its link, read again, is skipped, as the inbox skips an id seen)."""
        t = self.tablas(generacion)
        with self.store.engine.begin() as conn:
            propios = [e for e in envelopes if type(e.data) in self.handlers and territorio(e)]
            nuevos = {id(e) for e in self._nuevos(conn, t, propios)}
            self._filas(conn, t, [e for e in propios if id(e) in nuevos])
            enlaces = [e for e in envelopes if not isinstance(e.data, c.CadenaSelladaV1) and cadena(e.data.servicio)
                       and (id(e) in nuevos or not territorio(e))]
            if enlaces:
                self._eslabones(conn, t, enlaces, ajenos={id(e) for e in enlaces if id(e) not in nuevos})
        return len(nuevos)

    def _hecho(self, filas: Filas, t: Tablas, env: Envelope) -> None:
        """A fact's rows, one per docente it concerns (``filas_de_hecho``)."""
        suyas: list[dict[str, Any]] = []
        filas_de_hecho(env, suyas)
        if suyas:
            filas.execute(self.sentencia(t, "hechos", "docente_id", "secuencia"), suyas)

    def _sql(self, t: Tablas, nombre: str) -> Any:
        """The ledger's statements, as text built once per generation (building them per fact cost more
        than running them). Keyed by the table's name, which names its generation: the text is right for any
        table of that name, even one created again after a rebuild dropped it."""
        clave = (t.eslabones.name, nombre)
        sentencia = self._textos.get(clave)
        if sentencia is None:
            e, k = t.eslabones.name, t.cadenas.name
            mayor = "GREATEST" if self.store.engine.dialect.name == "postgresql" else "MAX"
            sentencia = self._textos[clave] = text({
                # The upsert locks the service's row (created at its first fact) until the transaction ends: two
                # batches of one chain applied at once (two consumers, two replicas) cannot each miss the other's
                # facts. One statement where an INSERT of the row and an UPDATE of it ran.
                "bloquear": f'INSERT INTO "{k}" (servicio, ultima) VALUES (:servicio, :posicion) '
                            f'ON CONFLICT (servicio) DO UPDATE SET ultima = {mayor}("{k}".ultima, excluded.ultima)',
                "resolver": f'UPDATE "{e}" SET estado = :estado, motivo = :motivo, canonico = NULL '
                            "WHERE servicio = :servicio AND posicion = :posicion",
            }[nombre])
        return sentencia

    def _eslabones(self, conn: Connection, t: Tablas, hechos: list[Envelope], ajenos: set[int] | None = None) -> None:
        """Each fact's link, verified as if the facts came one at a time in the batch's order: a fact is
        checked against its predecessor's recorded hash (in the ledger, or earlier in the batch), waits when
        the predecessor has not come, and settles the facts that waited for it. The ledger is read once per
        service and batch (the rows at the batch's positions, their predecessors, the facts waiting for
        them) under the service's lock, and written with one statement per kind of write."""
        por_servicio: dict[str, list[Eslabon]] = {}
        for env in hechos:
            por_servicio.setdefault(env.data.servicio, []).append((env, env.position))
        servicios = sorted(por_servicio)  # locks always taken in one order
        ejecutar_varias(conn, self._sql(t, "bloquear"), [
            {"servicio": s, "posicion": max(posicion for _, posicion in por_servicio[s])} for s in servicios])
        insertar: list[dict[str, Any]] = []
        resolver: list[dict[str, Any]] = []
        for servicio in servicios:
            nuevas, resueltas = self._cadena(conn, t, servicio, por_servicio[servicio], ajenos or set())
            insertar.extend(nuevas)
            resolver.extend(resueltas)
        ejecutar_varias(conn, self.sentencia(t, "eslabones", "servicio", "posicion"), insertar)
        ejecutar_varias(conn, self._sql(t, "resolver"), resolver)

    def _cadena(self, conn: Connection, t: Tablas, servicio: str, envs: list[Eslabon], ajenos: set[int]
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        buscadas = {p for _, p in envs} | {env.cadena_anterior for env, _ in envs if env.cadena and env.cadena_anterior}
        guardadas = dict(self._en(conn, t, "guardadas", servicio, sorted(buscadas)))  # position -> hash
        esperan: dict[int, list[Esperando]] = {}
        encadenadas = sorted({p for env, p in envs if env.cadena})
        for posicion, anterior, hash_, canonico in self._en(conn, t, "esperan", servicio, encadenadas):
            esperan.setdefault(anterior, []).append((posicion, hash_, canonico, True))
        return enlazar(servicio, envs, guardadas, esperan, ajenos)

    def _en(self, conn: Connection, t: Tablas, nombre: str, servicio: str, valores: list[int]) -> list[Any]:
        """The ledger's rows of ``servicio`` at the positions ``valores`` (``guardadas``: position, hash), or
        waiting for them (``esperan``: position, predecessor, hash, content): a statement per power of two of
        positions (padded with the last one, as the inbox's), built once per generation and run by the driver
        with the positions in a tuple (SQLAlchemy bound each of hundreds of parameters by name each time)."""
        filas: list[Any] = []
        m = marca(conn)
        for i in range(0, len(valores), 512):
            parte = valores[i:i + 512]
            n = 1 << (len(parte) - 1).bit_length()
            parte += [parte[-1]] * (n - len(parte))
            clave = (t.eslabones.name, nombre, n, m)
            sentencia = self._textos.get(clave)
            if sentencia is None:
                lista = ", ".join([m] * n)
                sentencia = self._textos[clave] = {
                    "guardadas": f'SELECT posicion, hash FROM "{t.eslabones.name}" '
                                 f"WHERE servicio = {m} AND posicion IN ({lista})",
                    # ``por_anterior``: by the index on ``anterior``, not by reading the service's every link
                    "esperan": f'SELECT posicion, anterior, hash, canonico FROM "{t.eslabones.name}" '
                               f"WHERE {por_anterior(self.store.engine)} = {m} AND estado = 'pendiente' "
                               f"AND anterior IN ({lista})",
                }[nombre]
            filas.extend(conn.exec_driver_sql(sentencia, (servicio, *parte)).all())
        return filas

    def _sello(self, filas: Filas, t: Tablas, env: Envelope) -> None:
        s: c.CadenaSelladaV1 = env.data  # type: ignore[assignment]
        filas.execute(self.sentencia(t, "sellos", "servicio", "posicion"), {
            "servicio": s.servicio_sellado, "posicion": s.posicion, "hash": s.hash, "hechos": s.hechos,
            "sellado_en": instante(s.sellado_en)})

    # --- reading ------------------------------------------------------------------------------------

    def historia(self, docente_id: str, *, al: str, desde: date | None = None, hasta: date | None = None,
                 etapa: int | None = None, eventos: list[str] | None = None, servicios: list[str] | None = None,
                 pagina: int = 1, por_pagina: int = 100) -> dict[str, Any]:
        """A docente's facts recorded by ``al``, in order, filtered and paged."""
        def consulta(conn: Connection, t: Tablas) -> dict[str, Any]:
            h = t.hechos
            condiciones = [h.c.docente_id == docente_id, h.c.registrado_en <= al]
            if desde is not None:
                condiciones.append(or_(h.c.ocurrido >= desde, and_(h.c.ocurrido.is_(None),
                                                                    h.c.registrado_en >= desde.isoformat())))
            if hasta is not None:
                condiciones.append(or_(h.c.ocurrido <= hasta, and_(h.c.ocurrido.is_(None),
                                                                    h.c.registrado_en <= f"{hasta.isoformat()}T99")))
            if etapa is not None:
                condiciones.append(h.c.anio.in_(self._anios_de_etapa(conn, t, docente_id, etapa, al)))
            if eventos:
                condiciones.append(h.c.evento.in_(eventos))
            if servicios:
                condiciones.append(h.c.servicio.in_(servicios))
            filas = conn.execute(select(*(h.c[k] for k in COLUMNAS)).where(*condiciones)
                                 .order_by(h.c.registrado_en, h.c.secuencia)
                                 .limit(por_pagina).offset((pagina - 1) * por_pagina)).tuples().all()
            if pagina == 1 and len(filas) < por_pagina:
                total = len(filas)  # the whole history fits in the page: no need to count it
            else:
                total = conn.execute(select(func.count()).select_from(h).where(*condiciones)).scalar_one()
            return {"total": total, "pagina": pagina, "por_pagina": por_pagina,
                    "hechos": [_fila(f) for f in filas]}
        return self.leer(consulta)

    def lecturas(self, docente_id: str) -> list[dict[str, Any]]:
        """The auditors' reads of the docente's data in every service (``LecturaAuditada``), oldest first."""
        def consulta(conn: Connection, t: Tablas) -> list[dict[str, Any]]:
            h = t.hechos
            filas = conn.execute(select(h.c.servicio, h.c.contenido).where(
                h.c.docente_id == docente_id, h.c.evento == "LecturaAuditada").order_by(h.c.registrado_en))
            return [_lectura(servicio, json.loads(contenido)) for servicio, contenido in filas]
        return self.leer(consulta)

    @staticmethod
    def _anios_de_etapa(conn: Connection, t: Tablas, docente_id: str, etapa: int, al: str) -> list[int]:
        h = t.hechos
        planes = conn.execute(select(h.c.contenido).where(and_(
            h.c.docente_id == docente_id, h.c.evento == "PlanAnualGenerado", h.c.registrado_en <= al)))
        return sorted({plan["anio"] for plan in (json.loads(p.contenido) for p in planes) if plan["etapa"] == etapa})

    def cadenas(self) -> dict[str, Any]:
        """Per service: facts in the ledger by state, the broken and waiting links, and each seal checked
        against the ledger."""
        def consulta(conn: Connection, t: Tablas) -> dict[str, Any]:
            e, s = t.eslabones, t.sellos
            resumen: dict[str, dict[str, Any]] = {}
            for servicio, estado, n in conn.execute(select(e.c.servicio, e.c.estado, func.count())
                                                    .group_by(e.c.servicio, e.c.estado)):
                resumen.setdefault(servicio, {"servicio": servicio, "verificado": 0, "pendiente": 0, "roto": 0})
                resumen[servicio][estado] = n
            problemas = [{"servicio": f.servicio, "posicion": f.posicion, "estado": f.estado, "motivo": f.motivo}
                         for f in conn.execute(select(e).where(e.c.estado != "verificado")
                                               .order_by(e.c.servicio, e.c.posicion).limit(1000))]
            sellos = []
            for f in conn.execute(select(s, e.c.hash.label("en_registro")).select_from(s.outerjoin(
                    e, and_(e.c.servicio == s.c.servicio, e.c.posicion == s.c.posicion)))
                    .order_by(s.c.servicio, s.c.posicion)):
                sellos.append({"servicio": f.servicio, "posicion": f.posicion, "hash": f.hash, "hechos": f.hechos,
                               "sellado_en": f.sellado_en,
                               "coincide": None if f.en_registro is None else f.en_registro == f.hash})
            return {"servicios": [resumen[k] for k in sorted(resumen)], "problemas": problemas, "sellos": sellos}
        return self.leer(consulta)


COLUMNAS = ("servicio", "evento", "version", "evento_id", "secuencia", "registrado_en", "ocurrido", "anio", "usuario",
            "rol", "traza", "contenido")


def _lectura(servicio: str, lectura: dict[str, Any]) -> dict[str, Any]:
    """An auditor's read as ``/accesos`` lists it, beside the reads of the history."""
    en = datetime.fromisoformat(lectura["leido_en"]).isoformat()  # as the history's reads write it
    return {"en": en, "usuario": lectura["usuario"], "rol": lectura["rol"], "motivo": None,
            "consulta": {"servicio": servicio, "ruta": lectura["ruta"], **lectura["objetos"],
                         **lectura["consulta"]}}


def _fila(f: tuple) -> dict[str, Any]:
    """A fact of the timeline; its content stays the JSON text it was stored as (see ``a_json``)."""
    servicio, evento, version, evento_id, secuencia, registrado_en, ocurrido, anio, usuario, rol, traza, contenido = f
    return {"servicio": servicio, "evento": evento, "version": version, "evento_id": evento_id,
            "posicion": int(evento_id.rsplit(":", 1)[1]), "secuencia": secuencia, "registrado_en": registrado_en,
            "ocurrido": ocurrido.isoformat() if ocurrido else None, "anio": anio, "usuario": usuario, "rol": rol,
            "traza": traza, "contenido": contenido}


def a_json(respuesta: dict[str, Any]) -> str:
    """The history as JSON text, each fact's stored content spliced in as it is: one encoding of the rest,
    with an unguessable marker where each content goes (decoding and encoding every content again cost
    more than the query)."""
    marca = uuid.uuid4().hex
    hechos = [{**h, "contenido": f"{marca}{i}"} for i, h in enumerate(respuesta["hechos"])]
    texto = json.dumps({**respuesta, "hechos": hechos}, ensure_ascii=False, default=str)
    partes = texto.split(f'"{marca}')
    contenidos = [h["contenido"] for h in respuesta["hechos"]]
    salida = [partes[0]]
    for parte in partes[1:]:
        indice, resto = parte.split('"', 1)
        salida.append(contenidos[int(indice)] + resto)
    return "".join(salida)
