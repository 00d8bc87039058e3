"""agenda's write side: templates, yearly plans, scheduling and delivery.

Every command is idempotent: plans have deterministic ids (docente + year), activities carry
the id the coach's device gave them, so a re-sent request records nothing new. Commands that
lose a race on the acompañante's agenda (two devices at once) are retried on the new state.

A realized visit's ``observaciones`` (free text about the docente) is stored encrypted with the
docente's key (``docente:<id>``, kept in agenda's own key store), deterministically so that a re-sent
record is still the same one; focalizacion's ``DatosPersonalesCancelados`` erases that key
(``cancelar_datos_personales``) and the text reads ``MARCA`` from then on (docs/datos-personales.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.agenda import domainmodel as dm
from services.agenda import escuela
from services.agenda.comandos import (AprobarPlanIE, Asignacion, CancelarActividad, CompletarCurso,
                                      CompletarCursoPropio, DesignarDirectivo, EjecutarPlanIE, ElaborarPlanIE,
                                      ProgramarActividad, RealizarActividad, RegistrarVisitaEntrePares,
                                      ReprogramarActividad, Resultado, SocializarPlanIE)
from services.agenda.datos import a_programar, cifrada, de_actividad, plan_de_la_ie, reprogramada, resumen
from services.agenda.projections import Proyecciones
from services.agenda.protocolos import VALORES_PLANES, PlanDocente, PlanIE, Protocolo, del_plan, incluidos, interna
from services.agenda.valores import VALORES, DocenteEnIE, DocentePlanIE, VisitaEntrePares
from shared.cifrado import Cifrador, llavero_de
from shared.eventstore import Conflict, Desactualizado, DomainError, NotFound, ServiceApplication
from shared.settings import ServiceSettings

CAMBIO_CONCURRENTE = "La agenda cambió mientras se registraba; vuelva a intentarlo."


class Agenda(ServiceApplication):
    name = "Agenda"
    # An acompañante's agenda grows to a few hundred events a year and every command reads it:
    # keep recent ones in memory (brought up to date from the store on each read).
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}
    valores = VALORES | VALORES_PLANES

    def __init__(self, settings: ServiceSettings) -> None:
        super().__init__(settings)
        self.cifrador = Cifrador(llavero_de(settings))  # keys of the docentes' free text, outside the event store
        self.proyecciones = Proyecciones(settings, self, self.cifrador)
        self._plantillas: dict[str, Protocolo] = {}  # published templates never change: parsed once

    def close(self) -> None:
        self.proyecciones.close()
        self.cifrador.llavero.close()
        super().close()

    # --- templates ---------------------------------------------------------------------------

    def publicar_protocolo(self, protocolo: Protocolo) -> bool:
        nuevo = dm.Protocolo(protocolo=protocolo, id=dm.protocolo_id(protocolo.codigo, protocolo.version))
        return self.crear_una_vez(nuevo, lambda previo: previo.protocolo == protocolo,
                           f"La versión {protocolo.clave} ya se publicó con otro contenido: publique una versión nueva.")

    def publicar_protocolos_incluidos(self) -> None:
        for protocolo in incluidos():
            self.publicar_protocolo(protocolo)

    # --- plans ---------------------------------------------------------------------------------

    def generar_plan(self, a: Asignacion, *, etapa: int, modalidad: str = "externa", protocolo: str | None = None) -> bool:
        """Generate the docente's plan for ``a.anio`` and put him on the acompañante's agenda.
        Returns False when that plan already exists."""
        if not 1 <= etapa <= 3:  # NT-026 §5.2.5: three etapas, one per school year
            raise dm.AgendaInvalida(f"La etapa {etapa} no existe: el acompañamiento tiene tres etapas (NT-026 §5.2.5).")
        desde, _, hasta = a.convocatoria.partition("-")
        if desde.isdigit() and hasta.isdigit() and not int(desde) <= a.anio <= int(hasta):
            raise dm.AgendaInvalida(f"El año {a.anio} está fuera de la convocatoria {a.convocatoria}.")
        pid = dm.plan_id(a.docente_id, a.anio, modalidad)
        elegido = self._protocolo(a, modalidad, protocolo)
        comp = elegido.tipos[f"{a.tipo_ie}/{a.nivel}"]
        inicio, fin = elegido.anio_escolar.fechas(a.anio)
        plan = PlanDocente(**vars(a), etapa=etapa, modalidad=modalidad, protocolo=elegido.clave,  # type: ignore[arg-type]
                           anio_escolar=[inicio.isoformat(), fin.isoformat()], componentes=comp)

        def intento() -> bool:
            if self.existe(pid):
                return False
            agenda = self._agenda(a.acompanante_id, a.anio, a.dre, a.ugel)
            agenda.incorporar(docente_id=a.docente_id, plan=resumen(plan))
            self.save(dm.PlanAnual(plan=plan, id=pid), agenda)
            return True
        return self.reintentar(intento, CAMBIO_CONCURRENTE, clave=dm.agenda_id(a.acompanante_id, a.anio))

    def _publicados(self) -> list[Protocolo]:
        for p in self.proyecciones.protocolos():
            publicada = f"{p['codigo']}@{p['version']}"
            if publicada not in self._plantillas:
                self._plantillas[publicada] = Protocolo.model_validate(p)
        return list(self._plantillas.values())

    def _protocolo(self, a: Asignacion, modalidad: str, clave: str | None) -> Protocolo:
        return del_plan(self._publicados(), clave, modalidad=modalidad, tipo_ie=a.tipo_ie, nivel=a.nivel, anio=a.anio,
                        dre=a.dre, ugel=a.ugel, ie=f"{a.codigo_modular}-{a.anexo}")

    def generar_planes_del_anio(self, anio: int, ugel: str | None = None) -> dict[str, int]:
        """Open the next etapa: a plan for ``anio`` for every docente whose plan of the year
        before is still active and whose convocatoria reaches ``anio``."""
        generados = existentes = 0
        for previo in self.proyecciones.planes(anio=anio - 1, ugel=ugel, activos=True):
            _, _, hasta = previo["convocatoria"].partition("-")
            if not hasta.isdigit() or int(hasta) < anio or previo["etapa"] >= 3:
                continue
            a = Asignacion(**{k: previo[k] for k in Asignacion.__dataclass_fields__} | {"anio": anio})
            if self.generar_plan(a, etapa=previo["etapa"] + 1, modalidad=previo["modalidad"]):
                generados += 1
            else:
                existentes += 1
        return {"generados": generados, "ya_existian": existentes}

    def reasignar(self, docente_id: str, de_acompanante: str, a_acompanante: str, motivo: str) -> int:
        """Move the docente's active plans to another acompañante; his scheduled visits with
        the one who leaves are cancelled. Returns how many plans moved."""
        if de_acompanante == a_acompanante:
            raise dm.AgendaInvalida("El docente ya está con ese acompañante.")
        movidos = 0
        for fila in self.proyecciones.planes(docente_id=docente_id, activos=True, modalidad="externa"):
            plan: dm.PlanAnual = self.repository.get(UUID(fila["plan_id"]))
            if plan.acompanante_id != de_acompanante:
                continue
            sale = self._agenda(de_acompanante, plan.plan.anio, plan.plan.dre, plan.plan.ugel)
            entra = self._agenda(a_acompanante, plan.plan.anio, plan.plan.dre, plan.plan.ugel)
            self._sacar(sale, docente_id, f"docente reasignado: {motivo}")
            recibido = {k: v for k, v in sale.recibido(docente_id).items() if k != str(entra.id)}
            entra.incorporar(docente_id=docente_id, plan=replace(resumen(plan.plan), recibido=recibido))
            plan.cambiar_acompanante(de_acompanante_id=de_acompanante, a_acompanante_id=a_acompanante, motivo=motivo)
            self.save(plan, sale, entra)
            movidos += 1
        return movidos

    def retirar(self, docente_id: str, motivo: str) -> int:
        retirados = 0
        for fila in self.proyecciones.planes(docente_id=docente_id, activos=True, modalidad="externa"):
            plan: dm.PlanAnual = self.repository.get(UUID(fila["plan_id"]))
            agenda = self._agenda(plan.acompanante_id, plan.plan.anio, plan.plan.dre, plan.plan.ugel)
            self._sacar(agenda, docente_id, f"docente retirado: {motivo}")
            plan.retirar(motivo=motivo)
            self.save(plan, agenda)
            retirados += 1
        return retirados

    @staticmethod
    def _sacar(agenda: dm.AgendaAcompanante, docente_id: str, motivo: str) -> None:
        if agenda.tiene(docente_id):
            for actividad_id, act in list(agenda.actividades.items()):
                if act.estado == "programada" and act.tipo == "visita" and act.es_de(docente_id):
                    agenda.cancelar(actividad_id, motivo)
            agenda.retirar_docente(docente_id=docente_id, motivo=motivo)

    def completar_curso(self, c: CompletarCurso) -> bool:
        return self.modificar(lambda: self.obtener(dm.plan_id(c.docente_id, c.anio), NotFound(
            f"El docente {c.docente_id} no tiene plan en {c.anio}.")),
            lambda plan: plan.completar_curso(c.registro_id, c.curso.valor()), CAMBIO_CONCURRENTE)

    def completar_curso_propio(self, c: CompletarCursoPropio) -> bool:
        return self.modificar(lambda: self._agenda_existente(c.acompanante_id, c.anio),
                              lambda agenda: agenda.completar_curso_propio(c.registro_id, c.curso.valor()),
                              CAMBIO_CONCURRENTE)

    # --- the school's directivo -------------------------------------------------------------

    def designar_directivo(self, c: DesignarDirectivo) -> bool:
        return self.modificar(lambda: self._ie(c.codigo_modular, c.anexo),
                              lambda ie: ie.designar_directivo(c.directivo_id, c.cargo))

    def registrar_docente_ie(self, docente_id: str, codigo_modular: str, anexo: int,
                             datos: DocenteEnIE) -> bool:
        """The padrón places the docente in a school (focalizacion's ``DocenteRegistradoEnIE``; ``datos``: his
        level and the school's territory); the school he was in before, if another, no longer lists him. The
        same news again changes nothing."""

        def intento() -> bool:
            destino = self._ie(codigo_modular, anexo)
            if destino.docentes.get(docente_id) == datos:
                return False
            cambiados = [destino]
            previa = self.proyecciones.ie_de_docente(docente_id)
            if previa is not None and previa != destino.id:
                origen: escuela.IEAcompanada = self.repository.get(previa)
                origen.dar_de_baja(docente_id=docente_id)
                cambiados.append(origen)
            destino.registrar_docente(docente_id=docente_id, datos=datos)
            self.save(*cambiados)
            return True
        return self.reintentar(intento)

    def directivo(self, ie: str | None) -> str | None:
        codigo_modular, _, anexo = (ie or "").partition("-")
        try:  # a school never registered has none (nothing is built to say so)
            return self.repository.get(dm.ie_id(codigo_modular, int(anexo))).directivo_id if ie else None
        except AggregateNotFoundError:
            return None

    def _ie(self, codigo_modular: str, anexo: int) -> escuela.IEAcompanada:
        try:
            return self.repository.get(dm.ie_id(codigo_modular, anexo))
        except AggregateNotFoundError:
            return escuela.IEAcompanada(codigo_modular=codigo_modular, anexo=anexo, id=dm.ie_id(codigo_modular, anexo))

    # --- the school's own plan (internal modality) ------------------------------------------------

    def elaborar_plan_ie(self, c: ElaborarPlanIE) -> tuple[UUID, bool]:
        """Record the school's plan for its year. The same plan re-sent records nothing; another plan for the
        same school and year is a conflict."""
        plan = self._plan_ie(c)
        pid = dm.plan_ie_id(plan.ie, plan.anio)
        previo: escuela.PlanMonitoreoIE | None = self.repository.get(pid) if self.existe(pid) else None
        if previo is None or previo.plan != plan:
            self._docentes_de_la_ie(plan)
        nuevo = self.crear_una_vez(escuela.PlanMonitoreoIE(plan=plan, id=pid), lambda previo: previo.plan == plan,
                                   f"La IE {plan.ie} ya tiene un plan de monitoreo {plan.anio} con otros "
                                   "datos.")
        return pid, nuevo

    def _plan_ie(self, c: ElaborarPlanIE) -> PlanIE:
        """The plan to record: its template, and its docentes (by default, every one the padrón places there)."""
        plantilla, tipo = self.plantilla_interna(c.protocolo, c.ie, c.anio, c.dre, c.ugel, c.tipo)
        conocidos = self.proyecciones.planes(ie=c.ie) + self.proyecciones.docentes_ie(c.ie)
        if conocidos and {(p["dre"], p["ugel"]) for p in conocidos} != {(c.dre, c.ugel)}:
            raise DomainError(f"La IE {c.ie} es de {conocidos[-1]['ugel']} ({conocidos[-1]['dre']}), no de {c.ugel}.")
        docentes = list(c.docentes) if c.docentes is not None else [
            DocentePlanIE(d["docente_id"]) for d in self.proyecciones.docentes_ie(c.ie)]
        if not docentes or len({d.docente_id for d in docentes}) != len(docentes):
            raise DomainError("Indique los docentes que cubre el plan, cada uno una vez (agenda no conoce docentes "
                              f"de la IE {c.ie}).")
        return plan_de_la_ie(c, plantilla, tipo, docentes)

    def _docentes_de_la_ie(self, plan: PlanIE) -> None:
        """A school's plan covers its own docentes, those the padrón registers in it (focalizacion's
        ``DocenteRegistradoEnIE``): approved, it places each in the school and so gives the directivo
        access to him. Any other is refused, naming the school the padrón places him in, if any."""
        registrados = self._ie(plan.codigo_modular, plan.anexo).docentes
        ajenos = [d.docente_id for d in plan.docentes if d.docente_id not in registrados]
        if ajenos:
            otras = self.proyecciones.ies_de_docentes(ajenos)
            motivos = [f"el docente {d} es de la IE {otras[d]}" if d in otras
                       else f"el docente {d} no figura en el padrón" for d in ajenos]
            raise escuela.DocentesDeOtraIE("; ".join(motivos) + f": el plan de la IE {plan.ie} cubre solo a "
                                           "los docentes que el padrón registra en ella")

    def plan_ie(self, plan_ie_id: str) -> escuela.PlanMonitoreoIE:
        return self.obtener(UUID(plan_ie_id), NotFound(f"No existe el plan de monitoreo {plan_ie_id}."))

    def aprobar_plan_ie(self, c: AprobarPlanIE) -> Resultado:
        """Approved (with its RD), the plan is in force: each docente it covers gets his internal
        plan, observed by the directivo (a re-sent approval completes what a failure left undone)."""
        nuevo = self.modificar(lambda: self.plan_ie(c.plan_ie_id), lambda plan: plan.aprobar(c.resolucion,
                                                                                            c.fecha.isoformat()))
        p = self.plan_ie(c.plan_ie_id).plan
        self.designar_directivo(DesignarDirectivo(p.codigo_modular, p.anexo, p.directivo_id, p.cargo))
        for docente in p.docentes:
            self.generar_plan(Asignacion(
                docente_id=docente.docente_id, acompanante_id=p.directivo_id, convocatoria=f"PMIE-{p.ie}-{p.anio}",
                anio=p.anio, codigo_modular=p.codigo_modular, anexo=p.anexo, dre=p.dre, ugel=p.ugel,
                tipo_ie=p.tipo_ie, nivel=p.nivel), etapa=1, modalidad="interna", protocolo=p.protocolo)
        return Resultado(nuevo)

    def socializar_plan_ie(self, c: SocializarPlanIE) -> Resultado:
        return self._cambiar_plan_ie(c.plan_ie_id, lambda plan: plan.socializar(c.valor()))

    def ejecutar_plan_ie(self, c: EjecutarPlanIE) -> Resultado:
        return self._cambiar_plan_ie(c.plan_ie_id, lambda plan: plan.ejecutar(c.valor()))

    def registrar_visita_entre_pares(self, c: RegistrarVisitaEntrePares) -> Resultado:
        """A peer visit of the school's plan (see ``PlanMonitoreoIE.registrar_visita_entre_pares``): both
        docentes must be the school's, as the padrón registers them (checked unless it is a re-send)."""
        visita = c.valor()

        def cambio(plan: escuela.PlanMonitoreoIE) -> bool:
            if plan.visitas_entre_pares.get(c.visita_id) != visita:
                self._del_padron(plan.plan, visita)
            return plan.registrar_visita_entre_pares(c.visita_id, visita)
        return self._cambiar_plan_ie(c.plan_ie_id, cambio)

    def _del_padron(self, plan: PlanIE, visita: VisitaEntrePares) -> None:
        registrados = self._ie(plan.codigo_modular, plan.anexo).docentes
        for campo in ("docente_visitante_id", "docente_visitado_id"):
            docente = getattr(visita, campo)
            if docente not in registrados:
                otra = self.proyecciones.ies_de_docentes([docente]).get(docente)
                donde = f"es de la IE {otra}" if otra else "no figura en el padrón"
                raise escuela.DocenteAjenoAlPlan(campo, (
                    f"el docente {docente} {donde}: una visita entre pares es entre docentes que el padrón "
                    f"registra en la IE {plan.ie}"))

    def _cambiar_plan_ie(self, plan_ie_id: str, cambio: Any) -> Resultado:
        return Resultado(self.modificar(lambda: self.plan_ie(plan_ie_id), cambio))

    def plantilla_interna(self, clave: str | None, ie: str, anio: int, dre: str, ugel: str,
                          tipo: str | None) -> tuple[Protocolo, str]:
        return interna(self._publicados(), clave, ie=ie, anio=anio, dre=dre, ugel=ugel, tipo=tipo)

    # --- scheduling and delivery: each command get → call → save (``_programar``...), run again by ``reintentar``

    def programar(self, c: ProgramarActividad) -> Resultado:
        return self.reintentar(lambda: self._programar(c), CAMBIO_CONCURRENTE, clave=dm.agenda_id(c.acompanante_id,
                                                                                                  c.anio))

    def _programar(self, c: ProgramarActividad) -> Resultado:
        agenda = self._agenda_existente(c.acompanante_id, c.anio)
        datos = a_programar(agenda, c.tipo, c.actividad_id, c.pedido)
        reserva = self._reservar(agenda, c.actividad_id)
        nuevo = agenda.programar(c.actividad_id, c.tipo, datos, self.directivo(datos.ie))
        if nuevo:
            self.save(agenda, *reserva)
        return Resultado(nuevo, agenda.advertencias(date.fromisoformat(datos.fecha_inicio)))

    def reprogramar(self, c: ReprogramarActividad) -> Resultado:
        return self.reintentar(lambda: self._reprogramar(c), CAMBIO_CONCURRENTE, clave=self._clave(c.actividad_id))

    def _reprogramar(self, c: ReprogramarActividad) -> Resultado:
        agenda = self._agenda_de(c.actividad_id)
        datos = reprogramada(agenda, c.actividad_id, c.cambios)
        nuevo = agenda.reprogramar(c.actividad_id, datos, c.motivo, self.directivo(datos.ie))
        if nuevo:
            self.save(agenda)
        return Resultado(nuevo, agenda.advertencias(date.fromisoformat(datos.fecha_inicio)))

    def cancelar(self, c: CancelarActividad) -> Resultado:
        return self.reintentar(lambda: self._cancelar(c), CAMBIO_CONCURRENTE, clave=self._clave(c.actividad_id))

    def _cancelar(self, c: CancelarActividad) -> Resultado:
        agenda = self._agenda_de(c.actividad_id)
        nuevo = agenda.cancelar(c.actividad_id, c.motivo)
        if nuevo:
            self.save(agenda)
        return Resultado(nuevo, agenda.advertencias(date.fromisoformat(agenda.actividades[c.actividad_id].fecha_inicio)))

    def realizar(self, c: RealizarActividad) -> Resultado:
        return self.reintentar(lambda: self._realizar(c), CAMBIO_CONCURRENTE, clave=dm.agenda_id(c.acompanante_id,
                                                                                                 c.anio))

    def _realizar(self, c: RealizarActividad) -> Resultado:
        agenda = self._agenda_existente(c.acompanante_id, c.anio)
        datos = cifrada(self.cifrador, de_actividad(agenda, c.tipo, c.pedido, realizada=True),
                        agenda.actividades.get(c.actividad_id))
        reserva = self._reservar(agenda, c.actividad_id)
        nuevo = agenda.realizar(c.actividad_id, c.tipo, datos, self.directivo(datos.ie))
        if nuevo:
            self.save(agenda, *reserva)
        return Resultado(nuevo)

    def cancelar_datos_personales(self, docente_id: str, aviso_id: str) -> bool:
        """focalizacion cancelled the docente's personal data: erase agenda's key of his free text (a
        redelivered notice erases nothing new)."""
        return self.cifrador.llavero.suprimir(dm.sujeto_docente(docente_id), f"DatosPersonalesCancelados ({aviso_id})")

    def _clave(self, actividad_id: str) -> UUID | None:
        """The agenda whose commands an activity's change waits for (``reintentar``), if it exists."""
        try:
            reserva: dm.Reserva = self.repository.get(dm.reserva_id(actividad_id))
        except AggregateNotFoundError:
            return None
        return dm.agenda_id(reserva.acompanante_id, reserva.anio)

    def _reservar(self, agenda: dm.AgendaAcompanante, actividad_id: str) -> list[dm.Reserva]:
        """A device's id names one activity: claim it for this agenda, or refuse it if another
        acompañante's agenda has it. The claim is saved with the agenda (a race loses on save)."""
        if actividad_id in agenda.actividades:
            return []  # a re-send or a change to his own activity
        rid = dm.reserva_id(actividad_id)
        if self.existe(rid):
            reserva: dm.Reserva = self.repository.get(rid)
            if (reserva.acompanante_id, reserva.anio) == (agenda.acompanante_id, agenda.anio):
                raise Desactualizado(actividad_id)  # claimed by this agenda since it was read: read it again
            raise Conflict(f"El identificador {actividad_id} ya se usó en la agenda de otro acompañante.")
        return [dm.Reserva(id=rid, acompanante_id=agenda.acompanante_id, anio=agenda.anio)]

    def _agenda(self, acompanante_id: str, anio: int, dre: str, ugel: str) -> dm.AgendaAcompanante:
        aid = dm.agenda_id(acompanante_id, anio)
        try:
            return self.repository.get(aid)
        except AggregateNotFoundError:
            return dm.AgendaAcompanante(acompanante_id=acompanante_id, anio=anio, dre=dre, ugel=ugel, id=aid)

    def _agenda_existente(self, acompanante_id: str, anio: int) -> dm.AgendaAcompanante:
        return self.obtener(dm.agenda_id(acompanante_id, anio), dm.AgendaInvalida(
            f"El acompañante {acompanante_id} no tiene docentes asignados en {anio}."))

    def acompanante_de(self, actividad_id: str) -> str:
        """Whose agenda holds the activity (NotFound if none)."""
        return self._agenda_de(actividad_id).acompanante_id

    def _agenda_de(self, actividad_id: str) -> dm.AgendaAcompanante:
        reserva: dm.Reserva = self.obtener(dm.reserva_id(actividad_id), NotFound(f"No existe la actividad {actividad_id}."))
        return self.repository.get(dm.agenda_id(reserva.acompanante_id, reserva.anio))

    def agenda(self, acompanante_id: str, anio: int) -> dm.AgendaAcompanante:
        return self.obtener(dm.agenda_id(acompanante_id, anio),
                            NotFound(f"El acompañante {acompanante_id} no tiene agenda en {anio}."))
