"""Contracts published by focalizacion: targeting decisions and caseload assignments."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import IntegrationEvent

TipoIE = Literal["eib", "multigrado", "polidocente_inicial", "polidocente_primaria", "polidocente_secundaria"]


class CriterioEvaluado(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tipo: str = Field(description="Tipo de IE cuyas reglas se evaluaron.", examples=["multigrado"])
    fase: Literal["focalizacion", "priorizacion"]
    codigo: str = Field(description="Código del criterio en el conjunto de reglas.", examples=["MG-F3"])
    resultado: Literal["cumple", "no_cumple", "sin_dato"]
    valores: dict[str, Any] = Field(description="Valores de la IE que se compararon (null: sin dato).")


class RatioAplicada(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    contexto: str = Field(examples=["rural"])
    docentes: int = Field(description="Docentes por acompañante (NT-026 §5.4, §5.6).")
    minimo: int
    maximo: int


class _DecisionIE(IntegrationEvent):
    servicio = "focalizacion"

    convocatoria: str = Field(description="Convocatoria (periodo) de la focalización.", examples=["2020-2022"])
    reglas: str = Field(description="Conjunto de reglas aplicado: código@versión.", examples=["NT-026@1"])
    codigo_modular: str = Field(examples=["0236885"])
    anexo: int = 0
    nombre: str
    nivel: Literal["inicial", "primaria", "secundaria"]
    dre: str
    ugel: str
    evaluaciones: list[CriterioEvaluado] = Field(description="Cada criterio evaluado, con su resultado.")


class IEFocalizadaV1(_DecisionIE):
    """Una IE quedó focalizada para el acompañamiento en una convocatoria."""

    evento = "IEFocalizada"
    version = 1

    tipo: TipoIE = Field(description="Tipo de IE por el que se focalizó.")
    puntaje: int = Field(description="Puntos de priorización obtenidos.")
    orden: int = Field(description="Lugar de prioridad dentro de su UGEL y tipo (1: la primera).")
    ratio: RatioAplicada


class IEExcluidaV1(_DecisionIE):
    """Una IE quedó fuera de la focalización, con cada motivo."""

    evento = "IEExcluida"
    version = 1

    tipo: TipoIE | None = Field(description="Tipo de IE candidato (vacío si se evaluó más de uno o ninguno).")
    motivos: list[str] = Field(description="Por qué quedó fuera, en palabras (criterios no cumplidos o sin dato).")


class _Cartera(IntegrationEvent):
    servicio = "focalizacion"

    convocatoria: str = Field(examples=["2020-2022"])
    dre: str
    ugel: str


class AcompananteIncorporadoV1(_Cartera):
    """Un acompañante se incorporó a la convocatoria en su UGEL."""

    evento = "AcompananteIncorporado"
    version = 1

    acompanante_id: UUID
    tipo_ie: TipoIE = Field(description="Tipo de IE que acompaña.")
    anio: int = Field(description="Año escolar desde el que acompaña.")


class AcompananteRetiradoV1(_Cartera):
    """Un acompañante dejó la convocatoria; su cartera ya se traspasó (DocenteReasignado)."""

    evento = "AcompananteRetirado"
    version = 1

    acompanante_id: UUID
    motivo: str


class DocenteAsignadoV1(_Cartera):
    """Un docente de una IE focalizada quedó a cargo de un acompañante."""

    evento = "DocenteAsignado"
    version = 1

    docente_id: UUID
    acompanante_id: UUID
    codigo_modular: str
    anexo: int = 0
    nivel: Literal["inicial", "primaria", "secundaria"]
    tipo_ie: TipoIE
    ratio_maximo: int = Field(description="Docentes por acompañante que admite la IE.")
    anio: int = Field(description="Año escolar (etapa) desde el que rige la asignación.")


class DocenteReasignadoV1(_Cartera):
    """Un docente pasó de un acompañante a otro (p. ej. por retiro del primero)."""

    evento = "DocenteReasignado"
    version = 1

    docente_id: UUID
    de_acompanante_id: UUID
    a_acompanante_id: UUID
    motivo: str


class DocenteRetiradoV1(_Cartera):
    """Un docente dejó de ser acompañado en la convocatoria."""

    evento = "DocenteRetirado"
    version = 1

    docente_id: UUID
    acompanante_id: UUID
    motivo: str


class ExcepcionRatioRegistradaV1(_Cartera):
    """Un usuario autorizado permitió a un acompañante un límite distinto al de la ratio."""

    evento = "ExcepcionRatioRegistrada"
    version = 1

    acompanante_id: UUID
    limite: int
    justificacion: str
    autorizado_por: str


class DatosPersonalesCanceladosV1(IntegrationEvent):
    """Se cancelaron los datos personales de un docente a su pedido o por mandato de la autoridad (Ley 29733,
    art. 20): focalizacion borró la llave con que los cifraba y desde ahora son ilegibles en su almacén. Cada
    servicio que guarde datos personales de ese docente borra la suya. Los hechos siguen en la historia con el
    id del docente; el mensaje no lleva ningún dato personal ni la referencia de la solicitud."""

    servicio = "focalizacion"
    evento = "DatosPersonalesCancelados"
    version = 1

    docente_id: UUID
    motivo: Literal["solicitud_titular", "mandato_autoridad"] = Field(
        description="solicitud_titular: el docente lo pidió; mandato_autoridad: lo ordenó la Autoridad Nacional de "
                    "Protección de Datos Personales.")
    dre: str
    ugel: str


class DocenteRegistradoEnIEV1(IntegrationEvent):
    """El padrón registra a un docente en una IE (al importarlo, o al cambiar su IE o su nivel): sin ningún
    dato personal, solo su id, su IE y su nivel. Así otros servicios saben qué docentes tiene una IE, p. ej.
    para el plan de monitoreo de la propia IE (modalidad interna, NT-026 §5.2.1)."""

    servicio = "focalizacion"
    evento = "DocenteRegistradoEnIE"
    version = 1

    docente_id: UUID
    codigo_modular: str = Field(examples=["0236885"])
    anexo: int = 0
    nivel: Literal["inicial", "primaria", "secundaria"]
    dre: str = Field(examples=["DRE-PUNO"])
    ugel: str = Field(examples=["UGEL-EL-COLLAO"])


class TerritorioNombradoV1(IntegrationEvent):
    """El padrón nombra una UGEL y su DRE (D_DREUGEL y D_REGION): se publica la primera vez que una importación
    trae sus nombres y cada vez que trae otros, y los servicios muestran a las personas esos nombres y no los
    códigos. Un nombre que aún ningún padrón trajo va vacío (null): vale el último nombre recibido de cada código."""

    servicio = "focalizacion"
    evento = "TerritorioNombrado"
    version = 1

    dre: str = Field(description="Código de la DRE.", examples=["DRE-PUNO"])
    nombre_dre: str | None = Field(description="Nombre de la DRE según el padrón (null: no lo trae).",
                                   examples=["DRE Puno"])
    ugel: str = Field(description="Código de la UGEL.", examples=["UGEL-EL-COLLAO"])
    nombre_ugel: str | None = Field(description="Nombre de la UGEL según el padrón (null: no lo trae).",
                                    examples=["UGEL El Collao"])
