"""agenda's read models, kept from its own event store (see ``shared.views.OwnLogProjection``): each
handler writes the tables it is given (``t``: those of ``tablas`` or a new generation's copies of them) from one
stored event, reading only events and those tables; the queries read ``tablas``.

A realized visit's ``observaciones`` stays in ``actividad.datos`` as the event has it, encrypted with the
docente's key, and is decrypted by the queries that return it (``MARCA`` once that key is erased).
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import Application
from sqlalchemy import Select, Table, select

from services.agenda import cumplimiento
from services.agenda import domainmodel as dm
from services.agenda import escuela
from services.agenda.calendario import Franja
from services.agenda.tablas import (actividad, docente_ie, entrega, metadata, origen, plan, plan_ie, protocolo,
                                    visita_par)
from shared.cifrado import Cifrador
from shared.settings import ServiceSettings
from shared.unidad import UnidadDeTrabajo
from shared.views import OwnLogProjection, Tablas


class Proyecciones(OwnLogProjection):
    nombre = "agenda"
    tablas = (protocolo, plan, actividad, entrega, plan_ie, docente_ie, visita_par, origen)

    def __init__(self, settings: ServiceSettings, app: Application, cifrador: Cifrador, lote: int = 2000) -> None:
        """``app``'s notification log is what it projects; ``cifrador`` only decrypts what a query returns."""
        super().__init__(settings, app, metadata, lote)
        self.cifrador = cifrador
        A = dm.AgendaAcompanante
        self.handlers.update({
            dm.Protocolo.Publicado: self._protocolo, A.Abierta: self._agenda_abierta,
            escuela.IEAcompanada.Registrada: self._ie_registrada,
            dm.PlanAnual.Generado: self._plan, dm.PlanAnual.AcompananteCambiado: self._cambio,
            dm.PlanAnual.Retirado: self._retiro, dm.PlanAnual.CursoVirtualCompletado: self._curso,
            A.ActividadProgramada: self._programada,
            A.ActividadReprogramada: self._reprogramada, A.ActividadCancelada: self._cancelada,
            A.VisitaRealizada: self._realizada, A.GIACompletado: self._realizada,
            A.RTCRealizada: self._realizada, A.TallerRealizado: self._realizada,
            A.CursoPropioCompletado: self._curso_propio,
            escuela.PlanMonitoreoIE.Elaborado: self._plan_ie, escuela.PlanMonitoreoIE.Aprobado: self._paso_plan_ie,
            escuela.PlanMonitoreoIE.Socializado: self._paso_plan_ie, escuela.PlanMonitoreoIE.Ejecutado: self._paso_plan_ie,
            escuela.PlanMonitoreoIE.VisitaEntreParesRealizada: self._visita_par,
            escuela.IEAcompanada.DocenteRegistrado: self._docente_ie, escuela.IEAcompanada.DocenteDadoDeBaja: self._baja_ie,
        })
        P, E = dm.PlanAnual, escuela.PlanMonitoreoIE
        self.lecturas.append({  # the rows by key each handler reads: read for a whole batch at once
            **dict.fromkeys((A.ActividadProgramada, A.ActividadReprogramada, A.ActividadCancelada,
                             A.VisitaRealizada, A.GIACompletado, A.RTCRealizada, A.TallerRealizado),
                            _de_actividad),
            A.CursoPropioCompletado: _de_agenda, escuela.IEAcompanada.DocenteRegistrado: _del_origen,
            **dict.fromkeys((P.AcompananteCambiado, P.Retirado, P.CursoVirtualCompletado), _del_plan),
            **dict.fromkeys((E.Aprobado, E.Socializado, E.Ejecutado, E.VisitaEntreParesRealizada),
                            _del_plan_ie),
            escuela.IEAcompanada.DocenteDadoDeBaja: lambda _, t, e: ((t.docente_ie, (e.docente_id,)),),
        })
        with self.store.engine.connect() as conn:
            sin_origen = conn.execute(select(origen.c.agregado_id).limit(1)).first() is None
        if sin_origen and self.posicion():
            self.reconstruir()  # read models built before ``origen`` existed: built again from the events

    # --- handlers: each reads and writes only the tables it is given (``t``, the generation it fills), by
    # key, through its batch's unit of work ``u`` (``shared.unidad``) --------------------------------------

    def _protocolo(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        p = e.protocolo
        u.insertar(t.protocolo, {"clave": p.clave, "codigo": p.codigo, "version": p.version,
                                 "contenido": p.model_dump(mode="json")})

    def _plan(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        p = e.plan.como_dict()
        u.insertar(t.plan, {
            "plan_id": str(e.originator_id), **{k: p[k] for k in (
                "docente_id", "anio", "etapa", "convocatoria", "modalidad", "protocolo", "acompanante_id",
                "codigo_modular", "anexo", "dre", "ugel", "tipo_ie", "nivel")},
            "activo": True, "retirado_en": None, "plan": p})

    def _cambio(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        u.cambiar(t.plan, str(e.originator_id), acompanante_id=e.a_acompanante_id)

    def _retiro(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        u.cambiar(t.plan, str(e.originator_id), activo=False, retirado_en=e.timestamp.date())

    def _curso(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        p = _una(u.leer(t.plan, str(e.originator_id)))
        self._entrega(u, t, f"curso:{e.registro_id}", p["docente_id"], p["anio"], "curso", e.curso.fecha, 0,
                      float(e.curso.horas or 0))

    def _curso_propio(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        o = _agenda(u, t, e)
        self._entrega(u, t, f"curso:{e.registro_id}", o.acompanante_id, o.anio, "curso_acompanante",
                      e.curso.fecha, 0, float(e.curso.horas or 0))

    def _entrega(self, u: UnidadDeTrabajo, t: Tablas, actividad_id: str, persona_id: str, anio: int,
                 tipo: str, fecha: str, dias: int, horas: float) -> None:
        u.insertar(t.entrega, {"actividad_id": actividad_id, "persona_id": persona_id, "anio": anio,
                               "tipo": tipo, "fecha": _fecha(fecha), "dias": dias, "horas": horas})

    def _agenda_abierta(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        u.insertar(t.origen, {"agregado_id": str(e.originator_id), "acompanante_id": e.acompanante_id,
                              "anio": e.anio, "dre": e.dre, "ugel": e.ugel, "ie": None})

    def _ie_registrada(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        u.insertar(t.origen, {"agregado_id": str(e.originator_id), "acompanante_id": None, "anio": None,
                              "dre": None, "ugel": None, "ie": f"{e.codigo_modular}-{e.anexo}"})

    def _fila(self, u: UnidadDeTrabajo, t: Tablas, e: Any, estado: str, que: str, motivo: str | None = None,
              d: dict[str, Any] | None = None) -> tuple[Any, date, date]:
        """The activity's row after ``e`` (``d``: its data, if already taken); returns whose agenda it is in
        (``AgendaDe``) and its first and last day."""
        o = _agenda(u, t, e)
        d = e.datos.como_dict() if d is None else d
        previa = u.leer(t.actividad, e.actividad_id)
        inicio, fin = d["fecha_inicio"], d["fecha_fin"]
        paso = {"evento": que, "en": e.timestamp.isoformat(), "usuario": e.metadata.get("usuario"),
                "fecha_inicio": inicio, "fecha_fin": fin}
        if motivo:
            paso["motivo"] = motivo
        desde, hasta = _fecha(inicio), _fecha(fin)
        if previa is None:  # its first event: the row, whose agenda and territory stay
            u.insertar(t.actividad, {
                "estado": estado, "ie": d.get("ie"), "fecha_inicio": desde, "fecha_fin": hasta, "datos": d,
                "historial": [paso], "actividad_id": e.actividad_id, "acompanante_id": o.acompanante_id,
                "anio": o.anio, "dre": o.dre, "ugel": o.ugel,
                "tipo": getattr(e, "tipo", None) or _TIPO[type(e).__name__]})
        else:
            u.poner(t.actividad, {**previa, "estado": estado, "ie": d.get("ie"), "fecha_inicio": desde,
                                  "fecha_fin": hasta, "datos": d, "historial": [*previa["historial"], paso]})
        return o, desde, hasta

    def _programada(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        self._fila(u, t, e, "programada", "programada")

    def _reprogramada(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        self._fila(u, t, e, "programada", "reprogramada", e.motivo)

    def _cancelada(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        self._fila(u, t, e, "cancelada", "cancelada", e.motivo)

    def _realizada(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        tipo, d = _TIPO[type(e).__name__], e.datos.como_dict()
        o, desde, hasta = self._fila(u, t, e, "realizada", "realizada", d=d)
        acompanante_id, anio = o.acompanante_id, o.anio
        filas = []
        if tipo == "taller":
            nombre = "taller_acompanantes" if d["destinatarios"] == "acompanantes" else "taller"
            for persona, dias in d["asistencia"].items():
                if dias and (nombre == "taller" or persona == acompanante_id):
                    filas.append((persona, nombre, min(dias), len(dias), 0.0))
        else:  # a visit's school days; a GIA's or an RTC's hours (``calendario.Franja``, counted here)
            dias = dias_lectivos(desde, hasta) if tipo == "visita" else 0
            horas = 0.0 if tipo == "visita" else Franja.de(d).horas
            filas = [(docente, tipo, d["fecha_inicio"], dias, horas) for docente in d["docentes"]]
        for persona, nombre, fecha, dias, horas in filas:  # an activity is realized once: its rows are new
            self._entrega(u, t, e.actividad_id, persona, anio, nombre, fecha, dias, horas)

    def _docente_ie(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        ie = _una(u.leer(t.origen, str(e.originator_id)))["ie"]
        u.poner(t.docente_ie, {"docente_id": e.docente_id, "ie_id": str(e.originator_id), "ie": ie,
                               **e.datos.como_dict()})  # one school per docente: the last

    def _baja_ie(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        fila = u.leer(t.docente_ie, e.docente_id)
        if fila is not None and fila["ie_id"] == str(e.originator_id):
            u.borrar(t.docente_ie, e.docente_id)

    def _plan_ie(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        p = e.plan.como_dict()
        u.insertar(t.plan_ie, {
            "plan_ie_id": str(e.originator_id), "ie": p["ie"], "anio": p["anio"], "dre": p["dre"], "ugel": p["ugel"],
            "directivo_id": p["directivo_id"], "estado": "elaborado", "plan": p,
            "historial": [_paso_ie(e, "elaborado", {})]})

    def _paso_plan_ie(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        estado = {"Aprobado": "aprobado", "Socializado": "socializado", "Ejecutado": "ejecutado"}[type(e).__name__]
        datos = {k: _dict(getattr(e, k)) for k in ("resolucion", "fecha", "socializacion", "informe") if hasattr(e, k)}
        previo = _una(u.leer(t.plan_ie, str(e.originator_id)))
        u.poner(t.plan_ie, {**previo, "estado": estado,
                            "historial": [*previo["historial"], _paso_ie(e, estado, datos)]})

    def _visita_par(self, u: UnidadDeTrabajo, t: Tablas, e: Any, _: int) -> None:
        p = _una(u.leer(t.plan_ie, str(e.originator_id)))
        u.insertar(t.visita_par, {
            "visita_id": e.visita_id, "plan_ie_id": str(e.originator_id), "ie": p["ie"], "anio": p["anio"],
            "fecha": _fecha(e.visita.fecha), "docente_visitante_id": e.visita.docente_visitante_id,
            "docente_visitado_id": e.visita.docente_visitado_id})

    # --- queries ---------------------------------------------------------------------------------

    def ie_de_docente(self, docente_id: str) -> UUID | None:
        filas = self.filas(select(docente_ie.c.ie_id).where(docente_ie.c.docente_id == docente_id))
        return UUID(filas[0].ie_id) if filas else None

    def ies_de_docentes(self, docentes: list[str]) -> dict[str, str]:
        """The school ("codigo_modular-anexo") the padrón registers each of ``docentes`` in; those it
        registers nowhere are left out."""
        return {f.docente_id: f.ie for f in self.filas(
            select(docente_ie.c.docente_id, docente_ie.c.ie).where(docente_ie.c.docente_id.in_(docentes)))}

    def docentes_ie(self, ie: str) -> list[dict[str, Any]]:
        return [dict(f._mapping) for f in self.filas(select(docente_ie).where(docente_ie.c.ie == ie)
                                                     .order_by(docente_ie.c.docente_id))]

    def planes_ie(self, *, ie: str | None = None, plan_ie_id: str | None = None, anio: int | None = None,
                  ugel: str | None = None) -> list[dict[str, Any]]:
        consulta = select(plan_ie).order_by(plan_ie.c.anio, plan_ie.c.ie)
        for columna, valor in ((plan_ie.c.ie, ie), (plan_ie.c.plan_ie_id, plan_ie_id), (plan_ie.c.anio, anio),
                               (plan_ie.c.ugel, ugel)):
            if valor is not None:
                consulta = consulta.where(columna == valor)
        return [dict(f._mapping) for f in self.filas(consulta)]

    def protocolos(self) -> list[dict[str, Any]]:
        return [f.contenido for f in self.filas(select(protocolo.c.contenido).order_by(protocolo.c.codigo,
                                                                                     protocolo.c.version))]

    def planes(self, *, docente_id: str | None = None, anio: int | None = None, dre: str | None = None,
               ugel: str | None = None, acompanante_id: str | None = None, codigo_modular: str | None = None,
               activos: bool | None = None, limite: int | None = None, desde: int = 0, modalidad: str | None = None,
               ie: str | None = None) -> list[dict[str, Any]]:
        consulta = _de_planes(select(plan), docente_id=docente_id, anio=anio, dre=dre, ugel=ugel,
                              acompanante_id=acompanante_id, codigo_modular=codigo_modular, activo=activos,
                              modalidad=modalidad, ie=ie)
        consulta = consulta.order_by(*_ORDEN_PLANES)
        if limite is not None:
            consulta = consulta.limit(limite).offset(desde)
        return [dict(f._mapping) for f in self.filas(consulta)]

    def actividad(self, actividad_id: str) -> dict[str, Any] | None:
        filas = self.filas(select(actividad).where(actividad.c.actividad_id == actividad_id))
        return self._legible(dict(filas[0]._mapping)) if filas else None

    def actividades(self, acompanante_id: str, anio: int | None = None) -> list[dict[str, Any]]:
        consulta = select(actividad).where(actividad.c.acompanante_id == acompanante_id).order_by(
            actividad.c.fecha_inicio, actividad.c.actividad_id)
        if anio is not None:
            consulta = consulta.where(actividad.c.anio == anio)
        return [self._legible(dict(f._mapping)) for f in self.filas(consulta)]

    def _legible(self, fila: dict[str, Any]) -> dict[str, Any]:
        """An activity with a visit's ``observaciones`` decrypted."""
        d = fila["datos"]
        if fila["tipo"] != "visita" or not Cifrador.cifrado(d.get("observaciones")):
            return fila
        return {**fila, "datos": self.cifrador.descifrar_campos(dm.sujeto_docente(d["docentes"][0]), d, dm.PERSONALES)}

    def cumplimiento(self, anio: int, fecha: date, nivel: str = "docente", *, dre: str | None = None,
                     ugel: str | None = None, acompanante_id: str | None = None,
                     docente_id: str | None = None, ie: str | None = None,
                     modalidad: str | None = None) -> list[dict[str, Any]]:
        """Fulfilment of the year's plans as of ``fecha`` (see ``cumplimiento``)."""
        filtro = {"anio": anio, "dre": dre, "ugel": ugel, "acompanante_id": acompanante_id, "docente_id": docente_id,
                  "ie": ie, "modalidad": modalidad}
        planes = self.planes(**filtro)
        # the same plans as a subquery: a UGEL's or the nation's docentes are too many to bind one by one
        docentes = _de_planes(select(plan.c.docente_id), **filtro)
        consulta = (select(entrega, actividad.c.acompanante_id.label("observador"))
                    .join(actividad, actividad.c.actividad_id == entrega.c.actividad_id, isouter=True)
                    .where(entrega.c.anio == anio).where(entrega.c.fecha <= fecha)
                    .where(entrega.c.persona_id.in_(docentes)))
        entregas = [dict(f._mapping) for f in self.filas(consulta)] if planes else []
        internos = {f.acompanante_id for f in self.filas(select(plan.c.acompanante_id).distinct().where(
            plan.c.anio == anio, plan.c.modalidad == "interna"))}
        pares = [dict(f._mapping) for f in self.filas(select(visita_par).where(
            visita_par.c.anio == anio, visita_par.c.fecha <= fecha))] \
            if any(p["modalidad"] == "interna" for p in planes) else []
        filas = cumplimiento.agregar(cumplimiento.por_docente(planes, entregas, fecha, internos, pares),
                                     nivel)
        if nivel == "acompanante":
            acompanantes = _de_planes(select(plan.c.acompanante_id), **filtro)
            propias = (select(entrega).where(entrega.c.anio == anio).where(entrega.c.fecha <= fecha)
                       .where(entrega.c.tipo.in_(cumplimiento.PROPIAS)).where(entrega.c.persona_id.in_(acompanantes)))
            cumplimiento.formacion_propia(filas, planes, [dict(f._mapping) for f in self.filas(propias)])
        return filas


_ORDEN_PLANES = (plan.c.anio, plan.c.ugel, plan.c.codigo_modular, plan.c.docente_id, plan.c.modalidad)


def _de_planes(consulta: Select, *, ie: str | None = None, **filtro: Any) -> Select:
    """``consulta`` narrowed to the plans matching ``filtro`` (column: value; None leaves it out) and ``ie``."""
    for columna, valor in filtro.items():
        if valor is not None:
            consulta = consulta.where(plan.c[columna] == valor)
    if ie is not None:
        codigo_modular, _, anexo = ie.partition("-")
        consulta = consulta.where(plan.c.codigo_modular == codigo_modular, plan.c.anexo == int(anexo or 0))
    return consulta


def _agenda(u: UnidadDeTrabajo, t: Tablas, e: Any) -> Any:
    """Whose agenda the event is of (his id, the year and his territory, as ``AgendaDe``'s fields): what the event
    carries (``contexto``), or for one of version 1 (None) its agenda's ``origen`` row in ``t``. An agenda's are
    those of its first event (``AgendaAcompanante.Abierta``), which ``origen`` keeps: never changed after."""
    return e.contexto or _Origen(**_una(u.leer(t.origen, str(e.originator_id))))


class _Origen(NamedTuple):
    """An agenda's ``origen`` row, read as the ``AgendaDe`` of an event of version 1 (``_agenda``)."""

    agregado_id: str
    acompanante_id: str
    anio: int
    dre: str
    ugel: str
    ie: None


def _del_origen(_: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[str]], ...]:
    return ((t.origen, (str(e.originator_id),)),)


def _de_agenda(_: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[str]], ...]:
    return () if e.contexto is not None else _del_origen(_, t, e)


def _de_actividad(_: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[str]], ...]:
    return (*_de_agenda(_, t, e), (t.actividad, (e.actividad_id,)))


def _del_plan(_: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[str]], ...]:
    return ((t.plan, (str(e.originator_id),)),)


def _del_plan_ie(_: UnidadDeTrabajo, t: Tablas, e: Any) -> tuple[tuple[Table, tuple[str]], ...]:
    return ((t.plan_ie, (str(e.originator_id),)),)


def _una(fila: dict[str, Any] | None) -> dict[str, Any]:
    """The row the event's own earlier events wrote (there is one: the log is applied in order)."""
    if fila is None:
        raise LookupError("the row an earlier event wrote is not there")
    return fila


def _paso_ie(e: Any, estado: str, datos: dict[str, Any]) -> dict[str, Any]:
    return {"estado": estado, "en": e.timestamp.isoformat(), "usuario": e.metadata.get("usuario"),
            "rol": e.metadata.get("rol"), **datos}


_TIPO = {"VisitaRealizada": "visita", "GIACompletado": "gia", "RTCRealizada": "rtc", "TallerRealizado": "taller"}


def _dict(valor: Any) -> Any:
    """A step's datum as the read model keeps it (a typed value as its dict)."""
    return valor.como_dict() if hasattr(valor, "como_dict") else valor


def _fecha(valor: str) -> date:
    return date.fromisoformat(valor)


def dias_lectivos(desde: date, hasta: date) -> int:
    """Monday to Friday from ``desde`` to ``hasta``, both included: ``Franja.de_dias(desde, hasta).dias_lectivos()``
    counted without listing the days (a visit's length, NT-026 §5.6.3)."""
    dias = (hasta - desde).days + 1
    if dias <= 0:
        return 0
    semanas, resto = divmod(dias, 7)
    primero = desde.weekday()
    return 5 * semanas + sum(1 for i in range(resto) if (primero + i) % 7 < 5)
