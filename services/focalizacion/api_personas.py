"""focalizacion's HTTP API for the names of persons, read per request by whoever may see them.

The web application (``services/web``) shows facts as sentences with names ("visita realizada a María
Quispe en la IEI N°246 por Rosa Mamani"); names are personal data (Ley 29733) kept only here. These
routes answer them for one docente or one acompañante's caseload, under the same rules as the rest of
the service (``acceso.REGLAS``): a docente reads his own name and his acompañante's, an acompañante his
caseload's, the supervision its territory's. A cancelled person's fields answer ``[dato suprimido]``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from sqlalchemy import select

from services.focalizacion.dependencias import FocalizacionApp
from services.focalizacion.domainmodel import ie_id
from services.focalizacion.projections import Proyecciones
from services.focalizacion.tablas import acompanante, asignacion, convocatoria, docente, ie


def _persona(datos: dict[str, Any] | None) -> dict[str, Any] | None:
    if datos is None:
        return None
    return {"nombres": datos.get("nombres"), "apellidos": datos.get("apellidos")}


def _aula(datos: dict[str, Any]) -> dict[str, Any]:
    """What he teaches, when the padrón says it (optional columns GRADO_SECCION, AREA_CURRICULAR)."""
    return {"grado_seccion": datos.get("grado_seccion"), "area_curricular": datos.get("area_curricular")}


router = APIRouter(prefix="/v1", tags=["personas"])


def escuelas(vistas: Proyecciones, claves: set[tuple[str, int]]) -> dict[tuple[str, int], dict[str, Any]]:
    """The schools' names, in one query (by the school's id, ``domainmodel.ie_id``)."""
    ids = {str(ie_id(*clave)): clave for clave in claves}
    nombres = {ids[f.id]: f.datos.get("nombre") for f in vistas.filas(
        select(ie.c.id, ie.c.datos).where(ie.c.id.in_(list(ids))))} if ids else {}
    return {c: {"codigo_modular": c[0], "anexo": c[1], "nombre": nombres.get(c)} for c in claves}


def vigente(vistas: Proyecciones, codigos: set[str]) -> str | None:
    """Of ``codigos``, the convocatoria in force this year (the latest begun, if several); none in
    force, the latest that has begun: between two convocatorias a caseload is the last one's."""
    anio = date.today().year
    filas = vistas.filas(select(convocatoria.c.codigo, convocatoria.c.datos)
                         .where(convocatoria.c.codigo.in_(list(codigos)))) if codigos else []

    def orden(f: Any) -> tuple[bool, bool, int, int, str]:
        inicio, fin = f.datos["anio_inicio"], f.datos["anio_fin"]
        return inicio <= anio <= fin, inicio <= anio, inicio, fin, f.codigo
    return max(filas, key=orden).codigo if filas else None


def acompanante_de(vistas: Proyecciones, docente_id: str) -> str | None:
    filas = vistas.filas(select(asignacion.c.convocatoria, asignacion.c.acompanante_id)
                         .where(asignacion.c.docente_id == docente_id))
    elegida = vigente(vistas, {f.convocatoria for f in filas})
    return next((f.acompanante_id for f in filas if f.convocatoria == elegida), None)


@router.get("/docentes/{docente_id}/persona", summary="Nombre del docente, su IE y su acompañante actual",
            responses={404: {"description": "No existe o no está en su ámbito"}})
def persona_docente(docente_id: UUID, app: FocalizacionApp) -> dict[str, Any]:
    vistas = app.proyecciones
    datos = app.registro_existente(docente, docente_id, "docente")
    aco = acompanante_de(vistas, str(docente_id))
    clave = (datos["codigo_modular"], datos["anexo"])
    return {"docente_id": str(docente_id), **(_persona(datos) or {}), "nivel": datos.get("nivel"), **_aula(datos),
            "ie": escuelas(vistas, {clave})[clave],
            "acompanante": None if aco is None else {
                "acompanante_id": aco, **(_persona(vistas.registro(acompanante, aco)) or {})}}


@router.get("/acompanantes/{acompanante_id}/persona", summary="Nombre de un acompañante",
            responses={404: {"description": "No existe o no está en su ámbito"}})
def persona_acompanante(acompanante_id: UUID, app: FocalizacionApp) -> dict[str, Any]:
    datos = app.registro_existente(acompanante, acompanante_id, "acompañante")
    return {"acompanante_id": str(acompanante_id), **(_persona(datos) or {}), "ugel": datos.get("ugel")}


@router.get("/acompanantes/{acompanante_id}/cartera", summary="Los docentes que tiene hoy el acompañante, con sus "
            "nombres y escuelas", description="Los de la convocatoria vigente este año (si ninguna lo está, los de "
            "la última que empezó).", responses={404: {"description": "No existe o no está en su ámbito"}})
def cartera(acompanante_id: UUID, app: FocalizacionApp) -> dict[str, Any]:
    vistas = app.proyecciones
    app.registro_existente(acompanante, acompanante_id, "acompañante")
    suyas = asignacion.c.acompanante_id == str(acompanante_id)
    elegida = vigente(vistas, {f.convocatoria for f in vistas.filas(
        select(asignacion.c.convocatoria).distinct().where(suyas))})
    filas = vistas.filas(select(asignacion.c.docente_id, asignacion.c.datos, docente.c.datos.label("d"))
                         .join(docente, docente.c.id == asignacion.c.docente_id)
                         .where(suyas, asignacion.c.convocatoria == elegida))
    nombres = escuelas(vistas, {(f.datos["codigo_modular"], f.datos["anexo"]) for f in filas})
    claros = vistas.claros(docente, [(f.docente_id, f.d) for f in filas])  # only these rows' names decrypted
    escuelas_: dict[tuple[str, int], dict[str, Any]] = {}
    docentes = []
    for f in filas:
        clave = (f.datos["codigo_modular"], f.datos["anexo"])
        escuelas_.setdefault(clave, {**nombres[clave], "tipo": f.datos.get("tipo"), "nivel": f.datos.get("nivel")})
        d = claros[f.docente_id]
        docentes.append({"docente_id": f.docente_id, **(_persona(d) or {}), **_aula(d),
                         "codigo_modular": clave[0], "anexo": clave[1]})
    docentes.sort(key=lambda d: (str(d["apellidos"]), str(d["nombres"])))
    return {"acompanante_id": str(acompanante_id),
            "escuelas": sorted(escuelas_.values(), key=lambda e: str(e["nombre"])), "docentes": docentes}
