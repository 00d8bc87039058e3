"""focalizacion's HTTP API for the names of persons, read per request by whoever may see them.

The web application (``services/web``) shows facts as sentences with names ("visita realizada a María
Quispe en la IEI N°246 por Rosa Mamani"); names are personal data (Ley 29733) kept only here. These
routes answer them for one docente or one acompañante's caseload, under the same rules as the rest of
the service (``acceso.REGLAS``): a docente reads his own name and his acompañante's, an acompañante his
caseload's, the supervision its territory's. A cancelled person's fields answer ``[dato suprimido]``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from sqlalchemy import select

from services.focalizacion.application import Focalizacion
from services.focalizacion.projections import acompanante, asignacion, docente, ie
from shared.eventstore import NotFound


def _persona(datos: dict[str, Any] | None) -> dict[str, Any] | None:
    if datos is None:
        return None
    return {"nombres": datos.get("nombres"), "apellidos": datos.get("apellidos")}


def _aula(datos: dict[str, Any]) -> dict[str, Any]:
    """What he teaches, when the padrón says it (optional columns GRADO_SECCION, AREA_CURRICULAR)."""
    return {"grado_seccion": datos.get("grado_seccion"), "area_curricular": datos.get("area_curricular")}


def router(app: Focalizacion) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["personas"])
    proyecciones = app.proyecciones

    def escuela(codigo_modular: str, anexo: int) -> dict[str, Any]:
        filas = proyecciones.filas(select(ie.c.datos).where(
            (ie.c.codigo_modular == codigo_modular) & (ie.c.anexo == anexo)).limit(1))
        nombre = filas[0].datos.get("nombre") if filas else None
        return {"codigo_modular": codigo_modular, "anexo": anexo, "nombre": nombre}

    def acompanante_de(docente_id: str) -> str | None:
        filas = proyecciones.filas(select(asignacion.c.acompanante_id).where(asignacion.c.docente_id == docente_id)
                                   .order_by(asignacion.c.convocatoria.desc()).limit(1))
        return filas[0].acompanante_id if filas else None

    @r.get("/docentes/{docente_id}/persona", summary="Nombre del docente, su IE y su acompañante actual",
           responses={404: {"description": "No existe o no está en su ámbito"}})
    def persona_docente(docente_id: UUID) -> dict[str, Any]:
        datos = proyecciones.registro(docente, str(docente_id))
        if datos is None:
            raise NotFound(f"No existe el docente {docente_id}.")
        aco = acompanante_de(str(docente_id))
        return {"docente_id": str(docente_id), **(_persona(datos) or {}), "nivel": datos.get("nivel"), **_aula(datos),
                "ie": escuela(datos["codigo_modular"], datos["anexo"]),
                "acompanante": None if aco is None else {
                    "acompanante_id": aco, **(_persona(proyecciones.registro(acompanante, aco)) or {})}}

    @r.get("/acompanantes/{acompanante_id}/persona", summary="Nombre de un acompañante",
           responses={404: {"description": "No existe o no está en su ámbito"}})
    def persona_acompanante(acompanante_id: UUID) -> dict[str, Any]:
        datos = proyecciones.registro(acompanante, str(acompanante_id))
        if datos is None:
            raise NotFound(f"No existe el acompañante {acompanante_id}.")
        return {"acompanante_id": str(acompanante_id), **(_persona(datos) or {}), "ugel": datos.get("ugel")}

    @r.get("/acompanantes/{acompanante_id}/cartera", summary="Los docentes que tiene hoy el acompañante, con sus "
           "nombres y escuelas", responses={404: {"description": "No existe o no está en su ámbito"}})
    def cartera(acompanante_id: UUID) -> dict[str, Any]:
        if proyecciones.registro(acompanante, str(acompanante_id)) is None:
            raise NotFound(f"No existe el acompañante {acompanante_id}.")
        filas = proyecciones.filas(select(asignacion.c.docente_id, asignacion.c.datos, docente.c.datos.label("d"))
                                   .join(docente, docente.c.id == asignacion.c.docente_id)
                                   .where(asignacion.c.acompanante_id == str(acompanante_id)))
        escuelas: dict[tuple[str, int], dict[str, Any]] = {}
        docentes = []
        for f in filas:
            clave = (f.datos["codigo_modular"], f.datos["anexo"])
            if clave not in escuelas:
                escuelas[clave] = {**escuela(*clave), "tipo": f.datos.get("tipo"), "nivel": f.datos.get("nivel")}
            docentes.append({"docente_id": f.docente_id, **(_persona(f.d) or {}), **_aula(f.d),
                             "codigo_modular": clave[0], "anexo": clave[1]})
        docentes.sort(key=lambda d: (str(d["apellidos"]), str(d["nombres"])))
        return {"acompanante_id": str(acompanante_id), "escuelas": sorted(escuelas.values(), key=lambda e: str(e["nombre"])),
                "docentes": docentes}

    return r
