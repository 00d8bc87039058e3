"""evidencias's read-model tables (``projections.Proyecciones`` fills them from its own event store).

- ``instrumento`` and ``item``: published instruments; each item with its *canonical* key, the
  key of the first version it descends from through the declared equivalences, so observations
  made with different versions line up on one desempeño.
- ``cartera``: who holds each docente each year (from agenda's plans); ``interno``: who observes him in his
  school's own plan.
- ``visita``: each realized visit with its whole record (observations and their corrections,
  feedback, commitments taken and verified there, attachments).
- ``valoracion``: one row per observed item with its current level: a docente's observations
  over time. ``compromiso``, ``necesidad``, ``reunion`` (with its actas), ``registro`` (execution
  sessions and self-evaluations).
- ``adjunto``: every attachment whose content the bucket keeps, by its hash; a cancelled docente's leave
  it, and their hashes go to ``adjunto_por_purgar``, from which the periodic purge removes from the bucket
  the content attached nowhere else (``main.purgar_adjuntos``). What the purge is done with it records in
  ``adjunto_purgado``: the purge's own record, not the read model's (a rebuild leaves it as it is).
- ``origen`` and ``cancelado``: what the projection keeps for itself from the events, to place the
  later ones: whose each aggregate is (from the event that created it), and which docentes had their
  personal data cancelled.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table

metadata = MetaData()
Id = String(36)
instrumento = Table(
    "instrumento", metadata,
    Column("clave", String(60), primary_key=True),
    Column("codigo", String(40), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("contenido", JSON, nullable=False),
)
item = Table(
    "item", metadata,
    Column("instrumento", String(60), primary_key=True),
    Column("item", String(30), primary_key=True),
    Column("canonico", String(30), nullable=False),
    Column("competencia", String(2)),
)
cartera = Table(
    "cartera", metadata,
    Column("docente_id", Id, primary_key=True),
    Column("anio", Integer, primary_key=True),
    Column("acompanante_id", Id, nullable=False, index=True),
    Column("activo", Boolean, nullable=False),
    Column("etapa", Integer, nullable=False),
    Column("codigo_modular", String(7), nullable=False),
    Column("anexo", Integer, nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False),
)
interno = Table(  # who observes each docente in his school's own plan (internal modality), each year
    "interno", metadata,
    Column("docente_id", Id, primary_key=True),
    Column("anio", Integer, primary_key=True),
    Column("directivo_id", Id, nullable=False, index=True),
    Column("codigo_modular", String(7), nullable=False),
    Column("anexo", Integer, nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False),
)
visita = Table(
    "visita", metadata,
    Column("visita_id", Id, primary_key=True),
    Column("docente_id", Id, nullable=False, index=True),
    Column("acompanante_id", Id, nullable=False),
    Column("anio", Integer, nullable=False),
    Column("fecha_inicio", Date, nullable=False),
    Column("registro", JSON, nullable=False),
)
valoracion = Table(
    "valoracion", metadata,
    Column("visita_id", Id, primary_key=True),
    Column("observacion_id", Id, primary_key=True),
    Column("item", String(30), primary_key=True),
    Column("docente_id", Id, nullable=False, index=True),
    Column("fecha", Date, nullable=False),
    Column("anio", Integer, nullable=False),
    Column("etapa", Integer),
    Column("instrumento", String(60), nullable=False),
    Column("canonico", String(30), nullable=False),
    Column("competencia", String(2)),
    Column("nivel", String(3), nullable=False),
    Column("evidencia", String, nullable=False),
    Column("correcciones", Integer, nullable=False),
)
compromiso = Table(
    "compromiso", metadata,
    Column("compromiso_id", Id, primary_key=True),
    Column("docente_id", Id, nullable=False, index=True),
    Column("acompanante_id", Id, nullable=False, index=True),  # who holds the docente now
    Column("codigo_modular", String(7), nullable=False),
    Column("anexo", Integer, nullable=False),
    Column("ugel", String(32), nullable=False, index=True),
    Column("dre", String(32), nullable=False),
    Column("fecha_limite", Date, nullable=False),
    Column("estado", String(12), nullable=False),  # abierto, verificado
    Column("vencido_el", Date),
    Column("datos", JSON, nullable=False),
)
necesidad = Table(
    "necesidad", metadata,
    Column("docente_id", Id, primary_key=True),
    Column("necesidad_id", Id, primary_key=True),
    Column("anio", Integer, nullable=False),
    Column("datos", JSON, nullable=False),
)
reunion = Table(
    "reunion", metadata,
    Column("actividad_id", Id, primary_key=True),
    Column("tipo", String(3), nullable=False),
    Column("acompanante_id", Id, nullable=False, index=True),
    Column("fecha", Date, nullable=False),
    Column("registro", JSON, nullable=False),
)
adjunto = Table(
    "adjunto", metadata,
    Column("propietario_tipo", String(7), primary_key=True),  # visita, reunion
    Column("propietario_id", Id, primary_key=True),
    Column("sha256", String(64), primary_key=True, index=True),
    Column("docente_id", Id, index=True),  # a visit's docente; None for a GIA or RTC
)
adjunto_por_purgar = Table(  # contents of a cancelled docente's attachments (Ley 29733), until purged
    "adjunto_por_purgar", metadata,
    Column("sha256", String(64), primary_key=True),
)
adjunto_purgado = Table(  # contents of ``adjunto_por_purgar`` the purge is done with (outside the projection's tablas)
    "adjunto_purgado", metadata,
    Column("sha256", String(64), primary_key=True),
)
origen = Table(  # whose each aggregate is, from the event that created it
    "origen", metadata,
    Column("agregado_id", Id, primary_key=True),  # its id in the event store (an event's originator_id)
    Column("tipo", String(10), nullable=False),  # docente, visita, reunion, compromiso
    Column("clave", Id, nullable=False),  # the docente's, visit's, GIA/RTC's or commitment's own id
    Column("docente_id", Id),  # the docente of a visit or a commitment
)
cancelado = Table(  # docentes whose personal data were cancelled (DatosPersonalesCancelados)
    "cancelado", metadata,
    Column("docente_id", Id, primary_key=True),
)
registro = Table(  # execution-stage sessions and self-evaluations
    "registro", metadata,
    Column("tipo", String(16), primary_key=True),
    Column("registro_id", Id, primary_key=True),
    Column("acompanante_id", Id, nullable=False, index=True),
    Column("fecha", Date, nullable=False),
    Column("datos", JSON, nullable=False),
)
