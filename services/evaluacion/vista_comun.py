"""What evaluacion's matrix projections share (``services.evaluacion.matrices``): agenda's plans, with the
changes of acompañante and the closes, and the acompañantes' evaluations, read "as of" a moment."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Connection, Date, Integer, MetaData, String, Table, Text, inspect, select, text

from shared import contracts as c
from shared.contracts import Envelope
from shared.stream_views import Filas, StreamView, Tablas, instante
from shared.views import ViewStore

Id = String(36)


def _planes(metadata: MetaData, n: Callable[[str], str], *extra: Column) -> list[Table]:
    return [
        Table(n("planes"), metadata,
              Column("plan_id", Id, primary_key=True),
              Column("docente_id", Id, nullable=False, index=True),
              Column("anio", Integer, nullable=False, index=True),
              Column("etapa", Integer, nullable=False),
              Column("convocatoria", String(20), nullable=False),
              Column("tipo_ie", String(30), nullable=False),
              Column("nivel", String(12), nullable=False),
              Column("codigo_modular", String(7), nullable=False),
              Column("anexo", Integer, nullable=False),
              Column("dre", String(32), nullable=False, index=True),
              Column("ugel", String(32), nullable=False, index=True),
              Column("acompanante_id", Id, nullable=False),
              Column("registrado_en", String(27), nullable=False),
              Column("modalidad", String(10), nullable=False, server_default="externa"),  # externa | interna
              *extra),
        Table(n("planes_cambios"), metadata,
              Column("evento_id", String(200), primary_key=True),
              Column("plan_id", Id, nullable=False, index=True),
              Column("tipo", String(12), nullable=False),  # reasignado | cerrado
              Column("acompanante_id", Id, nullable=True),
              Column("registrado_en", String(27), nullable=False)),
    ]


def _desempeno(metadata: MetaData, n: Callable[[str], str]) -> Table:
    return Table(n("desempeno"), metadata,
                 Column("evaluacion_id", Id, primary_key=True),
                 Column("acompanante_id", Id, nullable=False, index=True),
                 Column("anio", Integer, nullable=False),
                 Column("momento", String(12), nullable=False),
                 Column("fecha", Date, nullable=False),
                 Column("nivel", String(3), nullable=False),
                 Column("criterios", Text, nullable=False),
                 Column("evaluador", String(100), nullable=False),
                 Column("dre", String(32), nullable=False),
                 Column("ugel", String(32), nullable=False),
                 Column("registrado_en", String(27), nullable=False))


def _con_columna(store: ViewStore, tabla: Table, columna: str, tipo: str) -> None:
    """A generation built before ``tabla`` kept ``columna`` gets it at start (``tipo``: its SQL type and
    default, what its rows meant then): the service keeps answering, and the next rebuild of the projection
    (``python -m services.evaluacion.rebuild``) reads each row's own from its event."""
    columnas = {c["name"] for c in inspect(store.engine).get_columns(tabla.name, schema=store.schema)}
    if columna in columnas:
        return
    si_falta = "IF NOT EXISTS " if store.engine.dialect.name == "postgresql" else ""  # replicas starting together
    nombre = store.engine.dialect.identifier_preparer.quote(tabla.name)
    with store.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {nombre} ADD COLUMN {si_falta}{columna} {tipo}"))


# ``json.dumps(valor, sort_keys=True, ensure_ascii=False, default=str)``, its encoder built once (dumps built one
# per call for these options)
_CODIFICADOR = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def _json(valor: Any) -> str:
    return _CODIFICADOR.encode(valor)


class _Base(StreamView):
    """What the three matrix projections share: agenda's plans and the acompañantes' evaluations."""

    def __init__(self, store: ViewStore, control: Table) -> None:
        super().__init__(store, control)
        self.handlers[c.PlanAnualGeneradoV1] = self._plan
        self.handlers[c.PlanAnualReasignadoV1] = self._plan_reasignado
        self.handlers[c.PlanAnualCerradoV1] = self._plan_cerrado

    def crear(self, generacion: int) -> Tablas:
        tablas = super().crear(generacion)
        # plans recorded before they kept their modalidad were all counted as coaching ('externa')
        _con_columna(self.store, tablas.planes, "modalidad", "VARCHAR(10) NOT NULL DEFAULT 'externa'")
        return tablas

    def _plan_extra(self, plan: c.PlanAnualGeneradoV1) -> dict[str, Any]:
        return {}

    def _plan(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        p: c.PlanAnualGeneradoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "planes", "plan_id"), {
            "plan_id": str(p.plan_id), "docente_id": str(p.docente_id), "anio": p.anio, "etapa": p.etapa,
            "convocatoria": p.convocatoria, "tipo_ie": p.tipo_ie, "nivel": p.nivel,
            "codigo_modular": p.codigo_modular, "anexo": p.anexo, "dre": p.dre, "ugel": p.ugel,
            "acompanante_id": str(p.acompanante_id), "registrado_en": instante(env.time), "modalidad": p.modalidad,
            **self._plan_extra(p)})

    def _plan_reasignado(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        p: c.PlanAnualReasignadoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "planes_cambios", "evento_id"), {
            "evento_id": env.id, "plan_id": str(p.plan_id), "tipo": "reasignado",
            "acompanante_id": str(p.a_acompanante_id), "registrado_en": instante(env.time)})

    def _plan_cerrado(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        p: c.PlanAnualCerradoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "planes_cambios", "evento_id"), {
            "evento_id": env.id, "plan_id": str(p.plan_id), "tipo": "cerrado", "acompanante_id": None,
            "registrado_en": instante(env.time)})

    def _desempeno(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        d: c.DesempenoAcompananteEvaluadoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "desempeno", "evaluacion_id"), {
            "evaluacion_id": str(d.evaluacion_id), "acompanante_id": str(d.acompanante_id), "anio": d.anio,
            "momento": d.momento, "fecha": d.fecha, "nivel": d.nivel, "criterios": _json(d.criterios),
            "evaluador": d.evaluador, "dre": d.dre, "ugel": d.ugel, "registrado_en": instante(env.time)})

    # --- as-of reads ---------------------------------------------------------------------------------

    @staticmethod
    def planes_al(conn: Connection, t: Tablas, al: str, **filtros: Any) -> dict[str, dict[str, Any]]:
        """Plans recorded by ``al`` (by plan id), each with its acompañante and whether it was active then."""
        condiciones = [t.planes.c.registrado_en <= al,
                       *(t.planes.c[campo] == valor for campo, valor in filtros.items() if valor is not None)]
        filas = conn.execute(select(t.planes).where(*condiciones))
        planes = {f.plan_id: {**f._mapping, "activo": True} for f in filas}
        if planes:
            k = t.planes_cambios
            cambios = select(k).where(k.c.registrado_en <= al).order_by(k.c.registrado_en, k.c.evento_id)
            if len(condiciones) > 1:  # filtered (as on every territorial request): the changes of its plans only
                cambios = cambios.where(k.c.plan_id.in_(select(t.planes.c.plan_id).where(*condiciones)))
            for cambio in conn.execute(cambios):
                plan = planes.get(cambio.plan_id)
                if plan is None:
                    continue
                if cambio.tipo == "cerrado":
                    plan["activo"] = False
                else:
                    plan["acompanante_id"] = cambio.acompanante_id
        return planes
