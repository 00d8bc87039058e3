"""``Valor.como_dict`` gives every value the same plain data as the straightforward conversion it replaced (the
fields of each value by ``dataclasses.fields``, each field converted by kind, recursively): same keys in the same
order, same nested dicts and lists, same text for dates, same scalars of the same types. The read models, the
published contracts and the checksums of the rebuilds all rest on it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum, IntEnum
from typing import Any

import pytest
from pydantic import BaseModel

from services.agenda.estado import Reprogramacion
from services.agenda.protocolos import PlanDocente, PlanIE, incluidos
from services.agenda.valores import (DocenteDeAgenda, DocentePlanIE, Entregado, InformeEjecucion, Requisitos,
                                     Reunion, Taller, Visita, _Datos)
from services.evidencias.valores import (Acta, CompromisoAsumido, Modelamiento, Necesidad, NivelObservado,
                                         Observacion, Retroalimentacion, VisitaDe, VisitaRealizada)
from shared.valores import Valor


def referencia(valor: Any) -> Any:
    """The conversion as it was written before it was made cheaper, kept here as the yardstick."""
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, Valor):
        if type(valor).como_dict is not Valor.como_dict:  # a type that gives its own dict (agenda's _Datos)
            return valor.como_dict()
        return {f.name: referencia(getattr(valor, f.name)) for f in fields(valor)}
    if isinstance(valor, Enum):
        return valor.value
    if isinstance(valor, list | tuple):
        return [referencia(v) for v in valor]
    if isinstance(valor, dict):
        return {k: referencia(v) for k, v in valor.items()}
    if hasattr(valor, "model_dump"):
        return valor.model_dump(mode="json")
    return valor


class Nivel(Enum):
    LOGRADO = "logrado"


class Estado(str, Enum):  # an Enum of text: its value, not itself
    ABIERTO = "abierto"


class Orden(IntEnum):
    PRIMERO = 1


class Codigo(str):  # a subclass of text is kept as it is
    pass


class Fuente(BaseModel):
    norma: str
    desde: date


@dataclass(frozen=True)
class Hoja(Valor):
    dia: date
    nota: str | None = None


@dataclass(frozen=True)
class DeTodo(Valor):
    texto: str
    entero: int
    real: float
    si: bool
    nada: None
    dia: date
    momento: datetime
    nivel: Nivel
    estado: Estado
    orden: Orden
    codigo: Codigo
    fuente: Fuente
    hoja: Hoja
    tupla: tuple[Hoja, ...]
    niveles: list[Nivel]
    por_clave: dict[str, Hoja]
    fechas: list[list[date]]
    mezcla: list[Any] = field(default_factory=list)
    mapa: dict[str, Any] = field(default_factory=dict)


HOJA = Hoja(date(2021, 7, 5), "vista")
DE_TODO = DeTodo(
    texto="a", entero=1, real=1.0, si=True, nada=None, dia=date(2021, 7, 5), momento=datetime(2021, 7, 5, 8, 30),
    nivel=Nivel.LOGRADO, estado=Estado.ABIERTO, orden=Orden.PRIMERO, codigo=Codigo("0236885"),
    fuente=Fuente(norma="NT-026", desde=date(2020, 1, 1)), hoja=HOJA, tupla=(HOJA, Hoja(date(2021, 7, 6))),
    niveles=[Nivel.LOGRADO], por_clave={"C4": HOJA}, fechas=[[date(2021, 3, 15)], []],
    mezcla=[1, True, 2.5, None, "x", Estado.ABIERTO, HOJA, (1, date(2021, 1, 2)), {"k": [HOJA]}],
    mapa={"n": None, "t": (Orden.PRIMERO, False), "h": {"d": date(2021, 1, 3)}})

VISITA = VisitaRealizada(visita_id="v1", docente_id="d1", acompanante_id="a1", codigo_modular="0236885", anexo=0,
                         dre="DRE-PUNO", ugel="UGEL-PUNO", anio=2021, fecha_inicio=date(2021, 5, 3),
                         fecha_fin=date(2021, 5, 4), acciones=["observacion", "retroalimentacion"])
EVIDENCIAS = [
    VISITA, VisitaDe.de(VISITA),
    Observacion(instrumento="ficha-observacion", version=2, fortalezas="cifrado:abc", niveles={
        f"D{i}": NivelObservado(nivel=str(i), evidencia=f"vio {i}", competencia=None if i % 2 else "C4")
        for i in range(1, 7)}),
    Observacion(instrumento="ficha-observacion", version=1, niveles={}, aspectos_criticos=["uno", "dos"]),
    Retroalimentacion(dialogo_reflexivo="cifrado:x", aspectos_priorizados=["D1"],
                      modelamiento=[Modelamiento(tipo="demostracion", descripcion="cifrado:y")]),
    Acta(asistencia={"d1": "presente"}, duracion_horas=2.5, instrumento="acta-gia", version=1,
         lista_cotejo={"1": "si"}, autor_id="a1"),
    CompromisoAsumido(compromiso_id="c1", acompanante_id="a1", fecha_visita=date(2021, 5, 3),
                      fecha_visita_fin=date(2021, 5, 4), docente_id="d1", visita_id="v1", anio=2021,
                      codigo_modular="0236885", anexo=0, dre="DRE-PUNO", ugel="UGEL-PUNO", instrumento="ficha",
                      version=1, competencia=None, item="D2", descripcion="cifrado:z",
                      fecha_limite=date(2021, 6, 30), verificacion="cifrado:w"),
    Necesidad(descripcion="cifrado:n", anio=2021, acompanante_id="a1"),
]

COMPONENTES = incluidos()[0].tipos["polidocente_primaria/primaria"]
REQUISITOS = Requisitos(protocolo="NT-026@1", visitas=8, dias_visita=16, visita_dias_min=2, visita_dias_max=2,
                        gia=4, gia_horas_min=3.0, rtc=3, rtc_horas_min=2.0)
AGENDA = [
    REQUISITOS, Requisitos(**{**vars(REQUISITOS), "visita_grupos": [[8, 2, 2]]}),
    DocenteDeAgenda(plan_id="p1", ie="0236885-0", codigo_modular="0236885", anexo=0,
                    anio_escolar=["2021-03-15", "2021-12-17"], requisitos=REQUISITOS,
                    recibido={"ag1": Entregado(visitas=2, dias_visita=4), "ag2": Entregado()}),
    InformeEjecucion(fecha="2021-12-01", logros="l", dificultades="d", recomendaciones="r",
                     visitas_planificadas=8, visitas_realizadas=7),
    Visita(ie="0236885-0", codigo_modular="0236885", anexo=0, docentes=["d1"], fecha_inicio="2021-05-03",
           fecha_fin="2021-05-04"),
    Reprogramacion(datos=Reunion(ie="0236885-0", codigo_modular="0236885", anexo=0, docentes=["d1", "d2"],
                                 fecha_inicio="2021-05-10", fecha_fin="2021-05-10", hora_inicio="08:00",
                                 hora_fin="11:00", tema="GIA 1"), motivo="lluvias"),
    PlanDocente(docente_id="d1", acompanante_id="a1", convocatoria="2020-2022", anio=2021, codigo_modular="0236885",
                anexo=0, dre="DRE-PUNO", ugel="UGEL-PUNO", tipo_ie="polidocente_primaria", nivel="primaria", etapa=2,
                modalidad="externa", protocolo="NT-026@1", anio_escolar=["2021-03-15", "2021-12-17"],
                componentes=COMPONENTES),
    PlanIE(ie="0236885-0", codigo_modular="0236885", anexo=0, anio=2021, dre="DRE-PUNO", ugel="UGEL-PUNO",
           directivo_id="dir1", cargo="director", turno="manana", director="cifrado:q", responsables=["a1"],
           protocolo="NT-026@1", nombre_protocolo="NT-026", tipo_ie="polidocente_primaria", nivel="primaria",
           docentes=[DocentePlanIE("d1", "3A", "matematica"), DocentePlanIE("d2")],
           anio_escolar=["2021-03-15", "2021-12-17"], componentes=COMPONENTES),
]


@pytest.mark.parametrize("valor", [HOJA, DE_TODO, *EVIDENCIAS, *AGENDA], ids=lambda v: type(v).__name__)
def test_como_dict_da_lo_mismo_que_la_conversion_directa(valor):
    # Given a value of any kind the events carry: dates, enums, pydantic models, values nested in tuples, lists
    # and dicts, None
    # When it is given as plain data, twice (the second time from what was learnt of its type)
    primero, segundo = valor.como_dict(), valor.como_dict()
    # Then it is what the direct conversion gives: the same keys in the same order, the same types within
    # (repr tells True from 1, 1.0 from 1, a list from a tuple and an Enum from its value)
    esperado = referencia(valor)
    assert primero == esperado and repr(primero) == repr(esperado)
    assert repr(segundo) == repr(esperado)


def test_los_casos_que_la_conversion_distingue():
    plano = DE_TODO.como_dict()
    assert list(plano) == [f.name for f in fields(DeTodo)]
    assert plano["momento"] == "2021-07-05T08:30:00" and plano["dia"] == "2021-07-05"
    assert type(plano["estado"]) is str and type(plano["orden"]) is int and type(plano["codigo"]) is Codigo
    assert plano["si"] is True and plano["nada"] is None and type(plano["real"]) is float
    assert plano["tupla"] == [{"dia": "2021-07-05", "nota": "vista"}, {"dia": "2021-07-06", "nota": None}]
    assert plano["fuente"] == {"norma": "NT-026", "desde": "2020-01-01"}
    assert plano["mezcla"][5:] == ["abierto", {"dia": "2021-07-05", "nota": "vista"}, [1, "2021-01-02"],
                                   {"k": [{"dia": "2021-07-05", "nota": "vista"}]}]
    assert plano["mapa"] == {"n": None, "t": [1, False], "h": {"d": "2021-01-03"}}
    # a value type that gives its own dict still does, within another value too
    agenda = AGENDA[2].como_dict()
    assert "visita_grupos" not in agenda["requisitos"] and agenda["recibido"]["ag2"] == {
        "visitas": 0, "dias_visita": 0, "gia": 0, "rtc": 0}


def referencia_agenda(valor: Any) -> dict[str, Any]:
    """agenda's own ``como_dict`` as it was written before it took the names from the per-type cache: the fields
    as they are (no conversion), but a None the type leaves out."""
    if isinstance(valor, _Datos):
        return {f.name: getattr(valor, f.name) for f in fields(valor)
                if getattr(valor, f.name) is not None or f.name in valor.SIEMPRE}
    opcional = {Requisitos: "visita_grupos", InformeEjecucion: "visitas_entre_pares"}[type(valor)]
    return {f.name: getattr(valor, f.name) for f in fields(valor)
            if f.name != opcional or getattr(valor, opcional) is not None}


REUNION = Reunion(ie="0236885-0", codigo_modular="0236885", anexo=0, docentes=["d1", "d2"],
                  fecha_inicio="2021-05-10", fecha_fin="2021-05-10", hora_inicio="08:00", hora_fin="11:00",
                  tema="GIA 1", directivo_id="dir1", acuerdos=[])
AGENDA_PROPIOS = [
    REQUISITOS, Requisitos(**{**vars(REQUISITOS), "visita_grupos": [[8, 2, 2]]}),
    Requisitos(**{**vars(REQUISITOS), "visita_grupos": []}),
    AGENDA[3], InformeEjecucion(**{**vars(AGENDA[3]), "visitas_entre_pares": 0}),
    InformeEjecucion(**{**vars(AGENDA[3]), "visitas_entre_pares": 3}),
    AGENDA[4], Visita(**{**vars(AGENDA[4]), "acciones": ["observacion"], "observaciones": ""}),
    AGENDA[5].datos, REUNION,
    Taller(ie=None, sede="UGEL Puno", destinatarios="docentes", docentes=["d1"], fecha_inicio="2021-02-01",
           fecha_fin="2021-02-03", tema="inicio"),
    Taller(ie=None, sede="UGEL Puno", destinatarios="acompanantes", docentes=[], fecha_inicio="2021-02-01",
           fecha_fin="2021-02-03", tema="inicio", asistencia={"a1": ["2021-02-01"]}),
]


@pytest.mark.parametrize("valor", AGENDA_PROPIOS, ids=lambda v: type(v).__name__)
def test_los_como_dict_propios_de_agenda_dan_lo_mismo_que_antes(valor):
    # Given one of agenda's values that give their own dict (a None left out, a workshop's ie kept, falsy values
    # that are not None kept)
    # When it is given as plain data, twice (the second time from the names cached for its type)
    primero, segundo = valor.como_dict(), valor.como_dict()
    # Then it is what the direct conversion over dataclasses.fields gave: same keys, same order, same objects
    esperado = referencia_agenda(valor)
    assert primero == esperado and repr(primero) == repr(esperado) and repr(segundo) == repr(esperado)
    assert all(primero[k] is esperado[k] for k in esperado)


def test_lo_que_agenda_deja_fuera_y_lo_que_guarda():
    assert "visita_grupos" not in REQUISITOS.como_dict() and AGENDA_PROPIOS[2].como_dict()["visita_grupos"] == []
    assert "visitas_entre_pares" not in AGENDA[3].como_dict() and AGENDA_PROPIOS[4].como_dict()[
        "visitas_entre_pares"] == 0
    taller = AGENDA_PROPIOS[10].como_dict()
    assert list(taller)[:2] == ["ie", "sede"] and taller["ie"] is None and "asistencia" not in taller
    assert list(AGENDA[4].como_dict())[-1] == "fecha_fin" and REUNION.como_dict()["acuerdos"] == []
