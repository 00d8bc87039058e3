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
from dataclasses import replace
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from services.focalizacion.reglas import ConjuntoReglas
from services.focalizacion.valores import Decision, FichaAcompanante, FichaDocente, FichaIE
from shared.eventstore import Aggregate
from shared.valores import como_valor

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


def nombres_ugel_id(ugel: str) -> UUID:
    return uuid5(NS, f"nombres-ugel:{ugel}")


class Registro(Aggregate):
    """A registry entry: its row as last imported (``valores``: a person's ``personales`` stored encrypted).
    Version 2 of its events carries the row typed; version 1 stored it as a dict (``como_valor``)."""

    datos: Any
    ficha: ClassVar[type] = FichaIE  # the row's type
    sujeto: ClassVar[str] = ""  # whose key encrypts the personal fields: "<sujeto>:<id>"
    personales: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def sujeto_de(cls, id_: UUID | str) -> str:
        return f"{cls.sujeto}:{id_}"


class InstitucionEducativa(Registro):
    class Registrada(Aggregate.Created):
        datos: FichaIE
        class_version = 2
        upcast_v1_v2 = como_valor(datos=FichaIE)

    class Actualizada(Aggregate.Event):
        datos: FichaIE
        class_version = 2
        upcast_v1_v2 = como_valor(datos=FichaIE)

    @event(Registrada)
    def __init__(self, id: UUID, datos: FichaIE) -> None:  # noqa: A002
        self.datos = datos

    @event(Actualizada)
    def actualizar(self, datos: FichaIE) -> None:
        self.datos = datos


class Docente(Registro):
    ficha = FichaDocente
    sujeto = "docente"
    personales = ("dni", "apellidos", "nombres", "plaza", "condicion")
    escuela: ClassVar[tuple[str, ...]] = ("codigo_modular", "anexo", "nivel", "dre", "ugel")  # what is published
    cancelado: bool = False

    class Registrado(Aggregate.Created):
        datos: FichaDocente
        class_version = 2
        upcast_v1_v2 = como_valor(datos=FichaDocente)

    class Actualizado(Aggregate.Event):
        """Version 2 says whether his school, level or territory changed (``cambia_su_escuela``: only then is
        it published); version 1 did not (None: the publisher compares with the previous version). Version 3
        carries his row typed."""

        datos: FichaDocente
        cambia_su_escuela: bool | None
        class_version = 3
        upcast_v1_v2 = como_valor({"cambia_su_escuela": None})
        upcast_v2_v3 = como_valor(datos=FichaDocente)

    @event(Registrado)
    def __init__(self, id: UUID, datos: FichaDocente) -> None:  # noqa: A002
        self.datos = datos

    def actualizar(self, datos: FichaDocente) -> None:
        self._actualizado(datos=datos, cambia_su_escuela=self.cambia_su_escuela(self.datos, datos))

    @classmethod
    def cambia_su_escuela(cls, antes: FichaDocente, despues: FichaDocente) -> bool:
        return any(getattr(antes, k) != getattr(despues, k) for k in cls.escuela)

    @event(Actualizado)
    def _actualizado(self, datos: FichaDocente, cambia_su_escuela: bool | None) -> None:
        self.datos = datos

    def cancelar_datos_personales(self, referencia: str, motivo: str) -> bool:
        """Ley 29733 art. 20: the record of the request, without any personal data; the key that
        encrypts his fields is erased right after (``Focalizacion.cancelar_datos_personales``)."""
        if self.cancelado:
            return False
        self._datos_personales_cancelados(referencia=referencia, motivo=motivo, dre=self.datos.dre,
                                          ugel=self.datos.ugel)
        return True

    @event("DatosPersonalesCancelados")
    def _datos_personales_cancelados(self, referencia: str, motivo: str, dre: str, ugel: str) -> None:
        self.cancelado = True
        self.datos = replace(self.datos, **dict.fromkeys(self.personales))


class Acompanante(Registro):
    ficha = FichaAcompanante
    sujeto = "acompanante"
    personales = ("dni", "apellidos", "nombres")

    class Registrado(Aggregate.Created):
        datos: FichaAcompanante
        class_version = 2
        upcast_v1_v2 = como_valor(datos=FichaAcompanante)

    class Actualizado(Aggregate.Event):
        datos: FichaAcompanante
        class_version = 2
        upcast_v1_v2 = como_valor(datos=FichaAcompanante)

    @event(Registrado)
    def __init__(self, id: UUID, datos: FichaAcompanante) -> None:  # noqa: A002
        self.datos = datos

    @event(Actualizado)
    def actualizar(self, datos: FichaAcompanante) -> None:
        self.datos = datos


class ReglasFocalizacion(Aggregate):
    class Publicadas(Aggregate.Created):
        """Version 2: the rule set typed (``reglas.ConjuntoReglas``); version 1 stored its JSON."""

        reglas: ConjuntoReglas
        class_version = 2
        upcast_v1_v2 = como_valor(reglas=ConjuntoReglas)

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


def _decision_v2(state: dict[str, Any]) -> None:
    """Version 2 stored the ``Decision`` typed, its ratio and evaluations as dicts: read again from its fields
    (``como_valor`` keeps a value that is already a ``Decision`` as it is)."""
    state["decision"] = Decision.de(state["decision"])


class DecisionFocalizacion(Aggregate):
    """One IE in one convocatoria: focalized or excluded, always with the reasons. The first
    decision creates it (``Decidida``); a later run that reaches another answer records
    ``Cambiada``. Both are published as ``IEFocalizada`` or ``IEExcluida``. Version 2 of both carries the
    ``Decision`` typed, its ratio and evaluations as dicts; version 3 types those too; version 1 stored it all as
    a dict."""

    class Decidida(Aggregate.Created):
        convocatoria: str
        decision: Decision
        class_version = 3
        upcast_v1_v2 = como_valor(decision=Decision)
        upcast_v2_v3 = staticmethod(_decision_v2)

    class Cambiada(Aggregate.Event):
        decision: Decision
        class_version = 3
        upcast_v1_v2 = como_valor(decision=Decision)
        upcast_v2_v3 = staticmethod(_decision_v2)

    @event(Decidida)
    def __init__(self, id: UUID, convocatoria: str, decision: Decision) -> None:  # noqa: A002
        self.convocatoria = convocatoria
        self.decision = decision

    @event(Cambiada)
    def cambiar(self, decision: Decision) -> None:
        self.decision = decision


class NombresUGEL(Aggregate):
    """A UGEL and its DRE by the names the padrón gives them (D_DREUGEL, D_REGION), one per UGEL: an import
    records them when it brings a name not known before (a name it leaves out keeps the known one), and
    focalizacion publishes each (``TerritorioNombrado``), so every service shows people names, not codes."""

    dre: str
    ugel: str
    nombre_dre: str | None
    nombre_ugel: str | None

    class Nombrado(Aggregate.Created):
        dre: str
        ugel: str
        nombre_dre: str | None
        nombre_ugel: str | None

    class Renombrado(Aggregate.Event):
        dre: str
        ugel: str
        nombre_dre: str | None
        nombre_ugel: str | None

    @event(Nombrado)
    def __init__(self, id: UUID, dre: str, ugel: str, nombre_dre: str | None,  # noqa: A002
                 nombre_ugel: str | None) -> None:
        self.dre, self.ugel, self.nombre_dre, self.nombre_ugel = dre, ugel, nombre_dre, nombre_ugel

    def nombrar(self, dre: str, nombre_dre: str | None, nombre_ugel: str | None) -> bool:
        """Record the names an import brings when they say something new (a name it leaves out keeps the one
        known, the DRE's only while the UGEL stays in it); returns whether it recorded."""
        nuevos = (dre, nombre_dre or (self.nombre_dre if dre == self.dre else None), nombre_ugel or self.nombre_ugel)
        if nuevos == (self.dre, self.nombre_dre, self.nombre_ugel):
            return False
        self._renombrado(dre=nuevos[0], ugel=self.ugel, nombre_dre=nuevos[1], nombre_ugel=nuevos[2])
        return True

    @event(Renombrado)
    def _renombrado(self, dre: str, ugel: str, nombre_dre: str | None, nombre_ugel: str | None) -> None:
        self.dre, self.nombre_dre, self.nombre_ugel = dre, nombre_dre, nombre_ugel
