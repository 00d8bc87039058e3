"""A docente's commitments over HTTP (NT-026 §5.2.6 b): taken in a visit and bound to an observed desempeño,
verified in a later visit, due when their date passes unverified; listed per docente, acompañante, IE or UGEL."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from services.evidencias.api import registro as r
from services.evidencias.api.comun import Id, registrado, visitas_propias
from services.evidencias.api.dependencias import EvidenciasApp, Vistas
from shared.http.dependencias import PoliticaDeAcceso

router = APIRouter(prefix="/v1", tags=["evidencias"])
Estado = Literal["abiertos", "vencidos", "pendientes", "verificados"]


@router.post("/visitas/{visita_id}/compromisos", status_code=201,
             summary="Registrar un compromiso asumido por el docente")
def comprometer(visita_id: Id, entrada: r.CompromisoIn, app: EvidenciasApp) -> dict[str, Any]:
    id_, nuevo = r.compromiso(app, entrada, visita_id)
    return registrado(id_, nuevo, compromiso_id=id_)  # type: ignore[return-value]


@router.post("/compromisos/{compromiso_id}/verificacion", status_code=201,
             summary="Verificar un compromiso en una visita posterior")
def verificar(compromiso_id: Id, entrada: r.VerificacionIn, app: EvidenciasApp) -> dict[str, Any]:
    return registrado(*r.verificacion(app, entrada, compromiso_id))  # type: ignore[return-value]


@router.post("/compromisos/vencimientos", tags=["operación"],
             summary="Registrar ya los compromisos vencidos a la fecha")
def vencer(app: EvidenciasApp) -> dict[str, int]:
    return {"vencidos": app.vencer_compromisos()}


@router.get("/docentes/{docente_id}/compromisos", summary="Los compromisos del docente (de todas las etapas)",
            description="El directivo ve solo los asumidos en las visitas que él hizo (modalidad interna), "
                        "mientras rija la separación de finalidad.")
def compromisos_docente(docente_id: Id, app: EvidenciasApp, vistas: Vistas, politica: PoliticaDeAcceso,
                        estado: Estado | None = None) -> list[dict[str, Any]]:
    propias = visitas_propias(vistas, politica, docente_id)
    lista = vistas.compromisos(hoy=app.reloj(), docente_id=str(docente_id), estado=estado)
    return [c for c in lista if propias is None or c.get("visita_id") in propias]


@router.get("/compromisos", summary="Compromisos abiertos y vencidos por acompañante, IE o UGEL")
def compromisos(app: EvidenciasApp, vistas: Vistas, acompanante_id: UUID | None = None,
                codigo_modular: Annotated[str | None, Query(pattern=r"^\d{7}$")] = None,
                anexo: Annotated[int, Query(ge=0, le=9)] = 0,
                ugel: str | None = None, dre: str | None = None, estado: Estado = "pendientes") -> dict[str, Any]:
    hoy = app.reloj()
    lista = vistas.compromisos(hoy=hoy, acompanante_id=str(acompanante_id) if acompanante_id else None, ugel=ugel,
                               dre=dre, estado=estado, ie=(codigo_modular, anexo) if codigo_modular else None)
    resumen = {"abiertos": sum(c["estado"] == "abierto" for c in lista),
               "vencidos": sum(c["estado"] == "vencido" for c in lista),
               "verificados": sum(c["estado"] == "verificado" for c in lista)}
    return {"al": hoy.isoformat(), "resumen": resumen, "compromisos": lista}
