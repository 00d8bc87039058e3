"""Who may call each route of focalizacion, and where its objects lie (``shared.autorizacion``).

The padrón, the rules, the calls and the focalization decisions are about schools, not persons:
every role reads them. A docente lies where he is assigned (or, unassigned, at his IE); an
acompañante in his UGEL. Assigning and withdrawing are UGEL work; the ministry's processes are
run by its administrators.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.focalizacion.projections import Proyecciones
from services.focalizacion.tablas import acompanante, asignacion, docente, ie
from shared.autorizacion import ESPECIALISTAS, GESTION, NACIONALES, TODOS, Politica, Regla, Territorio

UGEL = GESTION | {"especialista_ugel"}
REGIONAL = GESTION | {"especialista_dre"}
ACOMPANANTE = {"acompanante_id": "acompanante"}

REGLAS = {
    "POST /v1/padron/ies": Regla(GESTION),
    "POST /v1/padron/docentes": Regla(GESTION),
    "POST /v1/padron/acompanantes": Regla(GESTION),
    "GET /v1/reglas": Regla(TODOS),
    # a DRE publishes rules for its own programme only (ámbito: its DRE); national rules are the ministry's
    # and a code keeps its ámbito: a DRE cannot put a version of the nation's (or another DRE's) rules in force
    "POST /v1/reglas": Regla(REGIONAL, {"ambito": "ambito", "codigo": "reglas"}),
    # the names of the territories a caller sees: a specialist's DRE or UGEL, a directivo's IE's; coaches and
    # docentes, whose territory is persons, not a DRE or UGEL, are refused (403)
    "GET /v1/territorios": Regla(TODOS - {"acompanante", "docente"},
                                 filtros={"dre": "dre", "ugel": "ugel", "ie": "ie"}),
    "GET /v1/convocatorias": Regla(TODOS),
    "POST /v1/convocatorias": Regla(REGIONAL),
    "POST /v1/convocatorias/{convocatoria}/focalizacion": Regla(GESTION),
    "GET /v1/convocatorias/{convocatoria}/decisiones": Regla(TODOS),
    "GET /v1/convocatorias/{convocatoria}/focalizadas": Regla(TODOS),
    "GET /v1/convocatorias/{convocatoria}/ies/{codigo_modular}/{anexo}": Regla(TODOS),
    "POST /v1/convocatorias/{convocatoria}/asignacion": Regla(GESTION),
    "POST /v1/convocatorias/{convocatoria}/asignaciones": Regla(UGEL, {"docente_id": "docente", **ACOMPANANTE}),
    "POST /v1/convocatorias/{convocatoria}/reasignaciones": Regla(UGEL, {"docente_id": "docente",
                                                                         "a_acompanante_id": "acompanante"}),
    "POST /v1/convocatorias/{convocatoria}/docentes/{docente_id}/retiro": Regla(UGEL, {"docente_id": "docente"}),
    "POST /v1/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/incorporacion": Regla(UGEL, ACOMPANANTE),
    "POST /v1/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/retiro": Regla(UGEL, ACOMPANANTE),
    "POST /v1/convocatorias/{convocatoria}/acompanantes/{acompanante_id}/excepciones": Regla(UGEL, ACOMPANANTE),
    "GET /v1/convocatorias/{convocatoria}/carteras": Regla(NACIONALES | ESPECIALISTAS, filtros={"ugel": "ugel"}),
    "GET /v1/docentes/{docente_id}/asignacion": Regla(TODOS, {"docente_id": "docente"}),
    # names, per request (services/web): the docente his own and his coach's; the coach his caseload's
    "GET /v1/docentes/{docente_id}/persona": Regla(TODOS, {"docente_id": "docente"}),
    "GET /v1/acompanantes/{acompanante_id}/persona": Regla(TODOS - {"docente"}, ACOMPANANTE),
    "GET /v1/acompanantes/{acompanante_id}/cartera": Regla(NACIONALES | ESPECIALISTAS | {"acompanante"}, ACOMPANANTE),
    "POST /v1/docentes/{docente_id}/cancelacion-datos": Regla(frozenset({"administrador"}), {"docente_id": "docente"}),
}


def politica(proyecciones: Proyecciones) -> Politica:

    def una(consulta: Any) -> Any:
        filas = proyecciones.filas(consulta.limit(1))
        return filas[0] if filas else None

    def resolver(tipo: str, id_: str) -> Territorio | None:
        if tipo == "docente":
            suyas = proyecciones.filas(select(asignacion.c.dre, asignacion.c.ugel, asignacion.c.acompanante_id,
                                              asignacion.c.datos).where(asignacion.c.docente_id == id_))
            lugares = [Territorio(dre=a.dre, ugel=a.ugel, ie=_ie(a.datos), acompanantes=frozenset({a.acompanante_id}),
                                  docentes=frozenset({id_})) for a in suyas]
            if lugares:
                return Territorio.unir(lugares)
            escuela = una(select(ie).join(docente, docente.c.ie_id == ie.c.id).where(docente.c.id == id_))
            return None if escuela is None else Territorio(
                dre=escuela.dre, ugel=escuela.ugel, ie=f"{escuela.codigo_modular}-{escuela.anexo}",
                docentes=frozenset({id_}))
        if tipo == "acompanante":
            fila = una(select(acompanante.c.ugel, ie.c.dre).outerjoin(ie, ie.c.ugel == acompanante.c.ugel)
                       .where(acompanante.c.id == id_))
            uno = frozenset({id_})
            if fila is None:
                return Territorio(acompanantes=uno)
            return Territorio(dre=fila.dre, ugel=fila.ugel, acompanantes=uno)  # no IE of his UGEL yet: no DRE
        if tipo == "ambito":  # a rule set's: "nacional" lies in no territory (only a national role), or a DRE
            return _del_ambito(id_)
        if tipo == "reglas":  # a published code lies in its ámbito (every version keeps the first one's)
            ambitos = [r.get("ambito", "nacional") for r in proyecciones.reglas_publicadas() if r["codigo"] == id_]
            return _del_ambito(ambitos[0]) if ambitos else None
        raise ValueError(tipo)

    return Politica(REGLAS, resolver)


def _ie(asignacion: dict[str, Any]) -> str | None:
    if "codigo_modular" not in asignacion:
        return None
    return f"{asignacion['codigo_modular']}-{asignacion.get('anexo', 0)}"


def _del_ambito(ambito: str) -> Territorio:
    return Territorio() if ambito == "nacional" else Territorio(dre=ambito)
