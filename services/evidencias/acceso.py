"""Who may see and do what in evidencias (observations, commitments, actas, attachments): the route policy.

Evidence may show minors and is personal data of the docente (Ley 29733): it is never public.
The caller is the actor of the request's verified token (``shared.http``, ``shared.autenticacion``);
``REGLAS`` below is the one place that decides, before any route runs (``shared.autorizacion``):

- a docente's record (his visits, observations, commitments, attachments) is read by the docente
  himself, by the acompañante who holds him now (his latest plan's, while it is active), by the
  specialists of his DRE or UGEL, and by minedu and the auditor; not by the directivo, who
  evaluates him for his career (``formativo``: a policy of the ministry, ``<S>_SEPARACION_FINALIDAD``),
  except a visit he made himself as the observer of his school's internal plan (NT-026 §5.2.1),
  whose record (observation, feedback, commitments) he writes and reads; a docente's lists of
  observations and commitments he reads for a docente of his IE with what he recorded himself only
  (``solo_autor``: the external acompañante's stay out while the separation is on);
- a GIA or RTC is read by whoever may read one of its docentes' records, and by the directivo of
  its school (he leads the RTC and writes its acta);
- an acompañante's execution sessions and self-evaluations are read by him and by supervision;
- instruments are the MINEDU's (NT-026 §6.1); a DRE's specialists publish the instruments of their DRE's
  own programmes (§5.7): an instrument's ámbito (``DRE:<código>``) and, for a new version, its code's must
  be their DRE (``instrumentos``: a code keeps its ámbito; the write side refuses a DRE's instrument
  without one, which would be national).

What a visit left behind (observation, corrections, feedback, commitments, attachments) is written by
the visit's author even after the docente was handed to another coach (``autoria``): the visit's day
decides, not today's caseload. What the write side checks itself (the author of a visit, that he held
the docente on the visit's day, a specialist's correction, which names him: ``application.CORRIGEN``) is a
rule of the record, not of access.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from services.evidencias.instrumentos import NACIONAL
from services.evidencias.projections import Proyecciones
from services.evidencias.tablas import cartera, compromiso, instrumento, interno, visita
from shared.autorizacion import ESPECIALISTAS as ESPECIALISTAS_TERRITORIALES
from shared.autorizacion import EVALUAN_CARRERA, GESTION, NACIONALES, TODOS, Politica, Regla, Territorio
from shared.telemetry import Actor

SUPERVISAN = (NACIONALES - GESTION) | ESPECIALISTAS_TERRITORIALES  # minedu, the auditor, DRE and UGEL specialists


def solo_autor(actor: Actor, separacion: bool) -> str | None:
    """Purpose separation in a docente's lists: whoever evaluates him for his career reads there only
    the visits he made himself (internal modality); his id to keep them by, or None for every visit."""
    return actor.usuario if separacion and actor.rol in EVALUAN_CARRERA else None


# --- the route policy (shared.autorizacion) ---------------------------------------------------------

LEEN = SUPERVISAN | {"acompanante", "docente"}  # a docente's record, within each one's territory
FORMATIVO = LEEN | {"directivo"}  # the directivo is named only to be told why not (purpose separation)
COACH = frozenset({"acompanante", "sistema"})
OBSERVAN = COACH | {"directivo"}  # the acompañante, and the directivo in his school's internal plan
LEEN_REUNION = LEEN | {"directivo"}

REGLAS = {
    "GET /v1/instrumentos": Regla(TODOS),
    "GET /v1/instrumentos/{codigo}/{version}": Regla(TODOS),
    "GET /v1/instrumentos/{codigo}/{version}/ficha.pdf": Regla(TODOS),
    # the norm's instruments (minedu), and a DRE's for its own programmes: the body's ámbito and code
    "POST /v1/instrumentos": Regla(frozenset({"minedu", "especialista_dre"}),
                                   {"ambito": "ambito", "codigo": "instrumento"}),
    "POST /v1/visitas/{visita_id}/observaciones": Regla(OBSERVAN, {"visita_id": "autoria", "acompanante_id": "acompanante"}),
    "POST /v1/visitas/{visita_id}/observaciones/{observacion_id}/correcciones": Regla(
        OBSERVAN | ESPECIALISTAS_TERRITORIALES, {"visita_id": "autoria"}),
    "POST /v1/visitas/{visita_id}/retroalimentacion": Regla(OBSERVAN, {"visita_id": "autoria"}),
    "POST /v1/visitas/{visita_id}/compromisos": Regla(OBSERVAN, {"visita_id": "autoria"}),
    "POST /v1/compromisos/{compromiso_id}/verificacion": Regla(OBSERVAN, {"compromiso_id": "compromiso"}),
    "POST /v1/compromisos/vencimientos": Regla(GESTION),
    "POST /v1/docentes/{docente_id}/necesidades": Regla(OBSERVAN, {"docente_id": "docente"}),
    "POST /v1/reuniones/{actividad_id}/acta": Regla(COACH | {"directivo"}, {"actividad_id": "reunion"}),
    "POST /v1/reuniones/{actividad_id}/acta/correcciones": Regla(COACH | {"directivo"} | ESPECIALISTAS_TERRITORIALES,
                                                                {"actividad_id": "reunion"}),
    "POST /v1/acompanantes/{acompanante_id}/sesiones-ejecucion": Regla(COACH, {"acompanante_id": "acompanante"}),
    "POST /v1/acompanantes/{acompanante_id}/autoevaluaciones": Regla(COACH, {"acompanante_id": "acompanante"}),
    "GET /v1/acompanantes/{acompanante_id}/sesiones-ejecucion": Regla(SUPERVISAN | {"acompanante"},
                                                                     {"acompanante_id": "acompanante"}),
    "GET /v1/acompanantes/{acompanante_id}/autoevaluaciones": Regla(SUPERVISAN | {"acompanante"},
                                                                   {"acompanante_id": "acompanante"}),
    "POST /v1/visitas/{visita_id}/adjuntos": Regla(OBSERVAN, {"visita_id": "autoria"}),
    "POST /v1/acompanantes/{acompanante_id}/lote": Regla(OBSERVAN, {"acompanante_id": "acompanante"}),
    "POST /v1/reuniones/{actividad_id}/adjuntos": Regla(COACH | {"directivo"}, {"actividad_id": "reunion"}),
    "GET /v1/visitas/{visita_id}/adjuntos/{sha256}": Regla(FORMATIVO, {"visita_id": "visita"}, formativo=True),
    "GET /v1/reuniones/{actividad_id}/adjuntos/{sha256}": Regla(LEEN_REUNION, {"actividad_id": "reunion"}),
    "GET /v1/visitas/{visita_id}": Regla(FORMATIVO, {"visita_id": "visita"}, formativo=True),
    "GET /v1/reuniones/{actividad_id}": Regla(LEEN_REUNION, {"actividad_id": "reunion"}),
    "GET /v1/reuniones/{actividad_id}/acta.pdf": Regla(LEEN_REUNION, {"actividad_id": "reunion"}),
    "POST /v1/reuniones/{actividad_id}/acta.pdf": Regla(LEEN_REUNION, {"actividad_id": "reunion"}),
    # formative: for the directivo of the docente's IE, his own visits only (solo_autor, in the route)
    "GET /v1/docentes/{docente_id}/observaciones": Regla(FORMATIVO, {"docente_id": "docente"}),
    "GET /v1/docentes/{docente_id}/compromisos": Regla(FORMATIVO, {"docente_id": "docente"}),
    "GET /v1/docentes/{docente_id}/preparacion": Regla(FORMATIVO, {"docente_id": "docente"}, formativo=True),
    "GET /v1/compromisos": Regla(FORMATIVO - {"docente"},
                                 filtros={"dre": "dre", "ugel": "ugel", "acompanante": "acompanante_id"},
                                 formativo=True),
}


def _territorio(fila: Any) -> Territorio:
    """Where a docente lies: his latest plan's IE, and its acompañante while that plan is active
    (``cartera`` follows agenda's reassignments and closings, as ``DocenteAcompanado.actual`` does)."""
    return Territorio(dre=fila.dre, ugel=fila.ugel, ie=f"{fila.codigo_modular}-{fila.anexo}",
                      acompanantes=frozenset({fila.acompanante_id}) if fila.activo else frozenset(),
                      docentes=frozenset({fila.docente_id}))


def _interno(fila: Any) -> Territorio:
    """Where his school's internal plan places a docente: his IE, observed by its directivo."""
    return Territorio(dre=fila.dre, ugel=fila.ugel, ie=f"{fila.codigo_modular}-{fila.anexo}",
                      acompanantes=frozenset({fila.directivo_id}), docentes=frozenset({fila.docente_id}))


def _del_ambito(ambito: str) -> Territorio:
    """Where an instrument's ámbito lies: its DRE; the nation in no territory (a national role's only)."""
    nivel, _, dre = ambito.partition(":")
    return Territorio(dre=dre) if nivel == "DRE" and dre else Territorio()


def politica(proyecciones: Proyecciones) -> Politica:
    """The route policy, deciding from the read models (where each docente, visit, meeting lies)."""

    def del_docente(docente_id: str, autores: frozenset[str] = frozenset()) -> Territorio | None:
        filas = proyecciones.filas(select(cartera).where(cartera.c.docente_id == docente_id)
                                   .order_by(cartera.c.anio.desc()).limit(1))
        internos = proyecciones.filas(select(interno).where(interno.c.docente_id == docente_id)
                                      .order_by(interno.c.anio.desc()).limit(1))
        partes = [_territorio(f) for f in filas] + [_interno(f) for f in internos]
        if autores:
            partes = [replace(t, autores=autores) for t in partes]
        return Territorio.unir(partes)

    def de_los_docentes(docentes: list[str]) -> Territorio | None:
        otra = cartera.alias()
        ultimo = select(func.max(otra.c.anio)).where(otra.c.docente_id == cartera.c.docente_id).scalar_subquery()
        filas = proyecciones.filas(select(cartera).where(cartera.c.docente_id.in_(docentes), cartera.c.anio == ultimo)
                                   .order_by(cartera.c.docente_id)) if docentes else []
        internos = proyecciones.filas(select(interno).where(interno.c.docente_id.in_(docentes))
                                      .order_by(interno.c.docente_id, interno.c.anio)) if docentes else []
        return Territorio.unir([_territorio(f) for f in filas] + [_interno(f) for f in internos])

    def resolver(tipo: str, id_: str) -> Territorio | None:
        if tipo == "docente":
            return del_docente(id_)
        if tipo in ("visita", "autoria"):  # where its docente lies, and who made it (he reads what he recorded)
            filas = proyecciones.filas(select(visita.c.docente_id, visita.c.acompanante_id)
                                       .where(visita.c.visita_id == id_))
            if not filas:
                return None
            autor = frozenset({filas[0].acompanante_id})
            territorio = del_docente(filas[0].docente_id, autor)
            if tipo == "autoria" and territorio is not None:  # its author records what it left, even once
                # the docente is another's (the write side checks he held him on the visit's day)
                return Territorio.unir([territorio, Territorio(acompanantes=autor, autores=autor)])
            return territorio
        if tipo == "reunion":
            registro = proyecciones.reunion(id_)
            if registro is None:
                return None
            return de_los_docentes([str(d) for d in registro["reunion"].get("docentes", [])])
        if tipo == "compromiso":
            filas = proyecciones.filas(select(compromiso.c.docente_id).where(compromiso.c.compromiso_id == id_))
            return del_docente(filas[0].docente_id) if filas else None
        if tipo == "ambito":
            nivel, _, ugel = id_.partition(":")
            if nivel == "UGEL":  # not an instrument's (its pattern refuses it), but it lies in its DRE
                filas = proyecciones.filas(select(cartera.c.dre).distinct().where(cartera.c.ugel == ugel))
                return Territorio.unir([Territorio(dre=f.dre, ugel=ugel) for f in filas]) or Territorio(ugel=ugel)
            return _del_ambito(id_)
        if tipo == "instrumento":  # a published code lies in its ámbito (the same in every version)
            filas = proyecciones.filas(select(instrumento.c.contenido).where(instrumento.c.codigo == id_).limit(1))
            return _del_ambito(filas[0].contenido.get("ambito", NACIONAL)) if filas else None
        if tipo == "acompanante":
            filas = proyecciones.filas(select(cartera.c.dre, cartera.c.ugel).distinct()
                                       .where(cartera.c.acompanante_id == id_))
            uno = frozenset({id_})
            return Territorio.unir([Territorio(dre=f.dre, ugel=f.ugel, acompanantes=uno) for f in filas]
                                   or [Territorio(acompanantes=uno)])
        raise ValueError(tipo)

    return Politica(REGLAS, resolver)
