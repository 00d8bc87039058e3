"""The caseloads of one UGEL in one convocatoria (NT-026 §5.4, §5.6): ``AsignacionesUGEL``, the consistency
boundary of assignment: a docente belongs to one acompañante at a time, the ratio holds, UGELs never mix, and a
handover moves every docente in the same transaction. Every caseload event carries its ``Territorio``.

The aggregate lived in ``services.focalizacion.domainmodel``: its events and snapshots stored there keep that
topic, which resolves here (``register_topic``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event
from eventsourcing.utils import register_topic

from services.focalizacion.domainmodel import NS
from services.focalizacion.valores import AsignacionDocente, CarteraAcompanante, Territorio
from shared.eventstore import Aggregate, Conflict, DomainError
from shared.valores import como_valor


def asignaciones_id(convocatoria: str, ugel: str) -> UUID:
    return uuid5(NS, f"asignaciones:{convocatoria}:{ugel}")


class AsignacionInvalida(DomainError):
    pass


ROLES_EXCEPCION = frozenset({"especialista_ugel"})  # the acompañante's UGEL, who manages its caseloads


class AsignacionesUGEL(Aggregate):
    """The caseloads of one UGEL in one convocatoria (NT-026 §5.4: docentes per acompañante). Its state of
    version 2 (snapshots) keeps each acompañante and docente typed; version 1 kept dicts."""

    class_version = 2

    upcast_v1_v2 = como_valor(acompanantes=dict[str, CarteraAcompanante], docentes=dict[str, AsignacionDocente])

    class Abiertas(Aggregate.Created):
        convocatoria: str
        dre: str
        ugel: str

    class CambioDeCartera(Aggregate.Event):
        """A caseload event. Version 2 carries its ``territorio``; version 1 (recorded before) did not, and is
        read with ``territorio=None``: its territory is the aggregate's, from ``Abiertas``."""

        territorio: Territorio | None
        class_version = 2
        upcast_v1_v2 = como_valor({"territorio": None})

    class AcompananteIncorporado(CambioDeCartera):
        acompanante_id: UUID
        tipo: str
        anio: int

    class DocenteAsignado(CambioDeCartera):
        docente_id: UUID
        acompanante_id: UUID
        codigo_modular: str
        anexo: int
        nivel: str
        tipo: str
        ratio_maximo: int
        anio: int

    class DocenteReasignado(CambioDeCartera):
        docente_id: UUID
        de_acompanante_id: UUID
        a_acompanante_id: UUID
        motivo: str

    class DocenteRetirado(CambioDeCartera):
        docente_id: UUID
        acompanante_id: UUID
        motivo: str

    class ExcepcionRatioRegistrada(CambioDeCartera):
        acompanante_id: UUID
        limite: int
        justificacion: str
        autorizado_por: str

    class AcompananteRetirado(CambioDeCartera):
        acompanante_id: UUID
        motivo: str

    @event(Abiertas)
    def __init__(self, id: UUID, convocatoria: str, dre: str, ugel: str) -> None:  # noqa: A002
        self.convocatoria = convocatoria
        self.dre = dre
        self.ugel = ugel
        self.acompanantes: dict[str, CarteraAcompanante] = {}
        self.docentes: dict[str, AsignacionDocente] = {}
        self.carteras: dict[str, list[str]] = {}  # acompañante -> its docentes, in assignment order

    @property
    def territorio(self) -> Territorio:
        return Territorio(self.convocatoria, self.dre, self.ugel)

    # --- queries on the state ------------------------------------------------------------

    def cartera(self, acompanante: UUID | str) -> list[str]:
        return list(self.carteras.get(str(acompanante), ()))

    def limite(self, acompanante: UUID, ratio_nuevo: int | None = None) -> int:
        """The most docentes this acompañante may have: the strictest ratio among its schools
        (and the new one), unless an exception set another limit."""
        excepcion = self.acompanantes[str(acompanante)].limite_excepcion
        if excepcion:
            return excepcion
        ratios = [self.docentes[d].ratio_maximo for d in self.cartera(acompanante)]
        if ratio_nuevo is not None:
            ratios.append(ratio_nuevo)
        return min(ratios) if ratios else 0

    def activos(self) -> list[str]:
        return [a for a, d in self.acompanantes.items() if d.activo]

    # --- checks ---------------------------------------------------------------------------

    def check_acompanante_activo(self, acompanante: UUID) -> CarteraAcompanante:
        datos = self.acompanantes.get(str(acompanante))
        if datos is None:
            raise AsignacionInvalida(f"El acompañante {acompanante} no está incorporado en la {self.ugel} "
                                     f"para la convocatoria {self.convocatoria}.")
        if not datos.activo:
            raise AsignacionInvalida(f"El acompañante {acompanante} ya se retiró de la convocatoria.")
        return datos

    def check_cabe(self, acompanante: UUID, tipo: str, ratio_maximo: int, nuevos: int = 1) -> None:
        datos = self.check_acompanante_activo(acompanante)
        if datos.tipo != tipo:
            raise AsignacionInvalida(f"El acompañante {acompanante} acompaña IIEE de tipo {datos.tipo}; "
                                     f"la IE del docente es de tipo {tipo}.")
        limite = self.limite(acompanante, ratio_maximo)
        tiene = len(self.cartera(acompanante))
        if tiene + nuevos > limite:
            raise AsignacionInvalida(
                f"La ratio no lo permite: el acompañante {acompanante} tiene {tiene} docentes y su límite es "
                f"{limite} (NT-026 §5.4, §5.6). Un usuario autorizado puede registrar una excepción justificada.")

    # --- commands -------------------------------------------------------------------------

    def incorporar(self, acompanante_id: UUID, tipo: str, anio: int) -> None:
        self._acompanante_incorporado(territorio=self.territorio, acompanante_id=acompanante_id, tipo=tipo, anio=anio)

    @event(AcompananteIncorporado)
    def _acompanante_incorporado(self, territorio: Territorio, acompanante_id: UUID, tipo: str, anio: int) -> None:
        self.acompanantes[str(acompanante_id)] = CarteraAcompanante(tipo=tipo, activo=True, limite_excepcion=None,
                                                                    desde=anio)
        self.carteras.setdefault(str(acompanante_id), [])

    def asignar(self, docente: UUID, acompanante: UUID, ie: dict[str, Any], anio: int) -> None:
        if str(docente) in self.docentes:
            actual = self.docentes[str(docente)].acompanante
            raise Conflict(f"El docente {docente} ya está asignado al acompañante {actual}; use una reasignación.")
        if ie["ugel"] != self.ugel:
            raise AsignacionInvalida(f"La IE {ie['codigo_modular']} es de la {ie['ugel']}; "
                                     f"las carteras de la {self.ugel} no mezclan UGEL.")
        self.check_cabe(acompanante, ie["tipo"], ie["ratio_maximo"])
        self._docente_asignado(territorio=self.territorio, docente_id=docente, acompanante_id=acompanante, codigo_modular=ie["codigo_modular"],
                       anexo=ie["anexo"], nivel=ie["nivel"], tipo=ie["tipo"], ratio_maximo=ie["ratio_maximo"],
                       anio=anio)

    @event(DocenteAsignado)
    def _docente_asignado(self, territorio: Territorio, docente_id: UUID, acompanante_id: UUID,  # noqa: PLR0913
                          codigo_modular: str, anexo: int, nivel: str, tipo: str, ratio_maximo: int,
                          anio: int) -> None:
        self.docentes[str(docente_id)] = AsignacionDocente(
            acompanante=str(acompanante_id), codigo_modular=codigo_modular, anexo=anexo, nivel=nivel, tipo=tipo,
            ratio_maximo=ratio_maximo)
        self.carteras[str(acompanante_id)].append(str(docente_id))

    def reasignar(self, docente: UUID, acompanante: UUID, motivo: str) -> None:
        actual = self.check_asignado(docente)
        if actual.acompanante == str(acompanante):
            raise Conflict(f"El docente {docente} ya está asignado a ese acompañante.")
        self.check_cabe(acompanante, actual.tipo, actual.ratio_maximo)
        self._docente_reasignado(territorio=self.territorio, docente_id=docente,
                                 de_acompanante_id=UUID(actual.acompanante),
                         a_acompanante_id=acompanante, motivo=motivo)

    @event(DocenteReasignado)
    def _docente_reasignado(self, territorio: Territorio, docente_id: UUID, de_acompanante_id: UUID,
                            a_acompanante_id: UUID, motivo: str) -> None:
        d = str(docente_id)
        self.docentes[d] = replace(self.docentes[d], acompanante=str(a_acompanante_id))
        self.carteras[str(de_acompanante_id)].remove(str(docente_id))
        self.carteras[str(a_acompanante_id)].append(str(docente_id))

    def check_asignado(self, docente: UUID) -> AsignacionDocente:
        actual = self.docentes.get(str(docente))
        if actual is None:
            raise AsignacionInvalida(f"El docente {docente} no tiene acompañante en la {self.ugel}.")
        return actual

    def retirar_docente(self, docente: UUID, motivo: str) -> None:
        actual = self.check_asignado(docente)
        self._docente_retirado(territorio=self.territorio, docente_id=docente,
                               acompanante_id=UUID(actual.acompanante), motivo=motivo)

    @event(DocenteRetirado)
    def _docente_retirado(self, territorio: Territorio, docente_id: UUID, acompanante_id: UUID, motivo: str) -> None:
        del self.docentes[str(docente_id)]
        self.carteras[str(acompanante_id)].remove(str(docente_id))

    def registrar_excepcion(self, acompanante: UUID, limite: int, justificacion: str, usuario: str, rol: str) -> None:
        self.check_acompanante_activo(acompanante)
        if rol not in ROLES_EXCEPCION:
            raise AsignacionInvalida(f"El rol {rol!r} no puede autorizar excepciones a la ratio "
                                     f"(pueden: {', '.join(sorted(ROLES_EXCEPCION))}).")
        if len(justificacion.strip()) < 10:
            raise AsignacionInvalida("La excepción a la ratio necesita una justificación (10 caracteres o más).")
        self._excepcion_ratio_registrada(territorio=self.territorio, acompanante_id=acompanante, limite=limite,
                                         justificacion=justificacion.strip(), autorizado_por=usuario)

    @event(ExcepcionRatioRegistrada)
    def _excepcion_ratio_registrada(self, territorio: Territorio, acompanante_id: UUID, limite: int,
                                    justificacion: str, autorizado_por: str) -> None:
        a = str(acompanante_id)
        self.acompanantes[a] = replace(self.acompanantes[a], limite_excepcion=limite)

    def retirar_acompanante(self, acompanante: UUID, motivo: str, destinos: dict[str, UUID]) -> None:
        """Hand the caseload over (one ``DocenteReasignado`` per docente), then retire."""
        self.check_acompanante_activo(acompanante)
        cartera = self.cartera(acompanante)
        sin_destino = [d for d in cartera if d not in destinos]
        if sin_destino:
            raise AsignacionInvalida(f"{len(sin_destino)} docentes del acompañante quedarían sin acompañante.")
        for docente in cartera:
            if destinos[docente] == acompanante:
                raise AsignacionInvalida("Un docente no puede quedarse con el acompañante que se retira.")
            self.reasignar(UUID(docente), destinos[docente], f"retiro del acompañante: {motivo}")
        self._acompanante_retirado(territorio=self.territorio, acompanante_id=acompanante, motivo=motivo)

    @event(AcompananteRetirado)
    def _acompanante_retirado(self, territorio: Territorio, acompanante_id: UUID, motivo: str) -> None:
        a = str(acompanante_id)
        self.acompanantes[a] = replace(self.acompanantes[a], activo=False)


register_topic("services.focalizacion.domainmodel:AsignacionesUGEL", AsignacionesUGEL)
