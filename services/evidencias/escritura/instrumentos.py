"""Publishing an instrument's version (the MINEDU's, or a DRE's for its own programmes: NT-026 §6.1, §5.7), and
choosing the version a record uses: the one given, in force on the record's day, or the latest in force."""

from __future__ import annotations

from datetime import date

from eventsourcing.application import AggregateNotFoundError

from services.evidencias import domainmodel as dm
from services.evidencias.escritura.base import Base, Invalida
from services.evidencias.instrumentos import NACIONAL, RESPUESTAS, Instrumento, incluidos
from shared.autorizacion import NACIONALES
from shared.eventstore import NotFound
from shared.telemetry import current_actor

_USOS = {"visita": "visitas en aula", "gia": "GIA", "rtc": "RTC", "acompanante": "la autoevaluación del acompañante"}


class Instrumentos(Base):
    _instrumentos: dict[tuple[str, int], Instrumento]  # published versions never change

    def publicar_instrumento(self, inst: Instrumento) -> bool:
        if inst.ambito == NACIONAL and current_actor.get().rol not in NACIONALES:  # the policy checks a DRE's
            raise Invalida("Es obligatorio para quien publica desde una DRE: indique DRE:<código> de su DRE "
                           "(los instrumentos nacionales los publica el MINEDU).", campo="body.ambito")
        if inst.version > 1 and not self.existe(dm.instrumento_id(inst.codigo, inst.version - 1)):
            raise Invalida(f"Publique antes {inst.codigo}@{inst.version - 1}: las versiones van en orden.")
        if inst.version > 1 and (previo := self.instrumento(inst.codigo, inst.version - 1)).ambito != inst.ambito:
            raise Invalida(f"{inst.codigo} es {_de(previo.ambito)}: sus versiones tienen el mismo ámbito; para un "
                           "programa propio, publique un código nuevo.", campo="body.ambito")
        if inst.reemplaza is not None:
            previo = self.instrumento(inst.codigo, inst.reemplaza)
            try:
                inst.equivalencias_con(previo)
            except ValueError as exc:
                raise Invalida(f"Equivalencias de {inst.clave}: {exc}.") from None
        return self.crear_una_vez(
            dm.Instrumento(id=dm.instrumento_id(inst.codigo, inst.version), instrumento=inst),
            lambda previo: previo.instrumento == inst,
            f"La versión {inst.clave} ya se publicó con otro contenido: publique una versión nueva.")

    def publicar_instrumentos_incluidos(self) -> None:
        for inst in incluidos():
            self.publicar_instrumento(inst)

    def instrumento(self, codigo: str, version: int) -> Instrumento:
        clave = (codigo, version)
        if clave not in self._instrumentos:
            try:
                publicado = self.inicial(dm.instrumento_id(codigo, version))
            except AggregateNotFoundError:
                raise NotFound(f"No existe el instrumento {codigo}@{version}.") from None
            self._instrumentos[clave] = publicado.instrumento
        return self._instrumentos[clave]

    def _versiones(self, codigo: str) -> list[int]:
        """The published versions of ``codigo``: 1, 2, ... until the first that does not exist
        (ids are deterministic; published versions are cached, so this is one read per call)."""
        versiones = []
        while True:
            try:
                self.inicial(dm.instrumento_id(codigo, len(versiones) + 1))
            except AggregateNotFoundError:
                return versiones
            versiones.append(len(versiones) + 1)

    def instrumento_para(self, codigo: str, version: int | None, dia: date, uso: str) -> Instrumento:
        """The version given (it must be in force on ``dia``), or the latest in force that day."""
        if version is None:
            vigentes = [v for v in self._versiones(codigo) if self.instrumento(codigo, v).vigencia.cubre(dia)]
            if not vigentes:
                raise Invalida(f"No hay una versión de {codigo} vigente el {dia:%d/%m/%Y}.")
            version = max(vigentes)
        inst = self.instrumento(codigo, version)
        if not inst.vigencia.cubre(dia):
            raise Invalida(f"{inst.clave} no estaba vigente el {dia:%d/%m/%Y}.")
        if uso not in inst.aplica_a:
            raise Invalida(f"{inst.clave} no se usa en {_USOS[uso]}: se usa en {', '.join(_USOS[u] for u in inst.aplica_a)}.")
        return inst



def _de(ambito: str) -> str:
    """Whose an instrument is, in a sentence: "nacional" or "de la DRE-PUNO"."""
    return ambito if ambito == NACIONAL else f"de la {ambito.removeprefix('DRE:')}"


def respuestas(inst: Instrumento, respuestas: dict[str, str]) -> dict[str, str]:
    """A checklist's answers: every item answered sí, no or no aplica."""
    claves = [i.clave for i in inst.items]
    ajenas = [k for k in respuestas if k not in claves]
    if ajenas:
        raise Invalida(f"{', '.join(ajenas)} no son ítems de {inst.clave}.")
    faltan = [k for k in claves if k not in respuestas]
    if faltan:
        raise Invalida(f"Faltan respuestas de {inst.clave}: {', '.join(faltan)}.")
    malas = [k for k, v in respuestas.items() if v not in RESPUESTAS]
    if malas:
        raise Invalida(f"Las respuestas se dan con sí, no o no aplica ({', '.join(RESPUESTAS)}): revise {', '.join(malas)}.")
    return {k: respuestas[k] for k in claves}
