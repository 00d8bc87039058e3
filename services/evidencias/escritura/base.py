"""What every command of evidencias reads: the aggregates a record hangs from (a docente held by an acompañante,
a realized visit, a GIA or RTC), checked for who records it, and the encryption of a docente's free text."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from services.evidencias import domainmodel as dm
from services.evidencias import textos
from services.evidencias.projections import Proyecciones
from shared.cifrado import Cifrador, LlaveSuprimida
from shared.eventstore import EnEspera, ServiceApplication
from shared.valores import Valor

Invalida = dm.EvidenciaInvalida
CANCELADOS = ("Los datos personales del docente se cancelaron a su pedido (Ley 29733): no se registran referencias "
              "nuevas a él.")


class Pendiente(Exception):
    """A change to something agenda has not reported yet: retried until it arrives."""


class Base(ServiceApplication):
    reloj: Callable[[], date]  # today's date: the controllable clock of due dates
    cifrador: Cifrador  # keys of evidence references, outside the event store
    proyecciones: Proyecciones

    # --- personal data (Ley 29733) ---------------------------------------------------------------

    def _cifrar(self, sujeto: str) -> textos.Campos:
        """Encrypts a record's free text with ``sujeto``'s key (``services.evidencias.textos``); once his personal
        data were cancelled nothing more is recorded of him (422)."""
        try:
            return textos.cifrar(self.cifrador, sujeto)
        except LlaveSuprimida:
            raise Invalida(CANCELADOS) from None

    def _texto_cifrado(self, sujeto: str, forma: Callable[[textos.Campos, dict[str, Any]], dict[str, Any]],
                       claro: dict[str, Any], registrados: Iterable[Valor | dict[str, Any]] = ()
                       ) -> dict[str, Any] | None:
        """``claro`` with its free text encrypted with ``sujeto``'s key (``forma``: where a kind of record keeps
        it, from ``textos``). Once his personal data were cancelled the key is gone and nothing new is recorded
        of him (422); but a record already stored (one of ``registrados``, its text encrypted) that ``claro``
        repeats, sent again by a device that was offline, is still that record: the same in all but the text,
        which can no longer be compared, it is already recorded (None: nothing new)."""
        try:
            return forma(textos.cifrar(self.cifrador, sujeto), claro)
        except LlaveSuprimida:
            if any(forma(_sin_texto, _dict(r)) == forma(_sin_texto, claro) for r in registrados):
                return None
            raise Invalida(CANCELADOS) from None

    # --- the aggregates a record hangs from ------------------------------------------------------------

    def _docente(self, docente_id: str, crear: bool = False) -> dm.DocenteAcompanado | None:
        try:
            return self.repository.get(dm.docente_id(docente_id))
        except AggregateNotFoundError:
            return dm.DocenteAcompanado(id=dm.docente_id(docente_id), docente_id=docente_id) if crear else None

    def _a_cargo(self, acompanante_id: str, docente_id: str, anio: int, dia: date | None = None
                 ) -> dm.DocenteAcompanado:
        """The docente, held by ``acompanante_id`` in ``anio``: on ``dia`` when given (a visit's day decides,
        not who holds him today), else now."""
        docente = self._docente(docente_id)
        if docente is None or (anio not in docente.planes and anio not in docente.internos):
            raise EnEspera(f"evidencias aún no conoce el plan {anio} del docente {docente_id}: se registrará "
                           "cuando llegue de agenda.")
        interno = docente.internos.get(anio)
        if interno is not None and interno.acompanante_id == acompanante_id:
            return docente  # the directivo, observer of his school's own plan (NT-026 §5.2.1)
        a_cargo = anio in docente.planes and (docente.tuvo(acompanante_id, anio, dia) if dia
                                              else docente.acompanante(anio) == acompanante_id)
        if not a_cargo:
            cuando = f"el {dia:%d/%m/%Y}" if dia else f"en {anio}"
            raise Invalida(f"El acompañante {acompanante_id} no tenía a cargo al docente {docente_id} {cuando}.")
        return docente

    def _visita(self, visita_id: str) -> dm.Visita:
        return self.obtener(dm.visita_id(visita_id), EnEspera(
            f"La visita {visita_id} aún no consta como realizada en evidencias: lo que dejó se registrará cuando "
            "llegue de agenda."))

    def _visita_de(self, visita_id: str, acompanante_id: str) -> dm.Visita:
        """A realized visit, its author, who held the docente on the visit's day (even if not any more)."""
        visita = self._visita(visita_id)
        visita.check_autor(acompanante_id)
        self._a_cargo(acompanante_id, visita.visita.docente_id, visita.visita.anio, visita.inicio)
        return visita

    def _reunion_de(self, actividad_id: str, autor_id: str) -> dm.Reunion:
        reunion: dm.Reunion = self.obtener(dm.reunion_id(actividad_id), EnEspera(
            f"El GIA o la RTC {actividad_id} aún no consta como realizado en evidencias: el acta se registrará "
            "cuando llegue de agenda."))
        reunion.check_autor(autor_id)
        return reunion


def _dict(registrado: Valor | dict[str, Any]) -> dict[str, Any]:
    return registrado.como_dict() if isinstance(registrado, Valor) else registrado


def _sin_texto(datos: dict[str, Any], campos: tuple[str, ...]) -> dict[str, Any]:
    """What a record says besides its free text, and whether each was given (encryption keeps None as None)."""
    return {**datos, **{c: datos.get(c) is not None for c in campos}}
