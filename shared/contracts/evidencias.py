"""Contracts published by evidencias: what each visit, GIA and RTC leaves behind.

Attachments never travel: ``EvidenciaAdjuntada`` carries the reference (the content's SHA-256)
and its type and size; the content is served only to those allowed to see that docente.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import IntegrationEvent

Nivel = Literal["I", "II", "III", "IV"]
Respuesta = Literal["si", "no", "no_aplica"]
Resultado = Literal["cumplido", "parcialmente", "no_cumplido"]


class NivelObservado(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    nivel: Nivel
    evidencia: str = Field(description="Lo que se vio y escuchó que sustenta el nivel.")
    competencia: str | None = Field(None, description="Competencia del MBDD que informa el ítem (C2 a C7).")


class _Evidencias(IntegrationEvent):
    servicio = "evidencias"

    dre: str = Field(description="Código de la DRE.", examples=["DRE-PUNO"])
    ugel: str = Field(description="Código de la UGEL.", examples=["UGEL-EL-COLLAO"])


class InstrumentoPublicadoV1(IntegrationEvent):
    """Se publicó una versión de un instrumento de observación (rúbrica o lista de cotejo), con sus
    ítems, niveles, competencias y equivalencias con la versión que reemplaza."""

    servicio = "evidencias"
    evento = "InstrumentoPublicado"
    version = 1

    codigo: str = Field(examples=["FICHA-AULA"])
    version_instrumento: int = Field(ge=1, description="Versión del instrumento.")
    instrumento: dict[str, Any] = Field(description="El instrumento completo, tal como se publicó.")


class _DeVisita(_Evidencias):
    visita_id: UUID = Field(description="La visita realizada (agenda: VisitaRealizada).")
    docente_id: UUID
    acompanante_id: UUID
    codigo_modular: str = Field(examples=["0236885"])
    anexo: int = 0
    anio: int = Field(description="Año escolar (etapa).", examples=[2021])
    fecha: date = Field(description="Primer día de la visita.")


class ObservacionRegistradaV1(_DeVisita):
    """El acompañante registró la observación de una visita en aula con un instrumento versionado:
    el nivel de cada desempeño con su evidencia, las fortalezas y los aspectos críticos (NT-026 §5.2.6 a)."""

    evento = "ObservacionRegistrada"
    version = 1

    observacion_id: UUID
    instrumento: str = Field(description="Código del instrumento.", examples=["FICHA-AULA"])
    version_instrumento: int = Field(ge=1)
    niveles: dict[str, NivelObservado] = Field(description="Por ítem (desempeño), el nivel y su evidencia.")
    fortalezas: list[str]
    aspectos_criticos: list[str] = Field(description="Aspectos críticos u oportunidades de mejora.")


class ObservacionCorregidaV1(_DeVisita):
    """Se corrigió una observación: el contenido nuevo completo, el motivo y quién la corrigió.
    La observación original sigue en la historia."""

    evento = "ObservacionCorregida"
    version = 1

    observacion_id: UUID
    correccion: int = Field(ge=1, description="Número de corrección (1 la primera).")
    instrumento: str
    version_instrumento: int = Field(ge=1)
    niveles: dict[str, NivelObservado]
    fortalezas: list[str]
    aspectos_criticos: list[str]
    motivo: str
    autor_id: str = Field(description="Quién corrigió.")
    autor_rol: str


class Modelamiento(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tipo: Literal["clase_demostrativa", "video", "ejemplo", "sesion_o_unidad", "observacion_entre_pares", "otro"]
    descripcion: str


class RetroalimentacionBrindadaV1(_DeVisita):
    """El acompañante brindó retroalimentación a partir de la evidencia: el diálogo reflexivo, los
    aspectos priorizados y el modelamiento empleado (NT-026 §5.2.6 a)."""

    evento = "RetroalimentacionBrindada"
    version = 1

    dialogo_reflexivo: str
    aspectos_priorizados: list[str] = Field(description="Ítems (desempeños) sobre los que se dialogó.")
    modelamiento: list[Modelamiento]


class CompromisoAsumidoV1(_DeVisita):
    """El docente asumió un compromiso de mejora tras la retroalimentación: qué, ligado a qué
    desempeño, hasta cuándo y cómo se verificará."""

    evento = "CompromisoAsumido"
    version = 1

    compromiso_id: UUID
    descripcion: str
    instrumento: str
    version_instrumento: int
    item: str = Field(description="Desempeño (ítem del instrumento) al que se liga.")
    competencia: str | None
    fecha_limite: date
    verificacion: str = Field(description="Cómo se verificará.")


class CompromisoVerificadoV1(_DeVisita):
    """En una visita posterior se verificó un compromiso: cumplido, parcialmente o no cumplido, con evidencia.
    ``visita_id`` es la visita en que se verificó."""

    evento = "CompromisoVerificado"
    version = 1

    compromiso_id: UUID
    visita_origen_id: UUID = Field(description="La visita en que se asumió.")
    resultado: Resultado
    evidencia: str


class CompromisoVencidoV1(_Evidencias):
    """Pasó la fecha límite de un compromiso sin que se verificara."""

    evento = "CompromisoVencido"
    version = 1

    compromiso_id: UUID
    docente_id: UUID
    acompanante_id: UUID
    fecha_limite: date
    vencido_el: date = Field(description="Primer día después de la fecha límite.")


class NecesidadFormativaRegistradaV1(_Evidencias):
    """Se registró una necesidad de formación de un docente."""

    evento = "NecesidadFormativaRegistrada"
    version = 1

    necesidad_id: UUID
    docente_id: UUID
    acompanante_id: UUID
    anio: int
    descripcion: str
    competencia: str | None = None
    visita_id: UUID | None = None


class EvidenciaAdjuntadaV1(_Evidencias):
    """Se adjuntó un archivo (foto, acta escaneada, documento) a una visita o a un acta. Solo viaja la
    referencia: el contenido se sirve a quien puede ver al docente."""

    evento = "EvidenciaAdjuntada"
    version = 1

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Huella SHA-256 del contenido (su referencia).")
    tipo_contenido: str = Field(examples=["image/jpeg"], description="Tipo detectado por el contenido.")
    bytes: int = Field(ge=1)
    propietario: Literal["visita", "gia", "rtc"]
    propietario_id: UUID = Field(description="La visita, el GIA o la RTC.")
    docente_ids: list[UUID]
    acompanante_id: UUID
    descripcion: str = ""


class _Acta(_Evidencias):
    actividad_id: UUID = Field(description="El GIA o la RTC realizados (agenda).")
    acompanante_id: UUID
    codigo_modular: str
    anexo: int = 0
    anio: int
    fecha: date
    asistencia: dict[str, Literal["presente", "ausente", "justificado"]] = Field(description="Por docente (id).")
    duracion_horas: float
    acuerdos: list[str]
    nudos_criticos: list[str]
    instrumento: str
    version_instrumento: int
    lista_cotejo: dict[str, Respuesta] = Field(description="Por ítem de la lista de cotejo: sí, no o no aplica.")
    correccion: int = Field(0, description="0 el acta original; 1, 2... sus correcciones.")
    motivo: str = Field("", description="Motivo de la corrección.")


class ActaGIARegistradaV1(_Acta):
    """El acta de un grupo de interaprendizaje: asistencia, duración, acuerdos, nudos críticos y su lista de cotejo."""

    evento = "ActaGIARegistrada"
    version = 1


class ActaRTCRegistradaV1(_Acta):
    """El acta de una reunión de trabajo colegiado: asistencia, duración, acuerdos, nudos críticos y su lista de cotejo."""

    evento = "ActaRTCRegistrada"
    version = 1


class SesionEjecucionRegistradaV1(_Evidencias):
    """El registro de una sesión de la etapa de ejecución con el equipo de gestión de una IE (guía chilena
    de apoyo técnico-pedagógico): acciones clave, indicadores, hitos, acuerdos, avances y nudos críticos."""

    evento = "SesionEjecucionRegistrada"
    version = 1

    sesion_id: UUID
    acompanante_id: UUID
    codigo_modular: str
    anexo: int = 0
    fecha: date
    momento: Literal["antes", "durante", "despues"]
    acciones_clave: list[dict[str, str]]
    indicadores: list[dict[str, str]]
    hitos: list[dict[str, Any]]
    acuerdos: list[str]
    avances: list[str]
    nudos_criticos: list[str]
    aprendizajes: list[str]


class AutoevaluacionRegistradaV1(_Evidencias):
    """Un acompañante respondió la lista de cotejo de autoevaluación de su rol."""

    evento = "AutoevaluacionRegistrada"
    version = 1

    autoevaluacion_id: UUID
    acompanante_id: UUID
    fecha: date
    instrumento: str
    version_instrumento: int
    respuestas: dict[str, Respuesta]
    comentario: str = ""


# --- v2: no free text (Ley 29733) ------------------------------------------------------------------
# What an observer writes of a docente (each level's evidence, strengths, critical aspects, a correction's
# reason, the reflective dialogue, a commitment, its verification's evidence, a training need) can name or
# describe him. evidencias keeps it encrypted with his key, erased when his personal data are cancelled;
# the stream is read by other systems and is not erased, so these versions carry the facts without that
# text. The text is read through evidencias's API by those allowed to see the docente.


class NivelValorado(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    nivel: Nivel
    competencia: str | None = Field(None, description="Competencia del MBDD que informa el ítem (C2 a C7).")


class ObservacionRegistradaV2(_DeVisita):
    """El acompañante registró la observación de una visita en aula con un instrumento versionado: el nivel de
    cada desempeño (NT-026 §5.2.6 a). Sin texto libre: la evidencia, las fortalezas y los aspectos críticos
    se leen en evidencias (se suprimen si el docente cancela sus datos personales)."""

    evento = "ObservacionRegistrada"
    version = 2

    observacion_id: UUID
    instrumento: str = Field(description="Código del instrumento.", examples=["FICHA-AULA"])
    version_instrumento: int = Field(ge=1)
    niveles: dict[str, NivelValorado] = Field(description="Por ítem (desempeño), el nivel.")


class ObservacionCorregidaV2(_DeVisita):
    """Se corrigió una observación: los niveles nuevos y quién la corrigió (la original sigue en la historia).
    Sin texto libre: la evidencia y el motivo se leen en evidencias."""

    evento = "ObservacionCorregida"
    version = 2

    observacion_id: UUID
    correccion: int = Field(ge=1, description="Número de corrección (1 la primera).")
    instrumento: str
    version_instrumento: int = Field(ge=1)
    niveles: dict[str, NivelValorado]
    autor_id: str = Field(description="Quién corrigió.")
    autor_rol: str


class RetroalimentacionBrindadaV2(_DeVisita):
    """El acompañante brindó retroalimentación a partir de la evidencia: los aspectos priorizados y los tipos de
    modelamiento empleados (NT-026 §5.2.6 a). El diálogo reflexivo se lee en evidencias."""

    evento = "RetroalimentacionBrindada"
    version = 2

    aspectos_priorizados: list[str] = Field(description="Ítems (desempeños) sobre los que se dialogó.")
    modelamiento: list[Literal["clase_demostrativa", "video", "ejemplo", "sesion_o_unidad", "observacion_entre_pares",
                               "otro"]] = Field(description="Tipos de modelamiento empleados.")


class CompromisoAsumidoV2(_DeVisita):
    """El docente asumió un compromiso de mejora ligado a un desempeño, hasta una fecha límite. Qué se
    comprometió y cómo se verificará se leen en evidencias."""

    evento = "CompromisoAsumido"
    version = 2

    compromiso_id: UUID
    instrumento: str
    version_instrumento: int
    item: str = Field(description="Desempeño (ítem del instrumento) al que se liga.")
    competencia: str | None
    fecha_limite: date


class CompromisoVerificadoV2(_DeVisita):
    """En una visita posterior se verificó un compromiso: cumplido, parcialmente o no cumplido. ``visita_id`` es la
    visita en que se verificó; la evidencia se lee en evidencias."""

    evento = "CompromisoVerificado"
    version = 2

    compromiso_id: UUID
    visita_origen_id: UUID = Field(description="La visita en que se asumió.")
    resultado: Resultado


class NecesidadFormativaRegistradaV2(_Evidencias):
    """Se registró una necesidad de formación de un docente, en una competencia. Su descripción se lee en
    evidencias."""

    evento = "NecesidadFormativaRegistrada"
    version = 2

    necesidad_id: UUID
    docente_id: UUID
    acompanante_id: UUID
    anio: int
    competencia: str | None = None
    visita_id: UUID | None = None
