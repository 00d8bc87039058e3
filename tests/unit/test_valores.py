"""The value objects every service's events carry (``shared.valores``): read from the dict a command, a message or
an older event kept, given back as that dict, and shared (never copied) by a copy of the aggregate holding them."""

from __future__ import annotations

import copy
from dataclasses import FrozenInstanceError, dataclass, field
from datetime import date
from enum import Enum
from typing import Literal

import pytest
from pydantic import BaseModel

from shared.valores import Valor, como_valor


class Nivel(Enum):
    LOGRADO = "logrado"
    EN_PROCESO = "en_proceso"


class Fuente(BaseModel):
    norma: str


@dataclass(frozen=True)
class Evidencia(Valor):
    tipo: str
    fecha: date


@dataclass(frozen=True)
class Seguimiento(Valor):
    avance: str
    fecha: date
    seguimiento_id: str | None = None  # added later: a follow-up recorded before it has none


@dataclass(frozen=True)
class Medida(Valor):
    sobre: Literal["ie", "acompanante"]
    plazo: date
    evidencia: Evidencia
    seguimientos: tuple[Seguimiento, ...] = ()
    por_competencia: dict[str, Evidencia] = field(default_factory=dict)
    niveles: list[Nivel] = field(default_factory=list)
    fuente: Fuente | None = None
    notas: list[str] | str = field(default_factory=list)  # a list, or its ciphertext


GUARDADA = {"sobre": "ie", "plazo": "2021-08-31", "evidencia": {"tipo": "observacion", "fecha": "2021-07-05"},
            "seguimientos": [{"avance": "Tres visitas.", "fecha": "2021-07-10"}],
            "por_competencia": {"C4": {"tipo": "observacion", "fecha": "2021-07-06"}},
            "niveles": ["logrado"], "fuente": {"norma": "NT-026"}, "notas": "cifrado:abc"}


def test_un_dict_guardado_se_lee_con_sus_valores_anidados():
    # Given a measure stored as a dict, its evidence, follow-ups and levels within
    # When it is read
    medida = Medida.de(GUARDADA)
    # Then each field is of its type: dates, values in tuples and dicts, an Enum, a pydantic model
    assert medida.plazo == date(2021, 8, 31)
    assert medida.evidencia == Evidencia("observacion", date(2021, 7, 5))
    assert medida.seguimientos == (Seguimiento("Tres visitas.", date(2021, 7, 10)),)
    assert medida.por_competencia == {"C4": Evidencia("observacion", date(2021, 7, 6))}
    assert medida.niveles == [Nivel.LOGRADO] and medida.fuente == Fuente(norma="NT-026")
    # and a union keeps the type it was stored as (a ciphertext stays text)
    assert medida.notas == "cifrado:abc"
    assert Medida.de({**GUARDADA, "notas": ["a", "b"]}).notas == ["a", "b"]


def test_un_dict_antiguo_sin_un_campo_opcional_nuevo_toma_su_valor_por_defecto():
    # Given a follow-up recorded before it carried the sender's id, and a measure before it had follow-ups
    antiguo = {"avance": "Sin novedad.", "fecha": "2021-07-12"}
    # When they are read
    # Then what is missing takes its default, and a key that is no longer a field is ignored
    assert Seguimiento.de({**antiguo, "retirado": True}).seguimiento_id is None
    medida = Medida.de({"sobre": "acompanante", "plazo": "2021-09-30",
                        "evidencia": {"tipo": "visita", "fecha": "2021-07-01"}})
    assert (medida.seguimientos, medida.por_competencia, medida.niveles, medida.fuente) == ((), {}, [], None)
    # while a required field missing is an error, not a silent None
    with pytest.raises(TypeError):
        Seguimiento.de({"avance": "Sin fecha."})


def test_como_dict_devuelve_el_dict_del_que_se_leyo():
    medida = Medida.de(GUARDADA)
    plano = medida.como_dict()
    assert plano == {**GUARDADA, "seguimientos": [{**GUARDADA["seguimientos"][0], "seguimiento_id": None}]}
    assert Medida.de(plano) == medida
    # a value read from another value (dates already dates) is the same value
    assert Medida.de(medida) == medida and Seguimiento.de(Seguimiento("x", date(2021, 1, 1))).fecha == date(2021, 1, 1)


def test_una_copia_profunda_comparte_el_valor_que_es_inmutable():
    medida = Medida.de(GUARDADA)
    agregado = {"medidas": {"m1": medida}}
    copia = copy.deepcopy(agregado)
    assert copia["medidas"]["m1"] is medida
    with pytest.raises(FrozenInstanceError):
        medida.sobre = "acompanante"  # type: ignore[misc]


def test_el_upcast_lee_los_dicts_guardados_como_valores_y_fija_lo_que_no_llevaban():
    # Given a version 1 event that kept its follow-up as a dict and did not say which report it was about
    state = {"medida_id": "m1", "seguimiento": {"avance": "Tres visitas.", "fecha": "2021-07-10"}}
    # When its upcast runs
    upcast = como_valor({"informe": None}, seguimiento=Seguimiento)
    upcast(state)
    # Then the follow-up is a value, the new field has the value version 1 implies, the rest is as stored
    assert state == {"medida_id": "m1", "informe": None,
                     "seguimiento": Seguimiento("Tres visitas.", date(2021, 7, 10))}
    # and a pydantic model stored as a dict is read by its model
    fuente = {"fuente": {"norma": "NT-026"}}
    como_valor(fuente=Fuente)(fuente)
    assert fuente == {"fuente": Fuente(norma="NT-026")}
