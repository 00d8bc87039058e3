"""The tables of agenda's read models (``projections.Proyecciones`` fills them from the events).

- ``protocolo``: published templates. ``plan``: one row per docente and year with the planned
  counts. ``actividad``: every scheduled or delivered activity and its state.
- ``plan_ie``: each school's own plan of monitoring and coaching (internal modality), its state.
- ``visita_par``: each "visita entre pares" of a school's plan (seed 002): who observed whose class, when.
- ``entrega``: one row per docente (or acompañante, for his own talleres) and delivered
  activity, with its date, days and hours: fulfilment is counted from it "as of" any date.
- ``docente_ie``: the school the padrón registers each docente in (focalizacion's ``DocenteRegistradoEnIE``).
- ``origen``: what the projection keeps for itself from the events that created an acompañante's agenda (his
  id, year and territory) and a school (its code), to place the later events of each.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, MetaData, String, Table

metadata = MetaData()
protocolo = Table(
    "protocolo", metadata,
    Column("clave", String(60), primary_key=True),
    Column("codigo", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("contenido", JSON, nullable=False),
)
plan = Table(
    "plan", metadata,
    Column("plan_id", String(36), primary_key=True),
    Column("docente_id", String(36), nullable=False, index=True),
    Column("anio", Integer, nullable=False, index=True),
    Column("etapa", Integer, nullable=False),
    Column("convocatoria", String(40), nullable=False),
    Column("modalidad", String(10), nullable=False),
    Column("protocolo", String(60), nullable=False),
    Column("acompanante_id", String(36), nullable=False, index=True),
    Column("codigo_modular", String(7), nullable=False),
    Column("anexo", Integer, nullable=False),
    Column("dre", String(32), nullable=False, index=True),
    Column("ugel", String(32), nullable=False, index=True),
    Column("tipo_ie", String(40), nullable=False),
    Column("nivel", String(12), nullable=False),
    Column("activo", Boolean, nullable=False),
    Column("retirado_en", Date),
    Column("plan", JSON, nullable=False),
)
actividad = Table(
    "actividad", metadata,
    Column("actividad_id", String(36), primary_key=True),
    Column("acompanante_id", String(36), nullable=False, index=True),
    Column("anio", Integer, nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False),
    Column("tipo", String(10), nullable=False),
    Column("estado", String(12), nullable=False),
    Column("ie", String(10)),
    Column("fecha_inicio", Date, nullable=False),
    Column("fecha_fin", Date, nullable=False),
    Column("datos", JSON, nullable=False),
    Column("historial", JSON, nullable=False),
)
entrega = Table(
    "entrega", metadata,
    Column("actividad_id", String(60), primary_key=True),  # "curso:<registro>" for courses
    Column("persona_id", String(36), primary_key=True),  # the docente, or the acompañante in his own talleres
    Column("anio", Integer, nullable=False, index=True),
    Column("tipo", String(24), nullable=False),
    Column("fecha", Date, nullable=False),
    Column("dias", Integer, nullable=False),
    Column("horas", Float, nullable=False),
)
plan_ie = Table(
    "plan_ie", metadata,
    Column("plan_ie_id", String(36), primary_key=True),
    Column("ie", String(10), nullable=False, index=True),
    Column("anio", Integer, nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False, index=True),
    Column("directivo_id", String(36), nullable=False),
    Column("estado", String(12), nullable=False),
    Column("plan", JSON, nullable=False),
    Column("historial", JSON, nullable=False),
)
visita_par = Table(  # a peer visit of a school's plan: a docente observes a colleague's class
    "visita_par", metadata,
    Column("visita_id", String(36), primary_key=True),
    Column("plan_ie_id", String(36), nullable=False, index=True),
    Column("ie", String(10), nullable=False),
    Column("anio", Integer, nullable=False, index=True),
    Column("fecha", Date, nullable=False),
    Column("docente_visitante_id", String(36), nullable=False),
    Column("docente_visitado_id", String(36), nullable=False),
)


origen = Table(  # whose each agenda is, and which school each IEAcompanada is: from the event that created it
    "origen", metadata,
    Column("agregado_id", String(36), primary_key=True),
    Column("acompanante_id", String(36)),
    Column("anio", Integer),
    Column("dre", String(32)),
    Column("ugel", String(32)),
    Column("ie", String(10)),
)
docente_ie = Table(  # the school the padrón registers each docente in (focalizacion's DocenteRegistradoEnIE)
    "docente_ie", metadata,
    Column("docente_id", String(36), primary_key=True),
    Column("ie_id", String(36), nullable=False),
    Column("ie", String(10), nullable=False, index=True),
    Column("nivel", String(12), nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False),
)
