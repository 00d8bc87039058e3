"""The monitoring and evaluation matrices over HTTP (NT-026 §5.5): their own facts (satisfaction surveys, an
acompañante's performance), the matrices themselves and the visits per docente."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.evaluacion import comandos as cmd
from services.evaluacion import reportes, reportes_matrices
from services.evaluacion.api.comun import CODIGO, TABLAS, Al, Codigo, Entrada, Formato, Id, Ie, Por, Texto, de_ie, salida
from services.evaluacion.api.dependencias import EvaluacionApp, Vistas
from services.evaluacion.application import PREGUNTAS_ENCUESTA
from shared.contracts.evaluacion import Nivel
from shared.http.resultado import Resultado, resultado

router = APIRouter(prefix="/v1")
Anio = Annotated[int, Query(ge=2000, le=2100)]


class EncuestaIn(Entrada):
    encuestado: Literal["docente", "acompanante"]
    persona_id: UUID
    anio: int = Field(ge=2000, le=2100)
    periodo: Literal["anual", "semestre_1", "semestre_2"]
    respuestas: dict[Literal[PREGUNTAS_ENCUESTA], Annotated[int, Field(ge=1, le=5)]] = Field(  # type: ignore[valid-type]
        description="De 1 (nada satisfecho) a 5 (muy satisfecho): " + ", ".join(PREGUNTAS_ENCUESTA) + ".")
    comentario: Texto = ""


class DesempenoIn(Entrada):
    anio: int = Field(ge=2000, le=2100)
    momento: Literal["inicio", "semestre_1", "semestre_2", "termino"]
    fecha: date
    criterios: dict[Annotated[str, Field(pattern=CODIGO)], Nivel] = Field(min_length=1, max_length=40)
    nivel: Nivel = Field(description="Nivel global.")
    evaluador: str = Field(min_length=2, max_length=100, examples=["DIFODS"])


class VisitasDocenteAnio(BaseModel):
    docente_id: UUID
    anio: int
    visitas: int
    dias: int


# --- the matrices' facts --------------------------------------------------------------------------------

@router.post("/encuestas", tags=["seguimiento"], status_code=201,
             summary="Encuesta de satisfacción de un docente (anual) o de un acompañante (semestral)",
             responses={200: {"model": Resultado}, 409: {"description": "Ya respondió la de ese periodo"}})
def post_encuesta(body: EncuestaIn, app: EvaluacionApp) -> Resultado:
    return resultado(*app.responder_encuesta(cmd.ResponderEncuesta(  # type: ignore[return-value]
        encuestado=body.encuestado, persona_id=str(body.persona_id), anio=body.anio, periodo=body.periodo,
        respuestas=dict(body.respuestas), comentario=body.comentario)))


@router.post("/acompanantes/{acompanante_id}/desempeno", tags=["evaluación"], status_code=201,
             summary="Evaluación del desempeño de un acompañante (inicio, semestre o término)",
             responses={200: {"model": Resultado}, 403: {"description": "Rol no autorizado"}})
def post_desempeno(acompanante_id: Id, body: DesempenoIn, app: EvaluacionApp) -> Resultado:
    return resultado(*app.evaluar_desempeno(cmd.EvaluarDesempeno(  # type: ignore[return-value]
        acompanante_id=str(acompanante_id), anio=body.anio, momento=body.momento, fecha=body.fecha,
        criterios=dict(body.criterios), nivel=body.nivel, evaluador=body.evaluador)))


# --- the matrices ---------------------------------------------------------------------------------------

@router.get("/seguimiento", tags=["reportes"], responses=TABLAS,
            summary="Matriz de seguimiento: cumplimiento de estrategias, calidad (desempeño semestral) y satisfacción")
def get_seguimiento(anio: Anio, vistas: Vistas, por: Por = "ugel", dre: Codigo = None, ugel: Codigo = None,
                    ie: Ie = None, al: Al = None, formato: Formato = "json", seccion: str | None = None) -> Any:
    corte = reportes.Corte.de(al)
    filtros = {"dre": dre, "ugel": ugel}

    def consulta(conn: Any, t: Any) -> dict[str, list[dict[str, Any]]]:
        cumplimiento = reportes_matrices.cumplimiento(conn, t, corte, anio, por, **filtros, **de_ie(ie))
        if ie is not None:  # a coach's performance and the surveys are known per UGEL, not per school
            return {"cumplimiento": cumplimiento, "calidad": [], "satisfaccion": []}
        return {
            "cumplimiento": cumplimiento,
            "calidad": reportes_matrices.desempeno_acompanantes(conn, t, corte, anio, ("semestre_1", "semestre_2"), **filtros),
            "satisfaccion": reportes_matrices.satisfaccion(conn, t, corte, anio, por, **filtros)}
    return salida(vistas.leer("seguimiento", consulta), corte, formato, f"seguimiento-{anio}-{por}",
                  seccion, {"anio": anio, "por": por}, f"Matriz de seguimiento {anio}", {**filtros, "ie": ie},
                  vistas.territorios.nombres)


@router.get("/evaluacion", tags=["reportes"], responses=TABLAS,
            summary="Matriz de evaluación: práctica pedagógica del año y desempeño de los acompañantes al inicio y "
                    "término")
def get_evaluacion(anio: Anio, vistas: Vistas, por: Por = "ugel", dre: Codigo = None, ugel: Codigo = None,
                   al: Al = None, formato: Formato = "json", seccion: str | None = None) -> Any:
    corte = reportes.Corte.de(al)
    filtros = {"dre": dre, "ugel": ugel}

    def consulta(conn: Any, t: Any) -> dict[str, list[dict[str, Any]]]:
        return {"practica": reportes_matrices.practica(conn, t, corte, anio, por, **filtros),
                "desempeno": reportes_matrices.desempeno_acompanantes(conn, t, corte, None, ("inicio", "termino"), **filtros)}
    return salida(vistas.leer("practica", consulta), corte, formato, f"evaluacion-{anio}-{por}",
                  seccion, {"anio": anio, "por": por}, f"Matriz de evaluación {anio}", filtros,
                  vistas.territorios.nombres)


# --- visits per docente (the first slice of the backbone) -----------------------------------------------

@router.get("/docentes/{docente_id}/visitas", tags=["seguimiento"], summary="Visitas realizadas a un docente, por año")
def visitas_docente(docente_id: Id, vistas: Vistas) -> list[VisitasDocenteAnio]:
    return [VisitasDocenteAnio(**f) for f in vistas.visitas_por_docente(docente_id=str(docente_id))]


@router.get("/visitas-por-docente", tags=["seguimiento"],
            summary="Visitas realizadas por docente y año, filtrables por territorio")
def visitas_por_docente(
    vistas: Vistas,
    anio: Annotated[int | None, Query(ge=2000, le=2100, description="Año escolar")] = None,
    dre: Annotated[str | None, Query(description="Código de la DRE")] = None,
    ugel: Annotated[str | None, Query(description="Código de la UGEL")] = None,
    limite: Annotated[int, Query(ge=1, le=1000, description="Filas por página")] = 100,
    desde: Annotated[int, Query(ge=0, le=10_000_000, description="Filas a saltar")] = 0,
) -> list[VisitasDocenteAnio]:
    filas = vistas.visitas_por_docente(anio=anio, dre=dre, ugel=ugel, limite=limite, desde=desde)
    return [VisitasDocenteAnio(**f) for f in filas]
