"""evaluacion's HTTP API, version 1: translates requests into commands and queries.

Every report takes ``al`` (a date, the end of that day in Lima; or a date and time) and says which
moment it describes; ``formato`` gives it as JSON, CSV (one section, ``seccion``) or XLSX (every
section, one sheet each). A docente's progress is personal data (Ley 29733): it is read by the
docente, the acompañante who holds him and supervision roles.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.evaluacion import acceso, api_informes, columnas, exportar, reportes
from services.evaluacion.application import PREGUNTAS_ENCUESTA, Evaluacion
from services.evaluacion.historia import a_json
from services.evaluacion.metas import Metas
from services.evaluacion.projections import Proyecciones
from services.evaluacion.rebuild import Reconstrucciones
from shared.contracts.evaluacion import Competencia, Nivel
from shared.eventstore import DomainError, Forbidden, NotFound
from shared import lote
from shared.lote import Lote, Operacion
from shared.telemetry import current_actor


def _corte_en_rango(al: date | datetime | None) -> date | datetime | None:
    # a cut outside the years the programme can have records would overflow when taken to Lima or UTC
    if al is not None and not 2000 <= al.year <= 2100:
        raise ValueError("debe estar entre los años 2000 y 2100")
    return al


Id = Annotated[UUID, Path(description="Identificador")]
Al = Annotated[date | datetime | None, AfterValidator(_corte_en_rango), Query(
    description="Corte: lo registrado hasta esa fecha (fin del día en Lima) o fecha y hora, entre 2000 y 2100. "
                "Por defecto, ahora.")]
Formato = Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv (una sección) o xlsx (todas).")]
# Codes of a convocatoria, DRE, UGEL or type of IE: what a report echoes into a file name or a spreadsheet cell.
CODIGO = r"^[A-Za-z0-9_-]{1,40}$"
Codigo = Annotated[str | None, Query(pattern=CODIGO)]
Convocatoria = Annotated[str, Query(pattern=CODIGO)]
Ie = Annotated[str | None, Query(pattern=r"^\d{7}-\d$",
                                 description="Una IE: «código modular-anexo» (el directivo, la suya).")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLAS: dict[int | str, dict[str, Any]] = {200: {
    "description": "El reporte en JSON, CSV (`formato=csv`, una sección) o XLSX (`formato=xlsx`, todas).",
    "content": {"text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}}}}
Por = Literal["docente", "ie", "ugel", "dre", "tipo_ie", "nacional"]
Texto = Annotated[str, Field(max_length=4000)]


class _Entrada(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NivelIn(_Entrada):
    nivel: Nivel
    evidencias: list[UUID] = Field(min_length=1, max_length=50, description="Observaciones en que se sustenta.")
    sustento: Texto = ""


class SituacionInicialIn(_Entrada):
    acompanante_id: UUID
    fecha: date = Field(description="Día de la valoración (la visita diagnóstica).")
    niveles: dict[Competencia, NivelIn] = Field(description="Por competencia del docente, su nivel inicial.")


class ValoracionIn(_Entrada):
    valoracion_id: UUID = Field(description="Identificador que genera el dispositivo: reenviar no crea otra.")
    acompanante_id: UUID
    fecha: date
    competencia: Competencia
    nivel: Nivel
    evidencias: list[UUID] = Field(min_length=1, max_length=50)
    sustento: Texto = ""


class CierreIn(_Entrada):
    acompanante_id: UUID
    anio: int = Field(ge=2000, le=2100, description="Año escolar de la etapa que se cierra.")
    fecha: date
    niveles: dict[Competencia, Nivel] = Field(description="Nivel logrado en cada competencia del docente.")


class CorreccionCierreIn(_Entrada):
    acompanante_id: UUID | None = Field(None, description="Quien corrige (vacío si corrige un especialista).")
    fecha: date
    niveles: dict[Competencia, Nivel]
    motivo: str = Field(min_length=3, max_length=2000)


class EncuestaIn(_Entrada):
    encuestado: Literal["docente", "acompanante"]
    persona_id: UUID
    anio: int = Field(ge=2000, le=2100)
    periodo: Literal["anual", "semestre_1", "semestre_2"]
    respuestas: dict[Literal[PREGUNTAS_ENCUESTA], Annotated[int, Field(ge=1, le=5)]] = Field(  # type: ignore[valid-type]
        description="De 1 (nada satisfecho) a 5 (muy satisfecho): " + ", ".join(PREGUNTAS_ENCUESTA) + ".")
    comentario: Texto = ""


class DesempenoIn(_Entrada):
    anio: int = Field(ge=2000, le=2100)
    momento: Literal["inicio", "semestre_1", "semestre_2", "termino"]
    fecha: date
    criterios: dict[Annotated[str, Field(pattern=CODIGO)], Nivel] = Field(min_length=1, max_length=40)
    nivel: Nivel = Field(description="Nivel global.")
    evaluador: str = Field(min_length=2, max_length=100, examples=["DIFODS"])


class ItemLote(_Entrada):
    operacion: Literal["situacion_inicial", "valoracion", "cierre"]
    docente_id: UUID
    datos: dict[str, Any]


class LoteIn(_Entrada):
    items: list[ItemLote] = Field(min_length=1, max_length=2000)


class NombresIn(_Entrada):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "personas": {"0b8f3c1e-8a44-5d0e-9f6a-2c7d9e1f3a55": "Leydi Stefany Maquera Gutierrez"},
        "escuelas": {"0236885-0": "IEI N°246"}}]})
    personas: dict[UUID, Annotated[str, Field(min_length=2, max_length=200)]] = Field(
        default_factory=dict, max_length=500,
        description="Nombre de cada persona (el docente, sus acompañantes, colegas), tal como lo da focalización.")
    escuelas: dict[Annotated[str, Field(pattern=r"^\d{7}-\d$")], Annotated[str, Field(min_length=2, max_length=200)]] = (
        Field(default_factory=dict, max_length=200, description="Nombre de cada IE, por «código modular-anexo»."))

    def personas_por_id(self) -> dict[str, str]:
        return {str(k): v for k, v in self.personas.items()}


class Resultado(BaseModel):
    id: str
    estado: Literal["registrado", "ya_registrado"]


class ResultadoItem(lote.ResultadoItem):
    docente_id: UUID


class VisitasDocenteAnio(BaseModel):
    docente_id: UUID
    anio: int
    visitas: int
    dias: int


def _resultado(id_: str, nuevo: bool) -> JSONResponse:
    return JSONResponse(Resultado(id=id_, estado="registrado" if nuevo else "ya_registrado").model_dump(),
                        status_code=status.HTTP_201_CREATED if nuevo else status.HTTP_200_OK)


def _de_ie(ie: str | None) -> dict[str, Any]:
    """The rows of one school (``codigo_modular-anexo``): its plans' own columns."""
    if ie is None:
        return {}
    codigo_modular, anexo = ie.split("-")
    return {"codigo_modular": codigo_modular, "anexo": int(anexo)}


def _salida(secciones: dict[str, list[dict[str, Any]]], corte: reportes.Corte, formato: str, nombre: str,
            seccion: str | None, extra: dict[str, Any], titulo: str = "",
            filtros: dict[str, Any] | None = None) -> Any:
    nota = corte.nota()
    if formato == "json":
        return {**extra, **nota, **secciones}
    portada = columnas.portada(titulo or nombre, corte.momento, nota["nota"], current_actor.get(),
                               {**extra, **(filtros or {})}, datetime.now(UTC))
    por = extra.get("por", "ie")  # the quarterly report: its fulfilment per school
    if formato == "csv":
        elegida = seccion or next(iter(secciones))
        if elegida not in secciones:
            raise DomainError(f"La sección {elegida!r} no existe: {', '.join(secciones)}.")
        return Response(exportar.csv_de(columnas.tabla(elegida, secciones[elegida], por), portada),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{nombre}-{elegida}.csv"'})
    return Response(exportar.xlsx_de(portada, [columnas.tabla(k, v, por) for k, v in secciones.items()]),
                    media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{nombre}.xlsx"'})


def router(app: Evaluacion, proyecciones: Proyecciones, reconstrucciones: Reconstrucciones) -> APIRouter:
    r = APIRouter(prefix="/v1")

    # --- the formative evaluation -----------------------------------------------------------------

    def situacion_inicial(body: SituacionInicialIn, docente_id: UUID) -> tuple[str, bool]:
        niveles = {c: {"nivel": n.nivel, "evidencias": [str(e) for e in n.evidencias], "sustento": n.sustento}
                   for c, n in body.niveles.items()}
        nuevo = app.registrar_situacion_inicial(str(docente_id), str(body.acompanante_id), body.fecha, niveles)
        return str(docente_id), nuevo

    def valoracion(body: ValoracionIn, docente_id: UUID) -> tuple[str, bool]:
        nuevo = app.valorar(str(docente_id), str(body.valoracion_id), str(body.acompanante_id), body.fecha,
                            body.competencia, body.nivel, [str(e) for e in body.evidencias], body.sustento)
        return str(body.valoracion_id), nuevo

    def cierre(body: CierreIn, docente_id: UUID) -> tuple[str, bool]:
        nuevo = app.cerrar_etapa(str(docente_id), str(body.acompanante_id), body.anio, body.fecha, dict(body.niveles))
        return f"{docente_id}/{body.anio}", nuevo

    @r.post("/docentes/{docente_id}/situacion-inicial", tags=["evaluación formativa"], status_code=201,
            summary="Situación inicial del docente por competencia (visita diagnóstica)",
            responses={200: {"model": Resultado}, 409: {"description": "Ya registrada con otro contenido"}})
    def post_situacion_inicial(docente_id: Id, body: SituacionInicialIn) -> Resultado:
        return _resultado(*situacion_inicial(body, docente_id))  # type: ignore[return-value]

    @r.post("/docentes/{docente_id}/valoraciones", tags=["evaluación formativa"], status_code=201,
            summary="Valoración del nivel de una competencia, con sus evidencias",
            responses={200: {"model": Resultado}, 409: {"description": "El id ya se usó con otro contenido"}})
    def post_valoracion(docente_id: Id, body: ValoracionIn) -> Resultado:
        return _resultado(*valoracion(body, docente_id))  # type: ignore[return-value]

    @r.post("/docentes/{docente_id}/cierres", tags=["evaluación formativa"], status_code=201,
            summary="Cierre de la etapa del docente: nivel logrado por competencia",
            responses={200: {"model": Resultado}, 409: {"description": "La etapa ya se cerró"}})
    def post_cierre(docente_id: Id, body: CierreIn) -> Resultado:
        return _resultado(*cierre(body, docente_id))  # type: ignore[return-value]

    @r.post("/docentes/{docente_id}/cierres/{anio}/correcciones", tags=["evaluación formativa"], status_code=201,
            summary="Corrección de un cierre (un evento nuevo con su motivo; el anterior queda)",
            responses={200: {"model": Resultado}})
    def post_correccion(docente_id: Id, anio: Annotated[int, Path(ge=2000, le=2100)],
                        body: CorreccionCierreIn) -> Resultado:
        nuevo = app.corregir_cierre(str(docente_id), anio, body.fecha, dict(body.niveles), body.motivo,
                                    str(body.acompanante_id) if body.acompanante_id else None)
        return _resultado(f"{docente_id}/{anio}", nuevo)  # type: ignore[return-value]

    # the offline queue: each item is one of the routes above, with the arguments the executor passes
    lote = Lote({
        "situacion_inicial": Operacion("POST /v1/docentes/{docente_id}/situacion-inicial", SituacionInicialIn,
                                       situacion_inicial, id="docente_id"),
        "valoracion": Operacion("POST /v1/docentes/{docente_id}/valoraciones", ValoracionIn, valoracion),
        "cierre": Operacion("POST /v1/docentes/{docente_id}/cierres", CierreIn, cierre, id="docente_id"),
    }, ResultadoItem)

    @r.post("/acompanantes/{acompanante_id}/lote", tags=["evaluación formativa"],
            summary="Cola de un dispositivo que estuvo sin conexión",
            description="Aplica cada elemento por separado y en orden, y responde por elemento: uno rechazado no "
                        "impide los demás. Reenviar el mismo lote no registra nada dos veces.")
    def post_lote(acompanante_id: Id, body: LoteIn, request: Request) -> list[ResultadoItem]:
        return lote.ejecutar(request.app.state.politica, current_actor.get(), str(acompanante_id),
                             body.items)  # type: ignore[return-value]

    @r.post("/metas", tags=["evaluación formativa"], status_code=201,
            summary="Publicar una versión de los niveles esperados por etapa de un tipo de IE",
            responses={200: {"model": Resultado}, 403: {"description": "Rol no autorizado"},
                       409: {"description": "Esa versión ya existe con otro contenido"}})
    def post_metas(body: Metas) -> Resultado:
        nuevo = app.definir_metas(body)
        return _resultado(f"{body.convocatoria}/{body.tipo_ie}@{body.version}", nuevo)  # type: ignore[return-value]

    # --- the matrices' facts ----------------------------------------------------------------------

    @r.post("/encuestas", tags=["seguimiento"], status_code=201,
            summary="Encuesta de satisfacción de un docente (anual) o de un acompañante (semestral)",
            responses={200: {"model": Resultado}, 409: {"description": "Ya respondió la de ese periodo"}})
    def post_encuesta(body: EncuestaIn) -> Resultado:
        return _resultado(*app.responder_encuesta(body.encuestado, str(body.persona_id), body.anio, body.periodo,
                                                  dict(body.respuestas), body.comentario))  # type: ignore[return-value]

    @r.post("/acompanantes/{acompanante_id}/desempeno", tags=["evaluación"], status_code=201,
            summary="Evaluación del desempeño de un acompañante (inicio, semestre o término)",
            responses={200: {"model": Resultado}, 403: {"description": "Rol no autorizado"}})
    def post_desempeno(acompanante_id: Id, body: DesempenoIn) -> Resultado:
        return _resultado(*app.evaluar_desempeno(str(acompanante_id), body.anio, body.momento, body.fecha,
                                                 dict(body.criterios), body.nivel, body.evaluador))  # type: ignore[return-value]

    # --- reports ------------------------------------------------------------------------------------

    @r.get("/docentes/{docente_id}/progreso", tags=["reportes"],
           summary="Progreso de un docente por competencia: inicial, valoraciones, logrado y esperado por etapa")
    def get_progreso(docente_id: Id, al: Al = None, convocatoria: Codigo = None) -> dict[str, Any]:
        corte = reportes.Corte.de(al)
        progreso = proyecciones.leer("progreso", lambda conn, t: reportes.progreso_docente(
            conn, t, str(docente_id), corte, convocatoria))
        if progreso is None:
            raise NotFound(f"No hay registro del docente {docente_id} a esa fecha.")
        return progreso

    @r.get("/docentes/{docente_id}/valoraciones", tags=["evaluación formativa"],
           summary="La situación inicial y las valoraciones registradas del docente, en ambas modalidades",
           description="Con quién las registró. El directivo ve solo las que él registró (modalidad "
                       "interna), mientras rija la separación de finalidad.")
    def get_valoraciones(docente_id: Id, request: Request) -> dict[str, list[dict[str, Any]]]:
        autor = acceso.solo_autor(current_actor.get(), request.app.state.politica.separacion)

        def consulta(conn: Any, t: Any) -> dict[str, list[dict[str, Any]]]:
            return {nombre: reportes.registradas(conn, tabla, str(docente_id), autor)
                    for nombre, tabla in (("iniciales", t.iniciales), ("valoraciones", t.valoraciones))}
        return proyecciones.leer("progreso", consulta)

    @r.get("/docentes/{docente_id}/progreso.{formato}", tags=["reportes"], response_class=Response,
           summary="Gráfico del progreso de un docente a lo largo de las etapas (PNG o SVG)",
           responses={200: {"content": {t: {} for t in exportar.FORMATOS_GRAFICO.values()}}})
    async def get_progreso_grafico(docente_id: Id, formato: Literal["png", "svg"], al: Al = None) -> Response:
        progreso = await asyncio.to_thread(get_progreso, docente_id, al)
        imagen = await asyncio.to_thread(exportar.grafico_progreso, progreso, formato)
        return Response(imagen, media_type=exportar.FORMATOS_GRAFICO[formato])

    def _resultados(convocatoria: str, etapa: int, por: str, al: Any, **filtros: Any) -> tuple[list, reportes.Corte]:
        corte = reportes.Corte.de(al)
        filas = proyecciones.leer("progreso", lambda conn, t: reportes.resultados_etapa(
            conn, t, corte, convocatoria, etapa, por, **filtros))
        return filas, corte

    @r.get("/resultados-etapa", tags=["reportes"], responses=TABLAS,
           summary="Resultados de una etapa: distribución del nivel logrado y % que alcanzó el esperado")
    def get_resultados(request: Request, convocatoria: Convocatoria = "2020-2022",
                       etapa: Annotated[int, Query(ge=1, le=3)] = 1,
                       por: Por = "ugel", dre: Codigo = None, ugel: Codigo = None, ie: Ie = None,
                       tipo_ie: Codigo = None, al: Al = None, formato: Formato = "json") -> Any:
        if por == "docente" and (negado := acceso.por_docente(current_actor.get(),
                                                              request.app.state.politica.separacion)):
            raise Forbidden(negado)
        filas, corte = _resultados(convocatoria, etapa, por, al, dre=dre, ugel=ugel, tipo_ie=tipo_ie,
                                   **_de_ie(ie))
        return _salida({"resultados": filas}, corte, formato, f"resultados-etapa-{etapa}-{por}", None,
                       {"convocatoria": convocatoria, "etapa": etapa, "por": por},
                       f"Resultados de la etapa {etapa} (convocatoria {convocatoria})",
                       {"dre": dre, "ugel": ugel, "ie": ie, "tipo_ie": tipo_ie})

    @r.get("/resultados-etapa.{formato}", tags=["reportes"], response_class=Response,
           summary="Gráfico de los resultados de las tres etapas de una UGEL (o DRE, o nacional)",
           responses={200: {"content": {t: {} for t in exportar.FORMATOS_GRAFICO.values()}}})
    async def get_resultados_grafico(formato: Literal["png", "svg"],
                                     convocatoria: Convocatoria = "2020-2022", dre: Codigo = None,
                                     ugel: Codigo = None, ie: Ie = None, al: Al = None) -> Response:
        por = "ie" if ie else "ugel" if ugel else "dre" if dre else "nacional"
        por_etapa = {}
        corte = reportes.Corte.de(al)
        for etapa in (1, 2, 3):
            filas, _ = await asyncio.to_thread(_resultados, convocatoria, etapa, por, corte.momento, dre=dre,
                                               ugel=ugel, **_de_ie(ie))
            if filas:
                por_etapa[etapa] = _por_competencia(filas)
        titulo = f"Resultados por etapa · {ie or ugel or dre or 'nacional'} · convocatoria {convocatoria}"
        imagen = await asyncio.to_thread(exportar.grafico_resultados, por_etapa, titulo, corte.nota()["nota"], formato)
        return Response(imagen, media_type=exportar.FORMATOS_GRAFICO[formato])

    @r.get("/seguimiento", tags=["reportes"], responses=TABLAS,
           summary="Matriz de seguimiento: cumplimiento de estrategias, calidad (desempeño semestral) y satisfacción")
    def get_seguimiento(anio: Annotated[int, Query(ge=2000, le=2100)], por: Por = "ugel", dre: Codigo = None,
                        ugel: Codigo = None, ie: Ie = None, al: Al = None, formato: Formato = "json",
                        seccion: str | None = None) -> Any:
        corte = reportes.Corte.de(al)
        filtros = {"dre": dre, "ugel": ugel}

        def consulta(conn: Any, t: Any) -> dict[str, list[dict[str, Any]]]:
            cumplimiento = reportes.cumplimiento(conn, t, corte, anio, por, **filtros, **_de_ie(ie))
            if ie is not None:  # a coach's performance and the surveys are known per UGEL, not per school
                return {"cumplimiento": cumplimiento, "calidad": [], "satisfaccion": []}
            return {
                "cumplimiento": cumplimiento,
                "calidad": reportes.desempeno_acompanantes(conn, t, corte, anio, ("semestre_1", "semestre_2"), **filtros),
                "satisfaccion": reportes.satisfaccion(conn, t, corte, anio, por, **filtros)}
        return _salida(proyecciones.leer("seguimiento", consulta), corte, formato, f"seguimiento-{anio}-{por}",
                       seccion, {"anio": anio, "por": por}, f"Matriz de seguimiento {anio}", {**filtros, "ie": ie})

    @r.get("/evaluacion", tags=["reportes"], responses=TABLAS,
           summary="Matriz de evaluación: práctica pedagógica del año y desempeño de los acompañantes al inicio y término")
    def get_evaluacion(anio: Annotated[int, Query(ge=2000, le=2100)], por: Por = "ugel", dre: Codigo = None,
                       ugel: Codigo = None, al: Al = None, formato: Formato = "json",
                       seccion: str | None = None) -> Any:
        corte = reportes.Corte.de(al)
        filtros = {"dre": dre, "ugel": ugel}

        def consulta(conn: Any, t: Any) -> dict[str, list[dict[str, Any]]]:
            return {"practica": reportes.practica(conn, t, corte, anio, por, **filtros),
                    "desempeno": reportes.desempeno_acompanantes(conn, t, corte, None, ("inicio", "termino"), **filtros)}
        return _salida(proyecciones.leer("practica", consulta), corte, formato, f"evaluacion-{anio}-{por}",
                       seccion, {"anio": anio, "por": por}, f"Matriz de evaluación {anio}", filtros)

    @r.get("/informes-trimestrales/{ugel}", tags=["reportes"], responses=TABLAS,
           summary="Informe trimestral de avance de una UGEL a su DRE",
           description="Lo ocurrido en el trimestre (por la fecha de cada hecho) y el cumplimiento acumulado a su "
                       "término, con lo registrado hasta el corte `al` (por defecto, ahora); y su trámite: si la UGEL "
                       "lo remitió y la DRE acusó recibo (`envio`) y las medidas correctivas con su estado (`medidas`).")
    def get_informe(ugel: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")],
                    anio: Annotated[int, Query(ge=2000, le=2100)], trimestre: Annotated[int, Query(ge=1, le=4)],
                    al: Al = None, formato: Formato = "json", seccion: str | None = None) -> Any:
        corte = reportes.Corte.de(al)
        tramite = app.informe(ugel, anio, trimestre, corte.momento if al is not None else None)
        tablas = {**api_informes.secciones(proyecciones, ugel, anio, trimestre, corte), **api_informes.tramite(tramite)}
        return _salida(tablas, corte, formato,
                       f"informe-{ugel}-{anio}-T{trimestre}", seccion,
                       {"ugel": ugel, "anio": anio, "trimestre": trimestre},
                       f"Informe trimestral de avance de {ugel}: {anio}, trimestre {trimestre}")

    # --- a docente's full history (auditors, and the docente himself) ----------------------------------

    async def historia_de(docente_id: UUID, request: Request, filtros: dict[str, Any], motivo: str | None,
                          formato: str, nombres: NombresIn | None = None) -> Response:
        actor = current_actor.get()  # who may read it at all is the route's rule (acceso.HISTORIA)
        propio = actor.rol == "docente" and actor.usuario == str(docente_id)
        motivo = motivo or request.headers.get("X-Motivo")
        if not propio and (not motivo or len(motivo.strip()) < 5):
            raise DomainError("Indique por qué lee la historia de este docente (motivo): queda registrado y el "
                              "docente puede verlo.")
        corte = reportes.Corte.de(filtros["al"])
        registrada = {**{k: filtros[k] for k in ("desde", "hasta", "etapa", "tipo", "servicio")},
                      "al": corte.momento.isoformat(), "pagina": filtros["pagina"], "formato": formato}
        consulta = {k: v if not isinstance(v, date) else v.isoformat() for k, v in registrada.items()}
        # The read is recorded while the history is read; nothing is shown unless the record was saved.
        _, historia = await asyncio.gather(
            asyncio.to_thread(app.registrar_consulta, str(docente_id), (motivo or "").strip(), consulta),
            asyncio.to_thread(proyecciones.historia.historia, str(docente_id), al=corte.clave,
                              desde=filtros["desde"], hasta=filtros["hasta"], etapa=filtros["etapa"],
                              eventos=filtros["tipo"], servicios=filtros["servicio"], pagina=filtros["pagina"],
                              por_pagina=filtros["por_pagina"]))
        if formato == "pdf":
            personas, escuelas = (nombres.personas_por_id(), nombres.escuelas) if nombres else ({}, {})
            pdf = await asyncio.to_thread(exportar.pdf_historia, str(docente_id), historia, corte.nota()["nota"],
                                          personas, escuelas)
            return Response(pdf,
                            media_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="historia-{docente_id}.pdf"',
                                     "Cache-Control": "private, no-store"})
        estado = await asyncio.to_thread(proyecciones.leer, "progreso", lambda conn, t: reportes.progreso_docente(
            conn, t, str(docente_id), corte))
        cuerpo = await asyncio.to_thread(a_json, {"docente_id": str(docente_id), **corte.nota(),
                                                  "estado_al": _estado(estado) if estado else None,
                         **historia})
        return Response(cuerpo, media_type="application/json", headers={"Cache-Control": "private, no-store"})

    @r.get("/docentes/{docente_id}/historia", tags=["auditoría"],
           summary="La historia completa de un docente en los cuatro servicios, en orden",
           description="Cada hecho con su servicio, secuencia en el stream y posición, versión, quién lo causó, "
                       "cuándo ocurrió y cuándo se registró, su traza y su contenido. La lee el propio docente, el "
                       "auditor y los roles de supervisión; toda lectura de otro queda registrada con su motivo "
                       "(`motivo` o cabecera `X-Motivo`) y el docente la ve en `/accesos` (Ley 29733).",
           responses={200: {"content": {"application/pdf": {}}}, 403: {"description": "Rol no autorizado"}})
    async def get_historia(
        docente_id: Id, request: Request,
        desde: Annotated[date | None, Query(description="Desde esta fecha (del hecho).")] = None,
        hasta: Annotated[date | None, Query(description="Hasta esta fecha (del hecho).")] = None,
        etapa: Annotated[int | None, Query(ge=1, le=3)] = None,
        tipo: Annotated[list[str] | None, Query(description="Hechos de estos tipos (p. ej. VisitaRealizada).")] = None,
        servicio: Annotated[list[Literal["focalizacion", "agenda", "evidencias", "evaluacion"]] | None, Query()] = None,
        al: Al = None, pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
        por_pagina: Annotated[int, Query(ge=1, le=500)] = 100,
        motivo: Annotated[str | None, Query(min_length=5, max_length=300)] = None,
        formato: Literal["json", "pdf"] = "json",
    ) -> Any:
        return await historia_de(docente_id, request, {
            "desde": desde, "hasta": hasta, "etapa": etapa, "tipo": tipo, "servicio": servicio, "al": al,
            "pagina": pagina, "por_pagina": por_pagina}, motivo, formato)

    @r.post("/docentes/{docente_id}/historia.pdf", tags=["auditoría"], response_class=Response,
            summary="La historia de un docente en PDF, con los nombres que quien la pide puede ver",
            description="La misma lectura que `GET …/historia?formato=pdf` (con su motivo, registrada): cada hecho "
                        "como una oración, con los nombres de personas y escuelas que trae el cuerpo (los que el "
                        "lector puede ver en focalización); se usan solo para imprimir, no se guardan.",
            responses={200: {"content": {"application/pdf": {}}}, 403: {"description": "Rol no autorizado"}})
    async def post_historia_pdf(
        docente_id: Id, request: Request, body: NombresIn,
        desde: Annotated[date | None, Query(description="Desde esta fecha (del hecho).")] = None,
        hasta: Annotated[date | None, Query(description="Hasta esta fecha (del hecho).")] = None,
        etapa: Annotated[int | None, Query(ge=1, le=3)] = None,
        tipo: Annotated[list[str] | None, Query(description="Hechos de estos tipos (p. ej. VisitaRealizada).")] = None,
        servicio: Annotated[list[Literal["focalizacion", "agenda", "evidencias", "evaluacion"]] | None, Query()] = None,
        al: Al = None, pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
        por_pagina: Annotated[int, Query(ge=1, le=500)] = 100,
        motivo: Annotated[str | None, Query(min_length=5, max_length=300)] = None,
    ) -> Response:
        return await historia_de(docente_id, request, {
            "desde": desde, "hasta": hasta, "etapa": etapa, "tipo": tipo, "servicio": servicio, "al": al,
            "pagina": pagina, "por_pagina": por_pagina}, motivo, "pdf", body)

    @r.get("/docentes/{docente_id}/accesos", tags=["auditoría"],
           summary="Quién leyó la historia del docente, cuándo y por qué, y cada lectura de sus datos por un "
                   "auditor en cualquier servicio (la ve el propio docente)")
    def get_accesos(docente_id: Id) -> list[dict[str, Any]]:
        return sorted(app.accesos(str(docente_id)) + proyecciones.historia.lecturas(str(docente_id)),
                      key=lambda a: a["en"])

    @r.get("/auditoria/cadenas", tags=["auditoría"],
           summary="La cadena de huellas de cada servicio: eslabones verificados, pendientes o rotos, y sus sellos")
    def get_cadenas() -> dict[str, Any]:
        return proyecciones.historia.cadenas()

    # --- visits per docente (the first slice of the backbone) --------------------------------------

    @r.get("/docentes/{docente_id}/visitas", tags=["seguimiento"], summary="Visitas realizadas a un docente, por año")
    def visitas_docente(docente_id: Id) -> list[VisitasDocenteAnio]:
        return [VisitasDocenteAnio(**f) for f in proyecciones.visitas_por_docente(docente_id=str(docente_id))]

    @r.get("/visitas-por-docente", tags=["seguimiento"],
           summary="Visitas realizadas por docente y año, filtrables por territorio")
    def visitas_por_docente(
        anio: Annotated[int | None, Query(ge=2000, le=2100, description="Año escolar")] = None,
        dre: Annotated[str | None, Query(description="Código de la DRE")] = None,
        ugel: Annotated[str | None, Query(description="Código de la UGEL")] = None,
        limite: Annotated[int, Query(ge=1, le=1000, description="Filas por página")] = 100,
        desde: Annotated[int, Query(ge=0, le=10_000_000, description="Filas a saltar")] = 0,
    ) -> list[VisitasDocenteAnio]:
        filas = proyecciones.visitas_por_docente(anio=anio, dre=dre, ugel=ugel, limite=limite, desde=desde)
        return [VisitasDocenteAnio(**f) for f in filas]

    # --- operating the projections ----------------------------------------------------------------

    @r.get("/proyecciones", tags=["operación"], summary="Generación activa de cada proyección y reconstrucciones")
    async def get_proyecciones(suma: Annotated[bool, Query(description=(
            "Incluir la suma de verificación de la generación activa (recorre cada tabla), una vez aplicados los "
            "hechos que el stream ya tiene (espera hasta 10 s; «al_dia» dice si alcanzó a aplicarlos)"))] = False,
                               ) -> list[dict[str, Any]]:
        if suma:
            sumas, al_dia = await reconstrucciones.sumas()
        filas = await asyncio.to_thread(reconstrucciones.estado)
        if suma:
            for fila in filas:
                fila.update(checksum=sumas[fila["proyeccion"]], al_dia=al_dia)
        return filas

    @r.post("/proyecciones/{nombre}/reconstruccion", tags=["operación"], status_code=202,
            summary="Reconstruir una proyección desde el stream (sigue respondiendo la actual hasta que la nueva "
                    "la alcance)", responses={403: {"description": "Rol no autorizado"},
                                              409: {"description": "Ya hay una reconstrucción en curso"}})
    async def post_reconstruccion(nombre: Literal["progreso", "seguimiento", "practica", "historia", "todas"],
                                  ) -> dict[str, Any]:
        nombres = list(proyecciones.todas) if nombre == "todas" else [nombre]
        return reconstrucciones.iniciar(nombres)

    return r


def _estado(progreso: dict[str, Any]) -> dict[str, Any]:
    """What was known of the docente at the cut: his plans and, per competency, each etapa's levels."""
    return {"planes": progreso["planes"], "competencias": [
        {"competencia": c["competencia"], "inicial": c["inicial"] and c["inicial"]["nivel"],
         "etapas": [{k: e[k] for k in ("etapa", "anio", "esperado", "logrado")} for e in c["etapas"]]}
        for c in progreso["competencias"]]}


def _por_competencia(filas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Several groups' rows of one etapa summed per competency (for a chart of one territory)."""
    suma: dict[str, dict[str, Any]] = {}
    for f in filas:
        s = suma.setdefault(f["competencia"], {"competencia": f["competencia"], "con_cierre": 0, "alcanzaron": 0,
                                               "sin_meta": 0, "I": 0, "II": 0, "III": 0, "IV": 0})
        for k in ("con_cierre", "alcanzaron", "sin_meta", "I", "II", "III", "IV"):
            s[k] += f[k]
    for s in suma.values():
        base = s["con_cierre"] - s["sin_meta"]
        s["porcentaje_alcanzaron"] = round(100.0 * s["alcanzaron"] / base, 1) if base else None
    return [suma[k] for k in sorted(suma)]
