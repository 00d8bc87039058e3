"""A UGEL's quarterly progress report to its DRE and the corrective measures it disposes (NT-026 §6.2, §6.3).

``InformeTrimestral`` lived in ``services.evaluacion.domainmodel``: its events stored there keep that topic, which
resolves here (``register_topic``).
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID, uuid5

from eventsourcing.domain import event
from eventsourcing.utils import register_topic

from services.evaluacion.reglas import NS, EvaluacionInvalida
from services.evaluacion.valores import Envio, InformeDe, Medida, MedidaEnCurso, Recepcion, Seguimiento
from shared.eventstore import Aggregate, Conflict
from shared.valores import Valor, como_valor


def reenvio(registrado: Valor, nuevo: Valor, *contexto: str) -> bool:
    """A re-sent command: the same record but for ``contexto`` (when, and by whom, it was sent)."""
    return replace(registrado, **{k: getattr(nuevo, k) for k in contexto}) == nuevo


def seguimiento_id(medida_id: str, seguimiento: Seguimiento) -> str:
    """Which follow-up of a measure this is: the id its sender gave it (the same on every re-send, on any
    day); one sent without an id is its state, text and day (sent again the same day, it is the same one;
    the same text on another day is another follow-up)."""
    if seguimiento.seguimiento_id:
        return seguimiento.seguimiento_id
    return str(uuid5(NS, f"seguimiento:{medida_id}:{seguimiento.fecha.isoformat()}:{seguimiento.estado}:"
                         f"{seguimiento.avance}"))


def informe_id(ugel: str, anio: int, trimestre: int) -> UUID:
    return uuid5(NS, f"informe-trimestral:{ugel}:{anio}:{trimestre}")


ESTADOS_MEDIDA = ("dispuesta", "en_ejecucion", "cumplida", "no_cumplida")
SIGUIENTES = {"dispuesta": ("en_ejecucion", "cumplida", "no_cumplida"), "en_ejecucion": ("en_ejecucion", "cumplida",
              "no_cumplida"), "cumplida": (), "no_cumplida": ()}


class InformeTrimestral(Aggregate):
    """A UGEL's quarterly progress report to its DRE (NT-026 §6.3: the UGEL "Remite los reportes de
    avance trimestral a la DRE"; §6.2: the DRE "supervisa la implementación ... en las UGEL de su
    jurisdicción"): sent once with the figures it carried, acknowledged once by the DRE; and the
    corrective measures the UGEL disposes (§6.3: "dispone las medidas correctivas necesarias")
    against a school or an acompañante, each followed up to its end."""

    class Enviado(Aggregate.Created):
        ugel: str
        dre: str
        anio: int
        trimestre: int
        envio: Envio
        class_version = 2
        upcast_v1_v2 = como_valor(envio=Envio)

    class DelInforme(Aggregate.Event):
        """What happens to a sent report. Version 2 carries which report it is (``informe``); version 1 did not
        (``informe`` None: the aggregate's, ``Enviado``) and kept its record as a dict."""

        informe: InformeDe | None
        class_version = 2

    class Recibido(DelInforme):
        recepcion: Recepcion
        upcast_v1_v2 = como_valor({"informe": None}, recepcion=Recepcion)

    class MedidaDispuesta(DelInforme):
        medida_id: str
        medida: Medida
        upcast_v1_v2 = como_valor({"informe": None}, medida=Medida)

    class MedidaSeguida(DelInforme):
        medida_id: str
        seguimiento: Seguimiento
        upcast_v1_v2 = como_valor({"informe": None}, seguimiento=Seguimiento)

    @event(Enviado)
    def __init__(self, id: UUID, ugel: str, dre: str, anio: int, trimestre: int,  # noqa: A002, PLR0913
                 envio: Envio) -> None:
        self.ugel, self.dre, self.anio, self.trimestre = ugel, dre, anio, trimestre
        self.envio = envio
        self.recepcion: Recepcion | None = None
        self.medidas: dict[str, MedidaEnCurso] = {}

    @property
    def de(self) -> InformeDe:
        return InformeDe(self.ugel, self.dre, self.anio, self.trimestre)

    def acusar_recibo(self, recepcion: Recepcion) -> bool:
        if self.recepcion is not None:
            if reenvio(self.recepcion, recepcion, "fecha"):
                return False
            raise Conflict(f"La DRE ya acusó recibo de este informe el {self.recepcion.fecha:%d/%m/%Y}.")
        self._recibido(informe=self.de, recepcion=recepcion)
        return True

    @event(Recibido)
    def _recibido(self, informe: InformeDe | None, recepcion: Recepcion) -> None:
        self.recepcion = recepcion

    def disponer_medida(self, medida_id: str, medida: Medida) -> bool:
        """``medida`` carries the day it is disposed (``fecha``): a re-send on another day, even after
        its deadline, is already recorded; a new measure's deadline must not have passed."""
        previa = self.medidas.get(medida_id)
        if previa is not None:
            if reenvio(previa.medida, medida, "fecha"):
                return False
            raise Conflict(f"La medida {medida_id} ya se registró con otros datos.")
        if medida.plazo < medida.fecha:
            raise EvaluacionInvalida(f"El plazo de la medida ({medida.plazo:%d/%m/%Y}) ya pasó.")
        self._medida_dispuesta(informe=self.de, medida_id=medida_id, medida=medida)
        return True

    @event(MedidaDispuesta)
    def _medida_dispuesta(self, informe: InformeDe | None, medida_id: str, medida: Medida) -> None:
        self.medidas[medida_id] = MedidaEnCurso(medida)

    def seguir_medida(self, medida_id: str, seguimiento: Seguimiento) -> bool:
        medida = self.medidas.get(medida_id)
        if medida is None:
            raise EvaluacionInvalida(f"El informe no tiene la medida {medida_id}.")
        clave = seguimiento_id(medida_id, seguimiento)
        previo = next((p for p in medida.seguimientos if seguimiento_id(medida_id, p) == clave), None)
        if previo is not None:
            if reenvio(previo, seguimiento, "fecha", "por"):
                return False  # the same follow-up, re-sent (another day, or by a colleague)
            raise Conflict(f"El seguimiento {clave} de la medida {medida_id} ya se registró con otros datos.")
        estado = seguimiento.estado
        if estado not in SIGUIENTES[medida.estado]:
            raise EvaluacionInvalida(
                f"Una medida {medida.estado.replace('_', ' ')} no pasa a {estado.replace('_', ' ')}"
                + (" (ya está cerrada)." if not SIGUIENTES[medida.estado] else "."))
        if seguimiento.fecha < medida.desde:
            raise EvaluacionInvalida(f"El seguimiento no puede ser anterior al {medida.desde:%d/%m/%Y}.")
        self._medida_seguida(informe=self.de, medida_id=medida_id, seguimiento=seguimiento)
        return True

    @event(MedidaSeguida)
    def _medida_seguida(self, informe: InformeDe | None, medida_id: str, seguimiento: Seguimiento) -> None:
        medida = self.medidas[medida_id]
        self.medidas[medida_id] = replace(medida, estado=seguimiento.estado,
                                          seguimientos=(*medida.seguimientos, seguimiento))


register_topic("services.evaluacion.domainmodel:InformeTrimestral", InformeTrimestral)
