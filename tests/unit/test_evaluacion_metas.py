"""Competencies, levels and expected levels (NT-026 §5.2.4, §5.2.5), and the bundled metas.

The expected level at the close of an etapa is computed here again from the bundled file read as
plain JSON (the higher of ``minimo`` and ``inicial + avance``, never above IV), for every school
type, etapa, competency and initial level.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from services.evaluacion.metas import Metas, competencias, esperado, incluidas
from shared.contracts.evaluacion import MetaCompetencia

NIVELES = ("I", "II", "III", "IV")
TIPOS = ("eib", "multigrado", "polidocente_inicial", "polidocente_primaria", "polidocente_secundaria")


def archivo() -> dict[str, Any]:
    texto = resources.files("services.evaluacion").joinpath("datos", "metas-nt026-2020-2022.json").read_text("utf-8")
    return json.loads(texto)


def metas_de(tipo_ie: str) -> dict[str, Any]:
    return next(m for m in archivo()["metas"] if m["tipo_ie"] == tipo_ie)


# --- competencies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("tipo_ie", "complementaria"), [
    ("eib", "C7"), ("multigrado", "C7"), ("polidocente_inicial", "C6"), ("polidocente_primaria", "C6"),
    ("polidocente_secundaria", "C6")])
def test_las_competencias_son_las_priorizadas_y_una_complementaria(tipo_ie, complementaria):
    # NT-026 §5.2.4: C2-C5 for everyone; C7 replaces C6 in unidocente, multigrado and EIB schools
    assert competencias(tipo_ie) == ("C2", "C3", "C4", "C5", complementaria)


# --- expected levels ------------------------------------------------------------------------------


def test_lo_esperado_para_cada_nivel_inicial_y_etapa_de_las_metas_incluidas():
    casos = 0
    for m in archivo()["metas"]:
        for etapa, por_competencia in m["metas"].items():
            for comp, meta in por_competencia.items():
                piso = NIVELES.index(meta["minimo"])
                # a docente with no initial situation is expected at the floor
                assert esperado(MetaCompetencia(**meta), None) == meta["minimo"]
                for i, inicial in enumerate(NIVELES):
                    propio = NIVELES[min(3, max(piso, i + meta["avance"]))]
                    assert esperado(MetaCompetencia(**meta), inicial) == propio, (m["tipo_ie"], etapa, comp, inicial)
                    casos += 1
    assert casos == 5 * 3 * 5 * 4


@pytest.mark.parametrize(("etapa", "competencia", "por_inicial"), [
    # multigrado, as the bundled metas fix it: the prioritised at least II, then +1 and II, then +2 and III
    ("1", "C4", {"I": "II", "II": "II", "III": "III", "IV": "IV"}),
    ("2", "C4", {"I": "II", "II": "III", "III": "IV", "IV": "IV"}),
    ("3", "C4", {"I": "III", "II": "IV", "III": "IV", "IV": "IV"}),
    # the complementary: at least I, then II, then +1 and II
    ("1", "C7", {"I": "I", "II": "II", "III": "III", "IV": "IV"}),
    ("2", "C7", {"I": "II", "II": "II", "III": "III", "IV": "IV"}),
    ("3", "C7", {"I": "II", "II": "III", "III": "IV", "IV": "IV"}),
])
def test_lo_esperado_de_un_docente_multigrado(etapa, competencia, por_inicial):
    meta = MetaCompetencia(**metas_de("multigrado")["metas"][etapa][competencia])
    assert {inicial: esperado(meta, inicial) for inicial in NIVELES} == por_inicial


def test_lo_esperado_progresa_de_etapa_en_etapa_y_nunca_pasa_de_iv():
    for m in incluidas():
        for comp in competencias(m.tipo_ie):
            for inicial in (None, *NIVELES):
                serie = [NIVELES.index(esperado(m.meta(e, comp), inicial)) for e in (1, 2, 3)]
                assert serie == sorted(serie), (m.tipo_ie, comp, inicial)
                assert inicial is None or serie[0] >= NIVELES.index(inicial)


# --- the bundled metas ------------------------------------------------------------------------------


def test_las_metas_incluidas_cubren_los_cinco_tipos_de_ie_y_validan():
    metas = incluidas()
    assert sorted(m.tipo_ie for m in metas) == sorted(TIPOS)
    datos = archivo()
    for m in metas:
        assert (m.convocatoria, m.version) == ("2020-2022", 1)
        assert set(m.metas) == {"1", "2", "3"}
        assert all(set(por_comp) == set(competencias(m.tipo_ie)) for por_comp in m.metas.values())
        # they carry their source and say they are provisional
        assert m.fuente == datos["fuente"] and "NT-026" in m.fuente
        assert m.provisional == datos["provisional"] and "provisional" in m.provisional
        # and the file validates as it is
        assert Metas.model_validate({**metas_de(m.tipo_ie), "fuente": m.fuente, "provisional": m.provisional}) == m


def test_meta_da_la_de_una_etapa_y_competencia():
    eib = next(m for m in incluidas() if m.tipo_ie == "eib")
    assert eib.meta(3, "C7") == MetaCompetencia(avance=1, minimo="II")
    assert eib.meta(1, "C2") == MetaCompetencia(avance=0, minimo="II")
    with pytest.raises(KeyError):
        eib.meta(1, "C6")


# --- invalid metas --------------------------------------------------------------------------------


def con(de: str = "multigrado", **cambios: Any) -> dict[str, Any]:
    """The bundled metas of ``de`` as version 2, with ``cambios`` on top (``metas`` edited by hand)."""
    return {**metas_de(de), "version": 2, **cambios}


def editadas(tipo_ie: str, etapa: str, competencia: str, meta: dict[str, Any] | None) -> dict[str, Any]:
    datos = json.loads(json.dumps(metas_de(tipo_ie)["metas"]))
    if meta is None:
        del datos[etapa][competencia]
    else:
        datos[etapa][competencia] = meta
    return datos


@pytest.mark.parametrize(("entrada", "motivo"), [
    (con(metas={k: x for k, x in metas_de("multigrado")["metas"].items() if k != "2"}),
     "debe fijar las metas de las tres etapas"),
    (con(metas=editadas("multigrado", "1", "C3", None)),
     "la etapa 1 debe fijar exactamente C2, C3, C4, C5, C7 para multigrado"),
    (con("eib", metas=editadas("eib", "2", "C6", {"avance": 0, "minimo": "II"})),
     "la etapa 2 debe fijar exactamente C2, C3, C4, C5, C7 para eib"),
    (con("polidocente_primaria", metas=editadas("polidocente_primaria", "3", "C6", {"avance": 0, "minimo": "I"})),
     "las metas de C6 no pueden bajar de una etapa a la siguiente"),
    (con(metas=editadas("multigrado", "2", "C5", {"avance": 1, "minimo": "I"})),
     "las metas de C5 no pueden bajar"),
    (con(convocatoria="2020"), "convocatoria"),
    (con(version=0), "version"),
    (con(tipo_ie="unidocente"), "tipo_ie"),
    (con(metas=editadas("multigrado", "3", "C2", {"avance": 4, "minimo": "III"})), "avance"),
    (con(metas=editadas("multigrado", "3", "C2", {"avance": 2, "minimo": "V"})), "minimo"),
    (con(metas={**metas_de("multigrado")["metas"], "4": metas_de("multigrado")["metas"]["3"]}), "metas.4"),
    (con(autor="DRE"), "autor"),
])
def test_metas_no_validas_se_rechazan_con_su_motivo(entrada, motivo):
    with pytest.raises(ValidationError) as error:
        Metas.model_validate(entrada)
    assert motivo in str(error.value), str(error.value)


def test_las_metas_publicadas_no_cambian():
    m = incluidas()[0]
    with pytest.raises(ValidationError):
        m.version = 2  # type: ignore[misc]
