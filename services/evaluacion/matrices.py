"""evaluacion's three matrix projections, each rebuildable on its own (``python -m services.evaluacion.rebuild``):
``progreso`` (the formative evaluation), ``seguimiento`` (NT-026 §5.5.2) and ``practica`` (§5.5.3); see
``services.evaluacion.projections``. Their handlers only write (through ``shared.stream_views.Filas``):
a batch's rows go in with one statement per table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Date, Float, Integer, MetaData, String, Table, Text

from services.evaluacion.vista_comun import Id, _Base, _con_columna, _desempeno, _json, _planes
from shared import contracts as c
from shared.contracts import Envelope
from shared.stream_views import Filas, Tablas, instante
from shared.views import ViewStore

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

    def _inicial(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        d: c.SituacionInicialRegistradaV1 = env.data  # type: ignore[assignment]
        sentencia = self.sentencia(t, "iniciales", "docente_id", "convocatoria", "competencia")
        contexto = self._contexto(d, env)  # once for the fact's rows
        conn.execute(sentencia, [
            {**contexto, "competencia": comp, "nivel": n.nivel,
             "evidencias": _json([str(e) for e in n.evidencias]), "sustento": n.sustento}
            for comp, n in sorted(d.niveles.items())])

    def _valoracion(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        d: c.NivelCompetenciaValoradoV1 = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "valoraciones", "valoracion_id"), {
            **self._contexto(d, env), "valoracion_id": str(d.valoracion_id), "competencia": d.competencia,
            "nivel": d.nivel, "evidencias": _json([str(e) for e in d.evidencias]), "sustento": d.sustento})

    def _cierre(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        d: c.EtapaCerradaV1 = env.data  # type: ignore[assignment]
        sentencia = self.sentencia(t, "cierres", "docente_id", "convocatoria", "etapa", "competencia", "correccion")
        contexto = self._contexto(d, env)  # once for the fact's rows
        conn.execute(sentencia, [
            {**contexto, "competencia": comp, "nivel": nivel,
             "correccion": d.correccion, "motivo": d.motivo}
            for comp, nivel in sorted(d.niveles.items())])

    def _metas(self, conn: Filas, t: Tablas, env: Envelope) -> None:
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

    def _entregas(self, conn: Filas, t: Tablas, env: Envelope, filas: list[dict[str, Any]]) -> None:
        d = env.data
        comunes = {"anio": d.anio, "dre": d.dre, "ugel": d.ugel, "registrado_en": instante(env.time),  # type: ignore[attr-defined]
                   "acompanante_id": str(d.__dict__.get("acompanante_id", "")) or None,  # a field, or none
                   "codigo_modular": d.__dict__.get("codigo_modular")}
        if filas:
            conn.execute(self.sentencia(t, "entregas", "tipo", "actividad_id", "persona_id"),
                         [{**comunes, **f} for f in filas])

    def _visita(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        v: c.VisitaRealizadaV1 = env.data  # type: ignore[assignment]
        self._entregas(conn, t, env, [{"tipo": "visita", "actividad_id": str(v.visita_id),
                                       "persona_id": str(v.docente_id), "fecha": v.fecha_inicio, "dias": v.dias,
                                       "horas": 0.0}])

    def _reunion(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        r: c.GIACompletadoV1 | c.RTCRealizadaV1 = env.data  # type: ignore[assignment]
        tipo = "gia" if isinstance(r, c.GIACompletadoV1) else "rtc"
        self._entregas(conn, t, env, [{"tipo": tipo, "actividad_id": str(r.actividad_id), "persona_id": str(d),
                                       "fecha": r.fecha_inicio, "dias": 1, "horas": r.horas}
                                      for d in sorted(set(r.docente_ids))])

    def _taller(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        r: c.TallerRealizadoV1 = env.data  # type: ignore[assignment]
        if r.destinatarios != "docentes":
            return
        self._entregas(conn, t, env, [{"tipo": "taller", "actividad_id": str(r.actividad_id), "persona_id": p,
                                       "fecha": r.fecha_inicio, "dias": len(set(dias)), "horas": 0.0}
                                      for p, dias in sorted(r.asistencia.items()) if dias])

    def _curso(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        r: c.CursoVirtualCompletadoV1 = env.data  # type: ignore[assignment]
        self._entregas(conn, t, env, [{"tipo": "curso", "actividad_id": str(r.registro_id),
                                       "persona_id": str(r.docente_id), "fecha": r.fecha, "dias": 0,
                                       "horas": r.horas}])

    def _encuesta(self, conn: Filas, t: Tablas, env: Envelope) -> None:
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

    def _observacion(self, conn: Filas, t: Tablas, env: Envelope) -> None:
        o: c.ObservacionRegistradaV1 | c.ObservacionCorregidaV1 | c.ObservacionRegistradaV2 | c.ObservacionCorregidaV2 \
            = env.data  # type: ignore[assignment]
        conn.execute(self.sentencia(t, "observaciones", "observacion_id", "correccion"), {
            "observacion_id": str(o.observacion_id), "correccion": o.__dict__.get("correccion", 0),
            "docente_id": str(o.docente_id), "visita_id": str(o.visita_id),
            "acompanante_id": str(o.acompanante_id), "anio": o.anio, "fecha": o.fecha,
            "instrumento": o.instrumento, "version_instrumento": o.version_instrumento,
            "niveles": _json({k: {"nivel": n.nivel, "competencia": n.competencia} for k, n in o.niveles.items()}),
            "codigo_modular": o.codigo_modular, "dre": o.dre, "ugel": o.ugel, "registrado_en": instante(env.time)})
