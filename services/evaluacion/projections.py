"""evaluacion's read models, fed only from published events (the stream), in generations.

Four projections, each rebuildable on its own (``python -m services.evaluacion.rebuild``):

- ``progreso``: the formative evaluation of each docente (plans, initial situation, valuations,
  etapa closes, metas): competency progress and the per-etapa results.
- ``seguimiento``: the seguimiento matrix (NT-026 §5.5.2): strategies delivered against the plan,
  the acompañantes' semestral performance, satisfaction surveys.
- ``practica``: the evaluación matrix (§5.5.3): the pedagogical practice seen in the observations
  of each year, and each acompañante's performance at the start and the end.
- ``historia``: every fact about each docente, from every service, and the ledger of the services'
  hash chains (``services.evaluacion.historia``).

Rows are facts with the time they were recorded (``registrado_en``, the event's own time), so a
report "as of" a moment reads only what had been recorded by then, and a late or repeated event
changes nothing once its id is in the generation's inbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import (Column, Connection, Date, Float, Integer, MetaData, String, Table, Text, func, inspect, select,
                        text)

from services.evaluacion.historia import Historia
from shared import contracts as c
from shared.contracts import Envelope
from shared.settings import ServiceSettings
from shared.stream_views import StreamView, Tablas, generaciones_table, instante
from shared.views import ViewStore, lote

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


def _json(valor: Any) -> str:
    return json.dumps(valor, sort_keys=True, ensure_ascii=False, default=str)


class _Base(StreamView):
    """What the three projections share: agenda's plans and the acompañantes' evaluations."""

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

    def _plan(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        p: c.PlanAnualGeneradoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "planes", "plan_id"), {
            "plan_id": str(p.plan_id), "docente_id": str(p.docente_id), "anio": p.anio, "etapa": p.etapa,
            "convocatoria": p.convocatoria, "tipo_ie": p.tipo_ie, "nivel": p.nivel,
            "codigo_modular": p.codigo_modular, "anexo": p.anexo, "dre": p.dre, "ugel": p.ugel,
            "acompanante_id": str(p.acompanante_id), "registrado_en": instante(env.time), "modalidad": p.modalidad,
            **self._plan_extra(p)})

    def _plan_reasignado(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        p: c.PlanAnualReasignadoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "planes_cambios", "evento_id"), {
            "evento_id": env.id, "plan_id": str(p.plan_id), "tipo": "reasignado",
            "acompanante_id": str(p.a_acompanante_id), "registrado_en": instante(env.time)})

    def _plan_cerrado(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        p: c.PlanAnualCerradoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "planes_cambios", "evento_id"), {
            "evento_id": env.id, "plan_id": str(p.plan_id), "tipo": "cerrado", "acompanante_id": None,
            "registrado_en": instante(env.time)})

    def _desempeno(self, conn: Connection, t: Tablas, env: Envelope) -> None:
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


class Progreso(_Base):
    nombre = "progreso"

    def __init__(self, store: ViewStore, control: Table) -> None:
        super().__init__(store, control)
        self.handlers[c.SituacionInicialRegistradaV1] = self._inicial
        self.handlers[c.NivelCompetenciaValoradoV1] = self._valoracion
        self.handlers[c.EtapaCerradaV1] = self._cierre
        self.handlers[c.MetasDeEtapaDefinidasV1] = self._metas

    def definir(self, metadata: MetaData, n: Callable[[str], str]) -> list[Table]:
        comunes = lambda: [  # noqa: E731 - the columns every valuation row carries
            Column("anio", Integer, nullable=False), Column("etapa", Integer, nullable=False),
            Column("fecha", Date, nullable=False), Column("acompanante_id", Id, nullable=False),
            Column("registrado_en", String(27), nullable=False)]
        return [
            *_planes(metadata, n),
            Table(n("iniciales"), metadata,
                  Column("docente_id", Id, primary_key=True), Column("convocatoria", String(20), primary_key=True),
                  Column("competencia", String(3), primary_key=True), Column("nivel", String(3), nullable=False),
                  Column("evidencias", Text, nullable=False), Column("sustento", Text, nullable=False), *comunes()),
            Table(n("valoraciones"), metadata,
                  Column("valoracion_id", Id, primary_key=True), Column("docente_id", Id, nullable=False, index=True),
                  Column("convocatoria", String(20), nullable=False), Column("competencia", String(3), nullable=False),
                  Column("nivel", String(3), nullable=False), Column("evidencias", Text, nullable=False),
                  Column("sustento", Text, nullable=False), *comunes()),
            Table(n("cierres"), metadata,
                  Column("docente_id", Id, primary_key=True), Column("convocatoria", String(20), primary_key=True),
                  Column("etapa", Integer, primary_key=True), Column("competencia", String(3), primary_key=True),
                  Column("correccion", Integer, primary_key=True), Column("nivel", String(3), nullable=False),
                  Column("motivo", Text, nullable=False), Column("anio", Integer, nullable=False),
                  Column("fecha", Date, nullable=False), Column("acompanante_id", Id, nullable=False),
                  Column("registrado_en", String(27), nullable=False)),
            Table(n("metas"), metadata,
                  Column("convocatoria", String(20), primary_key=True), Column("tipo_ie", String(30), primary_key=True),
                  Column("version_metas", Integer, primary_key=True), Column("etapa", Integer, primary_key=True),
                  Column("competencia", String(3), primary_key=True), Column("avance", Integer, nullable=False),
                  Column("minimo", String(3), nullable=False), Column("registrado_en", String(27), nullable=False)),
        ]

    @staticmethod
    def _contexto(d: Any, env: Envelope) -> dict[str, Any]:
        return {"docente_id": str(d.docente_id), "convocatoria": d.convocatoria, "anio": d.anio, "etapa": d.etapa,
                "fecha": d.fecha, "acompanante_id": str(d.acompanante_id), "registrado_en": instante(env.time)}

    def _inicial(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        d: c.SituacionInicialRegistradaV1 = env.data  # type: ignore[assignment]
        sentencia = self.sentencia(t, "iniciales", "docente_id", "convocatoria", "competencia")
        conn.execute(sentencia, [
            {**self._contexto(d, env), "competencia": comp, "nivel": n.nivel,
             "evidencias": _json([str(e) for e in n.evidencias]), "sustento": n.sustento}
            for comp, n in sorted(d.niveles.items())])

    def _valoracion(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        d: c.NivelCompetenciaValoradoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "valoraciones", "valoracion_id"), {
            **self._contexto(d, env), "valoracion_id": str(d.valoracion_id), "competencia": d.competencia,
            "nivel": d.nivel, "evidencias": _json([str(e) for e in d.evidencias]), "sustento": d.sustento})

    def _cierre(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        d: c.EtapaCerradaV1 = env.data  # type: ignore[assignment]
        sentencia = self.sentencia(t, "cierres", "docente_id", "convocatoria", "etapa", "competencia", "correccion")
        conn.execute(sentencia, [
            {**self._contexto(d, env), "competencia": comp, "nivel": nivel,
             "correccion": d.correccion, "motivo": d.motivo}
            for comp, nivel in sorted(d.niveles.items())])

    def _metas(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        d: c.MetasDeEtapaDefinidasV1 = env.data  # type: ignore[assignment]
        sentencia = self.sentencia(t, "metas", "convocatoria", "tipo_ie", "version_metas", "etapa", "competencia")
        conn.execute(sentencia, [
            {"convocatoria": d.convocatoria, "tipo_ie": d.tipo_ie, "version_metas": d.version_metas,
             "etapa": int(etapa), "competencia": comp, "avance": m.avance, "minimo": m.minimo,
             "registrado_en": instante(env.time)}
            for etapa, por_comp in sorted(d.metas.items()) for comp, m in sorted(por_comp.items())])


PLANIFICADO = ("visitas", "dias_visita", "gia", "rtc", "talleres", "dias_taller", "cursos")


class Seguimiento(_Base):
    nombre = "seguimiento"

    def __init__(self, store: ViewStore, control: Table) -> None:
        super().__init__(store, control)
        self.handlers[c.VisitaRealizadaV1] = self._visita
        self.handlers[c.GIACompletadoV1] = self._reunion
        self.handlers[c.RTCRealizadaV1] = self._reunion
        self.handlers[c.TallerRealizadoV1] = self._taller
        self.handlers[c.CursoVirtualCompletadoV1] = self._curso
        self.handlers[c.EncuestaSatisfaccionRespondidaV1] = self._encuesta
        self.handlers[c.DesempenoAcompananteEvaluadoV1] = self._desempeno

    def definir(self, metadata: MetaData, n: Callable[[str], str]) -> list[Table]:
        return [
            *_planes(metadata, n, *(Column(f"{p}_plan", Integer, nullable=False) for p in PLANIFICADO)),
            Table(n("entregas"), metadata,
                  Column("tipo", String(8), primary_key=True),  # visita | gia | rtc | taller | curso
                  Column("actividad_id", Id, primary_key=True),
                  Column("persona_id", Id, primary_key=True, index=True),
                  Column("anio", Integer, nullable=False, index=True),
                  Column("fecha", Date, nullable=False),
                  Column("dias", Integer, nullable=False),
                  Column("horas", Float, nullable=False),
                  Column("acompanante_id", Id, nullable=True),
                  Column("codigo_modular", String(7), nullable=True),
                  Column("dre", String(32), nullable=False),
                  Column("ugel", String(32), nullable=False),
                  Column("registrado_en", String(27), nullable=False)),
            Table(n("encuestas"), metadata,
                  Column("encuesta_id", Id, primary_key=True),
                  Column("encuestado", String(12), nullable=False),
                  Column("persona_id", Id, nullable=False),
                  Column("anio", Integer, nullable=False),
                  Column("periodo", String(12), nullable=False),
                  Column("respuestas", Text, nullable=False),
                  Column("promedio", Float, nullable=False),
                  Column("dre", String(32), nullable=False),
                  Column("ugel", String(32), nullable=False),
                  Column("registrado_en", String(27), nullable=False)),
            _desempeno(metadata, n),
        ]

    def _plan_extra(self, plan: c.PlanAnualGeneradoV1) -> dict[str, Any]:
        k = plan.componentes
        return {"visitas_plan": sum(g["cantidad"] for g in k["visitas"]["grupos"]),
                "dias_visita_plan": k["visitas"]["dias_total"], "gia_plan": k["gia"]["cantidad"],
                "rtc_plan": k["rtc"]["cantidad"], "talleres_plan": k["talleres_docentes"]["cantidad"],
                "dias_taller_plan": k["talleres_docentes"]["dias_total"], "cursos_plan": k.get("cursos_virtuales", 0)}

    def _entregas(self, conn: Connection, t: Tablas, env: Envelope, filas: list[dict[str, Any]]) -> None:
        d = env.data
        comunes = {"anio": d.anio, "dre": d.dre, "ugel": d.ugel, "registrado_en": instante(env.time),  # type: ignore[attr-defined]
                   "acompanante_id": str(getattr(d, "acompanante_id", "")) or None,
                   "codigo_modular": getattr(d, "codigo_modular", None)}
        if filas:
            conn.execute(self.sentencia(t, "entregas", "tipo", "actividad_id", "persona_id"),
                         [{**comunes, **f} for f in filas])

    def _visita(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        v: c.VisitaRealizadaV1 = env.data  # type: ignore[assignment]
        self._entregas(conn, t, env, [{"tipo": "visita", "actividad_id": str(v.visita_id),
                                       "persona_id": str(v.docente_id), "fecha": v.fecha_inicio, "dias": v.dias,
                                       "horas": 0.0}])

    def _reunion(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        r: c.GIACompletadoV1 | c.RTCRealizadaV1 = env.data  # type: ignore[assignment]
        tipo = "gia" if isinstance(r, c.GIACompletadoV1) else "rtc"
        self._entregas(conn, t, env, [{"tipo": tipo, "actividad_id": str(r.actividad_id), "persona_id": str(d),
                                       "fecha": r.fecha_inicio, "dias": 1, "horas": r.horas}
                                      for d in sorted(set(r.docente_ids))])

    def _taller(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        r: c.TallerRealizadoV1 = env.data  # type: ignore[assignment]
        if r.destinatarios != "docentes":
            return
        self._entregas(conn, t, env, [{"tipo": "taller", "actividad_id": str(r.actividad_id), "persona_id": p,
                                       "fecha": r.fecha_inicio, "dias": len(set(dias)), "horas": 0.0}
                                      for p, dias in sorted(r.asistencia.items()) if dias])

    def _curso(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        r: c.CursoVirtualCompletadoV1 = env.data  # type: ignore[assignment]
        self._entregas(conn, t, env, [{"tipo": "curso", "actividad_id": str(r.registro_id),
                                       "persona_id": str(r.docente_id), "fecha": r.fecha, "dias": 0,
                                       "horas": r.horas}])

    def _encuesta(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        e: c.EncuestaSatisfaccionRespondidaV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "encuestas", "encuesta_id"), {
            "encuesta_id": str(e.encuesta_id), "encuestado": e.encuestado, "persona_id": str(e.persona_id),
            "anio": e.anio, "periodo": e.periodo, "respuestas": _json(e.respuestas),
            "promedio": round(sum(e.respuestas.values()) / len(e.respuestas), 6), "dre": e.dre, "ugel": e.ugel,
            "registrado_en": instante(env.time)})


class Practica(_Base):
    nombre = "practica"

    def __init__(self, store: ViewStore, control: Table) -> None:
        super().__init__(store, control)
        self.handlers[c.ObservacionRegistradaV1] = self._observacion
        self.handlers[c.ObservacionCorregidaV1] = self._observacion
        self.handlers[c.ObservacionRegistradaV2] = self._observacion  # v2: without free text (only levels are read)
        self.handlers[c.ObservacionCorregidaV2] = self._observacion
        self.handlers[c.DesempenoAcompananteEvaluadoV1] = self._desempeno

    def definir(self, metadata: MetaData, n: Callable[[str], str]) -> list[Table]:
        return [
            *_planes(metadata, n),
            Table(n("observaciones"), metadata,
                  Column("observacion_id", Id, primary_key=True),
                  Column("correccion", Integer, primary_key=True),
                  Column("docente_id", Id, nullable=False, index=True),
                  Column("visita_id", Id, nullable=False),
                  # who observed: the plan's acompañante, or the directivo in his school's internal plan
                  # (NULL: recorded before the observer was kept, until the projection is rebuilt)
                  Column("acompanante_id", Id, nullable=True),
                  Column("anio", Integer, nullable=False),
                  Column("fecha", Date, nullable=False),
                  Column("instrumento", String(40), nullable=False),
                  Column("version_instrumento", Integer, nullable=False),
                  Column("niveles", Text, nullable=False),
                  Column("codigo_modular", String(7), nullable=False),
                  Column("dre", String(32), nullable=False),
                  Column("ugel", String(32), nullable=False),
                  Column("registrado_en", String(27), nullable=False)),
            _desempeno(metadata, n),
        ]

    def crear(self, generacion: int) -> Tablas:
        tablas = super().crear(generacion)
        _con_columna(self.store, tablas.observaciones, "acompanante_id", "VARCHAR(36)")
        return tablas

    def _observacion(self, conn: Connection, t: Tablas, env: Envelope) -> None:
        o: c.ObservacionRegistradaV1 | c.ObservacionCorregidaV1 | c.ObservacionRegistradaV2 | c.ObservacionCorregidaV2 \
            = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "observaciones", "observacion_id", "correccion"), {
            "observacion_id": str(o.observacion_id), "correccion": getattr(o, "correccion", 0),
            "docente_id": str(o.docente_id), "visita_id": str(o.visita_id),
            "acompanante_id": str(o.acompanante_id), "anio": o.anio, "fecha": o.fecha,
            "instrumento": o.instrumento, "version_instrumento": o.version_instrumento,
            "niveles": _json({k: {"nivel": n.nivel, "competencia": n.competencia} for k, n in o.niveles.items()}),
            "codigo_modular": o.codigo_modular, "dre": o.dre, "ugel": o.ugel, "registrado_en": instante(env.time)})


class Proyecciones:
    """evaluacion's read-model database and its three projections."""

    def __init__(self, settings: ServiceSettings) -> None:
        metadata = MetaData()
        control = self.control = generaciones_table(metadata)
        self.store = ViewStore(settings, metadata)
        self.store.create_all()
        self.progreso = Progreso(self.store, control)
        self.seguimiento = Seguimiento(self.store, control)
        self.practica = Practica(self.store, control)
        self.historia = Historia(self.store, control)
        self.matrices: dict[str, StreamView] = {p.nombre: p for p in (self.progreso, self.seguimiento, self.practica)}
        self.todas: dict[str, StreamView] = {**self.matrices, self.historia.nombre: self.historia}

    def close(self) -> None:
        self.store.dispose()

    def aplicar(self, envelope: Envelope) -> None:
        """The live consumers' handler: each matrix projection that reads this contract, once, in the open
        batch (``shared.views.lote``; one of its own outside one), where each projection applies the batch's
        events together at its end, in one transaction (the history has a consumer of its own, on every subject)."""
        with lote():
            for proyeccion in self.matrices.values():
                proyeccion.aplicar(envelope)

    def checksums(self) -> dict[str, str]:
        return {nombre: p.checksum() for nombre, p in self.todas.items()}

    def leer(self, nombre: str, consulta: Callable[[Connection, Tablas], Any]) -> Any:
        return self.todas[nombre].leer(consulta)

    def visitas_por_docente(self, *, docente_id: str | None = None, anio: int | None = None, dre: str | None = None,
                            ugel: str | None = None, limite: int = 500, desde: int = 0) -> list[dict[str, Any]]:
        """Visits delivered per docente and year (what has arrived so far)."""
        def consulta(conn: Connection, t: Tablas) -> list[dict[str, Any]]:
            e = t.entregas
            q = (select(e.c.persona_id.label("docente_id"), e.c.anio, func.count().label("visitas"),
                        func.sum(e.c.dias).label("dias"))
                 .where(e.c.tipo == "visita").group_by(e.c.persona_id, e.c.anio)
                 .order_by(e.c.persona_id, e.c.anio).limit(limite).offset(desde))
            docente = str(docente_id) if docente_id is not None else None
            for columna, valor in ((e.c.persona_id, docente), (e.c.anio, anio), (e.c.dre, dre), (e.c.ugel, ugel)):
                if valor is not None:
                    q = q.where(columna == valor)
            return [dict(f._mapping) for f in conn.execute(q)]
        return self.seguimiento.leer(consulta)

