"""The formative evaluation over HTTP: a docente's initial situation, his valuations, his etapa's close and
its corrections, the offline queue of an acompañante's device, and the stage goals (NT-026 §5.5.1).

A docente's progress is personal data (Ley 29733): it is read by the docente, the acompañante who holds
him and supervision roles.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path
from pydantic import Field

from services.evaluacion import acceso, reportes
from services.evaluacion import comandos as cmd
from services.evaluacion.api.comun import Al, Convocatoria, Entrada, Id, Texto
from services.evaluacion.api.dependencias import EvaluacionApp, Vistas
from services.evaluacion.application import Evaluacion
from services.evaluacion.metas import Metas
from shared import lote
from shared.contracts.evaluacion import Competencia, Nivel
from shared.http.dependencias import PoliticaDeAcceso
from shared.http.resultado import Resultado, resultado
from shared.lote import Lote, Operacion
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1", tags=["evaluación formativa"])


class NivelIn(Entrada):
    nivel: Nivel
    evidencias: list[UUID] = Field(min_length=1, max_length=50, description="Observaciones en que se sustenta.")
    sustento: Texto = ""


class SituacionInicialIn(Entrada):
    acompanante_id: UUID
    fecha: date = Field(description="Día de la valoración (la visita diagnóstica).")
    niveles: dict[Competencia, NivelIn] = Field(description="Por competencia del docente, su nivel inicial.")


class ValoracionIn(Entrada):
    valoracion_id: UUID = Field(description="Identificador que genera el dispositivo: reenviar no crea otra.")
    acompanante_id: UUID
    fecha: date
    competencia: Competencia
    nivel: Nivel
    evidencias: list[UUID] = Field(min_length=1, max_length=50)
    sustento: Texto = ""


class CierreIn(Entrada):
    acompanante_id: UUID
    anio: int = Field(ge=2000, le=2100, description="Año escolar de la etapa que se cierra.")
    fecha: date
    niveles: dict[Competencia, Nivel] = Field(description="Nivel logrado en cada competencia del docente.")


class CorreccionCierreIn(Entrada):
    acompanante_id: UUID | None = Field(None, description="Quien corrige (vacío si corrige un especialista).")
    fecha: date
    niveles: dict[Competencia, Nivel]
    motivo: str = Field(min_length=3, max_length=2000)


class ItemLote(Entrada):
    operacion: Literal["situacion_inicial", "valoracion", "cierre"]
    docente_id: UUID
    datos: dict[str, Any]


class LoteIn(Entrada):
    items: list[ItemLote] = Field(min_length=1, max_length=2000)


class ResultadoItem(lote.ResultadoItem):
    docente_id: UUID


# --- the commands, as the single routes and the offline queue apply them --------------------------------

def situacion_inicial(app: Evaluacion, body: SituacionInicialIn, docente_id: UUID) -> tuple[str, bool]:
    niveles = {c: {"nivel": n.nivel, "evidencias": [str(e) for e in n.evidencias], "sustento": n.sustento}
               for c, n in body.niveles.items()}
    nuevo = app.registrar_situacion_inicial(cmd.RegistrarSituacionInicial(
        docente_id=str(docente_id), acompanante_id=str(body.acompanante_id), fecha=body.fecha, niveles=niveles))
    return str(docente_id), nuevo


def valoracion(app: Evaluacion, body: ValoracionIn, docente_id: UUID) -> tuple[str, bool]:
    nuevo = app.valorar(cmd.Valorar(
        docente_id=str(docente_id), valoracion_id=str(body.valoracion_id), acompanante_id=str(body.acompanante_id),
        fecha=body.fecha, competencia=body.competencia, nivel=body.nivel, evidencias=[str(e) for e in body.evidencias],
        sustento=body.sustento))
    return str(body.valoracion_id), nuevo


def cierre(app: Evaluacion, body: CierreIn, docente_id: UUID) -> tuple[str, bool]:
    nuevo = app.cerrar_etapa(cmd.CerrarEtapa(docente_id=str(docente_id), acompanante_id=str(body.acompanante_id),
                                             anio=body.anio, fecha=body.fecha, niveles=dict(body.niveles)))
    return f"{docente_id}/{body.anio}", nuevo


def cola(app: Evaluacion) -> Lote:
    """The offline queue: each item is one of the single routes, with the arguments the executor passes."""
    return Lote({
        "situacion_inicial": Operacion("POST /v1/docentes/{docente_id}/situacion-inicial", SituacionInicialIn,
                                       partial(situacion_inicial, app), id="docente_id"),
        "valoracion": Operacion("POST /v1/docentes/{docente_id}/valoraciones", ValoracionIn,
                                partial(valoracion, app)),
        "cierre": Operacion("POST /v1/docentes/{docente_id}/cierres", CierreIn, partial(cierre, app),
                            id="docente_id"),
    }, ResultadoItem)


# --- the routes ---------------------------------------------------------------------------------------

@router.post("/docentes/{docente_id}/situacion-inicial", status_code=201,
             summary="Situación inicial del docente por competencia (visita diagnóstica)",
             responses={200: {"model": Resultado}, 409: {"description": "Ya registrada con otro contenido"}})
def post_situacion_inicial(docente_id: Id, body: SituacionInicialIn, app: EvaluacionApp) -> Resultado:
    return resultado(*situacion_inicial(app, body, docente_id))  # type: ignore[return-value]


@router.post("/docentes/{docente_id}/valoraciones", status_code=201,
             summary="Valoración del nivel de una competencia, con sus evidencias",
             responses={200: {"model": Resultado}, 409: {"description": "El id ya se usó con otro contenido"}})
def post_valoracion(docente_id: Id, body: ValoracionIn, app: EvaluacionApp) -> Resultado:
    return resultado(*valoracion(app, body, docente_id))  # type: ignore[return-value]


@router.get("/docentes/{docente_id}/valoraciones",
            summary="La situación inicial y las valoraciones registradas del docente, en ambas modalidades",
            description="Con quién las registró. El directivo ve solo las que él registró (modalidad "
                        "interna), mientras rija la separación de finalidad.")
def get_valoraciones(docente_id: Id, vistas: Vistas, politica: PoliticaDeAcceso) -> dict[str, list[dict[str, Any]]]:
    autor = acceso.solo_autor(current_actor.get(), politica.separacion)

    def consulta(conn: Any, t: Any) -> dict[str, list[dict[str, Any]]]:
        return {nombre: reportes.registradas(conn, tabla, str(docente_id), autor)
                for nombre, tabla in (("iniciales", t.iniciales), ("valoraciones", t.valoraciones))}
    return vistas.leer("progreso", consulta)


@router.post("/docentes/{docente_id}/cierres", status_code=201,
             summary="Cierre de la etapa del docente: nivel logrado por competencia",
             responses={200: {"model": Resultado}, 409: {"description": "La etapa ya se cerró"}})
def post_cierre(docente_id: Id, body: CierreIn, app: EvaluacionApp) -> Resultado:
    return resultado(*cierre(app, body, docente_id))  # type: ignore[return-value]


@router.post("/docentes/{docente_id}/cierres/{anio}/correcciones", status_code=201,
             summary="Corrección de un cierre (un evento nuevo con su motivo; el anterior queda)",
             responses={200: {"model": Resultado}})
def post_correccion(docente_id: Id, anio: Annotated[int, Path(ge=2000, le=2100)], body: CorreccionCierreIn,
                    app: EvaluacionApp) -> Resultado:
    nuevo = app.corregir_cierre(cmd.CorregirCierre(
        docente_id=str(docente_id), anio=anio, fecha=body.fecha, niveles=dict(body.niveles), motivo=body.motivo,
        acompanante_id=str(body.acompanante_id) if body.acompanante_id else None))
    return resultado(f"{docente_id}/{anio}", nuevo)  # type: ignore[return-value]


@router.post("/acompanantes/{acompanante_id}/lote", summary="Cola de un dispositivo que estuvo sin conexión",
             description="Aplica cada elemento por separado y en orden, y responde por elemento: uno rechazado no "
                         "impide los demás. Reenviar el mismo lote no registra nada dos veces.")
def post_lote(acompanante_id: Id, body: LoteIn, app: EvaluacionApp, politica: PoliticaDeAcceso) -> list[ResultadoItem]:
    return cola(app).ejecutar(politica, current_actor.get(), str(acompanante_id),
                              body.items)  # type: ignore[return-value]


@router.post("/metas", status_code=201,
             summary="Publicar una versión de los niveles esperados por etapa de un tipo de IE",
             responses={200: {"model": Resultado}, 403: {"description": "Rol no autorizado"},
                        409: {"description": "Esa versión ya existe con otro contenido"}})
def post_metas(body: Metas, app: EvaluacionApp) -> Resultado:
    nuevo = app.definir_metas(body)
    return resultado(f"{body.convocatoria}/{body.tipo_ie}@{body.version}", nuevo)  # type: ignore[return-value]


class MetaLeida(Entrada):
    etapa: int
    competencia: str
    avance: int = Field(description="Niveles por encima de la situación inicial que se esperan al cierre.")
    minimo: str = Field(description="Nivel mínimo esperado al cierre.")


class MetasLeidas(Entrada):
    tipo_ie: str
    version: int
    metas: list[MetaLeida]


@router.get("/metas", summary="Los niveles esperados por etapa de cada tipo de IE (la versión vigente al corte)")
def get_metas(vistas: Vistas, convocatoria: Convocatoria = "2020-2022", al: Al = None) -> list[MetasLeidas]:
    corte = reportes.Corte.de(al)
    por_tipo = vistas.leer("progreso", lambda conn, t: reportes.metas_al(conn, t, corte, convocatoria))
    return [MetasLeidas(tipo_ie=tipo, version=m["version"], metas=[
        MetaLeida(etapa=e, competencia=c, avance=meta.avance, minimo=meta.minimo)
        for (e, c), meta in sorted((k, v) for k, v in m.items() if k != "version")])
        for tipo, m in sorted(por_tipo.items())]
