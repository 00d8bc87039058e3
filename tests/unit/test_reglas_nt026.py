"""Reglas de focalización de la NT-026-01-MINEDU (§5.4, §5.6.1-5.6.3) tal como están publicadas
en services/focalizacion/datos/reglas-nt026-2020-2022.json.

Cada prueba parte de una IE que cumple todo lo de su tipo (``ie_de``) y cambia un solo atributo,
de modo que falla por una sola razón; el comentario de cada caso cita el texto de la norma.
"""

from __future__ import annotations

import copy
import csv
import io
from pathlib import Path
from typing import Any

import pytest

from services.focalizacion.focalizar import decidir, derivar, focalizar, motivos
from services.focalizacion.padron import leer_padron
from services.focalizacion.reglas import ConjuntoReglas
from tests.support.padron import COLUMNAS_IE, escuela

RAIZ = Path(__file__).resolve().parents[2]
REGLAS = ConjuntoReglas.model_validate_json(
    (RAIZ / "services/focalizacion/datos/reglas-nt026-2020-2022.json").read_bytes())

POLIDOCENTE = dict(nivel="primaria", caracteristica="completo", gestion="publica_directa", alumnos=300,
                   ugel_num_ie=20, docentes=12, area="urbana", ruralidad=0, eib_forma="ninguna", ffaa=False,
                   coar=False, pct_nombrados=60, digebr_cneb=False, ciclo_formacion_interna_2020=False,
                   difods_secundaria=False, ece_promedio_historico="proceso", ece_4to_reciente="proceso",
                   ap_2016_2018=False)
BASE: dict[str, dict[str, Any]] = {
    "eib": dict(nivel="primaria", caracteristica="multigrado", gestion="publica_directa", area="rural", ruralidad=1,
                eib_forma="fortalecimiento", siagie=True, nexus=True, alumnos=20, docentes=3, frontera=False),
    "multigrado": dict(nivel="primaria", caracteristica="multigrado", gestion="publica_directa", area="rural",
                       ruralidad=1, eib_forma="ninguna", alumnos=20, docentes=4, frontera=False,
                       ugel_docentes_rurales_multigrado=12),
    "polidocente_inicial": dict(nivel="inicial", caracteristica="completo", forma="escolarizada", estado="activa",
                                eib_forma="ninguna", gestion="publica_directa", dependencia="educacion", nexus=True,
                                cuna=False, pct_nombrados=50, docentes=6, secciones_3a5=6, area="urbana",
                                ruralidad=0),
    "polidocente_primaria": POLIDOCENTE,
    "polidocente_secundaria": {**POLIDOCENTE, "nivel": "secundaria"},
}


def ie_de(tipo: str, **cambios: Any) -> dict[str, Any]:
    """Una IE que cumple todos los criterios de ``tipo``, con ``cambios`` encima."""
    return {"codigo_modular": "0000001", "anexo": 0, "nombre": f"IE {tipo}", "dre": "DRE01", "ugel": "UGEL01",
            **BASE[tipo], **cambios}


def resultado(decision: dict[str, Any], codigo: str) -> str:
    return next(e["resultado"] for e in decision["evaluaciones"] if e["codigo"] == codigo)


def efecto(tipo: str, codigo: str) -> str:
    return next(getattr(c, "efecto", "excluye") for c in (*REGLAS.tipo(tipo).focalizacion, *REGLAS.tipo(tipo).priorizacion)
                if c.codigo == codigo)


def por_codigo(decisiones: list[dict[str, Any]], codigo_modular: str) -> dict[str, Any]:
    return next(d for d in decisiones if d["codigo_modular"] == codigo_modular)


@pytest.mark.parametrize("tipo", list(BASE))
def test_la_ie_base_de_cada_tipo_se_focaliza_en_su_tipo(tipo):
    # Dada una IE que cumple todos los criterios concurrentes de su tipo
    # Cuando se decide
    d = decidir(ie_de(tipo), REGLAS)
    # Entonces queda focalizada en ese tipo, con todos sus criterios de focalización cumplidos
    assert d["focalizada"] is True and d["tipo"] == tipo
    assert {e["resultado"] for e in d["evaluaciones"] if e["tipo"] == tipo and e["fase"] == "focalizacion"} == {"cumple"}


def _caso(tipo, cambio, criterio, cumple, id_):
    return pytest.param(tipo, cambio, criterio, cumple, id=f"{tipo}-{criterio}-{id_}")


CASOS = [
    # §5.6.1 a: "II.EE. de nivel inicial y primaria de la EBR que se encuentran en el Registro Nacional ... EIB"
    _caso("eib", {"eib_forma": "revitalizacion"}, "EIB-F1", True, "revitalizacion"),
    _caso("eib", {"eib_forma": "urbano"}, "EIB-F1", True, "eib-urbano"),
    _caso("eib", {"eib_forma": "ninguna"}, "EIB-F1", False, "fuera-del-registro"),
    _caso("eib", {"nivel": "inicial", "caracteristica": "completo"}, "EIB-F1", True, "inicial"),
    # "II.EE. Públicas de nivel inicial y primaria de la EBR de ámbito rural"
    _caso("eib", {"gestion": "publica_privada"}, "EIB-F2", True, "publica-privada"),
    _caso("eib", {"gestion": "privada"}, "EIB-F2", False, "privada"),
    _caso("eib", {"area": "urbana"}, "EIB-F2", False, "urbana"),
    # "Con registro de estudiantes y profesores en el SIAGIE y NEXUS"
    _caso("eib", {"siagie": False}, "EIB-F3", False, "sin-siagie"),
    _caso("eib", {"nexus": False}, "EIB-F3", False, "sin-nexus"),
    # §5.6.2 a: "II.EE. públicas de gestión directa del nivel primaria"
    _caso("multigrado", {"gestion": "publica_privada"}, "MG-F1", False, "gestion-privada"),
    # "II.EE. unidocente y Multigrado monolingüe castellano"
    _caso("multigrado", {"caracteristica": "unidocente"}, "MG-F2", True, "unidocente"),
    _caso("multigrado", {"eib_forma": "urbano"}, "MG-F2", False, "no-monolingue"),
    # "II.EE. que concentran de 9 a más estudiantes"
    _caso("multigrado", {"alumnos": 9}, "MG-F3", True, "9-estudiantes"),
    _caso("multigrado", {"alumnos": 8}, "MG-F3", False, "8-estudiantes"),
    # "II.EE. de ruralidad 1"
    _caso("multigrado", {"ruralidad": 2}, "MG-F4", False, "ruralidad-2"),
    _caso("multigrado", {"ruralidad": 3}, "MG-F4", False, "ruralidad-3"),
    # "II.EE. de ámbito rural que a nivel de UGEL concentran más de 6 docentes"
    _caso("multigrado", {"ugel_docentes_rurales_multigrado": 7}, "MG-F5", True, "ugel-7-docentes"),
    _caso("multigrado", {"ugel_docentes_rurales_multigrado": 6}, "MG-F5", False, "ugel-6-docentes"),
    _caso("multigrado", {"area": "urbana"}, "MG-F5", False, "urbana"),
    # §5.6.3 a, inicial: "Nivel Inicial Escolarizado", "II.EE. activas", "No considera II.EE. con EIB",
    # "Públicas de gestión directa, sólo de dependencia del sector educación", "registro de profesores en Nexus"
    _caso("polidocente_inicial", {"forma": "no_escolarizada"}, "PI-F1", False, "no-escolarizada"),
    _caso("polidocente_inicial", {"estado": "inactiva"}, "PI-F2", False, "inactiva"),
    _caso("polidocente_inicial", {"eib_forma": "urbano"}, "PI-F3", False, "eib-urbano"),
    _caso("polidocente_inicial", {"gestion": "publica_privada"}, "PI-F4", False, "gestion-privada"),
    _caso("polidocente_inicial", {"dependencia": "otro_sector"}, "PI-F4", False, "otro-sector"),
    _caso("polidocente_inicial", {"nexus": False}, "PI-F5", False, "sin-nexus"),
    # priorización inicial: "Ciclo II ... (Excluye II.EE. que tienen el servicio de Cuna)"
    _caso("polidocente_inicial", {"cuna": True}, "PI-P2", False, "con-cuna"),
    # "como mínimo un 30% de sus docentes en plazas nombradas" (prioriza: quien no llega queda después)
    _caso("polidocente_inicial", {"pct_nombrados": 30}, "PI-P3", True, "30pct"),
    _caso("polidocente_inicial", {"pct_nombrados": 29.9}, "PI-P3", False, "29.9pct"),
    # "número de docentes es igual o mayor al número de secciones de 3, 4 y 5 años"
    _caso("polidocente_inicial", {"docentes": 6, "secciones_3a5": 6}, "PI-P4", True, "docentes-igual-secciones"),
    _caso("polidocente_inicial", {"docentes": 5}, "PI-P4", False, "docentes-menos-que-secciones"),
    # primaria: "como mínimo un 40% de docentes en plazas nombradas"; secundaria: "como mínimo un 30%"
    _caso("polidocente_primaria", {"pct_nombrados": 40}, "PC-P1", True, "40pct"),
    _caso("polidocente_primaria", {"pct_nombrados": 39.9}, "PC-P1", False, "39.9pct"),
    _caso("polidocente_primaria", {"pct_nombrados": 35}, "PC-P1", False, "35pct"),
    _caso("polidocente_secundaria", {"pct_nombrados": 30}, "PC-P1", True, "30pct"),
    _caso("polidocente_secundaria", {"pct_nombrados": 29.9}, "PC-P1", False, "29.9pct"),
    _caso("polidocente_secundaria", {"pct_nombrados": 35}, "PC-P1", True, "35pct"),
    # "Se excluyen II.EE. de primaria que han recibido Acompañamiento Pedagógico del 2016 al 2018 y ...
    # su medida promedio ... en la ECE ... se encuentra en el nivel 'satisfactorio'"
    _caso("polidocente_primaria", {"ap_2016_2018": True, "ece_4to_reciente": "satisfactorio"}, "PC-P4", False,
          "acompanada-y-satisfactorio"),
    _caso("polidocente_primaria", {"ap_2016_2018": True}, "PC-P4", True, "acompanada-en-proceso"),
    _caso("polidocente_primaria", {"ece_4to_reciente": "satisfactorio"}, "PC-P4", True,
          "satisfactorio-no-acompanada"),
    # the historical average is its own column: 'satisfactorio' there only orders, never excludes
    _caso("polidocente_primaria", {"ece_promedio_historico": "satisfactorio"}, "PC-P3", False,
          "historico-satisfactorio"),
] + [
    _caso(tipo, cambio, criterio, cumple, id_)
    for tipo in ("polidocente_primaria", "polidocente_secundaria")
    for cambio, criterio, cumple, id_ in [
        # "II.EE. de gestión pública directa"
        ({"gestion": "publica_privada"}, "PC-F1", False, "gestion-privada"),
        # "un mínimo de 30 estudiantes matriculados en el nivel según SIAGIE"
        ({"alumnos": 30}, "PC-F2", True, "30-estudiantes"),
        ({"alumnos": 29}, "PC-F2", False, "29-estudiantes"),
        # "UGEL con más de una II.EE. y que la II.EE. tenga 8 a más docentes"
        ({"docentes": 8}, "PC-F3", True, "8-docentes"),
        ({"docentes": 7}, "PC-F3", False, "7-docentes"),
        ({"ugel_num_ie": 2}, "PC-F3", True, "ugel-2-ie"),
        ({"ugel_num_ie": 1}, "PC-F3", False, "ugel-1-ie"),
        # "No se consideran II.EE. con grado de ruralidad 1"
        ({"area": "rural", "ruralidad": 1}, "PC-F4", False, "ruralidad-1"),
        ({"area": "rural", "ruralidad": 2}, "PC-F4", True, "ruralidad-2"),
        # "No se consideran II.EE. ... Registro ... EIB de fortalecimiento ni de revitalización"
        ({"eib_forma": "fortalecimiento"}, "PC-F5", False, "eib-fortalecimiento"),
        ({"eib_forma": "revitalizacion"}, "PC-F5", False, "eib-revitalizacion"),
        ({"eib_forma": "urbano"}, "PC-F5", True, "eib-urbano"),
        # "Se excluyen II.EE. de fuerzas armadas y COAR"
        ({"ffaa": True}, "PC-F6", False, "ffaa"),
        ({"coar": True}, "PC-F6", False, "coar"),
        # "No se consideran II.EE. que ya tienen intervención de la DIGEBR en el marco del CNEB"
        ({"digebr_cneb": True}, "PC-P2", False, "digebr-cneb"),
        # "No se consideran II.EE. que reciben el Ciclo de Formación Interna para Docentes 2020 de DIFODS"
        ({"ciclo_formacion_interna_2020": True}, "PC-P5", False, "ciclo-formacion-interna-2020"),
        # "No se consideran II.EE. que reciben el programa de formación docente en servicio para secundaria de DIFODS"
        ({"difods_secundaria": True}, "PC-P6", False, "difods-secundaria"),
    ]
]


@pytest.mark.parametrize("tipo, cambio, criterio, cumple", CASOS)
def test_criterio_de_la_norma(tipo, cambio, criterio, cumple):
    # Dada una IE que cumple todo lo de su tipo salvo, quizá, este criterio
    ie = ie_de(tipo, **cambio)
    # Cuando se decide
    d = decidir(ie, REGLAS)
    # Entonces el criterio se cumple o no; si no se cumple, la IE queda fuera salvo que el criterio
    # solo priorice (entonces se focaliza igual, sin su punto)
    assert resultado(d, criterio) == ("cumple" if cumple else "no_cumple")
    prioriza = efecto(tipo, criterio) == "suma"
    assert d["focalizada"] is (cumple or prioriza)
    if d["focalizada"]:
        assert d["tipo"] == tipo


def test_pc_p4_no_se_aplica_en_secundaria():
    # Dada una secundaria acompañada 2016-2018 con ECE 'satisfactorio' ("Se excluyen II.EE. de primaria ...")
    d = decidir(ie_de("polidocente_secundaria", ap_2016_2018=True, ece_4to_reciente="satisfactorio"), REGLAS)
    # Entonces sigue focalizada y el criterio ni se evalúa
    assert d["focalizada"] and d["tipo"] == "polidocente_secundaria"
    assert "PC-P4" not in {e["codigo"] for e in d["evaluaciones"]}


def test_eib_no_aplica_a_secundaria():
    # Dada una secundaria del Registro EIB: la EIB de la norma es "de nivel inicial y primaria"
    d = decidir(ie_de("polidocente_secundaria", eib_forma="urbano", area="rural", ruralidad=2), REGLAS)
    # Entonces no se evalúa como EIB, sino como polidocente secundaria
    assert "eib" not in {e["tipo"] for e in d["evaluaciones"]}
    assert d["tipo"] == "polidocente_secundaria"


@pytest.mark.parametrize("tipo, atributo, criterio", [
    ("eib", "siagie", "EIB-F3"),
    ("multigrado", "alumnos", "MG-F3"),
    ("multigrado", "ugel_docentes_rurales_multigrado", "MG-F5"),
    ("polidocente_inicial", "cuna", "PI-P2"),
    ("polidocente_primaria", "ruralidad", "PC-F4"),
    ("polidocente_primaria", "digebr_cneb", "PC-P2"),
    ("polidocente_secundaria", "difods_secundaria", "PC-P6"),
    ("polidocente_secundaria", "coar", "PC-F6"),
])
def test_sin_dato_no_se_focaliza_y_el_motivo_lo_dice(tipo, atributo, criterio):
    # Dada una IE sin dato en el atributo que el criterio lee
    d = decidir(ie_de(tipo, **{atributo: None}), REGLAS)
    # Entonces el criterio queda 'sin_dato' y la IE no se focaliza
    assert resultado(d, criterio) == "sin_dato"
    assert d["focalizada"] is False
    # y motivos() nombra el criterio, 'sin dato' y el atributo que falta
    textos = [t for t in motivos(d, REGLAS) if f" {criterio} " in t]
    assert len(textos) == 1
    assert "sin dato para evaluarlo" in textos[0] and f"{atributo}=sin dato" in textos[0]


def test_motivos_de_una_ie_que_no_es_candidata_de_ningun_tipo():
    # Dada una secundaria multigrado (la norma no tiene tipo para ella)
    d = decidir(ie_de("polidocente_secundaria", caracteristica="multigrado"), REGLAS)
    # Entonces no se focaliza y el motivo lo dice
    assert d["focalizada"] is False and d["evaluaciones"] == []
    assert motivos(d, REGLAS) == ["La IE no es candidata de ningún tipo de la norma (nivel secundaria)."]


def test_orden_de_tipos_eib_primero():
    # Dada una primaria multigrado que se focaliza como multigrado
    multigrado = ie_de("multigrado", siagie=True, nexus=True)
    assert decidir(multigrado, REGLAS)["tipo"] == "multigrado"
    # Cuando la misma IE está en el Registro EIB
    d = decidir({**multigrado, "eib_forma": "fortalecimiento"}, REGLAS)
    # Entonces se focaliza como 'eib', el primer tipo, sin evaluar los demás
    assert d["tipo"] == "eib"
    assert {e["tipo"] for e in d["evaluaciones"]} == {"eib"}


def test_orden_de_tipos_eib_gana_aunque_tambien_cumpla_polidocente():
    # Dada una primaria completa rural del Registro EIB 'urbano' (PC-F5 no la excluye)
    ie = ie_de("polidocente_primaria", area="rural", ruralidad=2, eib_forma="urbano", siagie=True, nexus=True)
    sin_eib = ConjuntoReglas.model_validate(
        {**REGLAS.model_dump(), "tipos": [t for t in REGLAS.model_dump()["tipos"] if t["codigo"] != "eib"]})
    assert decidir(ie, sin_eib)["tipo"] == "polidocente_primaria"
    # Cuando se decide con la norma completa, Entonces se focaliza como EIB
    assert decidir(ie, REGLAS)["tipo"] == "eib"


@pytest.mark.parametrize("docentes_otra, total, focalizada", [(3, 6, False), (4, 7, True)])
def test_derivar_mg_f5_cuenta_docentes_de_primaria_rural_multigrado_de_la_ugel(docentes_otra, total, focalizada):
    # Dada una UGEL con dos primarias rurales multigrado (3 + 3 o 3 + 4 docentes), una polidocente urbana
    # y otra UGEL con muchos docentes multigrado
    ie = ie_de("multigrado", codigo_modular="0000001", docentes=3)
    otra = ie_de("multigrado", codigo_modular="0000002", docentes=docentes_otra, caracteristica="unidocente")
    urbana = ie_de("polidocente_primaria", codigo_modular="0000003", docentes=30)
    lejana = ie_de("multigrado", codigo_modular="0000004", ugel="UGEL09", docentes=20)
    # Cuando se derivan los atributos de UGEL
    derivar([ie, otra, urbana, lejana])
    # Entonces sólo cuentan los docentes rurales multigrado de la misma UGEL: "más de 6"
    assert ie["ugel_docentes_rurales_multigrado"] == total
    assert decidir(ie, REGLAS)["focalizada"] is focalizada
    assert ie["ugel_num_ie"] == 3 and lejana["ugel_num_ie"] == 1


def test_pc_f3_ugel_con_una_sola_ie_no_se_focaliza():
    # Dada una polidocente primaria, única IE de su UGEL ("UGEL con más de una II.EE.")
    sola = ie_de("polidocente_primaria", ugel="UGEL05")
    [d] = focalizar([copy.deepcopy(sola)], REGLAS)
    assert d["focalizada"] is False and resultado(d, "PC-F3") == "no_cumple"
    # Cuando la UGEL tiene otra IE, Entonces sí se focaliza
    d = focalizar([sola, ie_de("polidocente_inicial", codigo_modular="0000002", ugel="UGEL05")], REGLAS)[0]
    assert d["focalizada"] is True


@pytest.mark.parametrize("tipo, cambio, contexto, docentes", [
    ("eib", {"frontera": True}, "frontera", 7),             # §5.6.1 b: zona de frontera, siete
    ("eib", {}, "andino_amazonico", 8),                     # andino y amazónico, ocho
    ("multigrado", {"frontera": True}, "frontera", 7),      # §5.6.2 b: frontera, siete
    ("multigrado", {}, "general", 8),                       # multigrado, ocho
    ("polidocente_inicial", {"area": "rural", "ruralidad": 2}, "rural", 8),  # §5.6.3 b: inicial rural ocho
    ("polidocente_inicial", {}, "urbano", 12),              # inicial urbano doce
    ("polidocente_primaria", {"area": "rural", "ruralidad": 2}, "rural", 8),
    ("polidocente_primaria", {}, "urbano", 15),
    ("polidocente_secundaria", {"area": "rural", "ruralidad": 2}, "rural", 8),
    ("polidocente_secundaria", {}, "urbano", 15),
])
def test_ratio_por_contexto(tipo, cambio, contexto, docentes):
    # Dadas dos IIEE del mismo tipo y contexto en una UGEL
    padron = [ie_de(tipo, codigo_modular=f"000000{i}", **cambio) for i in (1, 2)]
    # Cuando se focaliza
    d = focalizar(padron, REGLAS)[0]
    # Entonces el ratio de docentes por acompañante es el del contexto
    assert d["focalizada"] and d["tipo"] == tipo
    assert d["ratio"] == {"contexto": contexto, "docentes": docentes, "minimo": docentes, "maximo": docentes}


@pytest.mark.parametrize("km, contexto, docentes, banda", [
    (15, "disperso", 6, (6, 8)),      # "A mayor dispersión ... será menor (seis a ocho docentes)"
    (1, "concentrado", 10, (8, 10)),  # "A menor dispersión ... será mayor (ocho a diez docentes)"
    (5, "general", 8, (8, 8)),
])
def test_ratio_multigrado_por_dispersion(km, contexto, docentes, banda):
    # Dadas dos multigrado focalizadas de la misma UGEL a `km` kilómetros una de otra
    padron = [ie_de("multigrado", codigo_modular="0000001", latitud=-12.0, longitud=-75.0),
              ie_de("multigrado", codigo_modular="0000002", latitud=-12.0 + km / 111.19, longitud=-75.0)]
    # Cuando se focaliza
    decisiones = focalizar(padron, REGLAS)
    # Entonces ambas llevan el ratio de su grado de dispersión
    for d in decisiones:
        assert d["ratio"] == {"contexto": contexto, "docentes": docentes, "minimo": banda[0], "maximo": banda[1]}


def test_orden_por_puntaje_de_priorizacion_dentro_de_ugel_y_tipo():
    # Dadas cuatro multigrado de UGEL01 con 2, 0, 1 y 0 puntos de priorización (la de más docentes
    # desempata), una multigrado de UGEL02, una EIB de UGEL01 y una no focalizada
    padron = [
        ie_de("multigrado", codigo_modular="0000001", red_educativa=True, vraem=True),
        ie_de("multigrado", codigo_modular="0000002", docentes=4),
        ie_de("multigrado", codigo_modular="0000003", aula_digital=True),
        ie_de("multigrado", codigo_modular="0000004", docentes=5),
        ie_de("multigrado", codigo_modular="0000005", ugel="UGEL02", docentes=8),
        ie_de("eib", codigo_modular="0000006"),
        ie_de("multigrado", codigo_modular="0000007", alumnos=8),
    ]
    # Cuando se focaliza
    decisiones = focalizar(padron, REGLAS)
    # Entonces el orden va por puntaje dentro de cada (UGEL, tipo)
    orden = {d["codigo_modular"]: (d["puntaje"], d["orden"]) for d in decisiones}
    assert orden == {"0000001": (2, 1), "0000003": (1, 2), "0000004": (0, 3), "0000002": (0, 4),
                     "0000005": (0, 1), "0000006": (0, 1), "0000007": (0, None)}


def test_reglas_regionales_solo_deciden_las_ies_de_su_dre():
    # Dado un conjunto de reglas regional de la DRE02 y un padrón con IIEE de dos DRE
    regional = ConjuntoReglas.model_validate({**REGLAS.model_dump(), "ambito": "DRE02"})
    padron = [ie_de("eib", codigo_modular="0000001", dre="DRE01", ugel="UGEL01"),
              ie_de("eib", codigo_modular="0000002", dre="DRE02", ugel="UGEL21")]
    # Cuando se focaliza
    decisiones = focalizar(copy.deepcopy(padron), regional)
    # Entonces sólo se decide la IE de la DRE02 (y la norma nacional decide las dos)
    assert [(d["codigo_modular"], d["focalizada"]) for d in decisiones] == [("0000002", True)]
    assert len(focalizar(padron, REGLAS)) == 2


def test_la_misma_entrada_da_las_mismas_decisiones():
    # Dado un padrón con IIEE de todos los tipos, focalizadas o no
    padron = [ie_de(tipo, codigo_modular=f"00000{i:02d}", docentes=docentes, latitud=-12 + i / 50, longitud=-75.0)
              for i, (tipo, docentes) in enumerate(
                  [(t, d) for t in BASE for d in (3, 9, 12)], start=1)]
    # Cuando se focaliza dos veces (la segunda sobre el mismo padrón ya derivado) y en orden inverso
    primera = focalizar(padron, REGLAS)
    segunda = focalizar(padron, REGLAS)
    invertida = focalizar(copy.deepcopy(padron[::-1]), REGLAS)
    # Entonces las decisiones son idénticas
    assert any(d["focalizada"] for d in primera) and not all(d["focalizada"] for d in primera)
    assert primera == segunda
    assert sorted(invertida, key=lambda d: d["codigo_modular"]) == primera


# --- Las dos columnas de la norma: focalizar (todas) y priorizar (ordena o excluye) -------------------
#
# NT-026 §5.6.3 a, polidocentes completas, columna "Criterios de priorización" (Primaria y Secundaria):
#   "II.EE. que en primaria tienen como mínimo un 40% de docentes en plazas nombradas"
#   "No se consideran II.EE. que ya tienen intervención de la DIGEBR en el marco del CNEB"
#   "No se consideran II.EE. que reciben el Ciclo de Formación Interna para Docentes 2020 de DIFODS"
#   "No se consideran II.EE. que reciben el programa de formación docente en servicio para secundaria de DIFODS"
#   "Se excluyen II.EE. de primaria que han recibido Acompañamiento Pedagógico del 2016 al 2018 y el
#    resultado de su medida promedio como IE en la ECE del año más reciente - 4to primaria en el área de
#    matemática se encuentran en el nivel "satisfactorio""
# (Inicial) "II.EE. cuyo número de docentes es igual o mayor al número de secciones de 3, 4 y 5 años"


@pytest.mark.parametrize("tipo, falla", [
    ("polidocente_primaria", {"pct_nombrados": 35}),                    # < 40 % nombrados
    ("polidocente_secundaria", {"ece_promedio_historico": "satisfactorio"}),
    ("polidocente_inicial", {"docentes": 5, "secciones_3a5": 6}),       # menos docentes que secciones
    ("polidocente_inicial", {"pct_nombrados": 20}),                     # < 30 % nombrados
])
def test_quien_falla_solo_una_linea_de_priorizacion_se_focaliza_despues(tipo, falla):
    # Dadas dos IIEE de la misma UGEL y tipo, iguales salvo que la segunda falla una línea que prioriza
    padron = [ie_de(tipo, codigo_modular="0000002", **falla), ie_de(tipo, codigo_modular="0000001")]
    # Cuando se focaliza
    decisiones = focalizar(padron, REGLAS)
    cumple, falla_ = por_codigo(decisiones, "0000001"), por_codigo(decisiones, "0000002")
    # Entonces ambas quedan focalizadas, y la que cumple va primero (más puntos, orden 1)
    assert cumple["focalizada"] and falla_["focalizada"]
    assert (cumple["orden"], falla_["orden"]) == (1, 2)
    assert cumple["puntaje"] == falla_["puntaje"] + 1


@pytest.mark.parametrize("tipo, falla, criterio, frase", [
    ("polidocente_primaria", {"digebr_cneb": True}, "PC-P2", "intervención de la DIGEBR en el marco del CNEB"),
    ("polidocente_secundaria", {"ciclo_formacion_interna_2020": True}, "PC-P5",
     "Ciclo de Formación Interna para Docentes 2020"),
    ("polidocente_primaria", {"difods_secundaria": True}, "PC-P6", "formación docente en servicio para secundaria"),
    ("polidocente_primaria", {"ap_2016_2018": True, "ece_4to_reciente": "satisfactorio"}, "PC-P4",
     "ECE del año más reciente (4.° de primaria, matemática)"),
    ("polidocente_inicial", {"cuna": True}, "PI-P2", "excluye II.EE. que tienen el servicio de cuna"),
])
def test_quien_falla_una_linea_que_excluye_queda_fuera_con_ese_motivo(tipo, falla, criterio, frase):
    # Dada una IE que cumple todo salvo una línea "No se consideran" / "Se excluyen", y que además no
    # llega al 40 % / 30 % de nombrados (línea que solo prioriza)
    d = decidir(ie_de(tipo, pct_nombrados=10, **falla), REGLAS)
    # Entonces queda fuera, y su único motivo en su tipo es la línea que excluye (la que prioriza no es
    # un motivo)
    assert d["focalizada"] is False
    [motivo] = [m for m in motivos(d, REGLAS) if m.startswith(f"[{tipo}]")]
    assert f"[{tipo}] {criterio} no se cumple" in motivo and frase in motivo


def test_cada_linea_de_la_columna_de_priorizacion_declara_su_efecto():
    # Las que dicen "No se consideran" / "Se excluyen" / "Excluye" excluyen; las demás priorizan
    for tipo in REGLAS.tipos:
        for c in tipo.priorizacion:
            excluye = any(p in c.descripcion for p in ("No se consideran", "Se excluyen", "excluye"))
            assert c.efecto == ("excluye" if excluye else "suma"), (tipo.codigo, c.codigo)


# --- Un padrón sin las columnas de NT-026@2 se lee como antes -------------------------------------------

NUEVAS = ("DIGEBR_CNEB", "CICLO_FI_2020", "DIFODS_SECUNDARIA", "ECE_PROMEDIO_HISTORICO", "ECE_4TO_RECIENTE")
ANTERIORES = ("OTRO_PROGRAMA", "ECE_NIVEL")


def padron_sin(columnas: tuple[str, ...], **cambios: str) -> list[dict[str, Any]]:
    """Two polidocente primaria schools of one UGEL that meet every line, read from a file without ``columnas``;
    the second with ``cambios``."""
    filas = [escuela(f"000000{n}", nombre=f"IE {n}", nivel="primaria", caracteristica="completo", dre="DRE01",
                     ugel="UGEL01", area="urbana", alumnos=300, docentes=12, **(cambios if n == 2 else {}))
             for n in (1, 2)]
    salida = io.StringIO()
    escritor = csv.DictWriter(salida, fieldnames=[c for c in COLUMNAS_IE if c not in columnas], extrasaction="ignore")
    escritor.writeheader()
    escritor.writerows(filas)
    lectura = leer_padron(salida.getvalue().encode())
    assert lectura.rechazadas == []
    return [datos for _, datos in lectura.validas]


def test_un_padron_con_otro_programa_en_vez_de_las_tres_columnas_se_lee_como_antes():
    # Given a padrón in the earlier shape: OTRO_PROGRAMA and ECE_NIVEL, none of the five new columns
    # When NT-026@2 decides: the school that receives no programme (N) is focalized, as under NT-026@1
    decisiones = focalizar(padron_sin(NUEVAS, OTRO_PROGRAMA="S"), REGLAS)
    assert por_codigo(decisiones, "0000001")["focalizada"] is True
    assert por_codigo(decisiones, "0000001")["tipo"] == "polidocente_primaria"
    # and the one that receives one (S, without saying which) stays out, as before, for lack of that data
    otra = por_codigo(decisiones, "0000002")
    assert otra["focalizada"] is False
    assert any("PC-P2 sin dato" in m for m in motivos(otra, REGLAS))
    # and ECE_NIVEL still gives the ECE measure both lines read: satisfactorio after 2016-2018 coaching excludes
    decisiones = focalizar(padron_sin(NUEVAS, AP_2016_2018="S", ECE_NIVEL="Satisfactorio"), REGLAS)
    assert [por_codigo(decisiones, c)["focalizada"] for c in ("0000001", "0000002")] == [True, False]
    assert any("PC-P4 no se cumple" in m for m in motivos(por_codigo(decisiones, "0000002"), REGLAS))


def test_una_linea_que_excluye_se_aplica_solo_si_el_padron_trae_su_dato():
    # Given a padrón with neither the new columns nor the earlier ones (the ministry's own file lacks them)
    # When NT-026@2 decides / Then both schools are focalized: no line excludes them without its data
    decisiones = focalizar(padron_sin(NUEVAS + ANTERIORES, AP_2016_2018="S"), REGLAS)
    assert [por_codigo(decisiones, c)["focalizada"] for c in ("0000001", "0000002")] == [True, True]
    assert not {e["codigo"] for e in por_codigo(decisiones, "0000001")["evaluaciones"]} & {"PC-P2", "PC-P5", "PC-P6"}
    # But a blank cell in a column the file has is 'sin dato', and keeps the school out as every line does
    decisiones = focalizar(padron_sin((), DIGEBR_CNEB=""), REGLAS)
    assert [por_codigo(decisiones, c)["focalizada"] for c in ("0000001", "0000002")] == [True, False]
    assert resultado(por_codigo(decisiones, "0000002"), "PC-P2") == "sin_dato"
