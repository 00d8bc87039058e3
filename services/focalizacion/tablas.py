"""The tables of focalizacion's read models (``projections.Proyecciones`` writes them; the routes and the access
policy read them).

A person's row keeps his personal fields encrypted, as his events carry them (``projections``); no column holds
any of them. Tables built by older versions had a ``dni`` column and the fields decrypted: the projection rebuilds
the read model at start when it finds them, before the service answers.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table

metadata = MetaData()


def _territorio(dre_indexada: bool = True) -> tuple[Column, Column]:
    """A row's DRE and UGEL (a UGEL's rows are always looked up; a DRE's, where its reports read them)."""
    return (Column("dre", String(32), nullable=False, index=dre_indexada),
            Column("ugel", String(32), nullable=False, index=True))


ie = Table(
    "ie", metadata,
    Column("id", String(36), primary_key=True),
    Column("codigo_modular", String(7), nullable=False),
    Column("anexo", Integer, nullable=False),
    *_territorio(),
    Column("nivel", String(12), nullable=False),
    Column("datos", JSON, nullable=False),
)
docente = Table(
    "docente", metadata,
    Column("id", String(36), primary_key=True),
    Column("ie_id", String(36), nullable=False, index=True),
    Column("datos", JSON, nullable=False),
)
acompanante = Table(
    "acompanante", metadata,
    Column("id", String(36), primary_key=True),
    Column("ugel", String(32), nullable=False, index=True),
    Column("tipo", String(40), nullable=False),
    Column("datos", JSON, nullable=False),
)
reglas = Table(
    "reglas", metadata,
    Column("clave", String(60), primary_key=True),
    Column("codigo", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("contenido", JSON, nullable=False),
)
convocatoria = Table(
    "convocatoria", metadata,
    Column("codigo", String(40), primary_key=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("datos", JSON, nullable=False),
    Column("ejecuciones", Integer, nullable=False),
)
decision = Table(
    "decision", metadata,
    Column("convocatoria", String(40), primary_key=True),
    Column("codigo_modular", String(7), primary_key=True),
    Column("anexo", Integer, primary_key=True),
    *_territorio(),
    Column("tipo", String(40)),
    Column("focalizada", Boolean, nullable=False),
    Column("decision", JSON, nullable=False),
    Column("cambios", Integer, nullable=False),
)
asignacion = Table(
    "asignacion", metadata,
    Column("convocatoria", String(40), primary_key=True),
    Column("docente_id", String(36), primary_key=True),
    Column("acompanante_id", String(36), nullable=False, index=True),
    *_territorio(dre_indexada=False),
    Column("datos", JSON, nullable=False),
)
historial = Table(
    "asignacion_historial", metadata,
    Column("posicion", Integer, primary_key=True, autoincrement=False),  # notification id
    Column("convocatoria", String(40), nullable=False),
    Column("docente_id", String(36), nullable=False, index=True),
    Column("evento", String(40), nullable=False),
    Column("datos", JSON, nullable=False),
)
cartera = Table(
    "cartera", metadata,
    Column("convocatoria", String(40), primary_key=True),
    Column("acompanante_id", String(36), primary_key=True),
    *_territorio(dre_indexada=False),
    Column("tipo", String(40), nullable=False),
    Column("activo", Boolean, nullable=False),
    Column("limite_excepcion", Integer),
    Column("excepciones", JSON, nullable=False),
)
ugeles = Table(
    "asignaciones_ugel", metadata,
    Column("id", String(36), primary_key=True),
    Column("convocatoria", String(40), nullable=False),
    Column("dre", String(32), nullable=False),
    Column("ugel", String(32), nullable=False),
)
nombre_territorio = Table(  # the name the padrón last gave each UGEL and DRE (D_DREUGEL, D_REGION)
    "nombre_territorio", metadata,
    Column("tipo", String(4), primary_key=True),  # "DRE" | "UGEL"
    Column("codigo", String(32), primary_key=True),
    Column("nombre", String(200), nullable=False),
)
