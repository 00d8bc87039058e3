"""agenda's HTTP API, version 1: translates requests into commands and queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from services.agenda import documentos, exportar
from services.agenda.application import Agenda, Resultado
from services.agenda.calendario import HORA
from services.agenda.cumplimiento import COMPONENTES, NIVELES, planificado
from services.agenda.domainmodel import DocenteAjenoAlPlan, DocentesDeOtraIE
from services.agenda.protocolos import Protocolo
from shared.autorizacion import NACIONALES
from shared.contracts.agenda import AccionVisita
from shared.eventstore import Conflict, DomainError, NotFound
from shared.hojas import Portada, Tabla, autor
from shared.lote import Lote, Operacion, ResultadoItem
from shared.telemetry import current_actor

Id = Annotated[UUID, Path(description="Identificador")]
IE = Annotated[str, Path(pattern=r"^\d{7}-\d$", description="Código modular y anexo: 0236885-0")]
Hora = Annotated[str, Field(pattern=HORA, examples=["15:00"])]
Anio = Annotated[int, Query(ge=2000, le=2100, description="Año escolar (etapa).")]


class _Entrada(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VisitaProgramadaIn(_Entrada):
    visita_id: UUID = Field(description="Identificador que genera el dispositivo: reenviar no crea otra.")
    docente_id: UUID
    fecha_inicio: date
    fecha_fin: date


class ReunionProgramadaIn(_Entrada):
    actividad_id: UUID = Field(description="Identificador que genera el dispositivo.")
    codigo_modular: str = Field(pattern=r"^\d{7}$")
    anexo: int = Field(0, ge=0, le=9)
    fecha: date
    hora_inicio: Hora
    hora_fin: Hora
    docentes: list[UUID] | None = Field(None, description="Participantes (vacío: todos sus docentes de la IE).")
    tema: str = Field("", max_length=300)
    directivo_id: UUID | None = Field(None, description="RTC: el directivo que la lidera.")


class TallerProgramadoIn(_Entrada):
    actividad_id: UUID
    fecha_inicio: date
    fecha_fin: date
    sede: str = Field(min_length=2, max_length=200, examples=["Auditorio de la UGEL El Collao"])
    destinatarios: Literal["docentes", "acompanantes"] = "docentes"
    docentes: list[UUID] | None = Field(None, description="Docentes convocados (vacío: todos los suyos).")
    tema: str = Field("", max_length=300)


class ReprogramacionIn(_Entrada):
    fecha_inicio: date | None = None
    fecha_fin: date | None = None
    fecha: date | None = Field(None, description="GIA y RTC: el nuevo día.")
    hora_inicio: Hora | None = None
    hora_fin: Hora | None = None
    motivo: str = Field(min_length=3, max_length=500)


class CancelacionIn(_Entrada):
    motivo: str = Field(min_length=3, max_length=500)


class VisitaRealizadaIn(_Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "visita_id": "6f1c2f7e-2d0a-4c55-9a53-3f7c1b2a9e10", "docente_id": "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55",
        "acompanante_id": "4a2e6d9c-1b3f-5e7a-8c0d-9f1e2a3b4c5d", "fecha_inicio": "2020-06-10",
        "fecha_fin": "2020-06-11", "acciones": ["observacion", "asesoria"]}]})
    visita_id: UUID = Field(description="Identificador que genera el dispositivo (el de la visita programada, si la hubo).")
    docente_id: UUID
    acompanante_id: UUID
    fecha_inicio: date
    fecha_fin: date
    acciones: list[AccionVisita] = Field(min_length=1, description="Observación, asesoría, retroalimentación, modelado.")
    observaciones: str = Field("", max_length=2000)


class ReunionRealizadaIn(_Entrada):
    actividad_id: UUID
    acompanante_id: UUID
    codigo_modular: str = Field(pattern=r"^\d{7}$")
    anexo: int = Field(0, ge=0, le=9)
    fecha: date
    hora_inicio: Hora
    hora_fin: Hora
    participantes: list[UUID] = Field(min_length=1, description="Docentes que participaron.")
    tema: str = Field("", max_length=300)
    acuerdos: list[str] = Field(default_factory=list)
    directivo_id: UUID | None = Field(None, description="RTC: el directivo que la lideró.")


class TallerRealizadoIn(_Entrada):
    actividad_id: UUID
    acompanante_id: UUID
    fecha_inicio: date
    fecha_fin: date
    sede: str = Field(min_length=2, max_length=200)
    destinatarios: Literal["docentes", "acompanantes"] = "docentes"
    asistencia: dict[UUID, list[date]] = Field(description="Por participante, los días a los que asistió.")
    tema: str = Field("", max_length=300)


class CursoVirtualIn(_Entrada):
    registro_id: UUID
    docente_id: UUID
    anio: int = Field(ge=2000, le=2100)
    curso: str = Field(min_length=3, max_length=300)
    horas: float = Field(gt=0, le=500)
    fecha: date = Field(description="Día en que lo completó.")
    plataforma: str = Field("", max_length=100)


class CursoPropioIn(_Entrada):
    registro_id: UUID
    anio: int = Field(ge=2000, le=2100)
    curso: str = Field(min_length=3, max_length=300)
    horas: float = Field(gt=0, le=500)
    fecha: date = Field(description="Día en que lo completó.")
    plataforma: str = Field("", max_length=100)


class DirectivoIn(_Entrada):
    directivo_id: UUID
    cargo: Literal["director", "subdirector", "docente_encargado"] = "director"


class DocentePlanIEIn(_Entrada):
    docente_id: UUID
    grado_seccion: str = Field("", max_length=40, examples=["5 años A"])
    area: str = Field("", max_length=80, description="Área curricular (secundaria).")


class PlanIEIn(_Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "anio": 2024, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO", "turno": "mañana",
        "director": "Doly Ramos Aruquipa", "responsables": ["Doly Ramos Aruquipa"], "protocolo": "PMA-IEI246@1"}]})
    anio: int = Field(ge=2000, le=2100)
    dre: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$", examples=["DRE-PUNO"])
    ugel: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$", examples=["UGEL-EL-COLLAO"])
    turno: str = Field("", max_length=40)
    director: str = Field("", max_length=200, description="Nombre del director como figura en el documento.")
    responsables: list[str] = Field(default_factory=list, max_length=20)
    directivo_id: UUID | None = Field(None, description="Quien observa (por defecto, el directivo que llama).")
    cargo: Literal["director", "subdirector", "docente_encargado"] = "director"
    protocolo: str | None = Field(None, description="Plantilla (código@versión); por defecto, la interna vigente "
                                  "más cercana a la IE.")
    tipo: str | None = Field(None, description="'<tipo de IE>/<nivel>' de la plantilla, si tiene varios.")
    docentes: list[DocentePlanIEIn] | None = Field(None, max_length=300, description="Docentes que cubre (vacío: "
                                                   "todos los que el padrón registra en la IE).")


class AprobacionIn(_Entrada):
    resolucion: str = Field(min_length=3, max_length=120, examples=["RD N° 012-2024-IEI246"])
    fecha: date


class SocializacionIn(_Entrada):
    fecha: date
    medio: str = Field("", max_length=200, examples=["Reunión de docentes"])


class EjecucionIn(_Entrada):
    fecha: date
    logros: str = Field("", max_length=4000)
    dificultades: str = Field("", max_length=4000)
    recomendaciones: str = Field("", max_length=4000)


class VisitaEntreParesIn(_Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "visita_id": "3c9e1a2b-5d4f-4e6a-8b7c-9d0e1f2a3b4c",
        "docente_visitante_id": "0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55",
        "docente_visitado_id": "7d2a4c6e-1f3b-5a7c-9e0d-2b4f6a8c0e1d", "fecha": "2024-06-18"}]})
    visita_id: UUID = Field(description="Identificador que genera el dispositivo: reenviar no crea otra.")
    docente_visitante_id: UUID = Field(description="El docente de la IE que observa la clase de su colega.")
    docente_visitado_id: UUID = Field(description="El docente de la IE cuya clase se observa.")
    fecha: date = Field(description="Día de la visita (lectivo, en el año escolar del plan).")


class NombresIn(_Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "nombres": {"0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55": "Leydi Stefany Maquera Gutierrez"}}]})
    nombres: dict[UUID, Annotated[str, Field(min_length=2, max_length=200)]] = Field(
        default_factory=dict, max_length=300,
        description="Nombre de cada docente, tal como lo da focalización (GET /v1/docentes/{id}/persona): "
                    "se usa solo para imprimir, no se guarda.")
    fecha: date | None = Field(None, description="Fecha de corte (por defecto, hoy).")

    def por_id(self) -> dict[str, str]:
        return {str(k): v for k, v in self.nombres.items()}


class GeneracionIn(_Entrada):
    anio: int = Field(ge=2000, le=2100, description="Año (etapa) cuyos planes se generan.")
    ugel: str | None = None


class Registro(BaseModel):
    id: UUID
    estado: Literal["registrado", "ya_registrado"]
    advertencias: list[str] = Field(default_factory=list, description="Avisos que no impiden el registro.")


class ItemLote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operacion: Literal["programar_visita", "programar_gia", "programar_rtc", "programar_taller", "reprogramar",
                       "cancelar", "visita_realizada", "gia_completado", "rtc_realizada", "taller_realizado",
                       "curso_virtual_completado"]
    actividad_id: UUID | None = Field(None, description="reprogramar / cancelar: la actividad.")
    datos: dict[str, Any]


class LoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemLote] = Field(min_length=1, max_length=2000, description="En el orden en que se hicieron.")


def _registro(id_: UUID, r: Resultado, response: Response | None = None) -> Registro:
    if response is not None and not r.nuevo:
        response.status_code = status.HTTP_200_OK
    return Registro(id=id_, estado="registrado" if r.nuevo else "ya_registrado", advertencias=r.advertencias)


def router(agenda: Agenda) -> APIRouter:  # noqa: C901, PLR0915 - one place that lists the endpoints
    r = APIRouter(prefix="/v1")
    creado = {"status_code": status.HTTP_201_CREATED,
              "responses": {200: {"description": "Ya estaba registrado (reenvío)"},
                            409: {"description": "El identificador ya se usó con otros datos"},
                            422: {"description": "Datos no válidos o contrarios a la norma (motivo en el mensaje)"}}}

    # --- operations shared by single requests and the offline batch ------------------------------

    def programar_visita(acompanante: str, b: VisitaProgramadaIn) -> tuple[UUID, Resultado]:
        return b.visita_id, agenda.programar(acompanante, str(b.visita_id), "visita", b.model_dump(mode="json"))

    def programar_reunion(tipo: str, acompanante: str, b: ReunionProgramadaIn) -> tuple[UUID, Resultado]:
        if tipo == "gia" and b.directivo_id is not None:
            raise DomainError("El GIA está a cargo del acompañante: no lleva directivo_id.")
        return b.actividad_id, agenda.programar(acompanante, str(b.actividad_id), tipo, b.model_dump(mode="json"))

    def programar_taller(acompanante: str, b: TallerProgramadoIn) -> tuple[UUID, Resultado]:
        return b.actividad_id, agenda.programar(acompanante, str(b.actividad_id), "taller", b.model_dump(mode="json"))

    def reprogramar(actividad_id: UUID, b: ReprogramacionIn) -> tuple[UUID, Resultado]:
        cambios = b.model_dump(mode="json", exclude_none=True, exclude={"motivo"})
        if not cambios:
            raise DomainError("Indique las nuevas fechas u horas.")
        return actividad_id, agenda.reprogramar(str(actividad_id), cambios, b.motivo)

    def cancelar(actividad_id: UUID, b: CancelacionIn) -> tuple[UUID, Resultado]:
        return actividad_id, agenda.cancelar(str(actividad_id), b.motivo)

    def visita_realizada(b: VisitaRealizadaIn) -> tuple[UUID, Resultado]:
        return b.visita_id, agenda.realizar(str(b.acompanante_id), str(b.visita_id), "visita",
                                            b.model_dump(mode="json"))

    def reunion_realizada(tipo: str, b: ReunionRealizadaIn) -> tuple[UUID, Resultado]:
        if tipo == "rtc" and b.directivo_id is None:
            raise DomainError("La RTC la lidera el directivo de la IE (NT-026 §5.2.7): indique directivo_id.")
        return b.actividad_id, agenda.realizar(str(b.acompanante_id), str(b.actividad_id), tipo,
                                               b.model_dump(mode="json"))

    def taller_realizado(b: TallerRealizadoIn) -> tuple[UUID, Resultado]:
        return b.actividad_id, agenda.realizar(str(b.acompanante_id), str(b.actividad_id), "taller",
                                               b.model_dump(mode="json"))

    def curso(b: CursoVirtualIn) -> tuple[UUID, Resultado]:
        curso_ = b.model_dump(mode="json", include={"curso", "horas", "fecha", "plataforma"})
        return b.registro_id, Resultado(agenda.completar_curso(str(b.docente_id), b.anio, str(b.registro_id), curso_))

    # --- templates and plans ----------------------------------------------------------------

    @r.get("/protocolos", tags=["protocolos"], summary="Protocolos publicados (plantillas del plan anual)")
    def protocolos() -> list[dict[str, Any]]:
        return agenda.proyecciones.protocolos()

    @r.post("/protocolos", tags=["protocolos"], summary="Publicar un protocolo (nueva versión)", **creado)
    def publicar(body: Protocolo, response: Response) -> dict[str, Any]:
        if "ambito" not in body.model_fields_set and current_actor.get().rol not in NACIONALES:
            # the policy reads the ámbito from the body (acceso.py): a territorial caller must name it
            raise RequestValidationError([{"loc": ("body", "ambito"), "type": "value_error", "msg": (
                "es obligatorio para quien publica desde una DRE o UGEL: indique DRE:<código>, UGEL:<código> "
                "o IE:<código modular>-<anexo> de su territorio")}])
        if not agenda.publicar_protocolo(body):
            response.status_code = status.HTTP_200_OK
        return body.model_dump(mode="json")

    @r.get("/planes", tags=["planes"], summary="Planes anuales")
    def planes(anio: Anio, dre: str | None = None, ugel: str | None = None, acompanante_id: UUID | None = None,
               limite: Annotated[int, Query(ge=1, le=5000)] = 500,
               desde: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
               ie: Annotated[str | None, Query(pattern=r"^\d{7}-\d$", description="IE: código modular-anexo.")] = None,
               modalidad: Literal["externa", "interna"] | None = None) -> list[dict[str, Any]]:
        return agenda.proyecciones.planes(anio=anio, dre=dre, ugel=ugel, limite=limite, desde=desde, ie=ie,
                                          modalidad=modalidad,
                                          acompanante_id=str(acompanante_id) if acompanante_id else None)

    @r.get("/planes.csv", tags=["planes"], summary="Planes anuales en CSV", response_class=Response,
           responses={200: {"content": {"text/csv": {}}}})
    def planes_csv(anio: Anio, dre: str | None = None, ugel: str | None = None,
                   ie: Annotated[str | None, Query(pattern=r"^\d{7}-\d$", description="IE: código modular-anexo.")] = None) -> Response:
        filas = [{**{k: p[k] for k in exportar.PLANES_CLAVES}, **planificado(p["plan"])}
                 for p in agenda.proyecciones.planes(anio=anio, dre=dre, ugel=ugel, ie=ie)]
        return _csv(exportar.csv_de(Tabla("planes", exportar.PLANES, filas)), f"planes-{anio}.csv")

    @r.get("/docentes/{docente_id}/planes", tags=["planes"], summary="Planes de un docente, etapa por etapa")
    def planes_docente(docente_id: Id) -> list[dict[str, Any]]:
        return agenda.proyecciones.planes(docente_id=str(docente_id))

    @r.post("/planes/generacion", tags=["planes"], summary="Generar los planes de la etapa siguiente")
    def generar(body: GeneracionIn) -> dict[str, int]:
        return agenda.generar_planes_del_anio(body.anio, body.ugel)

    @r.put("/instituciones/{codigo_modular}/{anexo}/directivo", tags=["planes"],
           summary="Registrar al directivo de una IE (lidera sus RTC)")
    def directivo(codigo_modular: Annotated[str, Path(pattern=r"^\d{7}$")],
                  anexo: Annotated[int, Path(ge=0, le=9)], body: DirectivoIn) -> dict[str, Any]:
        cambiado = agenda.designar_directivo(codigo_modular, anexo, str(body.directivo_id), body.cargo)
        return {"ie": f"{codigo_modular}-{anexo}", "directivo_id": body.directivo_id, "cargo": body.cargo,
                "estado": "registrado" if cambiado else "ya_registrado"}

    # --- the school's own plan (internal modality) ---------------------------------------------

    @r.post("/instituciones/{ie}/protocolos", tags=["plan de la IE"], **creado,
            summary="Publicar la versión propia de la IE de la plantilla de su plan interno",
            description="La elabora su directivo (o su UGEL): rige solo en la IE (ámbito "
                        "IE:<código>-<anexo>) y solo para la modalidad interna. Un plan de la IE la sigue si "
                        "la nombra en 'protocolo', o por defecto si es la versión más reciente de las "
                        "plantillas internas de la IE.")
    def post_protocolo_ie(ie: IE, body: Protocolo, response: Response) -> dict[str, Any]:
        errores = []
        if body.modalidad != "interna":
            errores.append({"loc": ("body", "modalidad"), "type": "value_error", "msg": (
                "la plantilla propia de una IE es la de su plan interno: modalidad 'interna'")})
        if "ambito" in body.model_fields_set and body.ambito != f"IE:{ie}":
            errores.append({"loc": ("body", "ambito"), "type": "value_error", "msg": (
                f"la plantilla propia de la IE rige solo en ella: IE:{ie} (o no lo indique)")})
        if errores:
            raise RequestValidationError(errores)
        propia = Protocolo.model_validate({**body.model_dump(mode="json"), "ambito": f"IE:{ie}"})
        if not agenda.publicar_protocolo(propia):
            response.status_code = status.HTTP_200_OK
        return propia.model_dump(mode="json")

    @r.post("/instituciones/{ie}/planes-monitoreo", tags=["plan de la IE"], **creado,
            summary="Elaborar el plan de monitoreo y acompañamiento de la IE (modalidad interna)")
    def post_plan_ie(ie: IE, body: PlanIEIn, response: Response) -> dict[str, Any]:
        try:
            plan_ie_id, nuevo = agenda.elaborar_plan_ie(_plan_ie(agenda, ie, body))
        except DocentesDeOtraIE as e:
            raise RequestValidationError([{"loc": ("body", "docentes"), "type": "value_error", "msg": str(e)}]) from None
        if not nuevo:
            response.status_code = status.HTTP_200_OK
        return _vista_plan_ie(agenda, str(plan_ie_id))

    @r.get("/instituciones/{ie}/docentes", tags=["plan de la IE"],
           summary="Docentes que el padrón registra en la IE (sin datos personales: id y nivel)")
    def get_docentes_ie(ie: IE) -> list[dict[str, Any]]:
        return [{k: d[k] for k in ("docente_id", "nivel", "dre", "ugel")} for d in agenda.proyecciones.docentes_ie(ie)]

    @r.get("/instituciones/{ie}/planes-monitoreo", tags=["plan de la IE"], summary="Planes de monitoreo de una IE")
    def get_planes_ie(ie: IE) -> list[dict[str, Any]]:
        return agenda.proyecciones.planes_ie(ie=ie)

    @r.get("/planes-monitoreo/{plan_ie_id}", tags=["plan de la IE"], summary="Un plan de monitoreo de la IE")
    def get_plan_ie(plan_ie_id: Id) -> dict[str, Any]:
        return _vista_plan_ie(agenda, str(plan_ie_id))

    @r.post("/planes-monitoreo/{plan_ie_id}/aprobacion", tags=["plan de la IE"], **creado,
            summary="Aprobar el plan con resolución directoral (genera el plan interno de cada docente)")
    def post_aprobacion(plan_ie_id: Id, body: AprobacionIn, response: Response) -> dict[str, Any]:
        r_ = agenda.aprobar_plan_ie(str(plan_ie_id), body.resolucion, body.fecha.isoformat())
        return _paso_plan_ie(agenda, str(plan_ie_id), r_, response)

    @r.post("/planes-monitoreo/{plan_ie_id}/socializacion", tags=["plan de la IE"], **creado,
            summary="Registrar la socialización del plan con los docentes")
    def post_socializacion(plan_ie_id: Id, body: SocializacionIn, response: Response) -> dict[str, Any]:
        r_ = agenda.socializar_plan_ie(str(plan_ie_id), body.model_dump(mode="json"))
        return _paso_plan_ie(agenda, str(plan_ie_id), r_, response)

    @r.post("/planes-monitoreo/{plan_ie_id}/ejecucion", tags=["plan de la IE"], **creado,
            summary="Registrar el informe de ejecución del plan (diciembre)")
    def post_ejecucion(plan_ie_id: Id, body: EjecucionIn, response: Response) -> dict[str, Any]:
        avance = documentos.avance(agenda, agenda.plan_ie(str(plan_ie_id)), body.fecha)
        informe = {**body.model_dump(mode="json"), "visitas_planificadas": avance.planificadas,
                   "visitas_realizadas": avance.realizadas, "visitas_entre_pares": avance.entre_pares}
        r_ = agenda.ejecutar_plan_ie(str(plan_ie_id), informe)
        return _paso_plan_ie(agenda, str(plan_ie_id), r_, response)

    @r.post("/planes-monitoreo/{plan_ie_id}/visitas-entre-pares", tags=["plan de la IE"], **creado,
            summary="Registrar una visita entre pares (un docente de la IE observa la clase de un colega)",
            description="La organiza el directivo en el plan interno de su IE (plan aprobado y aún sin "
                        "informe de ejecución); los dos docentes deben estar registrados en la IE por el "
                        "padrón y cubiertos por el plan. Cuenta en el cumplimiento de los planes internos "
                        "(`visitas_entre_pares_recibidas`, `visitas_entre_pares_hechas`) y en el informe "
                        "de ejecución.")
    def post_visita_entre_pares(plan_ie_id: Id, body: VisitaEntreParesIn, response: Response) -> Registro:
        visita = {"docente_visitante_id": str(body.docente_visitante_id),
                  "docente_visitado_id": str(body.docente_visitado_id), "fecha": body.fecha.isoformat()}
        try:
            r_ = agenda.registrar_visita_entre_pares(str(plan_ie_id), str(body.visita_id), visita)
        except DocenteAjenoAlPlan as e:
            error = {"loc": ("body", e.campo), "type": "value_error", "msg": str(e)}
            raise RequestValidationError([error]) from None
        return _registro(body.visita_id, r_, response)

    con_nombres = {"tags": ["plan de la IE"], "response_class": Response,
                   "description": "Con los nombres de los docentes que se indiquen (los da focalización a "
                                  "quien puede verlos): se usan solo para imprimir, no se guardan.",
                   "responses": {200: {"content": {"application/pdf": {}}}}}

    def documento_del_plan(dibujar: Callable[..., bytes], archivo: str, plan_ie_id: UUID, fecha: date | None,
                           nombres: Mapping[str, str] = MappingProxyType({})) -> Response:
        """The plan's or its informe's PDF as of ``fecha`` (today when not given)."""
        pdf = dibujar(agenda, str(plan_ie_id), fecha or date.today(), nombres)
        return _pdf(pdf, f"{archivo}-{plan_ie_id}.pdf")

    @r.post("/planes-monitoreo/{plan_ie_id}/plan.pdf", summary="El plan de la IE en PDF, con los nombres",
            **con_nombres)
    def post_plan_ie_pdf(plan_ie_id: Id, body: NombresIn) -> Response:
        return documento_del_plan(documentos.plan_pdf, "plan", plan_ie_id, body.fecha, body.por_id())

    @r.post("/planes-monitoreo/{plan_ie_id}/informe.pdf",
            summary="Informe de ejecución en PDF, con los nombres", **con_nombres)
    def post_informe_pdf(plan_ie_id: Id, body: NombresIn) -> Response:
        return documento_del_plan(documentos.informe_pdf, "informe", plan_ie_id, body.fecha, body.por_id())

    @r.post("/planes-monitoreo/{plan_ie_id}/docentes/{docente_id}/planificador.pdf",
            summary="Planificador individual del docente en PDF, con su nombre", **con_nombres)
    def post_planificador_pdf(plan_ie_id: Id, docente_id: Id, body: NombresIn) -> Response:
        corte = body.fecha or date.today()
        pdf = documentos.planificador_pdf(agenda, str(plan_ie_id), str(docente_id), corte, body.por_id())
        return _pdf(pdf, f"planificador-{docente_id}.pdf")

    @r.get("/planes-monitoreo/{plan_ie_id}/plan.pdf", tags=["plan de la IE"], response_class=Response,
           summary="El plan de la IE en PDF, con el cronograma de visitas por docente",
           responses={200: {"content": {"application/pdf": {}}}})
    def get_plan_ie_pdf(plan_ie_id: Id, fecha: date | None = None) -> Response:
        return documento_del_plan(documentos.plan_pdf, "plan", plan_ie_id, fecha)

    @r.get("/planes-monitoreo/{plan_ie_id}/informe.pdf", tags=["plan de la IE"], response_class=Response,
           summary="Informe de ejecución del plan en PDF", responses={200: {"content": {"application/pdf": {}}}})
    def get_informe_pdf(plan_ie_id: Id, fecha: date | None = None) -> Response:
        return documento_del_plan(documentos.informe_pdf, "informe", plan_ie_id, fecha)

    @r.get("/planes-monitoreo/{plan_ie_id}/docentes/{docente_id}/planificador.pdf", tags=["plan de la IE"],
           response_class=Response, summary="Planificador individual del docente (desempeño por fase) en PDF",
           responses={200: {"content": {"application/pdf": {}}}})
    def get_planificador_pdf(plan_ie_id: Id, docente_id: Id, fecha: date | None = None) -> Response:
        return _pdf(documentos.planificador_pdf(agenda, str(plan_ie_id), str(docente_id), fecha or date.today()),
                    f"planificador-{docente_id}.pdf")

    # --- scheduling ------------------------------------------------------------------------

    @r.post("/acompanantes/{acompanante_id}/visitas", tags=["programación"], summary="Programar una visita", **creado)
    def post_visita(acompanante_id: Id, body: VisitaProgramadaIn, response: Response) -> Registro:
        return _registro(*programar_visita(str(acompanante_id), body), response)

    @r.post("/acompanantes/{acompanante_id}/gia", tags=["programación"], summary="Programar un GIA", **creado)
    def post_gia(acompanante_id: Id, body: ReunionProgramadaIn, response: Response) -> Registro:
        return _registro(*programar_reunion("gia", str(acompanante_id), body), response)

    @r.post("/acompanantes/{acompanante_id}/rtc", tags=["programación"], summary="Programar una RTC", **creado)
    def post_rtc(acompanante_id: Id, body: ReunionProgramadaIn, response: Response) -> Registro:
        return _registro(*programar_reunion("rtc", str(acompanante_id), body), response)

    @r.post("/acompanantes/{acompanante_id}/talleres", tags=["programación"], summary="Programar un taller", **creado)
    def post_taller(acompanante_id: Id, body: TallerProgramadoIn, response: Response) -> Registro:
        return _registro(*programar_taller(str(acompanante_id), body), response)

    @r.post("/actividades/{actividad_id}/reprogramacion", tags=["programación"], summary="Reprogramar (con motivo)")
    def post_reprogramar(actividad_id: Id, body: ReprogramacionIn) -> Registro:
        return _registro(*reprogramar(actividad_id, body))

    @r.post("/actividades/{actividad_id}/cancelacion", tags=["programación"], summary="Cancelar (con motivo)")
    def post_cancelar(actividad_id: Id, body: CancelacionIn) -> Registro:
        return _registro(*cancelar(actividad_id, body))

    @r.get("/actividades/{actividad_id}", tags=["programación"], summary="Una actividad y su historia")
    def get_actividad(actividad_id: Id) -> dict[str, Any]:
        fila = agenda.proyecciones.actividad(str(actividad_id))
        if fila is None:
            raise NotFound(f"No existe la actividad {actividad_id}.")
        return fila

    @r.get("/acompanantes/{acompanante_id}/agenda", tags=["programación"], summary="Agenda de un acompañante")
    def get_agenda(acompanante_id: Id, anio: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> list[dict[str, Any]]:
        return agenda.proyecciones.actividades(str(acompanante_id), anio)

    @r.get("/acompanantes/{acompanante_id}/agenda.ics", tags=["programación"], response_class=Response,
           summary="Agenda en iCalendar (para suscribirse desde el teléfono)",
           responses={200: {"content": {"text/calendar": {}}}})
    def get_ics(acompanante_id: Id) -> Response:
        contenido = exportar.icalendar(str(acompanante_id), agenda.proyecciones.actividades(str(acompanante_id)))
        return Response(contenido, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="agenda-{acompanante_id}.ics"'})

    # --- delivery ----------------------------------------------------------------------------

    @r.post("/visitas-realizadas", tags=["realización"], summary="Registrar una visita realizada", **creado)
    def post_visita_realizada(body: VisitaRealizadaIn, response: Response) -> Registro:
        return _registro(*visita_realizada(body), response)

    @r.post("/gia-completados", tags=["realización"], summary="Registrar un GIA completado", **creado)
    def post_gia_completado(body: ReunionRealizadaIn, response: Response) -> Registro:
        return _registro(*reunion_realizada("gia", body), response)

    @r.post("/rtc-realizadas", tags=["realización"], summary="Registrar una RTC realizada", **creado)
    def post_rtc_realizada(body: ReunionRealizadaIn, response: Response) -> Registro:
        return _registro(*reunion_realizada("rtc", body), response)

    @r.post("/talleres-realizados", tags=["realización"], summary="Registrar un taller realizado", **creado)
    def post_taller_realizado(body: TallerRealizadoIn, response: Response) -> Registro:
        return _registro(*taller_realizado(body), response)

    @r.post("/cursos-virtuales-completados", tags=["realización"], summary="Registrar un curso virtual completado",
            **creado)
    def post_curso(body: CursoVirtualIn, response: Response) -> Registro:
        return _registro(*curso(body), response)

    @r.post("/acompanantes/{acompanante_id}/cursos-virtuales", tags=["realización"],
            summary="Registrar un curso virtual de la formación del propio acompañante",
            description="Cuenta en su cumplimiento (`nivel=acompanante`: `cursos_propios_realizado`).", **creado)
    def post_curso_propio(acompanante_id: Id, body: CursoPropioIn, response: Response) -> Registro:
        curso_ = body.model_dump(mode="json", include={"curso", "horas", "fecha", "plataforma"})
        nuevo = agenda.completar_curso_propio(str(acompanante_id), body.anio, str(body.registro_id), curso_)
        return _registro(body.registro_id, Resultado(nuevo), response)

    @r.post("/acompanantes/{acompanante_id}/lote", tags=["realización"],
            summary="Cola de un dispositivo que estuvo sin conexión",
            description="Aplica cada elemento por separado y en orden, y responde por elemento: uno rechazado "
                        "no impide los demás. Reenviar el mismo lote no crea duplicados.")
    def post_lote(acompanante_id: Id, body: LoteIn, request: Request) -> list[ResultadoItem]:
        acompanante = str(acompanante_id)

        def propia(actividad_id: UUID) -> UUID:
            if agenda.acompanante_de(str(actividad_id)) != acompanante:
                raise Conflict(f"La actividad {actividad_id} es de la agenda de otro acompañante.")
            return actividad_id

        p = "POST /v1/acompanantes/{acompanante_id}"
        lote = Lote({
            "programar_visita": Operacion(f"{p}/visitas", VisitaProgramadaIn,
                                          lambda b, acompanante_id: programar_visita(acompanante_id, b)),
            "programar_gia": Operacion(f"{p}/gia", ReunionProgramadaIn,
                                       lambda b, acompanante_id: programar_reunion("gia", acompanante_id, b)),
            "programar_rtc": Operacion(f"{p}/rtc", ReunionProgramadaIn,
                                       lambda b, acompanante_id: programar_reunion("rtc", acompanante_id, b)),
            "programar_taller": Operacion(f"{p}/talleres", TallerProgramadoIn,
                                          lambda b, acompanante_id: programar_taller(acompanante_id, b)),
            "reprogramar": Operacion("POST /v1/actividades/{actividad_id}/reprogramacion", ReprogramacionIn,
                                     lambda b, actividad_id: reprogramar(propia(actividad_id), b)),
            "cancelar": Operacion("POST /v1/actividades/{actividad_id}/cancelacion", CancelacionIn,
                                  lambda b, actividad_id: cancelar(propia(actividad_id), b)),
            "visita_realizada": Operacion("POST /v1/visitas-realizadas", VisitaRealizadaIn, visita_realizada),
            "gia_completado": Operacion("POST /v1/gia-completados", ReunionRealizadaIn,
                                        lambda b: reunion_realizada("gia", b)),
            "rtc_realizada": Operacion("POST /v1/rtc-realizadas", ReunionRealizadaIn,
                                       lambda b: reunion_realizada("rtc", b)),
            "taller_realizado": Operacion("POST /v1/talleres-realizados", TallerRealizadoIn, taller_realizado),
            "curso_virtual_completado": Operacion("POST /v1/cursos-virtuales-completados", CursoVirtualIn, curso),
        })
        return lote.ejecutar(request.app.state.politica, current_actor.get(), acompanante, body.items)

    # --- fulfilment --------------------------------------------------------------------------

    @r.get("/cumplimiento", tags=["cumplimiento"], summary="Cumplimiento del protocolo a una fecha",
           description="Planificado, esperado a la fecha y realizado hasta la fecha (por la fecha de cada "
                       "actividad), por componente: " + ", ".join(COMPONENTES) + ".")
    def get_cumplimiento(anio: Anio, nivel: Annotated[Literal[NIVELES], Query()] = "ugel",  # type: ignore[valid-type]
                         fecha: Annotated[date | None, Query(description="Fecha de corte (por defecto, hoy).")] = None,
                         dre: str | None = None, ugel: str | None = None, acompanante_id: UUID | None = None,
                         solo_atrasados: bool = False, ie: Annotated[str | None, Query(pattern=r"^\d{7}-\d$", description="IE: código modular-anexo.")] = None,
                         modalidad: Literal["externa", "interna"] | None = None) -> dict[str, Any]:
        corte = fecha or date.today()
        filas = agenda.proyecciones.cumplimiento(anio, corte, nivel, dre=dre, ugel=ugel, ie=ie, modalidad=modalidad,
                                                 acompanante_id=str(acompanante_id) if acompanante_id else None)
        if solo_atrasados:
            filas = [f for f in filas if f["docentes_atrasados"]]
        return {"anio": anio, "fecha_corte": corte, "nivel": nivel, "filas": filas}

    def cumplimiento_hoja(anio: int, nivel: str, corte: date, dre: str | None, ugel: str | None, ie: str | None,
                          acompanante_id: UUID | None, solo_atrasados: bool, modalidad: str | None) -> Tabla:
        filas = agenda.proyecciones.cumplimiento(anio, corte, nivel, dre=dre, ugel=ugel, ie=ie, modalidad=modalidad,
                                                 acompanante_id=str(acompanante_id) if acompanante_id else None)
        filas = [{**f, "fecha_corte": corte} for f in filas if f["docentes_atrasados"] or not solo_atrasados]
        return Tabla("cumplimiento", exportar.columnas_cumplimiento(nivel, filas), filas,
                     f"Cumplimiento del protocolo al {corte:%d/%m/%Y}, por {exportar.NIVELES[nivel]}"
                     + (", solo los atrasados" if solo_atrasados else ""))

    @r.get("/cumplimiento.csv", tags=["cumplimiento"], summary="Cumplimiento en CSV", response_class=Response,
           responses={200: {"content": {"text/csv": {}}}})
    def get_cumplimiento_csv(anio: Anio, nivel: Annotated[Literal[NIVELES], Query()] = "ugel",  # type: ignore[valid-type]
                             fecha: date | None = None, dre: str | None = None, ugel: str | None = None,
                             ie: Annotated[str | None, Query(pattern=r"^\d{7}-\d$", description="IE: código modular-anexo.")] = None,
                             acompanante_id: UUID | None = None, solo_atrasados: bool = False,
                             modalidad: Literal["externa", "interna"] | None = None) -> Response:
        corte = fecha or date.today()
        tabla = cumplimiento_hoja(anio, nivel, corte, dre, ugel, ie, acompanante_id, solo_atrasados, modalidad)
        return _csv(exportar.csv_de(tabla), f"cumplimiento-{anio}-{nivel}-{corte}.csv")

    @r.get("/cumplimiento.xlsx", tags=["cumplimiento"], summary="Cumplimiento en Excel (XLSX)",
           response_class=Response, responses={200: {"content": {exportar.XLSX: {}}}})
    def get_cumplimiento_xlsx(anio: Anio, nivel: Annotated[Literal[NIVELES], Query()] = "ugel",  # type: ignore[valid-type]
                              fecha: date | None = None, dre: str | None = None, ugel: str | None = None,
                              ie: Annotated[str | None, Query(pattern=r"^\d{7}-\d$", description="IE: código modular-anexo.")] = None,
                              acompanante_id: UUID | None = None, solo_atrasados: bool = False,
                              modalidad: Literal["externa", "interna"] | None = None) -> Response:
        corte = fecha or date.today()
        tabla = cumplimiento_hoja(anio, nivel, corte, dre, ugel, ie, acompanante_id, solo_atrasados, modalidad)
        filtros = {"Año": anio, "Nivel": exportar.NIVELES[nivel], "DRE": dre, "UGEL": ugel, "IE": ie,
                   "Acompañante (identificador)": acompanante_id, "Modalidad": modalidad,
                   "Solo los atrasados": "Sí" if solo_atrasados else None}
        portada = Portada(f"Cumplimiento del protocolo {anio}", corte, autor(current_actor.get()), datetime.now(UTC),
                          "Planificado, esperado a la fecha de corte y realizado hasta ella (por la fecha de cada "
                          "actividad), por componente.", [(k, v) for k, v in filtros.items() if v is not None])
        return Response(exportar.xlsx_de(portada, [tabla]), media_type=exportar.XLSX, headers={
            "Content-Disposition": f'attachment; filename="cumplimiento-{anio}-{nivel}-{corte}.xlsx"'})

    @r.get("/docentes/{docente_id}/cumplimiento", tags=["cumplimiento"], summary="Cumplimiento de un docente")
    def get_cumplimiento_docente(docente_id: Id, anio: Anio, fecha: date | None = None) -> dict[str, Any]:
        filas = agenda.proyecciones.cumplimiento(anio, fecha or date.today(), "docente", docente_id=str(docente_id))
        if not filas:
            raise NotFound(f"El docente {docente_id} no tiene plan en {anio}.")
        return filas[0]

    return r


def _plan_ie(agenda: Agenda, ie: str, b: PlanIEIn) -> dict[str, Any]:
    """The school's plan as recorded: its header, the template it follows (copied), its docentes."""
    actor = current_actor.get()
    directivo = b.directivo_id or (_uuid(actor.usuario) if actor.rol == "directivo" else None)
    if directivo is None:
        raise DomainError("Indique directivo_id: el directivo que lidera el plan y observa a los docentes.")
    if actor.rol == "directivo" and str(directivo) != actor.usuario:
        raise DomainError("Un directivo elabora el plan que él mismo lidera: directivo_id debe ser el suyo.")
    codigo_modular, _, anexo = ie.partition("-")
    plantilla, tipo = agenda.plantilla_interna(b.protocolo, ie, b.anio, b.dre, b.ugel, b.tipo)
    conocidos = agenda.proyecciones.planes(ie=ie) + agenda.proyecciones.docentes_ie(ie)
    if conocidos and {(p["dre"], p["ugel"]) for p in conocidos} != {(b.dre, b.ugel)}:
        raise DomainError(f"La IE {ie} es de {conocidos[-1]['ugel']} ({conocidos[-1]['dre']}), no de {b.ugel}.")
    if b.docentes is None:  # all of the school's, as the padrón registers them
        docentes = [{"docente_id": d["docente_id"], "grado_seccion": "", "area": ""}
                    for d in agenda.proyecciones.docentes_ie(ie)]
    else:
        docentes = [d.model_dump(mode="json") for d in b.docentes]
    if not docentes or len({d["docente_id"] for d in docentes}) != len(docentes):
        raise DomainError("Indique los docentes que cubre el plan, cada uno una vez (agenda no conoce docentes "
                          f"de la IE {ie}).")
    inicio, fin = plantilla.anio_escolar.fechas(b.anio)
    tipo_ie, _, nivel = tipo.partition("/")
    return {"ie": ie, "codigo_modular": codigo_modular, "anexo": int(anexo), "anio": b.anio, "dre": b.dre,
            "ugel": b.ugel, "directivo_id": str(directivo), "cargo": b.cargo, "turno": b.turno, "director": b.director,
            "responsables": list(b.responsables), "protocolo": plantilla.clave, "nombre_protocolo": plantilla.nombre,
            "tipo_ie": tipo_ie, "nivel": nivel, "docentes": docentes,
            "anio_escolar": [inicio.isoformat(), fin.isoformat()],
            "componentes": plantilla.tipos[tipo].model_dump(mode="json")}


def _uuid(usuario: str) -> UUID:
    try:
        return UUID(usuario)
    except ValueError:
        raise DomainError(f"El usuario {usuario!r} no tiene un identificador válido de directivo (UUID).") from None


def _vista_plan_ie(agenda: Agenda, plan_ie_id: str) -> dict[str, Any]:
    plan = agenda.plan_ie(plan_ie_id)  # the aggregate: what was just recorded, even before it is projected
    return {"plan_ie_id": plan_ie_id, "ie": plan.plan["ie"], "anio": plan.plan["anio"], "estado": plan.estado,
            "aprobacion": plan.aprobacion, "socializacion": plan.socializacion, "ejecucion": plan.ejecucion,
            "visitas_entre_pares": [{"visita_id": k, **v} for k, v in sorted(
                plan.visitas_entre_pares.items(), key=lambda kv: (kv[1]["fecha"], kv[0]))],
            "plan": plan.plan}


def _paso_plan_ie(agenda: Agenda, plan_ie_id: str, r: Resultado, response: Response) -> dict[str, Any]:
    if not r.nuevo:
        response.status_code = status.HTTP_200_OK
    return {**_vista_plan_ie(agenda, plan_ie_id), "registro": "registrado" if r.nuevo else "ya_registrado"}


def _pdf(contenido: bytes, nombre: str) -> Response:
    return Response(contenido, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{nombre}"'})


def _id(actividad_id: UUID | None) -> UUID:
    if actividad_id is None:
        raise DomainError("Indique actividad_id para reprogramar o cancelar.")
    return actividad_id


def _rechazo(indice: int, item: ItemLote, codigo: int, motivo: str) -> ResultadoItem:
    return ResultadoItem(indice=indice, operacion=item.operacion, id=item.actividad_id or _id_de(item.datos),
                         codigo=codigo, estado="rechazado", motivo=motivo)


def _id_de(datos: dict[str, Any]) -> UUID | None:
    for clave in ("visita_id", "actividad_id", "registro_id"):
        try:
            return UUID(str(datos[clave]))
        except (KeyError, ValueError):
            continue
    return None


def _csv(texto: str, nombre: str) -> Response:
    return Response(texto.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{nombre}"'})
