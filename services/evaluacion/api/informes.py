"""The UGEL's quarterly report to its DRE, over HTTP (NT-026 §6.2, §6.3).

The report itself (``GET /v1/informes-trimestrales/{ugel}``) is computed from the projections; what
happens to it is evaluacion's own facts: the UGEL sends it (its figures as sent are kept), the DRE
acknowledges it, and the UGEL disposes corrective measures against a school or an acompañante of
its jurisdiction and follows each one up until it is fulfilled or not. Both read all of it in the
report's ``envio`` and ``medidas`` sections.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import Field, model_validator
from sqlalchemy import select

from services.evaluacion import comandos as cmd
from services.evaluacion import reportes, reportes_matrices
from services.evaluacion.api.comun import TABLAS, Al, Entrada, Formato, salida
from services.evaluacion.api.dependencias import EvaluacionApp, Vistas
from services.evaluacion.informe_trimestral import InformeTrimestral
from services.evaluacion.projections import Proyecciones
from shared.eventstore import DomainError
from shared.http.resultado import Resultado, resultado
from shared.telemetry import current_actor

router = APIRouter(prefix="/v1/informes-trimestrales/{ugel}")
Ugel = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Anio = Annotated[int, Field(ge=2000, le=2100)]
Trimestre = Annotated[int, Field(ge=1, le=4)]
Observaciones = Annotated[str, Field(max_length=2000)]
TRAMITE = ["informe trimestral"]


class EnvioIn(Entrada):
    anio: Anio
    trimestre: Trimestre
    observaciones: Observaciones = ""


class RecepcionIn(EnvioIn):
    pass


class MedidaIn(Entrada):
    medida_id: UUID = Field(description="Identificador que genera el cliente: reenviar no crea otra.")
    anio: Anio
    trimestre: Trimestre
    sobre: Literal["ie", "acompanante"]
    codigo_modular: str | None = Field(None, pattern=r"^\d{7}$")
    anexo: int = Field(0, ge=0, le=9)
    acompanante_id: UUID | None = None
    descripcion: str = Field(min_length=10, max_length=2000, description="Qué se dispone y por qué.")
    plazo: date = Field(description="Hasta cuándo debe cumplirse.")

    @model_validator(mode="after")
    def _objeto(self) -> MedidaIn:
        if self.sobre == "ie" and (self.codigo_modular is None or self.acompanante_id is not None):
            raise ValueError("una medida sobre una IE indica codigo_modular (y anexo), no acompanante_id")
        if self.sobre == "acompanante" and (self.acompanante_id is None or self.codigo_modular is not None):
            raise ValueError("una medida sobre un acompañante indica acompanante_id, no codigo_modular")
        return self


class SeguimientoIn(Entrada):
    anio: Anio
    trimestre: Trimestre
    estado: Literal["en_ejecucion", "cumplida", "no_cumplida"]
    avance: str = Field(min_length=5, max_length=2000, description="Lo hecho y lo que falta.")
    seguimiento_id: UUID | None = Field(None, description=(
        "Identificador que quien envía da a este seguimiento, el mismo en cada reenvío: un reenvío, "
        "otro día, queda como ya registrado. Sin él, solo un reenvío del mismo día con el mismo estado y "
        "avance lo es."))


def secciones(vistas: Proyecciones, ugel: str, anio: int, trimestre: int,
              corte: reportes.Corte) -> dict[str, list[dict[str, Any]]]:
    """The report's figures: what happened in the quarter and the fulfilment at its end."""
    desde, hasta = reportes.trimestre(anio, trimestre)
    seguimiento = vistas.leer("seguimiento", lambda conn, t: {
        "cumplimiento": reportes_matrices.cumplimiento(conn, t, corte, anio, "ie", hasta=hasta, ugel=ugel),
        "satisfaccion": reportes_matrices.satisfaccion(conn, t, corte, anio, "ugel", ugel=ugel),
        "calidad": reportes_matrices.desempeno_acompanantes(conn, t, corte, anio, ("semestre_1", "semestre_2"), ugel=ugel)})
    progreso = vistas.leer("progreso", lambda conn, t: {
        "valoraciones": reportes.valoraciones_del_periodo(conn, t, corte, desde, hasta, ugel=ugel)})
    resumen = [{"ugel": ugel, "anio": anio, "trimestre": trimestre, "desde": desde.isoformat(),
                "hasta": hasta.isoformat(), "ies": len(seguimiento["cumplimiento"]),
                "docentes": sum(f["docentes"] for f in seguimiento["cumplimiento"]),
                "visitas_realizadas": sum(f["visitas_realizado"] for f in seguimiento["cumplimiento"]),
                "valoraciones": sum(f["valoraciones"] for f in progreso["valoraciones"])}]
    return {"resumen": resumen, **progreso, **seguimiento}


def tramite(informe: InformeTrimestral | None) -> dict[str, list[dict[str, Any]]]:
    """Its sending, its acknowledgement and its corrective measures, as report sections."""
    if informe is None:
        return {"envio": [{"estado": "no_enviado"}], "medidas": []}
    enviado, recibido = informe.envio, informe.recepcion
    envio = {"estado": "recibido" if recibido else "enviado", "dre": informe.dre,
             "enviado_por": enviado.enviado_por, "enviado_el": enviado.fecha.isoformat(),
             "observaciones_ugel": enviado.observaciones, "recibido_por": recibido and recibido.recibido_por,
             "recibido_el": recibido and recibido.fecha.isoformat(),
             "observaciones_dre": recibido and recibido.observaciones}
    medidas = []
    for medida_id, m in informe.medidas.items():
        d, ultimo = m.medida, (m.seguimientos[-1] if m.seguimientos else None)
        medidas.append({"medida_id": medida_id, "sobre": d.sobre,
                        "ie": f"{d.codigo_modular}-{d.anexo}" if d.sobre == "ie" else None,
                        "acompanante_id": d.acompanante_id, "descripcion": d.descripcion,
                        "plazo": d.plazo.isoformat(), "dispuesta_el": d.fecha.isoformat(),
                        "dispuesta_por": d.dispuesta_por, "estado": m.estado, "seguimientos": len(m.seguimientos),
                        "ultimo_avance": ultimo and ultimo.avance,
                        "ultimo_seguimiento": ultimo and ultimo.fecha.isoformat()})
    return {"envio": [envio], "medidas": medidas}


def dre_de(vistas: Proyecciones, ugel: str) -> str:
    def consulta(conn: Any, t: Any) -> list[Any]:
        return list(conn.execute(select(t.planes.c.dre).where(t.planes.c.ugel == ugel).limit(1)))
    filas = vistas.leer("seguimiento", consulta)
    dre = filas[0].dre if filas else current_actor.get().dre
    if not dre:
        raise DomainError(f"No se sabe a qué DRE pertenece la UGEL {ugel}: aún no tiene planes registrados.")
    return dre


def ugel_de_la_ie(vistas: Proyecciones, codigo_modular: str | None, anexo: int) -> str | None:
    def consulta(conn: Any, t: Any) -> list[Any]:
        return list(conn.execute(select(t.planes.c.ugel).where(
            t.planes.c.codigo_modular == codigo_modular, t.planes.c.anexo == anexo).limit(1)))
    filas = vistas.leer("seguimiento", consulta)
    return filas[0].ugel if filas else None


@router.get("", tags=["reportes"], responses=TABLAS, summary="Informe trimestral de avance de una UGEL a su DRE",
            description="Lo ocurrido en el trimestre (por la fecha de cada hecho) y el cumplimiento acumulado a su "
                        "término, con lo registrado hasta el corte `al` (por defecto, ahora); y su trámite: si la UGEL "
                        "lo remitió y la DRE acusó recibo (`envio`) y las medidas correctivas con su estado (`medidas`).")
def get_informe(ugel: Ugel, anio: Annotated[int, Query(ge=2000, le=2100)],
                trimestre: Annotated[int, Query(ge=1, le=4)], app: EvaluacionApp, vistas: Vistas,
                al: Al = None, formato: Formato = "json", seccion: str | None = None) -> Any:
    corte = reportes.Corte.de(al)
    registrado = app.informe(ugel, anio, trimestre, corte.momento if al is not None else None)
    tablas = {**secciones(vistas, ugel, anio, trimestre, corte), **tramite(registrado)}
    nombres = vistas.territorios.nombres()
    return salida(tablas, corte, formato, f"informe-{ugel}-{anio}-T{trimestre}", seccion,
                  {"ugel": ugel, "anio": anio, "trimestre": trimestre},
                  f"Informe trimestral de avance de {nombres.de('ugel', ugel)}: {anio}, trimestre {trimestre}",
                  nombres=lambda: nombres)


@router.post("/envio", tags=TRAMITE, status_code=201, summary="La UGEL remite a su DRE el informe del trimestre",
             responses={200: {"model": Resultado, "description": "Ya registrado: no cambia nada"}},
             description="Guarda las cifras del informe tal como se remiten (NT-026 §6.3). Solo después de terminado "
                         "el trimestre; reenviarlo igual no registra nada.")
def post_envio(ugel: Ugel, body: EnvioIn, app: EvaluacionApp, vistas: Vistas) -> Resultado:
    def cifras() -> dict[str, Any]:
        [resumen] = secciones(vistas, ugel, body.anio, body.trimestre, reportes.Corte.de(None))["resumen"]
        return {k: resumen[k] for k in ("ies", "docentes", "visitas_realizadas", "valoraciones")}
    nuevo = app.enviar_informe(cmd.EnviarInforme(cmd.Trimestre(ugel, body.anio, body.trimestre), dre_de(vistas, ugel),
                                                 body.observaciones), cifras)
    return resultado(f"{ugel}/{body.anio}-T{body.trimestre}", nuevo)  # type: ignore[return-value]


@router.post("/recepcion", tags=TRAMITE, status_code=201, summary="La DRE acusa recibo del informe del trimestre",
             responses={200: {"model": Resultado, "description": "Ya registrado: no cambia nada"}})
def post_recepcion(ugel: Ugel, body: RecepcionIn, app: EvaluacionApp) -> Resultado:
    nuevo = app.acusar_recibo(cmd.AcusarRecibo(cmd.Trimestre(ugel, body.anio, body.trimestre), body.observaciones))
    return resultado(f"{ugel}/{body.anio}-T{body.trimestre}", nuevo)  # type: ignore[return-value]


@router.post("/medidas", tags=TRAMITE, status_code=201, responses={200: {"model": Resultado, "description": "Ya registrado: no cambia nada"}},
             summary="La UGEL dispone una medida correctiva sobre una IE o un acompañante",
             description="Con el informe del trimestre (ya remitido). La IE o el acompañante deben ser de la UGEL.")
def post_medida(ugel: Ugel, body: MedidaIn, app: EvaluacionApp, vistas: Vistas) -> Resultado:
    donde = (ugel_de_la_ie(vistas, body.codigo_modular, body.anexo) if body.sobre == "ie"
             else app.ugel_del_acompanante(str(body.acompanante_id)))
    medida = cmd.DisponerMedida(
        informe=cmd.Trimestre(ugel, body.anio, body.trimestre), medida_id=str(body.medida_id), sobre=body.sobre,
        descripcion=body.descripcion, plazo=body.plazo, codigo_modular=body.codigo_modular,
        anexo=body.anexo if body.sobre == "ie" else None,
        acompanante_id=str(body.acompanante_id) if body.acompanante_id else None)
    nuevo = app.disponer_medida(medida, donde)
    return resultado(str(body.medida_id), nuevo)  # type: ignore[return-value]


@router.post("/medidas/{medida_id}/seguimiento", tags=TRAMITE, status_code=201, responses={200: {"model": Resultado, "description": "Ya registrado: no cambia nada"}},
             summary="Seguimiento de una medida correctiva: en ejecución, cumplida o no cumplida")
def post_seguimiento(ugel: Ugel, medida_id: UUID, body: SeguimientoIn, app: EvaluacionApp) -> Resultado:
    nuevo = app.seguir_medida(cmd.SeguirMedida(cmd.Trimestre(ugel, body.anio, body.trimestre), str(medida_id),
                                               body.estado, body.avance,
                                               str(body.seguimiento_id) if body.seguimiento_id else None))
    return resultado(str(medida_id), nuevo)  # type: ignore[return-value]
