"""evaluacion's write side: the formative evaluation of each docente and the facts of the matrices.

What agenda, evidencias and focalizacion report (plans, observations, acompañantes) is recorded
here as evaluacion's own facts, so every rule is checked against this service's store: a
valuation is refused when the docente has no plan that year, when another acompañante holds
him, when it rests on evidence his record does not hold, or when it names a competency he is
not coached in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from itertools import takewhile
from zoneinfo import ZoneInfo
from typing import Any

from eventsourcing.application import AggregateNotFoundError, project_aggregate

from services.evaluacion import domainmodel as dm
from services.evaluacion import encuestas as enc
from services.evaluacion import informe_trimestral as it
from services.evaluacion import reportes
from services.evaluacion.comandos import (
    AcusarRecibo, CambiarAcompanante, CerrarEtapa, ConocerAcompanante, ConocerEvidencia, CorregirCierre,
    DisponerMedida, EnviarInforme, EvaluarDesempeno, RegistrarConsulta, RegistrarSituacionInicial,
    ResponderEncuesta, SeguirMedida, Trimestre, Valorar,
)
from services.evaluacion.metas import NIVELES, Metas, incluidas
from services.evaluacion.valores import (VALORES, ConsultaHistoria, Desempeno, Envio, Medida, NivelInicial,
                                         PlanDocente, Recepcion, RespuestaEncuesta, Seguimiento,
                                         TerritorioAcompanante)
from shared.eventstore import Conflict, EnEspera, Forbidden, NotFound, ServiceApplication
from shared.settings import ServiceSettings
from shared.telemetry import current_actor

Invalida = dm.EvaluacionInvalida
Pendiente = dm.Pendiente
ESPECIALISTAS = frozenset({"especialista_ugel", "especialista_dre", "minedu"})
DEFINEN_METAS = frozenset({"especialista_dre", "minedu"})
COMPETENCIAS = ("C2", "C3", "C4", "C5", "C6", "C7")
LIMA = ZoneInfo("America/Lima")
PREGUNTAS_ENCUESTA = ("pertinencia", "calidad_formacion", "calidad_recursos", "utilidad_recursos")  # NT-026 §5.5.2


def hoy_en_lima() -> date:
    return datetime.now(LIMA).date()


def _check_niveles(niveles: dict[str, str]) -> None:
    malas = [c for c in niveles if c not in COMPETENCIAS]
    if malas:
        raise Invalida(f"Competencias desconocidas: {', '.join(malas)} (son {', '.join(COMPETENCIAS)}).")
    malos = sorted({n for n in niveles.values() if n not in NIVELES})
    if malos:
        raise Invalida(f"Niveles desconocidos: {', '.join(malos)} (son {', '.join(NIVELES)}).")


class Evaluacion(ServiceApplication):
    name = "Evaluacion"
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}
    valores = {**VALORES, "evaluacion.Metas": Metas}  # noqa: RUF012

    def __init__(self, settings: ServiceSettings, reloj: Callable[[], date] = hoy_en_lima) -> None:
        super().__init__(settings)
        self.reloj = reloj

    # --- what the other services report -------------------------------------------------------

    def _docente(self, docente_id: str, crear: bool = False) -> dm.Docente | None:
        try:
            return self.repository.get(dm.docente_id(docente_id))
        except AggregateNotFoundError:
            return dm.Docente(id=dm.docente_id(docente_id), docente_id=docente_id) if crear else None

    def _con_plan(self, docente_id: str, anio: int) -> dm.Docente:
        docente = self._docente(docente_id)
        if docente is None or anio not in docente.planes:
            raise Pendiente(f"aún no se conoce el plan {anio} del docente {docente_id}")
        return docente

    # Each command is get → call → save: ``modificar`` reads the aggregate, calls its command (True when it
    # recorded something) and saves it, all again when another writer saved the aggregate first.

    def conocer_plan(self, plan: PlanDocente) -> bool:
        return self.modificar(lambda: self._docente(plan.docente_id, crear=True),
                              lambda d: d.conocer(plan))

    def cambiar_acompanante(self, c: CambiarAcompanante) -> bool:
        return self.modificar(lambda: self._con_plan(c.docente_id, c.anio),
                              lambda d: d.reasignar(c.anio, c.de, c.a, c.aviso_id))

    def cerrar_plan(self, docente_id: str, anio: int) -> bool:
        return self.modificar(lambda: self._con_plan(docente_id, anio), lambda d: d.retirar(anio))

    def conocer_evidencia(self, c: ConocerEvidencia) -> bool:
        return self.modificar(lambda: self._docente(c.docente_id, crear=True),
                              lambda d: d.registrar_evidencia(c.evidencia_id, c.evidencia))

    def conocer_acompanante(self, c: ConocerAcompanante) -> bool:
        territorio = TerritorioAcompanante(c.dre, c.ugel, c.tipo_ie, c.convocatoria)
        return self.modificar(lambda: self._acompanante(c.acompanante_id, crear=True),
                              lambda a: a.situar(territorio))

    def _acompanante(self, acompanante_id: str, crear: bool = False) -> enc.Acompanante | None:
        try:
            return self.repository.get(enc.acompanante_id(acompanante_id))
        except AggregateNotFoundError:
            return enc.Acompanante(id=enc.acompanante_id(acompanante_id),
                                  acompanante_id=acompanante_id) if crear else None

    # --- the formative evaluation ---------------------------------------------------------------

    def _docente_a_la_fecha(self, docente_id: str, fecha: date) -> dm.Docente:
        if fecha > self.reloj():
            raise Invalida(f"La fecha {fecha:%d/%m/%Y} es futura: se valora lo ya observado.")
        docente = self._docente(docente_id)
        if docente is None:
            raise EnEspera(f"evaluacion no conoce al docente {docente_id} (su plan aún no llega de agenda): se "
                           "registrará cuando llegue.")
        return docente

    def registrar_situacion_inicial(self, c: RegistrarSituacionInicial) -> bool:
        _check_niveles({comp: n["nivel"] for comp, n in c.niveles.items()})
        niveles = {comp: NivelInicial.de(n) for comp, n in c.niveles.items()}
        return self.modificar(lambda: self._docente_a_la_fecha(c.docente_id, c.fecha),
                              lambda d: d.registrar_situacion_inicial(c.acompanante_id, c.fecha, niveles))

    def valorar(self, c: Valorar) -> bool:
        _check_niveles({c.competencia: c.nivel})
        return self.modificar(lambda: self._docente_a_la_fecha(c.docente_id, c.fecha), lambda d: d.valorar(
            c.valoracion_id, c.acompanante_id, c.fecha, c.competencia, c.nivel, list(c.evidencias), c.sustento))

    def cerrar_etapa(self, c: CerrarEtapa) -> bool:
        _check_niveles(c.niveles)
        if c.fecha.year not in (c.anio, c.anio + 1) or c.fecha < date(c.anio, 3, 1):
            raise Invalida(f"La etapa {c.anio} se cierra al término de su año escolar, no el {c.fecha:%d/%m/%Y}.")
        return self.modificar(lambda: self._docente_a_la_fecha(c.docente_id, c.fecha),
                              lambda d: d.cerrar_etapa(c.acompanante_id, c.anio, c.fecha, c.niveles))

    def corregir_cierre(self, c: CorregirCierre) -> bool:
        _check_niveles(c.niveles)
        if c.fecha > self.reloj():
            raise Invalida(f"La fecha {c.fecha:%d/%m/%Y} es futura.")
        especialista = current_actor.get().rol in ESPECIALISTAS
        return self.modificar(lambda: self._con_plan_o_404(c.docente_id), lambda d: d.corregir_cierre(
            c.anio, c.fecha, c.niveles, c.motivo, c.acompanante_id, especialista))

    def _con_plan_o_404(self, docente_id: str) -> dm.Docente:
        docente = self._docente(docente_id)
        if docente is None:
            raise NotFound(f"evaluacion no conoce al docente {docente_id}.")
        return docente

    # --- metas ----------------------------------------------------------------------------------

    def definir_metas(self, metas: Metas, *, sistema: bool = False) -> bool:
        if not sistema and current_actor.get().rol not in DEFINEN_METAS:
            raise Forbidden("Las metas de etapa las publica la DRE o el MINEDU (rol especialista_dre o minedu).")
        if metas.version > 1 and not self.existe(dm.metas_id(metas.convocatoria, metas.tipo_ie, metas.version - 1)):
            raise Invalida(f"Publique antes la versión {metas.version - 1} de las metas de {metas.tipo_ie}: "
                           "las versiones van en orden.")
        return self.crear_una_vez(
            dm.Metas(id=dm.metas_id(metas.convocatoria, metas.tipo_ie, metas.version), metas=metas),
            lambda previo: previo.metas == metas,
            f"La versión {metas.version} de las metas de {metas.tipo_ie} ya se publicó con otro contenido: "
            "publique una versión nueva.")

    def publicar_metas_incluidas(self) -> None:
        for metas in incluidas():
            self.definir_metas(metas, sistema=True)

    # --- the matrices' other facts --------------------------------------------------------------

    def responder_encuesta(self, c: ResponderEncuesta) -> tuple[str, bool]:
        encuestado, persona_id, anio, periodo, respuestas = c.encuestado, c.persona_id, c.anio, c.periodo, c.respuestas
        faltan = [p for p in PREGUNTAS_ENCUESTA if p not in respuestas]
        if faltan:
            raise Invalida(f"Faltan respuestas: {', '.join(faltan)}.")
        otras = [p for p in respuestas if p not in PREGUNTAS_ENCUESTA]
        fuera = [p for p, v in respuestas.items() if not isinstance(v, int) or not 1 <= v <= 5]
        if otras or fuera:
            raise Invalida(f"Respuestas no válidas: {', '.join(otras + fuera)} (preguntas "
                           f"{', '.join(PREGUNTAS_ENCUESTA)}, de 1 a 5).")
        if encuestado == "docente":
            if periodo != "anual":
                raise Invalida("La satisfacción de los docentes se recoge una vez al año (periodo 'anual', "
                               "NT-026 §5.5.2).")
            docente = self._docente(persona_id)
            plan = docente.planes.get(anio) if docente else None
            if plan is None:
                raise Invalida(f"El docente no tiene plan de acompañamiento en {anio}: no se le encuesta.")
            territorio = {"dre": plan.dre, "ugel": plan.ugel}
        else:
            if periodo == "anual":
                raise Invalida("La satisfacción de los acompañantes se recoge cada semestre (semestre_1 o "
                               "semestre_2, NT-026 §5.5.2).")
            territorio = self._territorio_acompanante(persona_id)
        id_ = enc.encuesta_id(encuestado, persona_id, anio, periodo)
        encuesta = RespuestaEncuesta(str(id_), encuestado, persona_id, anio, periodo, respuestas, c.comentario,
                                     **territorio)
        nueva = self.crear_una_vez(enc.Encuesta(id=id_, **asdict(encuesta)),
                                   lambda previa: previa.encuesta == encuesta,
                                   f"Esa persona ya respondió la encuesta del periodo {periodo} de {anio}.")
        return str(id_), nueva

    def _territorio_acompanante(self, acompanante_id: str) -> dict[str, str]:
        acompanante = self._acompanante(acompanante_id)
        if acompanante is None or acompanante.territorio is None:
            raise Invalida(f"evaluacion no conoce al acompañante {acompanante_id} (focalizacion aún no lo "
                           "ha incorporado).")
        return {"dre": acompanante.territorio.dre, "ugel": acompanante.territorio.ugel}

    def ugel_del_acompanante(self, acompanante_id: str) -> str | None:
        acompanante = self._acompanante(acompanante_id)
        return acompanante.territorio.ugel if acompanante and acompanante.territorio else None

    def evaluar_desempeno(self, c: EvaluarDesempeno) -> tuple[str, bool]:
        acompanante_id, anio, momento, fecha, criterios, nivel = (c.acompanante_id, c.anio, c.momento, c.fecha,
                                                                  c.criterios, c.nivel)
        if current_actor.get().rol not in ESPECIALISTAS:
            raise Forbidden("El desempeño del acompañante lo evalúan las direcciones responsables o sus "
                            "especialistas (NT-026 §5.5.3).")
        if fecha > self.reloj():
            raise Invalida(f"La fecha {fecha:%d/%m/%Y} es futura.")
        malos = sorted({n for n in (nivel, *criterios.values()) if n not in NIVELES})
        if malos or not criterios:
            raise Invalida(f"Niveles desconocidos: {', '.join(malos)} (son {', '.join(NIVELES)}), o sin criterios.")
        territorio = self._territorio_acompanante(acompanante_id)
        id_ = enc.desempeno_id(acompanante_id, anio, momento)
        evaluacion = Desempeno(str(id_), acompanante_id, anio, momento, fecha, criterios, nivel, c.evaluador,
                               **territorio)
        nueva = self.crear_una_vez(
            enc.DesempenoAcompanante(id=id_, **asdict(evaluacion)), lambda previa: previa.evaluacion == evaluacion,
            f"El desempeño del acompañante en {momento} de {anio} ya se evaluó.")
        return str(id_), nueva

    # --- the UGEL's quarterly report to its DRE and its corrective measures (NT-026 §6.2, §6.3) ---------

    def enviar_informe(self, c: EnviarInforme, cifras: Callable[[], dict[str, Any]]) -> bool:
        """Record the report as sent, with the figures ``cifras`` computes: only once the quarter ended
        and when it was not sent yet (a re-send answers before anything is computed)."""
        ugel, anio, trimestre = c.informe.ugel, c.informe.anio, c.informe.trimestre
        hoy = self.reloj()
        _, fin = reportes.trimestre(anio, trimestre)
        if hoy <= fin:
            raise Invalida(f"El trimestre {trimestre} de {anio} termina el {fin:%d/%m/%Y}: el informe de avance se "
                           "remite después.")
        observaciones = c.observaciones.strip()
        conflicto = f"La UGEL ya remitió el informe del trimestre {trimestre} de {anio}."

        def igual(previo: it.InformeTrimestral) -> bool:
            return previo.envio.observaciones == observaciones
        previo = self.informe(ugel, anio, trimestre)
        if previo is not None:
            if igual(previo):
                return False
            raise Conflict(conflicto)
        envio = Envio(enviado_por=current_actor.get().usuario, fecha=hoy, resumen=cifras(), observaciones=observaciones)
        id_ = it.informe_id(ugel, anio, trimestre)
        return self.crear_una_vez(
            it.InformeTrimestral(id=id_, ugel=ugel, dre=c.dre, anio=anio, trimestre=trimestre, envio=envio), igual,
            conflicto)

    def _informe(self, t: Trimestre) -> it.InformeTrimestral:
        return self.obtener(it.informe_id(t.ugel, t.anio, t.trimestre), Invalida(
            f"La UGEL {t.ugel} aún no remitió el informe del trimestre {t.trimestre} de {t.anio}."))

    def informe(self, ugel: str, anio: int, trimestre: int, al: datetime | None = None) -> it.InformeTrimestral | None:
        """The report's course as recorded by ``al`` (by default, as it stands): a report read at a cut
        does not change with what is recorded afterwards."""
        id_ = it.informe_id(ugel, anio, trimestre)
        if al is None:
            try:
                return self.repository.get(id_)
            except AggregateNotFoundError:
                return None
        hasta = takewhile(lambda e: e.timestamp <= al, self.repository.event_store.get(id_))
        return project_aggregate(None, hasta)

    def acusar_recibo(self, c: AcusarRecibo) -> bool:
        recepcion = Recepcion(recibido_por=current_actor.get().usuario, fecha=self.reloj(),
                              observaciones=c.observaciones.strip())
        return self.modificar(lambda: self._informe(c.informe), lambda informe: informe.acusar_recibo(recepcion))

    def disponer_medida(self, c: DisponerMedida, ugel_del_objeto: str | None) -> bool:
        """A corrective measure against a school or an acompañante of the report's UGEL (``ugel_del_objeto``:
        where that school or acompañante is, as the read models know it)."""
        ugel = c.informe.ugel
        que = "La IE" if c.sobre == "ie" else "El acompañante"
        if ugel_del_objeto != ugel:
            raise Invalida(f"{que} no está en la UGEL {ugel}" + (" (evaluacion no la conoce)." if ugel_del_objeto is None
                                                                  else f" sino en {ugel_del_objeto}."))
        registro = Medida(sobre=c.sobre, codigo_modular=c.codigo_modular, anexo=c.anexo,
                          acompanante_id=c.acompanante_id, descripcion=c.descripcion.strip(), plazo=c.plazo,
                          dispuesta_por=current_actor.get().usuario, fecha=self.reloj())
        return self.modificar(lambda: self._informe(c.informe),
                              lambda informe: informe.disponer_medida(c.medida_id, registro))

    def seguir_medida(self, c: SeguirMedida) -> bool:
        """A follow-up of a measure; ``seguimiento_id`` (the sender's) tells a re-send from a new one."""
        seguimiento = Seguimiento(estado=c.estado, avance=c.avance.strip(), fecha=self.reloj(),
                                  por=current_actor.get().usuario, seguimiento_id=c.seguimiento_id or None)
        return self.modificar(lambda: self._informe(c.informe),
                              lambda informe: informe.seguir_medida(c.medida_id, seguimiento))

    # --- who reads a docente's history ---------------------------------------------------------------

    def registrar_consulta(self, c: RegistrarConsulta) -> bool:
        """Record a read of the docente's history by anyone but himself (who, when, why, what)."""
        actor = current_actor.get()
        if actor.rol == "docente" and actor.usuario == c.docente_id:
            return False
        return self.modificar(lambda: self._accesos(c.docente_id), lambda accesos: accesos.registrar(
            usuario=actor.usuario, rol=actor.rol, motivo=c.motivo, consulta=ConsultaHistoria.de(c.consulta)))

    def _accesos(self, docente_id: str) -> dm.AccesosHistoria:
        try:
            return self.repository.get(dm.accesos_id(docente_id))
        except AggregateNotFoundError:
            return dm.AccesosHistoria(id=dm.accesos_id(docente_id), docente_id=docente_id)

    def accesos(self, docente_id: str) -> list[dict[str, Any]]:
        """Every recorded read of the docente's history, oldest first, with when it happened."""
        eventos = [e for e in self.repository.event_store.get(dm.accesos_id(docente_id))
                   if isinstance(e, dm.AccesosHistoria.HistoriaConsultada)]
        return [{"en": e.timestamp.isoformat(), "usuario": e.usuario, "rol": e.rol, "motivo": e.motivo,
                 "consulta": e.consulta.como_dict()} for e in eventos]

    def docente(self, docente_id: str) -> dm.Docente:
        docente = self._docente(docente_id)
        if docente is None:
            raise NotFound(f"evaluacion no conoce al docente {docente_id}.")
        return docente


__all__ = ["Conflict", "Evaluacion", "Invalida", "Pendiente"]
