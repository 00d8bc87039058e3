"""focalizacion's aggregates (NT-026 §5.4, §5.6).

- The registries: ``InstitucionEducativa`` (by código modular + anexo), ``Docente`` and
  ``Acompanante`` (by DNI). Their ids are derived from those keys, so re-importing a file
  finds the same aggregates and records nothing when nothing changed. A person's id is a keyed
  hash of his DNI (``pepper``: a secret of focalizacion), never a plain hash: DNIs are only 10^8,
  so a plain hash would give anyone the DNI behind every id. His personal fields are stored
  encrypted with a key of his own (``shared.cifrado``); ``DatosPersonalesCancelados`` records a
  cancellation (Ley 29733) after which that key is erased.
- ``ReglasFocalizacion``: a published rule set, immutable once published (a change is a new
  version). ``Convocatoria``: a targeting period that names its rule set.
- ``DecisionFocalizacion``: the decision on one IE in one convocatoria, with every criterion
  evaluated; a new event only when the decision changes.
- The caseloads of each UGEL (``AsignacionesUGEL``) are in ``services.focalizacion.asignaciones``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, fields
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from services.focalizacion.reglas import ConjuntoReglas
from shared.eventstore import Aggregate

NS = uuid5(NAMESPACE_URL, "https://acompana.minedu.gob.pe/focalizacion")


def ie_id(codigo_modular: str, anexo: int) -> UUID:
    return uuid5(NS, f"ie:{codigo_modular}-{anexo}")


# The development pepper: fixed so that local data and the demo keep their ids; never in production
# (FOCALIZACION_PEPPER), where it is a secret as long as the ids live (changing it changes every id).
PEPPER_DESARROLLO = "acompana-desarrollo-no-usar-en-produccion"


def seudonimo(pepper: str, clase: str, dni: str) -> UUID:
    """A person's stable id: HMAC-SHA256 of his DNI under the pepper, as a UUID (version 8)."""
    resumen = hmac.new(pepper.encode(), f"{clase}:{dni}".encode(), hashlib.sha256).digest()
    valor = int.from_bytes(resumen[:16], "big")
    valor = (valor & ~(0xF << 76)) | (8 << 76)  # version 8: custom
    valor = (valor & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    return UUID(int=valor)


def docente_id(dni: str, pepper: str) -> UUID:
    return seudonimo(pepper, "docente", dni)


def acompanante_id(dni: str, pepper: str) -> UUID:
    return seudonimo(pepper, "acompanante", dni)


def reglas_id(codigo: str, version: int) -> UUID:
    return uuid5(NS, f"reglas:{codigo}@{version}")


def convocatoria_id(codigo: str) -> UUID:
    return uuid5(NS, f"convocatoria:{codigo}")


def decision_id(convocatoria: str, codigo_modular: str, anexo: int) -> UUID:
    return uuid5(NS, f"decision:{convocatoria}:{codigo_modular}-{anexo}")


class Registro(Aggregate):
    """A registry entry: its data as last imported (a person's ``personales`` stored encrypted)."""

    datos: dict[str, Any]
    sujeto: ClassVar[str] = ""  # whose key encrypts the personal fields: "<sujeto>:<id>"
    personales: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def sujeto_de(cls, id_: UUID | str) -> str:
        return f"{cls.sujeto}:{id_}"


class InstitucionEducativa(Registro):
    @event("Registrada")
    def __init__(self, id: UUID, datos: dict[str, Any]) -> None:  # noqa: A002
        self.datos = dict(datos)

    @event("Actualizada")
    def actualizar(self, datos: dict[str, Any]) -> None:
        self.datos = dict(datos)


class Docente(Registro):
    sujeto = "docente"
    personales = ("dni", "apellidos", "nombres", "plaza", "condicion")
    escuela: ClassVar[tuple[str, ...]] = ("codigo_modular", "anexo", "nivel", "dre", "ugel")  # what is published
    cancelado: bool = False

    class Actualizado(Aggregate.Event):
        """Version 2 says whether his school, level or territory changed (``cambia_su_escuela``: only then is
        it published); version 1 did not (None: the publisher compares with the previous version)."""

        datos: dict[str, Any]
        cambia_su_escuela: bool | None
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["cambia_su_escuela"] = None

    @event("Registrado")
    def __init__(self, id: UUID, datos: dict[str, Any]) -> None:  # noqa: A002
        self.datos = dict(datos)

    def actualizar(self, datos: dict[str, Any]) -> None:
        self._actualizado(datos=datos, cambia_su_escuela=any(self.datos.get(k) != datos.get(k) for k in self.escuela))

    @event(Actualizado)
    def _actualizado(self, datos: dict[str, Any], cambia_su_escuela: bool | None) -> None:
        self.datos = dict(datos)

    def cancelar_datos_personales(self, referencia: str, motivo: str) -> bool:
        """Ley 29733 art. 20: the record of the request, without any personal data; the key that
        encrypts his fields is erased right after (``Focalizacion.cancelar_datos_personales``)."""
        if self.cancelado:
            return False
        self._datos_personales_cancelados(referencia=referencia, motivo=motivo, dre=self.datos["dre"], ugel=self.datos["ugel"])
        return True

    @event("DatosPersonalesCancelados")
    def _datos_personales_cancelados(self, referencia: str, motivo: str, dre: str, ugel: str) -> None:
        self.cancelado = True
        self.datos = {k: (None if k in self.personales else v) for k, v in self.datos.items()}


class Acompanante(Registro):
    sujeto = "acompanante"
    personales = ("dni", "apellidos", "nombres")

    @event("Registrado")
    def __init__(self, id: UUID, datos: dict[str, Any]) -> None:  # noqa: A002
        self.datos = dict(datos)

    @event("Actualizado")
    def actualizar(self, datos: dict[str, Any]) -> None:
        self.datos = dict(datos)


class ReglasFocalizacion(Aggregate):
    class Publicadas(Aggregate.Created):
        """Version 2: the rule set typed (``reglas.ConjuntoReglas``); version 1 stored its JSON."""

        reglas: ConjuntoReglas
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reglas"] = ConjuntoReglas.model_validate(state["reglas"])

    @event(Publicadas)
    def __init__(self, id: UUID, reglas: ConjuntoReglas) -> None:  # noqa: A002
        self.reglas = reglas


class Convocatoria(Aggregate):
    @event("Abierta")
    def __init__(self, id: UUID, codigo: str, anio_inicio: int, anio_fin: int,  # noqa: A002
                 reglas: str, ambito: str) -> None:
        self.codigo = codigo
        self.anio_inicio = anio_inicio
        self.anio_fin = anio_fin
        self.reglas = reglas
        self.ambito = ambito
        self.ejecuciones = 0

    @event("FocalizacionEjecutada")
    def registrar_ejecucion(self, focalizadas: int, excluidas: int, cambios: int) -> None:
        self.ejecuciones += 1


@dataclass(frozen=True)
class Decision:
    """What the norm decided of one IE in one convocatoria (``focalizar.decidir``): focalized in a type (its
    priority ``puntaje``, its ``orden`` in its UGEL and type, its ``ratio``) or excluded (its ``motivos``), with
    every criterion evaluated (``evaluaciones``: each with its type, phase, code, result and the values read)."""

    convocatoria: str
    reglas: str
    codigo_modular: str
    anexo: int
    nombre: str
    nivel: str
    dre: str
    ugel: str
    tipo: str | None
    focalizada: bool
    puntaje: int
    orden: int | None
    ratio: dict[str, Any] | None
    evaluaciones: list[dict[str, Any]]
    motivos: list[str] | None = None  # excluded: why, in words

    @classmethod
    def de(cls, datos: dict[str, Any]) -> Decision:
        return cls(**{f.name: datos[f.name] for f in fields(cls) if f.name in datos or f.name != "motivos"})

    def como_dict(self) -> dict[str, Any]:
        """As ``focalizar`` gives it (and the read model keeps it): ``motivos`` only when excluded."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "motivos" or self.motivos is not None}


class DecisionFocalizacion(Aggregate):
    """One IE in one convocatoria: focalized or excluded, always with the reasons. The first
    decision creates it (``Decidida``); a later run that reaches another answer records
    ``Cambiada``. Both are published as ``IEFocalizada`` or ``IEExcluida``. Version 2 of both carries the
    ``Decision`` typed; version 1 stored it as a dict."""

    class Decidida(Aggregate.Created):
        convocatoria: str
        decision: Decision
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["decision"] = Decision.de(state["decision"])

    class Cambiada(Aggregate.Event):
        decision: Decision
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["decision"] = Decision.de(state["decision"])

    @event(Decidida)
    def __init__(self, id: UUID, convocatoria: str, decision: Decision) -> None:  # noqa: A002
        self.convocatoria = convocatoria
        self.decision = decision

    @event(Cambiada)
    def cambiar(self, decision: Decision) -> None:
        self.decision = decision
