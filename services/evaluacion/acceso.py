"""Who may call each route of evaluacion, and where its objects lie (``shared.autorizacion``).

A docente lies where his plans place him (IE, UGEL, DRE) and is held by the acompañante of his
active plan (reassignments included); an acompañante, in the UGELs where he holds docentes.
A docente's competency progress and his history come from coaching: formative, never shown to
whoever evaluates him for his career. A satisfaction survey measures the satisfaction of the docentes
acompañados and of the acompañantes (NT-026 §5.5.2): it is the respondent's own voice, so a docente
answers his own and an acompañante his own. The territory of a respondent holds only him, never the
acompañante who coaches him (who could otherwise answer, once and for good, for his caseload).

The directivo reads his school's reports (``ie``: his IE's rows only): the fulfilment of the coaching
plans and the distribution of the levels achieved at each etapa's close are management information of
his school. What the external acompañante observed, desempeño by desempeño (the evaluación matrix's
práctica), and each docente's own levels (``por=docente``, a docente's progress) are his formative
evidence: while purpose separation is on, they stay out of the directivo's reach (``por_docente``).
What he recorded himself as the observer of his school's internal plan (a docente's initial situation
and valuations) he reads (``solo_autor``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import or_, select

from services.evaluacion.projections import Proyecciones, _Base
from shared.autorizacion import (ESPECIALISTAS, EVALUAN_CARRERA, GESTION, NACIONALES, TODOS, Politica, Regla,
                                 Territorio)
from shared.telemetry import Actor

COACH = frozenset({"acompanante", "sistema"})
OBSERVAN = COACH | {"directivo"}  # the directivo values his docentes in his school's internal plan
SUPERVISAN = NACIONALES | ESPECIALISTAS
FORMATIVO = frozenset({"minedu", "auditor", "especialista_dre", "especialista_ugel", "acompanante", "docente",
                       "directivo"})  # the directivo only to be told why not
HISTORIA = frozenset({"minedu", "auditor", "especialista_dre", "especialista_ugel", "docente", "directivo"})
TERRITORIO = {"dre": "dre", "ugel": "ugel"}
DE_LA_IE = SUPERVISAN | {"directivo"}  # reports that make sense for one school: the directivo reads his IE's
TERRITORIO_IE = {**TERRITORIO, "ie": "ie"}
# what a report's filters name: a UGEL or school of another territory is not found (404), as its id would be
# anywhere else, rather than narrowed to an empty report (shared.autorizacion: query objects)
FILTRAN = {"dre": "dre", "ugel": "ugel", "ie": "ie"}
DOCENTE = {"docente_id": "docente"}
UGEL, DRE = frozenset({"especialista_ugel"}), frozenset({"especialista_dre"})

REGLAS = {
    "POST /v1/docentes/{docente_id}/situacion-inicial": Regla(OBSERVAN, DOCENTE),
    "POST /v1/docentes/{docente_id}/valoraciones": Regla(OBSERVAN, DOCENTE),
    "POST /v1/docentes/{docente_id}/cierres": Regla(COACH, DOCENTE),
    "POST /v1/docentes/{docente_id}/cierres/{anio}/correcciones": Regla(COACH | ESPECIALISTAS, DOCENTE),
    "POST /v1/acompanantes/{acompanante_id}/lote": Regla(OBSERVAN, {"acompanante_id": "acompanante"}),
    "GET /v1/metas": Regla(TODOS),  # the expected levels are the programme's norm, read by everyone
    "POST /v1/metas": Regla(frozenset({"especialista_dre", "minedu"})),  # README: "rol especialista_dre o minedu"
    "POST /v1/encuestas": Regla(frozenset({"docente", "acompanante", "sistema"}), {"persona_id": "persona"}),
    # NT-026 §5.5.3: collected by the Direcciones Responsables del AP (DIFODS, DEIB, DISER); README: specialists
    "POST /v1/acompanantes/{acompanante_id}/desempeno": Regla(ESPECIALISTAS | {"minedu"},
                                                             {"acompanante_id": "acompanante"}),
    "GET /v1/docentes/{docente_id}/progreso": Regla(FORMATIVO, DOCENTE, formativo=True),
    "GET /v1/docentes/{docente_id}/progreso.{formato}": Regla(FORMATIVO, DOCENTE, formativo=True),
    # formative: for the directivo of the docente's IE, what he recorded only (solo_autor, in the route)
    "GET /v1/docentes/{docente_id}/valoraciones": Regla(FORMATIVO, DOCENTE),
    "GET /v1/resultados-etapa": Regla(DE_LA_IE, FILTRAN, filtros=TERRITORIO_IE),
    "GET /v1/resultados-etapa.{formato}": Regla(DE_LA_IE, FILTRAN, filtros=TERRITORIO_IE),
    "GET /v1/seguimiento": Regla(DE_LA_IE, FILTRAN, filtros=TERRITORIO_IE),
    # the práctica: each desempeño's levels as the external acompañante observed them (formative evidence)
    "GET /v1/evaluacion": Regla(SUPERVISAN, FILTRAN, filtros=TERRITORIO),
    "GET /v1/informes-trimestrales/{ugel}": Regla(SUPERVISAN, {"ugel": "ugel"}),
    # NT-026 §6.3: the UGEL remits its quarterly report and disposes corrective measures; §6.2: its DRE supervises
    "POST /v1/informes-trimestrales/{ugel}/envio": Regla(UGEL, {"ugel": "ugel"}),
    "POST /v1/informes-trimestrales/{ugel}/recepcion": Regla(DRE, {"ugel": "ugel"}),
    "POST /v1/informes-trimestrales/{ugel}/medidas": Regla(UGEL, {"ugel": "ugel"}),
    "POST /v1/informes-trimestrales/{ugel}/medidas/{medida_id}/seguimiento": Regla(UGEL, {"ugel": "ugel"}),
    "GET /v1/docentes/{docente_id}/historia": Regla(HISTORIA, DOCENTE, formativo=True, lectura_propia=True),
    "POST /v1/docentes/{docente_id}/historia.pdf": Regla(HISTORIA, DOCENTE, formativo=True, lectura_propia=True),
    "GET /v1/docentes/{docente_id}/accesos": Regla(frozenset({"auditor", "docente"}), DOCENTE),
    "GET /v1/auditoria/cadenas": Regla(frozenset({"auditor", "administrador", "minedu"})),
    "GET /v1/docentes/{docente_id}/visitas": Regla(TODOS, DOCENTE),
    "GET /v1/visitas-por-docente": Regla(SUPERVISAN, FILTRAN, filtros=TERRITORIO),
    "GET /v1/proyecciones": Regla(GESTION | {"minedu"}),
    "POST /v1/proyecciones/{nombre}/reconstruccion": Regla(frozenset({"administrador", "minedu"})),
}


def por_docente(actor: Actor, separacion: bool) -> str | None:
    """Why a report by docente (each docente's levels at the close, from his external acompañante) is
    refused to whoever evaluates him for his career while purpose separation is on, or None."""
    if separacion and actor.rol in EVALUAN_CARRERA:
        return ("Los niveles de cada docente son evidencia formativa del acompañamiento: no se muestran a "
                "quien lo evalúa para su carrera; pida el reporte por IE.")
    return None


def solo_autor(actor: Actor, separacion: bool) -> str | None:
    """Purpose separation in a docente's records: whoever evaluates him for his career reads there only what
    he recorded himself (internal modality); his id to keep them by, or None for every record."""
    return actor.usuario if separacion and actor.rol in EVALUAN_CARRERA else None


def politica(proyecciones: Proyecciones) -> Politica:
    def planes(**filtro: str) -> list[dict[str, Any]]:
        def consulta(conn: Any, t: Any) -> list[dict[str, Any]]:
            return list(_Base.planes_al(conn, t, "9999-12-31", **filtro).values())
        return proyecciones.leer("seguimiento", consulta)

    def del_docente(docente_id: str) -> Territorio | None:
        suyos = planes(docente_id=docente_id)
        if not suyos:
            return None
        ultimo = max(suyos, key=lambda p: p["anio"])
        return Territorio(dre=ultimo["dre"], ugel=ultimo["ugel"], ie=f"{ultimo['codigo_modular']}-{ultimo['anexo']}",
                          acompanantes=frozenset(p["acompanante_id"] for p in suyos if p["activo"]),
                          docentes=frozenset({docente_id}))

    def del_acompanante(acompanante_id: str) -> Territorio:
        def consulta(conn: Any, t: Any) -> set[tuple[str, str]]:
            # his plans: those agenda gave him, and those it reassigned to him later (planes_cambios)
            reasignados = select(t.planes_cambios.c.plan_id).where(t.planes_cambios.c.tipo == "reasignado",
                                                                    t.planes_cambios.c.acompanante_id == acompanante_id)
            return set(conn.execute(select(t.planes.c.dre, t.planes.c.ugel).where(or_(
                t.planes.c.acompanante_id == acompanante_id, t.planes.c.plan_id.in_(reasignados)))).tuples())
        uno = frozenset({acompanante_id})
        lugares = proyecciones.leer("seguimiento", consulta)
        return Territorio.unir([Territorio(dre=d, ugel=u, acompanantes=uno) for d, u in sorted(lugares)]
                               or [Territorio(acompanantes=uno)])

    def resolver(tipo: str, id_: str) -> Territorio | None:
        if tipo == "docente":
            return del_docente(id_)
        if tipo == "acompanante":
            return del_acompanante(id_)
        if tipo == "persona":  # who answers a survey: a docente or an acompañante, himself only
            docente = del_docente(id_)
            return replace(docente, acompanantes=frozenset()) if docente else del_acompanante(id_)
        if tipo == "ugel":
            def consulta(conn: Any, t: Any) -> list[Any]:
                return list(conn.execute(select(t.planes.c.dre).where(t.planes.c.ugel == id_).limit(1)))
            filas = proyecciones.leer("seguimiento", consulta)
            return Territorio(dre=filas[0].dre if filas else None, ugel=id_)
        if tipo == "dre":
            return Territorio(dre=id_)
        if tipo == "ie":  # "codigo_modular-anexo": where its docentes' plans place it
            codigo_modular, _, anexo = id_.partition("-")
            if not anexo.isdigit():
                return None

            def en_la_ie(conn: Any, t: Any) -> list[Any]:
                return list(conn.execute(select(t.planes.c.dre, t.planes.c.ugel).distinct().where(
                    t.planes.c.codigo_modular == codigo_modular, t.planes.c.anexo == int(anexo))))
            return Territorio.unir([Territorio(dre=f.dre, ugel=f.ugel, ie=id_)
                                    for f in proyecciones.leer("seguimiento", en_la_ie)])
        raise ValueError(tipo)

    return Politica(REGLAS, resolver)
