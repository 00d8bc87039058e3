"""Who may call each route of agenda, and where its objects lie (``shared.autorizacion``).

A docente's plan places him: his IE, UGEL and DRE and the acompañante who holds him, year by year.
An activity lies where it is held, with its acompañante and its docentes. A school's own plan lies
in its IE, led by its directivo: in the internal modality (NT-026 §5.2.1) the directivo is the
observer, with an agenda of his own under the same rules as an acompañante's; he schedules and
records the visits and the RTC he leads there, and reads his school's plans and fulfilment.
"""

from __future__ import annotations

from threading import Lock
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache
from eventsourcing.utils import get_topic
from sqlalchemy import select, union

from services.agenda import domainmodel as dm
from services.agenda.tablas import docente_ie, plan, plan_ie
from shared.autorizacion import ESPECIALISTAS, GESTION, NACIONALES, TODOS, Politica, Regla, Territorio

if TYPE_CHECKING:
    from services.agenda.application import Agenda

SUPERVISAN = NACIONALES | ESPECIALISTAS
COACH = frozenset({"acompanante", "sistema"})
OBSERVAN = COACH | {"directivo"}  # the acompañante, and the directivo in his school's internal plan
TERRITORIO = {"dre": "dre", "ugel": "ugel", "acompanante": "acompanante_id", "ie": "ie"}
# what a list's filters name: a UGEL, school or acompañante of another territory is not found (404), as its id
# would be anywhere else, rather than narrowed to an empty list (shared.autorizacion: query objects)
FILTRAN = {"dre": "dre", "ugel": "ugel", "ie": "institucion", "acompanante_id": "acompanante"}
ELABORAN = GESTION | {"directivo", "especialista_ugel"}  # a school's plan: its directivo, or his UGEL
LEEN_IE = SUPERVISAN | {"directivo"}
PLAN_IE = {"plan_ie_id": "plan_ie"}
IMPRIMEN = LEEN_IE - {"auditor", "minedu"}  # a POST that prints with names: never a read-only national role

REGLAS = {
    "GET /v1/protocolos": Regla(TODOS),
    # a UGEL or DRE publishes its own version for its territory (its UGELs, its schools): the body's ámbito,
    # which a territorial caller must name (the route refuses it missing: the default is the nation)
    "POST /v1/protocolos": Regla(GESTION | ESPECIALISTAS, {"ambito": "ambito"}),
    "GET /v1/planes": Regla(SUPERVISAN | {"acompanante", "directivo"}, FILTRAN, filtros=TERRITORIO),
    "GET /v1/planes.csv": Regla(LEEN_IE, FILTRAN, filtros={"dre": "dre", "ugel": "ugel",
                                                              "ie": "ie"}),
    "GET /v1/docentes/{docente_id}/planes": Regla(TODOS, {"docente_id": "docente"}),
    "POST /v1/planes/generacion": Regla(GESTION),
    "PUT /v1/instituciones/{codigo_modular}/{anexo}/directivo": Regla(GESTION | ESPECIALISTAS, {"codigo_modular": "ie"}),
    "POST /v1/instituciones/{ie}/protocolos": Regla(ELABORAN, {"ie": "institucion"}),
    "POST /v1/instituciones/{ie}/planes-monitoreo": Regla(ELABORAN, {"ie": "institucion"}),
    "GET /v1/instituciones/{ie}/planes-monitoreo": Regla(LEEN_IE, {"ie": "institucion"}),
    "GET /v1/instituciones/{ie}/docentes": Regla(LEEN_IE, {"ie": "institucion"}),
    "GET /v1/planes-monitoreo/{plan_ie_id}": Regla(LEEN_IE, PLAN_IE),
    "POST /v1/planes-monitoreo/{plan_ie_id}/aprobacion": Regla(ELABORAN, PLAN_IE),
    "POST /v1/planes-monitoreo/{plan_ie_id}/socializacion": Regla(ELABORAN, PLAN_IE),
    "POST /v1/planes-monitoreo/{plan_ie_id}/ejecucion": Regla(ELABORAN, PLAN_IE),
    "POST /v1/planes-monitoreo/{plan_ie_id}/visitas-entre-pares": Regla(ELABORAN, PLAN_IE),
    "GET /v1/planes-monitoreo/{plan_ie_id}/plan.pdf": Regla(LEEN_IE, PLAN_IE),
    "GET /v1/planes-monitoreo/{plan_ie_id}/informe.pdf": Regla(LEEN_IE, PLAN_IE),
    "GET /v1/planes-monitoreo/{plan_ie_id}/docentes/{docente_id}/planificador.pdf": Regla(
        LEEN_IE, {**PLAN_IE, "docente_id": "docente"}),
    # the same documents with the docentes' names the caller gives (read from focalizacion): only printed,
    # by those who file them (the school, its UGEL and DRE); read-only national roles keep the GET
    "POST /v1/planes-monitoreo/{plan_ie_id}/plan.pdf": Regla(IMPRIMEN, PLAN_IE),
    "POST /v1/planes-monitoreo/{plan_ie_id}/informe.pdf": Regla(IMPRIMEN, PLAN_IE),
    "POST /v1/planes-monitoreo/{plan_ie_id}/docentes/{docente_id}/planificador.pdf": Regla(
        IMPRIMEN, {**PLAN_IE, "docente_id": "docente"}),
    "POST /v1/acompanantes/{acompanante_id}/visitas": Regla(OBSERVAN, {"acompanante_id": "acompanante"}),
    "POST /v1/acompanantes/{acompanante_id}/gia": Regla(COACH, {"acompanante_id": "acompanante"}),
    "POST /v1/acompanantes/{acompanante_id}/rtc": Regla(OBSERVAN, {"acompanante_id": "acompanante"}),
    "POST /v1/acompanantes/{acompanante_id}/talleres": Regla(COACH, {"acompanante_id": "acompanante"}),
    "POST /v1/acompanantes/{acompanante_id}/lote": Regla(OBSERVAN, {"acompanante_id": "acompanante"}),
    "POST /v1/acompanantes/{acompanante_id}/cursos-virtuales": Regla(COACH, {"acompanante_id": "acompanante"}),
    "POST /v1/actividades/{actividad_id}/reprogramacion": Regla(OBSERVAN, {"actividad_id": "actividad"}),
    "POST /v1/actividades/{actividad_id}/cancelacion": Regla(OBSERVAN, {"actividad_id": "actividad"}),
    "GET /v1/actividades/{actividad_id}": Regla(TODOS, {"actividad_id": "actividad"}),
    "GET /v1/acompanantes/{acompanante_id}/agenda": Regla(SUPERVISAN | {"acompanante", "directivo"},
                                                          {"acompanante_id": "acompanante"}),
    "GET /v1/acompanantes/{acompanante_id}/agenda.ics": Regla(SUPERVISAN | {"acompanante", "directivo"},
                                                              {"acompanante_id": "acompanante"}),
    "POST /v1/visitas-realizadas": Regla(OBSERVAN, {"acompanante_id": "acompanante", "docente_id": "docente"}),
    "POST /v1/gia-completados": Regla(COACH, {"acompanante_id": "acompanante"}),
    "POST /v1/rtc-realizadas": Regla(OBSERVAN, {"acompanante_id": "acompanante"}),
    "POST /v1/talleres-realizados": Regla(COACH, {"acompanante_id": "acompanante"}),
    "POST /v1/cursos-virtuales-completados": Regla(COACH, {"docente_id": "docente"}),
    "GET /v1/cumplimiento": Regla(SUPERVISAN | {"acompanante", "directivo"}, FILTRAN, filtros=TERRITORIO),
    "GET /v1/cumplimiento.csv": Regla(LEEN_IE, FILTRAN, filtros=TERRITORIO),
    "GET /v1/cumplimiento.xlsx": Regla(LEEN_IE, FILTRAN, filtros=TERRITORIO),
    "GET /v1/docentes/{docente_id}/cumplimiento": Regla(TODOS, {"docente_id": "docente"}),
}


def politica(agenda: Agenda) -> Politica:
    proyecciones = agenda.proyecciones
    lugares = LugarDeDocentes(agenda)

    def resolver(tipo: str, id_: str) -> Territorio | None:
        if tipo == "docente":
            return lugares.territorio(id_)
        if tipo == "acompanante":  # where he works; no route about him admits a directivo or a docente
            uno = frozenset({id_})
            filas = proyecciones.filas(select(plan.c.dre, plan.c.ugel).distinct()
                                       .where(plan.c.acompanante_id == id_))
            return Territorio.unir([Territorio(dre=f.dre, ugel=f.ugel, acompanantes=uno) for f in filas]
                                   or [Territorio(acompanantes=uno)])
        if tipo == "ie":
            return Territorio.unir([_del_plan(p) for p in proyecciones.planes(codigo_modular=id_)])
        if tipo == "ambito":
            return _ambito(proyecciones, id_)
        if tipo == "dre":
            return Territorio(dre=id_)
        if tipo == "ugel":  # where the plans place it; one no plan names lies nowhere (not found)
            filas = proyecciones.filas(select(plan.c.dre).distinct().where(plan.c.ugel == id_))
            return Territorio.unir([Territorio(dre=f.dre, ugel=id_) for f in filas])
        if tipo == "institucion":  # "codigo_modular-anexo": where its plans place it
            return Territorio.unir([Territorio(dre=d, ugel=u, ie=id_) for d, u in _lugares_ie(proyecciones, id_)]
                                   or [Territorio(ie=id_)])  # unknown yet: only its own directivo
        if tipo == "plan_ie":
            filas = proyecciones.planes_ie(plan_ie_id=id_)
            return Territorio(dre=filas[0]["dre"], ugel=filas[0]["ugel"], ie=filas[0]["ie"],
                              acompanantes=frozenset({filas[0]["directivo_id"]})) if filas else None
        if tipo == "actividad":
            a = proyecciones.actividad(id_)
            if a is None:
                return None
            docentes = a["datos"].get("docentes") or [a["datos"].get("docente_id")]
            return Territorio(dre=a["dre"], ugel=a["ugel"], ie=a["ie"], acompanantes=frozenset({a["acompanante_id"]}),
                              docentes=frozenset(str(d) for d in docentes if d))
        raise ValueError(tipo)

    # an acompañante's agenda (or a directivo's, in his school's internal plan) always holds himself: naming
    # himself asks the read model nothing (every territory the resolver gives him lists him)
    return Politica(REGLAS, resolver, propios={"acompanante": frozenset({"acompanante", "directivo"})})


class LugarDeDocentes:
    """Where a docente lies (his plans), remembered until a plan is generated or moved to another acompañante
    (``MUEVEN_PLANES``): the access policy asks it of every request naming a docente (a visit's record among
    them). Whether one was, since a docente's place was read, is asked of the store (any replica's facts): its
    last notification id, and the facts of those kinds after the last one seen. A place is read from the read model as it stands when it has projected the last plan
    generated or moved (nothing after that changes where plans lie) and is at most ``lote`` facts behind; else
    the read model is brought up to date first. At most ``RECORDADOS`` docentes, those asked last."""

    RECORDADOS = 20_000

    def __init__(self, agenda: Agenda) -> None:
        self.agenda = agenda
        self._candado = Lock()
        self._lugares: LRUCache[str, tuple[int, Territorio | None]] = LRUCache(maxsize=self.RECORDADOS)
        self._visto: int | None = None  # the store's facts up to here were looked at (None: not yet)
        self._movido = 0  # the last plan generated or moved among them

    def territorio(self, docente_id: str) -> Territorio | None:
        ultima = self._al_dia()
        with self._candado:
            recordado = self._lugares.get(docente_id)
            if recordado is not None and recordado[0] >= self._movido:
                return recordado[1]
            movido = self._movido
        lugar = Territorio.unir([_del_plan(p) for p in self._planes(docente_id, ultima, movido)])
        with self._candado:
            self._lugares[docente_id] = (ultima, lugar)  # read after ``ultima``: at least as recent
        return lugar

    def _planes(self, docente_id: str, ultima: int, movido: int) -> list[dict[str, Any]]:
        """The docente's plans, where they lie as of the store's fact ``ultima`` (``movido``: the last plan
        generated or moved up to it)."""
        proyecciones = self.agenda.proyecciones
        posicion = proyecciones.posicion()
        if posicion < movido or ultima - posicion > proyecciones.lote:
            return proyecciones.planes(docente_id=docente_id)  # brought up to date first
        with proyecciones.store.engine.connect() as conn:
            return [dict(f._mapping) for f in conn.execute(select(*_LUGAR).where(plan.c.docente_id == docente_id))]

    def _al_dia(self) -> int:
        """The store's last notification id, having looked for plans generated or moved up to it (any found
        makes every place read before it stale). The first look starts where the read model stands: what it
        has projected is already in the rows a place is read from."""
        recorder = self.agenda.recorder
        ultima = recorder.max_notification_id() or 0
        with self._candado:
            visto = self._visto
        if visto is None:
            visto = min(ultima, self.agenda.proyecciones.posicion())
        movido = ultima > visto and bool(recorder.select_notifications(visto, 1, stop=ultima, topics=MUEVEN_PLANES,
                                                                        inclusive_of_start=False))
        with self._candado:
            if movido:
                self._movido = max(self._movido, ultima)
            self._visto = max(self._visto or 0, ultima)
        return ultima


MUEVEN_PLANES = (get_topic(dm.PlanAnual.Generado), get_topic(dm.PlanAnual.AcompananteCambiado))
_LUGAR = (plan.c.dre, plan.c.ugel, plan.c.codigo_modular, plan.c.anexo, plan.c.acompanante_id, plan.c.docente_id)


def _del_plan(p: dict) -> Territorio:
    return Territorio(dre=p["dre"], ugel=p["ugel"], ie=f"{p['codigo_modular']}-{p['anexo']}",
                      acompanantes=frozenset({p["acompanante_id"]}), docentes=frozenset({p["docente_id"]}))


def _ambito(proyecciones: Any, ambito: str) -> Territorio:
    """Where a protocol's ámbito lies ("DRE:<código>", "UGEL:<código>", "IE:<código modular>-<anexo>"):
    a UGEL or a school in the DRE and UGEL the plans place it in. The nation, or a UGEL or school no
    plan names, lies in no territory: only a national role publishes for it."""
    nivel, _, codigo = ambito.partition(":")
    if nivel == "DRE":
        return Territorio(dre=codigo)
    if nivel == "UGEL":
        filas = proyecciones.filas(select(plan.c.dre).distinct().where(plan.c.ugel == codigo))
        return Territorio.unir([Territorio(dre=f.dre, ugel=codigo) for f in filas]) or Territorio(ugel=codigo)
    if nivel == "IE":
        if not codigo.partition("-")[2].isdigit():
            return Territorio()
        return Territorio.unir([Territorio(dre=d, ugel=u, ie=codigo) for d, u in _lugares_ie(proyecciones, codigo)]) \
            or Territorio(ie=codigo)
    return Territorio()


def _lugares_ie(proyecciones: Any, ie: str) -> list[tuple[str, str]]:
    """The (DRE, UGEL) a school ("codigo_modular-anexo") lies in, as its docentes' plans, its own plans and
    the padrón place it: distinct pairs (one UNION), without reading the plans' rows."""
    codigo_modular, _, anexo = ie.partition("-")
    if not (anexo or "0").isdigit():  # not a school's code (a query's filter is checked before its pattern)
        return []
    lugares = union(select(plan.c.dre, plan.c.ugel).where(plan.c.codigo_modular == codigo_modular,
                                                          plan.c.anexo == int(anexo or 0)),
                    select(plan_ie.c.dre, plan_ie.c.ugel).where(plan_ie.c.ie == ie),
                    select(docente_ie.c.dre, docente_ie.c.ugel).where(docente_ie.c.ie == ie))
    return sorted((f.dre, f.ugel) for f in proyecciones.filas(lugares))
