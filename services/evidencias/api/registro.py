"""What a visit and a GIA/RTC leave behind, as the single routes and a device's offline queue (``lote``) both
apply it: each body's model and the command it calls, which returns the record's id and whether it was new."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from services.evidencias import comandos as c
from services.evidencias.api.comun import Entrada, Lista, Texto
from services.evidencias.application import Evidencias
from shared.contracts.evidencias import Modelamiento, Resultado

Asistencia = Literal["presente", "ausente", "justificado"]


class NivelIn(Entrada):
    nivel: str = Field(max_length=3, description="Nivel del instrumento (I, II, III o IV).", examples=["III"])
    evidencia: str = Field(max_length=4000, description="Lo que se vio y escuchó que sustenta el nivel.")


class ObservacionIn(Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "observacion_id": "5b0c9d5e-6a1f-4f57-9d0e-1b2c3d4e5f60", "acompanante_id": "4a2e6d9c-1b3f-5e7a-8c0d-9f1e2a3b4c5d",
        "instrumento": "FICHA-AULA", "niveles": {"D1": {"nivel": "II", "evidencia": "Solo 6 de 20 estudiantes "
                                                  "participan; los demás copian de la pizarra."}},
        "fortalezas": ["Trato cordial"], "aspectos_criticos": ["Preguntas de baja demanda cognitiva"]}]})
    observacion_id: UUID = Field(description="Identificador que genera el dispositivo: reenviar no crea otra.")
    acompanante_id: UUID
    instrumento: str = Field("FICHA-AULA", max_length=40)
    version: int | None = Field(None, ge=1, description="Vacío: la versión vigente el día de la visita.")
    niveles: dict[str, NivelIn] = Field(min_length=1, description="Por desempeño (ítem), su nivel y evidencia.")
    fortalezas: Lista = []
    aspectos_criticos: Lista = Field([], description="Aspectos críticos u oportunidades de mejora.")


class CorreccionIn(Entrada):
    acompanante_id: UUID | None = Field(None, description="El acompañante que corrige (vacío si corrige un especialista).")
    niveles: dict[str, NivelIn] = Field(min_length=1)
    fortalezas: Lista = []
    aspectos_criticos: Lista = []
    motivo: Texto


class RetroalimentacionIn(Entrada):
    acompanante_id: UUID
    dialogo_reflexivo: str = Field(min_length=10, max_length=8000, description="El diálogo reflexivo con el docente.")
    aspectos_priorizados: list[str] = Field(min_length=1, description="Desempeños sobre los que se dialogó.")
    modelamiento: list[Modelamiento] = []


class CompromisoIn(Entrada):
    compromiso_id: UUID
    acompanante_id: UUID
    descripcion: Texto
    item: str = Field(max_length=30, description="Desempeño al que se liga.", examples=["D3"])
    fecha_limite: date
    verificacion: Texto = Field(description="Cómo se verificará.")


class VerificacionIn(Entrada):
    visita_id: UUID = Field(description="La visita (posterior) en que se verifica.")
    acompanante_id: UUID
    resultado: Resultado
    evidencia: Texto


class NecesidadIn(Entrada):
    necesidad_id: UUID
    acompanante_id: UUID
    descripcion: Texto
    competencia: Literal["C2", "C3", "C4", "C5", "C6", "C7"] | None = None
    visita_id: UUID | None = None
    anio: int | None = Field(None, ge=2000, le=2100)


class ActaIn(Entrada):
    autor_id: UUID = Field(description="El acompañante (o, en la RTC, el directivo) que registra el acta.")
    asistencia: dict[UUID, Asistencia] = Field(min_length=1, description="Por docente convocado.")
    duracion_horas: float | None = Field(None, gt=0, le=12, description="Vacío: la duración registrada en agenda.")
    acuerdos: Lista = []
    nudos_criticos: Lista = []
    instrumento: str | None = Field(None, max_length=40, description="Vacío: LC-GIA o LC-RTC.")
    version: int | None = Field(None, ge=1)
    lista_cotejo: dict[str, str] = Field(description="Por ítem: si, no o no_aplica.")


class CorreccionActaIn(ActaIn):
    motivo: Texto


Registrado = tuple[str, bool]  # the record's id, and whether it was new


def _niveles(niveles: dict[str, NivelIn]) -> dict[str, c.Nivel]:
    return {k: c.Nivel(nivel=n.nivel, evidencia=n.evidencia) for k, n in niveles.items()}


def _acta(e: ActaIn, actividad_id: UUID) -> dict[str, Any]:
    return dict(actividad_id=str(actividad_id), autor_id=str(e.autor_id),
                asistencia={str(k): v for k, v in e.asistencia.items()}, lista_cotejo=e.lista_cotejo,
                duracion_horas=e.duracion_horas, acuerdos=e.acuerdos, nudos_criticos=e.nudos_criticos,
                instrumento=e.instrumento, version=e.version)


def observacion(app: Evidencias, e: ObservacionIn, visita_id: UUID) -> Registrado:
    return str(e.observacion_id), app.registrar_observacion(c.RegistrarObservacion(
        visita_id=str(visita_id), observacion_id=str(e.observacion_id), acompanante_id=str(e.acompanante_id),
        niveles=_niveles(e.niveles), instrumento=e.instrumento, version=e.version, fortalezas=e.fortalezas,
        aspectos_criticos=e.aspectos_criticos))


def correccion(app: Evidencias, e: CorreccionIn, visita_id: UUID, observacion_id: UUID) -> Registrado:
    return str(observacion_id), app.corregir_observacion(c.CorregirObservacion(
        visita_id=str(visita_id), observacion_id=str(observacion_id),
        acompanante_id=str(e.acompanante_id) if e.acompanante_id else None, niveles=_niveles(e.niveles),
        motivo=e.motivo, fortalezas=e.fortalezas, aspectos_criticos=e.aspectos_criticos))


def retroalimentacion(app: Evidencias, e: RetroalimentacionIn, visita_id: UUID) -> Registrado:
    return str(visita_id), app.brindar_retroalimentacion(c.BrindarRetroalimentacion(
        visita_id=str(visita_id), acompanante_id=str(e.acompanante_id), dialogo_reflexivo=e.dialogo_reflexivo,
        aspectos_priorizados=e.aspectos_priorizados, modelamiento=e.modelamiento))


def compromiso(app: Evidencias, e: CompromisoIn, visita_id: UUID) -> Registrado:
    return str(e.compromiso_id), app.asumir_compromiso(c.AsumirCompromiso(
        compromiso_id=str(e.compromiso_id), visita_id=str(visita_id), acompanante_id=str(e.acompanante_id),
        item=e.item, descripcion=e.descripcion, fecha_limite=e.fecha_limite, verificacion=e.verificacion))


def verificacion(app: Evidencias, e: VerificacionIn, compromiso_id: UUID) -> Registrado:
    return str(compromiso_id), app.verificar_compromiso(c.VerificarCompromiso(
        compromiso_id=str(compromiso_id), visita_id=str(e.visita_id), acompanante_id=str(e.acompanante_id),
        resultado=e.resultado, evidencia=e.evidencia))


def necesidad(app: Evidencias, e: NecesidadIn, docente_id: UUID) -> Registrado:
    return str(e.necesidad_id), app.registrar_necesidad(c.RegistrarNecesidad(
        docente_id=str(docente_id), necesidad_id=str(e.necesidad_id), acompanante_id=str(e.acompanante_id),
        descripcion=e.descripcion, competencia=e.competencia, visita_id=str(e.visita_id) if e.visita_id else None,
        anio=e.anio))


def acta(app: Evidencias, e: ActaIn, actividad_id: UUID) -> Registrado:
    return str(actividad_id), app.registrar_acta(c.RegistrarActa(**_acta(e, actividad_id)))


def correccion_acta(app: Evidencias, e: CorreccionActaIn, actividad_id: UUID) -> Registrado:
    return str(actividad_id), app.corregir_acta(c.CorregirActa(**_acta(e, actividad_id), motivo=e.motivo))
