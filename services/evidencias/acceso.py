"""Who may read what evidencias holds about a docente (observations, commitments, attachments).

Evidence may show minors and is personal data of the docente (Ley 29733): it is never public.
The caller is the actor of the request's verified token (``shared.http``, ``shared.autenticacion``);
this module is the one place that decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from services.evidencias.projections import cartera, compromiso
from shared.autorizacion import ESPECIALISTAS as ESPECIALISTAS_TERRITORIALES
from shared.autorizacion import GESTION, NACIONALES, TODOS, Politica, Regla, Territorio
from shared.telemetry import Actor

if TYPE_CHECKING:
    from services.evidencias.application import Evidencias

ESPECIALISTAS = frozenset({"especialista_ugel", "especialista_dre", "minedu"})
SUPERVISION = ESPECIALISTAS | {"auditor"}


def puede_ver_docente(actor: Actor, docente_id: str, a_cargo: Iterable[str]) -> bool:
    """The docente himself, the acompañantes who hold him now, and supervision roles."""
    if actor.rol in SUPERVISION:
        return True
    if actor.rol == "docente":
        return actor.usuario == docente_id
    if actor.rol in ("acompanante", "directivo"):
        return actor.usuario in set(a_cargo)
    return False


def puede_ver_cartera(actor: Actor, acompanante_id: str | None) -> bool:
    """Lists across docentes (an acompañante's, an IE's, a UGEL's): supervision, or the acompañante's own."""
    return actor.rol in SUPERVISION or (acompanante_id is not None and actor.rol == "acompanante"
                                        and actor.usuario == acompanante_id)


def puede_corregir(actor: Actor) -> bool:
    """Specialists may correct a record they did not make (the correction names them)."""
    return actor.rol in ESPECIALISTAS


# --- the route policy (shared.autorizacion) ---------------------------------------------------------

FORMATIVO = frozenset({"minedu", "auditor", "especialista_dre", "especialista_ugel", "acompanante", "docente",
                       "directivo"})  # the directivo is named only to be told why not (purpose separation)
COACH = frozenset({"acompanante", "sistema"})
SUPERVISAN = NACIONALES | ESPECIALISTAS_TERRITORIALES

REGLAS = {
    "GET /v1/instrumentos": Regla(TODOS),
    "GET /v1/instrumentos/{codigo}/{version}": Regla(TODOS),
    "POST /v1/instrumentos": Regla(GESTION | {"minedu", "especialista_dre"}),  # the norm's instruments, regional ones
    "POST /v1/visitas/{visita_id}/observaciones": Regla(COACH, {"visita_id": "visita", "acompanante_id": "acompanante"}),
    "POST /v1/visitas/{visita_id}/observaciones/{observacion_id}/correcciones": Regla(
        COACH | ESPECIALISTAS_TERRITORIALES, {"visita_id": "visita"}),
    "POST /v1/visitas/{visita_id}/retroalimentacion": Regla(COACH, {"visita_id": "visita"}),
    "POST /v1/visitas/{visita_id}/compromisos": Regla(COACH, {"visita_id": "visita"}),
    "POST /v1/compromisos/{compromiso_id}/verificacion": Regla(COACH, {"compromiso_id": "compromiso"}),
    "POST /v1/compromisos/vencimientos": Regla(GESTION),
    "POST /v1/docentes/{docente_id}/necesidades": Regla(COACH, {"docente_id": "docente"}),
    "POST /v1/reuniones/{actividad_id}/acta": Regla(COACH | {"directivo"}, {"actividad_id": "reunion"}),
    "POST /v1/reuniones/{actividad_id}/acta/correcciones": Regla(COACH | {"directivo"} | ESPECIALISTAS_TERRITORIALES,
                                                                {"actividad_id": "reunion"}),
    "POST /v1/acompanantes/{acompanante_id}/sesiones-ejecucion": Regla(COACH, {"acompanante_id": "acompanante"}),
    "POST /v1/acompanantes/{acompanante_id}/autoevaluaciones": Regla(COACH, {"acompanante_id": "acompanante"}),
    "GET /v1/acompanantes/{acompanante_id}/sesiones-ejecucion": Regla(SUPERVISAN | {"acompanante"},
                                                                     {"acompanante_id": "acompanante"}),
    "GET /v1/acompanantes/{acompanante_id}/autoevaluaciones": Regla(SUPERVISAN | {"acompanante"},
                                                                   {"acompanante_id": "acompanante"}),
    "POST /v1/visitas/{visita_id}/adjuntos": Regla(COACH, {"visita_id": "visita"}),
    "POST /v1/reuniones/{actividad_id}/adjuntos": Regla(COACH | {"directivo"}, {"actividad_id": "reunion"}),
    "GET /v1/visitas/{visita_id}/adjuntos/{sha256}": Regla(FORMATIVO, {"visita_id": "visita"}, formativo=True),
    "GET /v1/reuniones/{actividad_id}/adjuntos/{sha256}": Regla(FORMATIVO, {"actividad_id": "reunion"}),
    "GET /v1/visitas/{visita_id}": Regla(FORMATIVO, {"visita_id": "visita"}, formativo=True),
    "GET /v1/reuniones/{actividad_id}": Regla(FORMATIVO, {"actividad_id": "reunion"}),
    "GET /v1/docentes/{docente_id}/observaciones": Regla(FORMATIVO, {"docente_id": "docente"}, formativo=True),
    "GET /v1/docentes/{docente_id}/compromisos": Regla(FORMATIVO, {"docente_id": "docente"}, formativo=True),
    "GET /v1/docentes/{docente_id}/preparacion": Regla(FORMATIVO, {"docente_id": "docente"}, formativo=True),
    "GET /v1/compromisos": Regla((FORMATIVO - {"docente"}) & (SUPERVISAN | {"acompanante", "directivo"}),
                                 filtros={"dre": "dre", "ugel": "ugel", "acompanante": "acompanante_id"},
                                 formativo=True),
}


def politica(app: Evidencias) -> Politica:
    proyecciones = app.proyecciones

    def del_docente(docente_id: str) -> Territorio | None:
        filas = proyecciones.filas(select(cartera).where(cartera.c.docente_id == docente_id).order_by(cartera.c.anio))
        if not filas:
            return None
        ultima = filas[-1]
        return Territorio(dre=ultima.dre, ugel=ultima.ugel, ie=f"{ultima.codigo_modular}-{ultima.anexo}",
                          acompanantes=frozenset(app.a_cargo_de(docente_id)), docentes=frozenset({docente_id}))

    def resolver(tipo: str, id_: str) -> Territorio | None:
        if tipo == "docente":
            return del_docente(id_)
        if tipo == "visita":
            registro = proyecciones.visita(id_)
            return del_docente(str(registro["visita"]["docente_id"])) if registro else None
        if tipo == "reunion":
            registro = proyecciones.reunion(id_)
            if registro is None:
                return None
            return Territorio.unir([t for d in registro["reunion"].get("docentes", [])
                                    if (t := del_docente(str(d))) is not None])
        if tipo == "compromiso":
            filas = proyecciones.filas(select(compromiso.c.docente_id).where(compromiso.c.compromiso_id == id_))
            return del_docente(str(filas[0].docente_id)) if filas else None
        if tipo == "acompanante":
            filas = proyecciones.filas(select(cartera.c.dre, cartera.c.ugel).distinct()
                                       .where(cartera.c.acompanante_id == id_))
            uno = frozenset({id_})
            return Territorio.unir([Territorio(dre=f.dre, ugel=f.ugel, acompanantes=uno) for f in filas]
                                   or [Territorio(acompanantes=uno)])
        raise ValueError(tipo)

    return Politica(REGLAS, resolver)
