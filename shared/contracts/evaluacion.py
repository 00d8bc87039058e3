"""Contracts published by evaluacion: the formative evaluation of each docente (NT-026 §5.2.5, §5.3)
and the facts of the seguimiento and evaluación matrices (§5.5.2, §5.5.3).

Levels are the four of the MBDD rubric (I to IV). A docente's competencies are the prioritised
C2, C3, C4 and C5 plus one complementary: C6, or C7 in unidocente, multigrado and EIB schools.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import IntegrationEvent

Nivel = Literal["I", "II", "III", "IV"]
Competencia = Literal["C2", "C3", "C4", "C5", "C6", "C7"]


class NivelConEvidencia(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    nivel: Nivel
    evidencias: list[UUID] = Field(description="Evidencias en que se sustenta (observaciones de evidencias).")
    sustento: str = Field("", description="Por qué ese nivel, en palabras del acompañante.")


class MetaCompetencia(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    avance: int = Field(ge=0, le=3, description="Niveles por encima de la situación inicial que se esperan al cierre.")
    minimo: Nivel = Field(description="Nivel esperado como mínimo, cualquiera sea la situación inicial.")


class _Evaluacion(IntegrationEvent):
    servicio = "evaluacion"

    dre: str = Field(description="Código de la DRE.", examples=["DRE-PUNO"])
    ugel: str = Field(description="Código de la UGEL.", examples=["UGEL-EL-COLLAO"])


class _DeDocente(_Evaluacion):
    docente_id: UUID
    acompanante_id: UUID = Field(description="Quien valoró: el acompañante que tenía al docente a su cargo.")
    codigo_modular: str = Field(examples=["0236885"])
    anexo: int = 0
    tipo_ie: str = Field(examples=["multigrado"])
    convocatoria: str = Field(examples=["2020-2022"])
    anio: int = Field(description="Año escolar.", examples=[2020])
    etapa: int = Field(ge=1, le=3, description="Etapa del acompañamiento (1, 2 o 3).")
    fecha: date = Field(description="Día en que se valoró.")


class SituacionInicialRegistradaV1(_DeDocente):
    """La situación inicial del docente en cada competencia, desde la visita diagnóstica: el punto de
    partida desde el que progresan los niveles esperados de cada etapa (NT-026 §5.2.5)."""

    evento = "SituacionInicialRegistrada"
    version = 1

    niveles: dict[Competencia, NivelConEvidencia] = Field(description="Por competencia, el nivel inicial y su sustento.")


class NivelCompetenciaValoradoV1(_DeDocente):
    """El acompañante valoró el nivel de desarrollo de una competencia del docente, con las evidencias
    en que se sustenta (evaluación formativa, NT-026 §5.3)."""

    evento = "NivelCompetenciaValorado"
    version = 1

    valoracion_id: UUID = Field(description="Identificador que dio el dispositivo (estable ante reenvíos).")
    competencia: Competencia
    nivel: Nivel
    evidencias: list[UUID] = Field(description="Evidencias en que se sustenta.")
    sustento: str = ""


class EtapaCerradaV1(_DeDocente):
    """Se cerró una etapa del docente con el nivel logrado en cada competencia. Una corrección es otro
    cierre de la misma etapa con ``correccion`` mayor y su motivo; el anterior queda en la historia."""

    evento = "EtapaCerrada"
    version = 1

    niveles: dict[Competencia, Nivel] = Field(description="Nivel logrado por competencia al cierre de la etapa.")
    correccion: int = Field(0, ge=0, description="0 el cierre; 1, 2... sus correcciones.")
    motivo: str = Field("", description="Motivo de la corrección.")


class MetasDeEtapaDefinidasV1(IntegrationEvent):
    """Se publicó una versión de los niveles esperados por etapa y competencia para un tipo de IE: lo
    que se espera al cierre de cada etapa, desde la situación inicial de cada docente."""

    servicio = "evaluacion"
    evento = "MetasDeEtapaDefinidas"
    version = 1

    convocatoria: str = Field(examples=["2020-2022"])
    tipo_ie: str = Field(examples=["multigrado"])
    version_metas: int = Field(ge=1, description="Versión de las metas de ese tipo de IE.")
    metas: dict[str, dict[Competencia, MetaCompetencia]] = Field(
        description="Por etapa ('1', '2', '3') y competencia, el avance y el mínimo esperados.")
    fuente: str = ""


class EncuestaSatisfaccionRespondidaV1(_Evaluacion):
    """Un docente (anual) o un acompañante (semestral) respondió la encuesta de satisfacción sobre la
    pertinencia, la calidad de la formación y la calidad y utilidad de los recursos (NT-026 §5.5.2)."""

    evento = "EncuestaSatisfaccionRespondida"
    version = 1

    encuesta_id: UUID
    encuestado: Literal["docente", "acompanante"]
    persona_id: UUID
    anio: int
    periodo: Literal["anual", "semestre_1", "semestre_2"]
    respuestas: dict[str, int] = Field(description="Por pregunta, de 1 (nada satisfecho) a 5 (muy satisfecho).")
    comentario: str = ""


class DesempenoAcompananteEvaluadoV1(_Evaluacion):
    """Se evaluó el desempeño de un acompañante: al inicio y al término del acompañamiento (matriz de
    evaluación) o cada semestre (calidad de las estrategias, matriz de seguimiento) (NT-026 §5.5)."""

    evento = "DesempenoAcompananteEvaluado"
    version = 1

    evaluacion_id: UUID
    acompanante_id: UUID
    anio: int
    momento: Literal["inicio", "semestre_1", "semestre_2", "termino"]
    fecha: date
    criterios: dict[str, Nivel] = Field(description="Por criterio del instrumento, el nivel alcanzado.")
    nivel: Nivel = Field(description="Nivel global.")
    evaluador: str = Field(description="Dirección o especialista que evaluó.", examples=["DIFODS"])


class ResumenInforme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ies: int = Field(description="IIEE con docentes acompañados en el año.")
    docentes: int = Field(description="Docentes acompañados.")
    visitas_realizadas: int = Field(description="Visitas realizadas hasta el fin del trimestre.")
    valoraciones: int = Field(description="Valoraciones de competencias registradas en el trimestre.")


class _Informe(_Evaluacion):
    informe_id: UUID
    anio: int
    trimestre: int = Field(ge=1, le=4)


class InformeTrimestralEnviadoV1(_Informe):
    """La UGEL remitió a su DRE el informe de avance del trimestre (NT-026 §6.3: "Remite los reportes de
    avance trimestral a la DRE"), con las cifras que llevaba."""

    evento = "InformeTrimestralEnviado"
    version = 1

    enviado_por: str = Field(description="Especialista de la UGEL que lo remitió.")
    fecha: date = Field(description="Día en que se remitió.")
    resumen: ResumenInforme
    observaciones: str = ""


class InformeTrimestralRecibidoV1(_Informe):
    """La DRE acusó recibo del informe trimestral que le remitió una UGEL de su jurisdicción (NT-026 §6.3: la
    UGEL "Remite los reportes de avance trimestral a la DRE")."""

    evento = "InformeTrimestralRecibido"
    version = 1

    recibido_por: str = Field(description="Especialista de la DRE que acusó recibo.")
    fecha: date
    observaciones: str = ""


EstadoMedida = Literal["dispuesta", "en_ejecucion", "cumplida", "no_cumplida"]


class MedidaCorrectivaDispuestaV1(_Informe):
    """La UGEL dispuso una medida correctiva sobre una IE o un acompañante (NT-026 §6.3: "dispone las
    medidas correctivas necesarias"), con el informe del trimestre en que la dispuso."""

    evento = "MedidaCorrectivaDispuesta"
    version = 1

    medida_id: UUID
    sobre: Literal["ie", "acompanante"]
    codigo_modular: str | None = Field(None, description="La IE (si la medida es sobre una IE).")
    anexo: int | None = None
    acompanante_id: UUID | None = Field(None, description="El acompañante (si la medida es sobre él).")
    descripcion: str
    plazo: date
    dispuesta_por: str
    fecha: date


class MedidaCorrectivaSeguidaV1(_Informe):
    """Seguimiento de una medida correctiva: su nuevo estado y el avance (en ejecución, cumplida o no
    cumplida; las dos últimas la cierran)."""

    evento = "MedidaCorrectivaSeguida"
    version = 1

    medida_id: UUID
    estado: EstadoMedida
    avance: str
    por: str
    fecha: date
