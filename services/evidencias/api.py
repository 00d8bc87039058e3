"""evidencias's HTTP API, version 1: translates requests into commands and queries.

What a visit leaves behind concerns one docente and may show minors: who may read it is decided
before any route runs, by the route policy (``acceso.REGLAS``), and attachments are served with
``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, FastAPI, File, Form, Path, Query, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.evidencias import acceso, documentos
from services.evidencias import domainmodel as dm
from services.evidencias.adjuntos import (
    objeto_de,
    AdjuntoAlterado,
    AdjuntoDemasiadoGrande,
    AdjuntoNoDisponible,
    AlmacenAdjuntos,
    examinar,
)
from services.evidencias.application import CANCELADOS, Evidencias
from services.evidencias.instrumentos import Instrumento, en
from services.evidencias.projections import visita as tabla_visita
from shared.contracts.evidencias import Modelamiento, Resultado
from shared.cifrado import LlaveSuprimida
from shared.eventstore import DomainError, NotFound
from shared.lote import Lote, Operacion, ResultadoItem
from shared.telemetry import current_actor

Id = Annotated[UUID, Path(description="Identificador")]
Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="Huella SHA-256 del adjunto.")]
Texto = Annotated[str, Field(min_length=3, max_length=4000)]
Lista = Annotated[list[Annotated[str, Field(min_length=2, max_length=1000)]], Field(max_length=30)]
Asistencia = Literal["presente", "ausente", "justificado"]
NO_PUBLICO = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


class _Entrada(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NivelIn(_Entrada):
    nivel: str = Field(max_length=3, description="Nivel del instrumento (I, II, III o IV).", examples=["III"])
    evidencia: str = Field(max_length=4000, description="Lo que se vio y escuchó que sustenta el nivel.")


class ObservacionIn(_Entrada):
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


class CorreccionIn(_Entrada):
    acompanante_id: UUID | None = Field(None, description="El acompañante que corrige (vacío si corrige un especialista).")
    niveles: dict[str, NivelIn] = Field(min_length=1)
    fortalezas: Lista = []
    aspectos_criticos: Lista = []
    motivo: Texto


class RetroalimentacionIn(_Entrada):
    acompanante_id: UUID
    dialogo_reflexivo: str = Field(min_length=10, max_length=8000, description="El diálogo reflexivo con el docente.")
    aspectos_priorizados: list[str] = Field(min_length=1, description="Desempeños sobre los que se dialogó.")
    modelamiento: list[Modelamiento] = []


class CompromisoIn(_Entrada):
    compromiso_id: UUID
    acompanante_id: UUID
    descripcion: Texto
    item: str = Field(max_length=30, description="Desempeño al que se liga.", examples=["D3"])
    fecha_limite: date
    verificacion: Texto = Field(description="Cómo se verificará.")


class VerificacionIn(_Entrada):
    visita_id: UUID = Field(description="La visita (posterior) en que se verifica.")
    acompanante_id: UUID
    resultado: Resultado
    evidencia: Texto


class NecesidadIn(_Entrada):
    necesidad_id: UUID
    acompanante_id: UUID
    descripcion: Texto
    competencia: Literal["C2", "C3", "C4", "C5", "C6", "C7"] | None = None
    visita_id: UUID | None = None
    anio: int | None = Field(None, ge=2000, le=2100)


class ActaIn(_Entrada):
    autor_id: UUID = Field(description="El acompañante (o, en la RTC, el directivo) que registra el acta.")
    asistencia: dict[UUID, Asistencia] = Field(min_length=1, description="Por docente convocado.")
    duracion_horas: float | None = Field(None, gt=0, le=12, description="Vacío: la duración registrada en agenda.")
    acuerdos: Lista = []
    nudos_criticos: Lista = []
    instrumento: str | None = Field(None, max_length=40, description="Vacío: LC-GIA o LC-RTC.")
    version: int | None = Field(None, ge=1)
    lista_cotejo: dict[str, str] = Field(description="Por ítem: si, no o no_aplica.")


class NombresActaIn(_Entrada):
    nombres: dict[UUID, Annotated[str, Field(min_length=2, max_length=200)]] = Field(
        default_factory=dict, max_length=200, description="Por persona (docente, acompañante, directivo), su nombre.")
    ie: str | None = Field(None, min_length=3, max_length=200, description="Nombre de la IE.")


class CorreccionActaIn(ActaIn):
    motivo: Texto


class AccionClave(_Entrada):
    accion: str = Field(min_length=3, max_length=500)
    responsable: str = Field(min_length=2, max_length=200)
    estado: Literal["pendiente", "en_curso", "realizada", "postergada"]


class Indicador(_Entrada):
    indicador: str = Field(min_length=3, max_length=500)
    meta: str = Field(max_length=200)
    avance: str = Field(max_length=200)


class Hito(_Entrada):
    fecha: date
    descripcion: str = Field(min_length=3, max_length=500)
    cumplido: bool = False


class SesionIn(_Entrada):
    sesion_id: UUID
    codigo_modular: str = Field(pattern=r"^\d{7}$")
    anexo: int = Field(0, ge=0, le=9)
    fecha: date
    momento: Literal["antes", "durante", "despues"] = Field(description="Antes, durante o después de la sesión.")
    acciones_clave: list[AccionClave] = []
    indicadores: list[Indicador] = []
    hitos: list[Hito] = []
    acuerdos: Lista = []
    avances: Lista = []
    nudos_criticos: Lista = []
    aprendizajes: Lista = []


class AutoevaluacionIn(_Entrada):
    autoevaluacion_id: UUID
    fecha: date
    instrumento: str | None = Field(None, max_length=40, description="Vacío: AUTOEVAL-ACOMP.")
    version: int | None = Field(None, ge=1)
    respuestas: dict[str, str] = Field(description="Por ítem: si, no o no_aplica.")
    comentario: str = Field("", max_length=2000)


class ItemLote(_Entrada):
    operacion: Literal["observacion", "correccion", "retroalimentacion", "compromiso", "verificacion", "necesidad",
                       "acta", "correccion_acta"]
    visita_id: UUID | None = Field(None, description="observacion, correccion, retroalimentacion, compromiso.")
    observacion_id: UUID | None = Field(None, description="correccion: la observación que corrige.")
    compromiso_id: UUID | None = Field(None, description="verificacion: el compromiso.")
    docente_id: UUID | None = Field(None, description="necesidad: el docente.")
    actividad_id: UUID | None = Field(None, description="acta, correccion_acta: el GIA o la RTC.")
    datos: dict[str, Any] = Field(description="El cuerpo de la ruta individual.")


class LoteIn(_Entrada):
    items: list[ItemLote] = Field(min_length=1, max_length=2000, description="En el orden en que se hicieron.")


def _json(modelo: BaseModel, *sin: str) -> dict[str, Any]:
    return modelo.model_dump(mode="json", exclude={*sin})


def _creado(nuevo: bool, response: Response, **cuerpo: Any) -> dict[str, Any]:
    response.status_code = status.HTTP_201_CREATED if nuevo else status.HTTP_200_OK
    return {"registrado": nuevo, "estado": "registrado" if nuevo else "ya_registrado", **cuerpo}


HOLGURA = 64 * 1024  # a form's own fields and boundaries around the file


def _demasiado_grande(mensaje: str) -> JSONResponse:
    return JSONResponse({"codigo": "demasiado_grande", "mensaje": mensaje,
                         "errores": [{"campo": "archivo", "motivo": mensaje}]}, status_code=413)


def limitar_subidas(http: FastAPI, max_bytes: int) -> None:
    """Refuse an upload whose declared length is over the limit before reading it. One sent
    without a length is cut off by the routes' own ``max_body_size`` as it arrives."""
    http.state.limite_propio.append("/adjuntos")

    @http.middleware("http")
    async def limite(request: Request, call_next):  # noqa: ANN001, ANN202
        largo = request.headers.get("content-length", "")
        if request.url.path.endswith("/adjuntos") and largo.isdigit() and int(largo) > max_bytes + HOLGURA:
            return _demasiado_grande(f"El archivo supera el máximo de {max_bytes:,} bytes.")
        return await call_next(request)


def router(app: Evidencias, almacen: AlmacenAdjuntos, max_bytes: int) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["evidencias"])
    hoy = app.reloj

    # --- instruments -----------------------------------------------------------------------------

    @r.get("/instrumentos", summary="Instrumentos publicados (todas sus versiones)")
    def instrumentos(codigo: str | None = None) -> list[dict[str, Any]]:
        return app.proyecciones.instrumentos(codigo)

    @r.get("/instrumentos/{codigo}/{version}", summary="Un instrumento, con sus textos en un idioma")
    def instrumento(codigo: str, version: int,
                    idioma: Annotated[Literal["es", "qu", "ay"], Query(description="es, qu o ay")] = "es") -> dict[str, Any]:
        inst = app.instrumento(codigo, version)
        return {**inst.model_dump(mode="json"), "titulo": en(inst.titulo, idioma), "items": [
            {**i.model_dump(mode="json"), "titulo": en(i.titulo, idioma),
             "niveles": [{"codigo": n.codigo, "descriptor": en(n.descriptor, idioma)} for n in i.niveles]}
            for i in inst.items]}

    @r.get("/instrumentos/{codigo}/{version}/ficha.pdf", summary="El instrumento en blanco, para usarlo en papel",
           description="Para el aula sin dispositivo: cabecera por llenar, cada desempeño con sus cuatro niveles y "
                       "descriptores, una casilla por nivel y espacio para la evidencia. Una lista de cotejo (GIA, "
                       "RTC, autoevaluación): cada ítem con una casilla para sí, no y no aplica.",
           response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
    def ficha_pdf(codigo: str, version: int,
                  idioma: Annotated[Literal["es", "qu", "ay"], Query(description="es, qu o ay")] = "es") -> Response:
        inst = app.instrumento(codigo, version)
        return Response(documentos.pdf_ficha(inst, idioma), media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{codigo}-v{version}.pdf"'})

    @r.post("/instrumentos", summary="Publicar una versión de un instrumento", status_code=201,
            responses={200: {"description": "Ya publicada con el mismo contenido"}, 409: {"description": "Otra con esa versión"}})
    def publicar(entrada: Instrumento, response: Response) -> dict[str, Any]:
        return _creado(app.publicar_instrumento(entrada), response, instrumento=entrada.clave)

    # --- a visit's record ----------------------------------------------------------------------------

    # the commands of a visit's record and of an acta, shared by the single routes and the offline batch:
    # each returns the record's id and whether it was new

    def observacion(e: ObservacionIn, visita_id: UUID) -> tuple[str, bool]:
        return str(e.observacion_id), app.registrar_observacion(str(visita_id), str(e.observacion_id),
                                                               str(e.acompanante_id),
                                                               _json(e, "observacion_id", "acompanante_id"))

    def correccion(e: CorreccionIn, visita_id: UUID, observacion_id: UUID) -> tuple[str, bool]:
        return str(observacion_id), app.corregir_observacion(
            str(visita_id), str(observacion_id), str(e.acompanante_id) if e.acompanante_id else None,
            _json(e, "acompanante_id", "motivo"), e.motivo)

    def retroalimentacion(e: RetroalimentacionIn, visita_id: UUID) -> tuple[str, bool]:
        return str(visita_id), app.brindar_retroalimentacion(str(visita_id), str(e.acompanante_id),
                                                            _json(e, "acompanante_id"))

    def compromiso(e: CompromisoIn, visita_id: UUID) -> tuple[str, bool]:
        return str(e.compromiso_id), app.asumir_compromiso(str(e.compromiso_id), str(visita_id), str(e.acompanante_id),
                                                           _json(e, "compromiso_id", "acompanante_id"))

    def verificacion(e: VerificacionIn, compromiso_id: UUID) -> tuple[str, bool]:
        return str(compromiso_id), app.verificar_compromiso(str(compromiso_id), str(e.visita_id), str(e.acompanante_id),
                                                            e.resultado, e.evidencia)

    def necesidad_(e: NecesidadIn, docente_id: UUID) -> tuple[str, bool]:
        return str(e.necesidad_id), app.registrar_necesidad(str(docente_id), str(e.necesidad_id), str(e.acompanante_id),
                                                            _json(e, "necesidad_id", "acompanante_id"))

    def acta_(e: ActaIn, actividad_id: UUID) -> tuple[str, bool]:
        return str(actividad_id), app.registrar_acta(str(actividad_id), str(e.autor_id), _json(e, "autor_id"))

    def correccion_acta(e: CorreccionActaIn, actividad_id: UUID) -> tuple[str, bool]:
        return str(actividad_id), app.corregir_acta(str(actividad_id), str(e.autor_id), _json(e, "autor_id", "motivo"),
                                                    e.motivo)

    @r.post("/visitas/{visita_id}/observaciones", status_code=201, summary="Registrar la observación de una visita")
    def observar(visita_id: Id, entrada: ObservacionIn, response: Response) -> dict[str, Any]:
        id_, nuevo = observacion(entrada, visita_id)
        return _creado(nuevo, response, observacion_id=id_)

    @r.post("/visitas/{visita_id}/observaciones/{observacion_id}/correcciones", status_code=201,
            summary="Corregir una observación (queda la original en la historia)")
    def corregir(visita_id: Id, observacion_id: Id, entrada: CorreccionIn, response: Response) -> dict[str, Any]:
        return _creado(correccion(entrada, visita_id, observacion_id)[1], response)

    @r.post("/visitas/{visita_id}/retroalimentacion", status_code=201, summary="Registrar la retroalimentación brindada")
    def retroalimentar(visita_id: Id, entrada: RetroalimentacionIn, response: Response) -> dict[str, Any]:
        return _creado(retroalimentacion(entrada, visita_id)[1], response)

    @r.post("/visitas/{visita_id}/compromisos", status_code=201, summary="Registrar un compromiso asumido por el docente")
    def comprometer(visita_id: Id, entrada: CompromisoIn, response: Response) -> dict[str, Any]:
        id_, nuevo = compromiso(entrada, visita_id)
        return _creado(nuevo, response, compromiso_id=id_)

    @r.post("/compromisos/{compromiso_id}/verificacion", status_code=201, summary="Verificar un compromiso en una visita posterior")
    def verificar(compromiso_id: Id, entrada: VerificacionIn, response: Response) -> dict[str, Any]:
        return _creado(verificacion(entrada, compromiso_id)[1], response)

    @r.post("/compromisos/vencimientos", tags=["operación"], summary="Registrar ya los compromisos vencidos a la fecha")
    def vencer() -> dict[str, int]:
        return {"vencidos": app.vencer_compromisos()}

    @r.post("/docentes/{docente_id}/necesidades", status_code=201, summary="Registrar una necesidad formativa del docente")
    def necesidad(docente_id: Id, entrada: NecesidadIn, response: Response) -> dict[str, Any]:
        return _creado(necesidad_(entrada, docente_id)[1], response)

    # --- GIA / RTC actas, execution sessions, self-evaluation -------------------------------------------

    @r.post("/reuniones/{actividad_id}/acta", status_code=201, summary="Registrar el acta de un GIA o una RTC")
    def acta(actividad_id: Id, entrada: ActaIn, response: Response) -> dict[str, Any]:
        return _creado(acta_(entrada, actividad_id)[1], response)

    @r.post("/reuniones/{actividad_id}/acta/correcciones", status_code=201, summary="Corregir el acta (queda la original)")
    def corregir_acta(actividad_id: Id, entrada: CorreccionActaIn, response: Response) -> dict[str, Any]:
        return _creado(correccion_acta(entrada, actividad_id)[1], response)

    # --- a device's offline queue ------------------------------------------------------------------------

    lote = Lote({
        "observacion": Operacion("POST /v1/visitas/{visita_id}/observaciones", ObservacionIn, observacion),
        "correccion": Operacion("POST /v1/visitas/{visita_id}/observaciones/{observacion_id}/correcciones",
                                CorreccionIn, correccion, id="observacion_id"),
        "retroalimentacion": Operacion("POST /v1/visitas/{visita_id}/retroalimentacion", RetroalimentacionIn,
                                       retroalimentacion),
        "compromiso": Operacion("POST /v1/visitas/{visita_id}/compromisos", CompromisoIn, compromiso),
        "verificacion": Operacion("POST /v1/compromisos/{compromiso_id}/verificacion", VerificacionIn, verificacion,
                                  id="compromiso_id"),
        "necesidad": Operacion("POST /v1/docentes/{docente_id}/necesidades", NecesidadIn, necesidad_),
        "acta": Operacion("POST /v1/reuniones/{actividad_id}/acta", ActaIn, acta_, autor="autor_id"),
        "correccion_acta": Operacion("POST /v1/reuniones/{actividad_id}/acta/correcciones", CorreccionActaIn,
                                     correccion_acta, autor="autor_id"),
    })

    @r.post("/acompanantes/{acompanante_id}/lote", summary="Cola de un dispositivo que estuvo sin conexión",
            description="Cada elemento es una de las rutas individuales (``operacion``: " + ", ".join(lote.operaciones)
                        + "), con sus identificadores de ruta al nivel del elemento y su cuerpo en ``datos``. Se "
                        "aplican por separado y en orden, con la misma regla de acceso, validación y respuesta que la "
                        "ruta individual; uno rechazado no impide los demás, uno ``en_espera`` se reenvía solo. "
                        "Reenviar la misma cola, en cualquier orden, no registra nada dos veces.")
    def post_lote(acompanante_id: Id, body: LoteIn, request: Request) -> list[ResultadoItem]:
        return lote.ejecutar(request.app.state.politica, current_actor.get(), str(acompanante_id), body.items)

    @r.post("/acompanantes/{acompanante_id}/sesiones-ejecucion", status_code=201,
            summary="Registrar una sesión de la etapa de ejecución con el equipo de gestión")
    def sesion(acompanante_id: Id, entrada: SesionIn, response: Response) -> dict[str, Any]:
        return _creado(app.registrar_sesion(str(entrada.sesion_id), str(acompanante_id), _json(entrada, "sesion_id")),
                       response)

    @r.post("/acompanantes/{acompanante_id}/autoevaluaciones", status_code=201,
            summary="Registrar la autoevaluación del acompañante (sí / no / no aplica)")
    def autoevaluar(acompanante_id: Id, entrada: AutoevaluacionIn, response: Response) -> dict[str, Any]:
        return _creado(app.registrar_autoevaluacion(str(entrada.autoevaluacion_id), str(acompanante_id),
                                                    _json(entrada, "autoevaluacion_id")), response)

    @r.get("/acompanantes/{acompanante_id}/sesiones-ejecucion", summary="Sesiones de ejecución del acompañante")
    def sesiones(acompanante_id: Id) -> list[dict[str, Any]]:
        return app.proyecciones.registros("sesion", str(acompanante_id))

    @r.get("/acompanantes/{acompanante_id}/autoevaluaciones", summary="Autoevaluaciones del acompañante")
    def autoevaluaciones(acompanante_id: Id) -> list[dict[str, Any]]:
        return app.proyecciones.registros("autoevaluacion", str(acompanante_id))

    # --- attachments -------------------------------------------------------------------------------------

    async def adjuntar(tipo: str, propietario_id: UUID, archivo: UploadFile, autor_id: UUID, descripcion: str,
                       response: Response) -> Any:
        try:
            contenido = await asyncio.to_thread(examinar, await archivo.read(max_bytes + 1), max_bytes)
        except AdjuntoDemasiadoGrande as exc:
            return _demasiado_grande(str(exc))
        propietario = await asyncio.to_thread(app.propietario, tipo, str(propietario_id), str(autor_id))  # refused first
        if contenido.sha256 in propietario.adjuntos:
            # the same photo sent again (a retry after a lost answer): nothing stored or recorded anew
            return _creado(False, response, sha256=contenido.sha256, tipo_contenido=contenido.tipo,
                           bytes=contenido.bytes)
        sujeto = propietario.sujeto()
        try:  # the content leaves this process only encrypted with its owner's key (Ley 29733)
            cifrado = await asyncio.to_thread(app.cifrador.cifrar_bytes, sujeto, contenido.datos, contenido.sha256)
        except LlaveSuprimida:
            raise DomainError(CANCELADOS) from None
        objeto = objeto_de(contenido.sha256, sujeto)
        try:
            await almacen.guardar(objeto, cifrado)
        except AdjuntoNoDisponible as exc:
            return JSONResponse({"codigo": "no_disponible", "mensaje": str(exc)}, status_code=503)
        nuevo = await asyncio.to_thread(app.adjuntar, tipo, str(propietario_id), str(autor_id), {
            "sha256": contenido.sha256, "objeto": objeto, "tipo_contenido": contenido.tipo, "bytes": contenido.bytes,
            "nombre": (archivo.filename or "")[:200], "descripcion": descripcion})
        return _creado(nuevo, response, sha256=contenido.sha256, tipo_contenido=contenido.tipo, bytes=contenido.bytes)

    async def servir(tipo: str, propietario_id: UUID, sha256: str) -> Response:
        registro = await asyncio.to_thread(
            app.proyecciones.visita if tipo == "visita" else app.proyecciones.reunion, str(propietario_id))
        if registro is None:
            raise NotFound(f"No consta {'la visita' if tipo == 'visita' else 'el GIA o la RTC'} {propietario_id}.")
        fila = next((a for a in registro["adjuntos"] if a["sha256"] == sha256), None)
        if fila is None:
            raise NotFound(f"No hay un adjunto {sha256} en {propietario_id}.")
        sujeto = dm.sujeto_docente(registro["visita"]["docente_id"]) if tipo == "visita" else None
        if sujeto and await asyncio.to_thread(app.cifrador.llavero.suprimida, sujeto):
            return JSONResponse({"codigo": "suprimido", "mensaje": "Los datos personales del docente se cancelaron "
                                 "(Ley 29733): el contenido de sus adjuntos ya no se entrega."}, status_code=410)
        duenio = sujeto or dm.sujeto_reunion(propietario_id)

        async def descifrar(guardado: bytes) -> bytes | None:
            return await asyncio.to_thread(app.cifrador.descifrar_bytes, duenio, guardado, sha256)
        try:  # an attachment recorded before encryption existed is under its bare hash, in clear
            datos = await almacen.leer(fila.get("objeto") or sha256, sha256, descifrar)
        except AdjuntoNoDisponible as exc:
            return JSONResponse({"codigo": "no_disponible", "mensaje": str(exc)}, status_code=503)
        except AdjuntoAlterado as exc:
            return JSONResponse({"codigo": "adjunto_alterado", "mensaje": str(exc)}, status_code=500)
        return Response(datos, media_type=fila["tipo_contenido"], headers={
            **NO_PUBLICO, "Content-Disposition": "attachment", "ETag": f'"{sha256}"'})

    limite = {"max_body_size": max_bytes + HOLGURA}

    @r.post("/visitas/{visita_id}/adjuntos", status_code=201, summary="Adjuntar un archivo a una visita", **limite,
            responses={413: {"description": "Supera el tamaño máximo"}, 503: {"description": "Almacén no disponible"}})
    async def adjuntar_visita(visita_id: Id, archivo: Annotated[UploadFile, File()],
                              acompanante_id: Annotated[UUID, Form()], response: Response,
                              descripcion: Annotated[str, Form(max_length=500)] = "") -> Any:
        return await adjuntar("visita", visita_id, archivo, acompanante_id, descripcion, response)

    @r.post("/reuniones/{actividad_id}/adjuntos", status_code=201, summary="Adjuntar un archivo a un GIA o RTC", **limite,
            responses={413: {"description": "Supera el tamaño máximo"}, 503: {"description": "Almacén no disponible"}})
    async def adjuntar_reunion(actividad_id: Id, archivo: Annotated[UploadFile, File()],
                               autor_id: Annotated[UUID, Form()], response: Response,
                               descripcion: Annotated[str, Form(max_length=500)] = "") -> Any:
        return await adjuntar("reunion", actividad_id, archivo, autor_id, descripcion, response)

    @r.get("/visitas/{visita_id}/adjuntos/{sha256}", summary="Descargar un adjunto de una visita (no público)",
           responses={410: {"description": "Los datos personales del docente se cancelaron"}})
    async def adjunto_visita(visita_id: Id, sha256: Sha) -> Response:
        return await servir("visita", visita_id, sha256)

    @r.get("/reuniones/{actividad_id}/adjuntos/{sha256}", summary="Descargar un adjunto de un GIA o RTC (no público)")
    async def adjunto_reunion(actividad_id: Id, sha256: Sha) -> Response:
        return await servir("reunion", actividad_id, sha256)

    # --- queries ---------------------------------------------------------------------------------------

    @r.get("/visitas/{visita_id}", summary="El registro completo de una visita")
    def visita(visita_id: Id) -> dict[str, Any]:
        registro = app.proyecciones.visita(str(visita_id))
        if registro is None:
            raise NotFound(f"No consta la visita {visita_id}.")
        asumidos, verificados = (app.proyecciones.compromisos_de_visita(registro[k], hoy())
                                 for k in ("compromisos_asumidos", "compromisos_verificados"))
        return {**registro, "compromisos_asumidos": asumidos, "compromisos_verificados": verificados}

    @r.get("/reuniones/{actividad_id}", summary="Un GIA o una RTC con su acta y sus correcciones")
    def reunion(actividad_id: Id) -> dict[str, Any]:
        registro = app.proyecciones.reunion(str(actividad_id))
        if registro is None:
            raise NotFound(f"No consta la reunión {actividad_id}.")
        return registro

    def acta_pdf(actividad_id: UUID, nombres: dict[str, str], ie: str | None) -> Response:
        registro = app.proyecciones.reunion(str(actividad_id))
        if registro is None:
            raise NotFound(f"No consta la reunión {actividad_id}.")
        ultima = registro["actas"][-1] if registro["actas"] else None
        lista = app.instrumento(ultima["instrumento"], ultima["version"]) if ultima else None
        return Response(documentos.pdf_acta(registro, lista, nombres, ie), media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="acta-{registro["reunion"]["tipo"]}-{registro["reunion"]["fecha"]}.pdf"',
            "Cache-Control": "private, no-store"})

    @r.get("/reuniones/{actividad_id}/acta.pdf", summary="El acta de un GIA o una RTC, para archivar (PDF)",
           description="Con una línea por docente para escribir su nombre y firmar (evidencias no guarda nombres); "
                       "`POST` a la misma ruta la imprime con los nombres que se indiquen.",
           response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
    def get_acta_pdf(actividad_id: Id) -> Response:
        return acta_pdf(actividad_id, {}, None)

    @r.post("/reuniones/{actividad_id}/acta.pdf", summary="El acta de un GIA o una RTC con los nombres (PDF)",
            description="Los nombres de las personas y de la IE se usan solo para imprimir: no se guardan.",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
    def post_acta_pdf(actividad_id: Id, entrada: NombresActaIn) -> Response:
        return acta_pdf(actividad_id, {str(k): v for k, v in entrada.nombres.items()}, entrada.ie)

    def visitas_propias(request: Request, docente_id: UUID) -> set[str] | None:
        """The visits to the docente that the caller may see in his lists: those he made himself when he
        evaluates the docente for his career (``acceso.solo_autor``), or None for all."""
        autor = acceso.solo_autor(current_actor.get(), request.app.state.politica.separacion)
        if autor is None:
            return None
        return {f.visita_id for f in app.proyecciones.filas(select(tabla_visita.c.visita_id).where(
            tabla_visita.c.docente_id == str(docente_id), tabla_visita.c.acompanante_id == autor))}

    @r.get("/docentes/{docente_id}/observaciones",
           summary="Las observaciones del docente en el tiempo, por desempeño",
           description="El directivo ve solo las de las visitas que él hizo (modalidad interna), mientras "
                       "rija la separación de finalidad.")
    def observaciones(docente_id: Id, request: Request,
                      desempeno: str | None = None) -> dict[str, list[dict[str, Any]]]:
        propias = visitas_propias(request, docente_id)
        serie: dict[str, list[dict[str, Any]]] = {}
        for v in app.proyecciones.valoraciones(str(docente_id), desempeno):
            if propias is None or v["visita_id"] in propias:
                serie.setdefault(v.pop("canonico"), []).append({**v, "fecha": v["fecha"].isoformat()})
        return serie

    @r.get("/docentes/{docente_id}/compromisos", summary="Los compromisos del docente (de todas las etapas)",
           description="El directivo ve solo los asumidos en las visitas que él hizo (modalidad interna), "
                       "mientras rija la separación de finalidad.")
    def compromisos_docente(docente_id: Id, request: Request,
                            estado: Literal["abiertos", "vencidos", "pendientes", "verificados"] | None = None
                            ) -> list[dict[str, Any]]:
        propias = visitas_propias(request, docente_id)
        lista = app.proyecciones.compromisos(hoy=hoy(), docente_id=str(docente_id), estado=estado)
        return [c for c in lista if propias is None or c.get("visita_id") in propias]

    @r.get("/docentes/{docente_id}/preparacion", summary="Lo que el acompañante revisa antes de la próxima visita")
    def preparacion(docente_id: Id) -> dict[str, Any]:
        d = str(docente_id)
        ultimos: dict[str, dict[str, Any]] = {}
        for v in app.proyecciones.valoraciones(d):
            ultimos[v["canonico"]] = {"nivel": v["nivel"], "fecha": v["fecha"].isoformat(), "visita_id": v["visita_id"],
                                      "competencia": v["competencia"]}
        return {"compromisos_pendientes": app.proyecciones.compromisos(hoy=hoy(), docente_id=d, estado="pendientes"),
                "ultimos_niveles": ultimos, "necesidades_formativas": app.proyecciones.necesidades(d)}

    @r.get("/compromisos", summary="Compromisos abiertos y vencidos por acompañante, IE o UGEL")
    def compromisos(acompanante_id: UUID | None = None,
                    codigo_modular: Annotated[str | None, Query(pattern=r"^\d{7}$")] = None,
                    anexo: Annotated[int, Query(ge=0, le=9)] = 0,
                    ugel: str | None = None, dre: str | None = None,
                    estado: Literal["abiertos", "vencidos", "pendientes", "verificados"] = "pendientes") -> dict[str, Any]:
        acompanante = str(acompanante_id) if acompanante_id else None
        lista = app.proyecciones.compromisos(hoy=hoy(), acompanante_id=acompanante, ugel=ugel, dre=dre, estado=estado,
                                             ie=(codigo_modular, anexo) if codigo_modular else None)
        resumen = {"abiertos": sum(c["estado"] == "abierto" for c in lista),
                   "vencidos": sum(c["estado"] == "vencido" for c in lista),
                   "verificados": sum(c["estado"] == "verificado" for c in lista)}
        return {"al": hoy().isoformat(), "resumen": resumen, "compromisos": lista}

    return r
