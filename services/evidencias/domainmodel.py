"""evidencias's aggregates (NT-026 §5.2.6 a–b, §5.2.7, §5.3; the planificador of the 2024 school plan;
Chile's guide for the execution stage).

- ``Instrumento``: a published version of an observation instrument, immutable.
- ``DocenteAcompanado`` (in ``services.evidencias.docentes``): what evidencias knows of a docente: who holds
  him each year (from agenda's plans), his necesidades formativas, and whether his personal data were cancelled.
- ``Visita``: a visit agenda reported as realized, and what it left behind: the observation (and
  its corrections, as new events), the feedback and the attachments.
- ``Compromiso``: a docente's commitment, from the visit where he took it to the later visit that
  verified it, or to its due date passing unverified. It outlives the etapa.
- ``Reunion``: a GIA or RTC agenda reported as realized, and its acta.
- ``SesionEjecucion`` and ``Autoevaluacion``: the execution-stage record and the coach's self-evaluation of
  Chile's guide.

Every command that creates something carries the id the coach's device gave it, so a re-sent
request is recognised (same content: nothing new; other content: 409).

What a visit, a commitment, a GIA/RTC or a docente's plan leaves behind carries its context
(``services.evidencias.valores``) from version 2; version 1 events are read with it None. The record itself (an
observation, a feedback, a verification, an acta, an attachment) is a value of ``valores`` from version 3, kept
so by the aggregates; the dict versions 1 and 2 stored is read into it. So is, from version 2, what a commitment,
an execution session, a self-evaluation (``registros``) and a published instrument were created with.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, get_args
from uuid import UUID

from eventsourcing.domain import event

from services.evidencias.docentes import DocenteAcompanado  # noqa: F401  (dm.DocenteAcompanado)
from services.evidencias.identidades import (NS, autoevaluacion_id, compromiso_id,  # noqa: F401  (dm.visita_id...)
                                             docente_id, instrumento_id, reunion_id, sesion_id, sujeto_docente,
                                             sujeto_reunion, visita_id)
from services.evidencias import registros
from services.evidencias.instrumentos import Instrumento as InstrumentoPublicado
from services.evidencias.valores import (Acta, Adjunto, CompromisoAsumido, CompromisoDe, Observacion,
                                        Retroalimentacion, ReunionDe, ReunionRealizada, Verificacion, VisitaDe,
                                        VisitaRealizada)
from shared.contracts.evidencias import Resultado
from shared.eventstore import Aggregate, Conflict, DomainError, EnEspera
from shared.valores import como_valor

# What a verification concludes: the values of the published contract (``CompromisoVerificadoV1``).
RESULTADOS: tuple[str, ...] = get_args(Resultado)


class EvidenciaInvalida(DomainError):
    """A record that breaks a rule of the norm or of its instrument; the message says which."""


class Instrumento(Aggregate):
    class Publicado(Aggregate.Created):
        instrumento: InstrumentoPublicado  # stored by its JSON, as version 1 kept it
        class_version = 2
        upcast_v1_v2 = como_valor(instrumento=InstrumentoPublicado)

    @event(Publicado)
    def __init__(self, id: UUID, instrumento: InstrumentoPublicado) -> None:  # noqa: A002
        self.instrumento = instrumento


class ConAdjuntos(Aggregate):
    """A visit or a GIA/RTC: both keep attachments (``self.adjuntos``), by the SHA-256 of their content.

    An attachment's file name and description may name people: they are stored encrypted
    (``personales``) with the key of the visit's docente, or of the GIA/RTC itself (several docentes).
    Its hash, type and size stay clear: the hash is the content's reference, published in
    ``EvidenciaAdjuntada``."""

    personales = ("nombre", "descripcion")

    class EvidenciaAdjuntada(Aggregate.Event):
        adjunto: Adjunto
        propietario: VisitaDe | ReunionDe | None
        class_version = 3
        upcast_v1_v2 = como_valor({"propietario": None})
        upcast_v2_v3 = como_valor(adjunto=Adjunto)

    def sujeto(self) -> str:
        raise NotImplementedError

    def de(self) -> VisitaDe | ReunionDe:
        raise NotImplementedError

    def adjuntar(self, adjunto: Adjunto) -> bool:
        if adjunto.sha256 in self.adjuntos:
            return False
        self._evidencia_adjuntada(adjunto=adjunto, propietario=self.de())
        return True

    @event(EvidenciaAdjuntada)
    def _evidencia_adjuntada(self, adjunto: Adjunto, propietario: VisitaDe | ReunionDe | None) -> None:
        self.adjuntos[adjunto.sha256] = adjunto


class Visita(ConAdjuntos):
    class ObservacionRegistrada(Aggregate.Event):
        observacion_id: str
        observacion: Observacion
        visita: VisitaDe | None
        class_version = 3
        upcast_v1_v2 = como_valor({"visita": None})
        upcast_v2_v3 = como_valor(observacion=Observacion)

    class ObservacionCorregida(Aggregate.Event):
        observacion_id: str
        observacion: Observacion
        visita: VisitaDe | None
        motivo: str
        autor_id: str
        autor_rol: str
        correccion: int
        class_version = 3
        upcast_v1_v2 = como_valor({"visita": None})
        upcast_v2_v3 = como_valor(observacion=Observacion)

    class RetroalimentacionBrindada(Aggregate.Event):
        retroalimentacion: Retroalimentacion
        visita: VisitaDe | None
        class_version = 3
        upcast_v1_v2 = como_valor({"visita": None})
        upcast_v2_v3 = como_valor(retroalimentacion=Retroalimentacion)

    class Conocida(Aggregate.Created):
        visita: VisitaRealizada
        class_version = 2
        upcast_v1_v2 = como_valor(visita=VisitaRealizada)

    @event(Conocida)
    def __init__(self, id: UUID, visita: VisitaRealizada) -> None:  # noqa: A002
        self.visita = visita  # as agenda reported it: docente, acompañante, IE, territory, dates
        self.observaciones: dict[str, Observacion] = {}  # by observacion_id: the current content
        self.historial: dict[str, list[Observacion]] = {}  # the original and each correction
        self.retroalimentacion: Retroalimentacion | None = None
        self.adjuntos: dict[str, Adjunto] = {}  # by sha256

    def sujeto(self) -> str:
        return sujeto_docente(self.visita.docente_id)

    def de(self) -> VisitaDe:
        return VisitaDe.de(self.visita)

    @property
    def inicio(self) -> date:
        return self.visita.fecha_inicio

    @property
    def fin(self) -> date:
        return self.visita.fecha_fin

    def check_autor(self, acompanante_id: str) -> None:
        if acompanante_id != self.visita.acompanante_id:
            raise EvidenciaInvalida("La visita la realizó otro acompañante: solo él registra lo que dejó.")

    def registrar_observacion(self, observacion_id: str, observacion: Observacion) -> bool:
        previa = self.historial.get(observacion_id)
        if previa is not None:
            if previa[0] != observacion:
                raise Conflict(f"La observación {observacion_id} ya se registró con otro contenido: corríjala.")
            return False
        mismo = [k for k, o in self.observaciones.items() if o.instrumento == observacion.instrumento]
        if mismo:
            raise Conflict(f"La visita ya tiene una observación con {observacion.instrumento} "
                           f"({mismo[0]}): corrija esa en lugar de registrar otra.")
        self._observacion_registrada(observacion_id=observacion_id, observacion=observacion, visita=self.de())
        return True

    @event(ObservacionRegistrada)
    def _observacion_registrada(self, observacion_id: str, observacion: Observacion, visita: VisitaDe | None) -> None:
        self.observaciones[observacion_id] = observacion
        self.historial[observacion_id] = [observacion]

    def corregir_observacion(self, observacion_id: str, observacion: Observacion, motivo: str,
                             autor_id: str, autor_rol: str) -> bool:
        actual = self.observacion(observacion_id)
        if observacion.instrumento != actual.instrumento:
            raise EvidenciaInvalida("Una corrección usa el mismo instrumento y versión que la observación.")
        if observacion == actual or observacion in self.historial[observacion_id][1:]:
            return False  # nothing to correct, or a correction already recorded sent again
        self._observacion_corregida(observacion_id=observacion_id, observacion=observacion, visita=self.de(),
                                    motivo=motivo, autor_id=autor_id, autor_rol=autor_rol,
                                    correccion=len(self.historial[observacion_id]))
        return True

    @event(ObservacionCorregida)
    def _observacion_corregida(self, observacion_id: str, observacion: Observacion, visita: VisitaDe | None,  # noqa: PLR0913
                               motivo: str, autor_id: str, autor_rol: str, correccion: int) -> None:
        self.observaciones[observacion_id] = observacion
        self.historial[observacion_id].append(observacion)

    def observacion_con(self, item: str) -> Observacion | None:
        """The visit's observation whose instrument has ``item`` among what it rated."""
        return next((o for o in self.observaciones.values() if item in o.niveles), None)

    def observacion(self, observacion_id: str) -> Observacion:
        """The observation as it stands now (its last correction); one not arrived yet is waited for."""
        actual = self.observaciones.get(observacion_id)
        if actual is None:
            raise EnEspera(f"La visita aún no tiene la observación {observacion_id}: la corrección se registrará "
                           "cuando llegue.")
        return actual

    def compromiso(self, asumido_id: str, acompanante_id: str, asumido: dict[str, Any]) -> CompromisoAsumido:
        """The commitment ``asumido_id`` taken here (``asumido``: item, description, due date, how it is checked,
        in clear), bound to a desempeño observed here and due after the visit, with the visit's context."""
        observacion = self.observacion_con(asumido["item"])
        if observacion is None and not self.observaciones:
            raise EnEspera("El compromiso se liga a un desempeño observado en la visita: se registrará cuando "
                           "llegue su observación.")
        if observacion is None:
            raise EvidenciaInvalida(f"El compromiso se liga a un desempeño observado en la visita; {asumido['item']} "
                                    "no se observó.")
        if date.fromisoformat(asumido["fecha_limite"]) <= self.fin:
            raise EvidenciaInvalida("La fecha límite del compromiso debe ser posterior a la visita.")
        v = self.visita
        return CompromisoAsumido.de({
            **v.como_dict(), "compromiso_id": asumido_id, "acompanante_id": acompanante_id,
            "fecha_visita": v.fecha_inicio, "fecha_visita_fin": v.fecha_fin, "instrumento": observacion.instrumento,
            "version": observacion.version, "competencia": observacion.niveles[asumido["item"]].competencia, **asumido})

    def brindar_retroalimentacion(self, retroalimentacion: Retroalimentacion) -> bool:
        if not self.observaciones:
            raise EnEspera("La retroalimentación parte de la evidencia: se registrará cuando llegue la observación "
                           "de la visita (NT-026 §5.2.6 a).")
        if self.retroalimentacion is not None:
            if self.retroalimentacion != retroalimentacion:
                raise Conflict("La visita ya tiene registrada su retroalimentación.")
            return False
        no_observados = [a for a in retroalimentacion.aspectos_priorizados if self.observacion_con(a) is None]
        if no_observados:
            raise EvidenciaInvalida(f"Se priorizan desempeños que no se observaron en la visita: {', '.join(no_observados)}.")
        self._retroalimentacion_brindada(retroalimentacion=retroalimentacion, visita=self.de())
        return True

    @event(RetroalimentacionBrindada)
    def _retroalimentacion_brindada(self, retroalimentacion: Retroalimentacion, visita: VisitaDe | None) -> None:
        self.retroalimentacion = retroalimentacion


class Compromiso(Aggregate):
    class Verificado(Aggregate.Event):
        verificacion: Verificacion
        compromiso: CompromisoDe | None
        visita: VisitaDe | None  # the later visit where it was checked
        class_version = 3
        upcast_v1_v2 = como_valor({"compromiso": None, "visita": None})
        upcast_v2_v3 = como_valor(verificacion=Verificacion)

    class Vencido(Aggregate.Event):
        vencido_el: str
        compromiso: CompromisoDe | None
        class_version = 2
        upcast_v1_v2 = como_valor({"compromiso": None})

    class Asumido(Aggregate.Created):
        compromiso: CompromisoAsumido  # with the context of the visit where it was taken (Visita.compromiso)
        class_version = 2
        upcast_v1_v2 = como_valor(compromiso=CompromisoAsumido)

    @event(Asumido)
    def __init__(self, id: UUID, compromiso: CompromisoAsumido) -> None:  # noqa: A002
        self.compromiso = compromiso
        self.verificacion: Verificacion | None = None
        self.vencido_el: str | None = None

    @property
    def fecha_limite(self) -> date:
        return self.compromiso.fecha_limite

    def verificar(self, verificacion: Verificacion, visita: Visita) -> bool:
        if verificacion.resultado not in RESULTADOS:
            raise EvidenciaInvalida(f"El resultado de una verificación es {', '.join(RESULTADOS)}; "
                                    f"se indicó {verificacion.resultado!r}.")
        if self.verificacion is not None:
            if self.verificacion == verificacion:
                return False
            raise Conflict(f"El compromiso ya se verificó en la visita {self.verificacion.visita_id}.")
        if visita.visita.docente_id != self.compromiso.docente_id:
            raise EvidenciaInvalida("La visita es de otro docente: el compromiso se verifica en una visita a quien lo asumió.")
        if visita.inicio <= self.compromiso.fecha_visita_fin:
            raise EvidenciaInvalida("Un compromiso se verifica en una visita posterior a la que lo originó.")
        self._verificado(verificacion=verificacion, compromiso=CompromisoDe.de(self.compromiso), visita=visita.de())
        return True

    @event(Verificado)
    def _verificado(self, verificacion: Verificacion, compromiso: CompromisoDe | None, visita: VisitaDe | None) -> None:
        self.verificacion = verificacion

    def vencer(self, hoy: date) -> bool:
        """Its due date passed and nobody verified it: record that once."""
        if self.verificacion is not None or self.vencido_el is not None or hoy <= self.fecha_limite:
            return False
        self._vencido(vencido_el=(self.fecha_limite + timedelta(days=1)).isoformat(),
                      compromiso=CompromisoDe.de(self.compromiso))
        return True

    @event(Vencido)
    def _vencido(self, vencido_el: str, compromiso: CompromisoDe | None) -> None:
        self.vencido_el = vencido_el


class Reunion(ConAdjuntos):
    class ActaRegistrada(Aggregate.Event):
        acta: Acta
        reunion: ReunionDe | None
        class_version = 3
        upcast_v1_v2 = como_valor({"reunion": None})
        upcast_v2_v3 = como_valor(acta=Acta)

    class ActaCorregida(Aggregate.Event):
        acta: Acta
        reunion: ReunionDe | None
        motivo: str
        correccion: int
        class_version = 3
        upcast_v1_v2 = como_valor({"reunion": None})
        upcast_v2_v3 = como_valor(acta=Acta)

    class Conocida(Aggregate.Created):
        reunion: ReunionRealizada
        class_version = 2
        upcast_v1_v2 = como_valor(reunion=ReunionRealizada)

    @event(Conocida)
    def __init__(self, id: UUID, reunion: ReunionRealizada) -> None:  # noqa: A002
        self.reunion = reunion  # agenda's GIACompletado / RTCRealizada
        self.actas: list[Acta] = []  # the acta, then each correction
        self.adjuntos: dict[str, Adjunto] = {}

    def sujeto(self) -> str:
        return sujeto_reunion(self.reunion.actividad_id)

    def de(self) -> ReunionDe:
        return ReunionDe.de(self.reunion)

    @property
    def fecha(self) -> date:
        return self.reunion.fecha

    def check_autor(self, autor_id: str) -> None:
        r = self.reunion
        if autor_id not in (r.acompanante_id, r.directivo_id):
            quien = "el acompañante o el directivo que la lideró" if r.tipo == "rtc" else "el acompañante que lo condujo"
            raise EvidenciaInvalida(f"El acta la registra {quien}.")

    def registrar_acta(self, acta: Acta) -> bool:
        if self.actas:
            if self.actas[0] == acta:
                return False
            raise Conflict("El acta ya se registró: corríjala indicando el motivo.")
        self._acta_registrada(acta=acta, reunion=self.de())
        return True

    @event(ActaRegistrada)
    def _acta_registrada(self, acta: Acta, reunion: ReunionDe | None) -> None:
        self.actas.append(acta)

    def corregir_acta(self, acta: Acta, motivo: str) -> bool:
        if not self.actas:
            raise EnEspera("No hay acta que corregir todavía: la corrección se registrará cuando llegue el acta.")
        if acta in self.actas[1:] or self.actas[-1] == acta:
            return False  # a correction already recorded, sent again
        self._acta_corregida(acta=acta, reunion=self.de(), motivo=motivo, correccion=len(self.actas))
        return True

    @event(ActaCorregida)
    def _acta_corregida(self, acta: Acta, reunion: ReunionDe | None, motivo: str, correccion: int) -> None:
        self.actas.append(acta)


class SesionEjecucion(Aggregate):
    class Registrada(Aggregate.Created):
        sesion: registros.Sesion  # with its school's territory
        class_version = 2
        upcast_v1_v2 = como_valor(sesion=registros.Sesion)

    @event(Registrada)
    def __init__(self, id: UUID, sesion: registros.Sesion) -> None:  # noqa: A002
        self.sesion = sesion


class Autoevaluacion(Aggregate):
    class Registrada(Aggregate.Created):
        autoevaluacion: registros.Autoevaluacion  # with the acompañante's territory ("" when he holds nobody)
        class_version = 2
        upcast_v1_v2 = como_valor(autoevaluacion=registros.Autoevaluacion)

    @event(Registrada)
    def __init__(self, id: UUID, autoevaluacion: registros.Autoevaluacion) -> None:  # noqa: A002
        self.autoevaluacion = autoevaluacion
