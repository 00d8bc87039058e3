"""A realized visit's record over HTTP (NT-026 §5.2.6 a–b): its observation with an instrument, the observation's
corrections, the feedback given; the whole record of a visit, a docente's observations over time, his training
needs and what his acompañante reviews before the next visit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.evidencias.api import registro as r
from services.evidencias.api.comun import Id, registrado, visitas_propias
from services.evidencias.api.dependencias import EvidenciasApp, Vistas
from shared.eventstore import NotFound
from shared.http.dependencias import PoliticaDeAcceso

router = APIRouter(prefix="/v1", tags=["evidencias"])


@router.post("/visitas/{visita_id}/observaciones", status_code=201, summary="Registrar la observación de una visita")
def observar(visita_id: Id, entrada: r.ObservacionIn, app: EvidenciasApp) -> dict[str, Any]:
    id_, nuevo = r.observacion(app, entrada, visita_id)
    return registrado(id_, nuevo, observacion_id=id_)  # type: ignore[return-value]


@router.post("/visitas/{visita_id}/observaciones/{observacion_id}/correcciones", status_code=201,
             summary="Corregir una observación (queda la original en la historia)")
def corregir(visita_id: Id, observacion_id: Id, entrada: r.CorreccionIn, app: EvidenciasApp) -> dict[str, Any]:
    return registrado(*r.correccion(app, entrada, visita_id, observacion_id))  # type: ignore[return-value]


@router.post("/visitas/{visita_id}/retroalimentacion", status_code=201,
             summary="Registrar la retroalimentación brindada")
def retroalimentar(visita_id: Id, entrada: r.RetroalimentacionIn, app: EvidenciasApp) -> dict[str, Any]:
    return registrado(*r.retroalimentacion(app, entrada, visita_id))  # type: ignore[return-value]


@router.post("/docentes/{docente_id}/necesidades", status_code=201,
             summary="Registrar una necesidad formativa del docente")
def necesidad(docente_id: Id, entrada: r.NecesidadIn, app: EvidenciasApp) -> dict[str, Any]:
    return registrado(*r.necesidad(app, entrada, docente_id))  # type: ignore[return-value]


@router.get("/visitas/{visita_id}", summary="El registro completo de una visita")
def visita(visita_id: Id, app: EvidenciasApp, vistas: Vistas) -> dict[str, Any]:
    registro = vistas.visita(str(visita_id))
    if registro is None:
        raise NotFound(f"No consta la visita {visita_id}.")
    asumidos, verificados = (vistas.compromisos_de_visita(registro[k], app.reloj())
                             for k in ("compromisos_asumidos", "compromisos_verificados"))
    return {**registro, "compromisos_asumidos": asumidos, "compromisos_verificados": verificados}


@router.get("/docentes/{docente_id}/observaciones",
            summary="Las observaciones del docente en el tiempo, por desempeño",
            description="El directivo ve solo las de las visitas que él hizo (modalidad interna), mientras "
                        "rija la separación de finalidad.")
def observaciones(docente_id: Id, vistas: Vistas, politica: PoliticaDeAcceso,
                  desempeno: str | None = None) -> dict[str, list[dict[str, Any]]]:
    propias = visitas_propias(vistas, politica, docente_id)
    serie: dict[str, list[dict[str, Any]]] = {}
    for v in vistas.valoraciones(str(docente_id), desempeno):
        if propias is None or v["visita_id"] in propias:
            serie.setdefault(v.pop("canonico"), []).append({**v, "fecha": v["fecha"].isoformat()})
    return serie


@router.get("/docentes/{docente_id}/preparacion", summary="Lo que el acompañante revisa antes de la próxima visita")
def preparacion(docente_id: Id, app: EvidenciasApp, vistas: Vistas) -> dict[str, Any]:
    d = str(docente_id)
    ultimos: dict[str, dict[str, Any]] = {}
    for v in vistas.valoraciones(d):
        ultimos[v["canonico"]] = {"nivel": v["nivel"], "fecha": v["fecha"].isoformat(), "visita_id": v["visita_id"],
                                  "competencia": v["competencia"]}
    return {"compromisos_pendientes": vistas.compromisos(hoy=app.reloj(), docente_id=d, estado="pendientes"),
            "ultimos_niveles": ultimos, "necesidades_formativas": vistas.necesidades(d)}
