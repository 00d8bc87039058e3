"""The observation instruments as data: the bundled ones say what their sources say, and a
malformed instrument is refused with a Spanish reason before anything is published.

The sources are quoted here, word for word (whitespace joined), so the test reads nothing outside the
repository: the classroom rubric's desempeños are the ones of the IES Miguel Grau's 2024 monitoring
plan (Anexo B), and the coach's self-evaluation items are the ones of Chile's execution-stage guide
(Anexo 1).
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from services.evidencias.instrumentos import INCLUIDOS, NIVELES, Instrumento, en, incluidos
from shared.http import motivo

# IES Miguel Grau, Plan de Monitoreo y Acompañamiento Pedagógico 2024, Anexo B (rúbricas de observación)
PLAN_MIGUEL_GRAU = (
    "DESEMPEÑO 1: Involucra activamente a los estudiantes en el proceso de aprendizaje. "
    "DESEMPEÑO 2: Promueve el razonamiento, la creatividad y/o el pensamiento crítico. "
    "DESEMPEÑO 3: Evalúa el progreso de los aprendizajes para retroalimentar a los estudiantes y adecuar su "
    "enseñanza. "
    "DESEMPEÑO 4: Propicia un ambiente de respeto y proximidad. "
    "DESEMPEÑO 5: Regula positivamente el comportamiento de los estudiantes."
)
# Guía metodológica de la etapa de ejecución (Chile, 2022), Anexo: Checklist de autoevaluación (the typo
# "Demosté" is the guide's)
GUIA_CHILE = (
    "SÍ NO NO APLICA Actué como facilitador permitiendo que los participantes construyeran sus conclusiones. "
    "Comuniqué de manera efectiva, verbal y no verbalmente, incentivando y generando entusiasmo en el equipo de "
    "gestión. Me involucré con el equipo, dando señales concretas de su compromiso colectivo con la mejora del "
    "establecimiento. Entregué el contexto adecuado para cada parte de la sesión e hice preguntas precisas para "
    "dirigir el foco en la sesión. Organicé previamente el material necesario y facilité su utilización durante la "
    "sesión. Promoví la reflexión colectiva mediante preguntas estratégicas para asegurar que el equipo revise sus "
    "supuestos y analice sus prácticas. Seguí la agenda prevista para la sesión y realicé los ajustes necesarios "
    "sobre la misma, basado en el pulso de las necesidades del grupo. Demosté conocimiento profundo del contexto "
    "del establecimiento educativo y transmití confianza y seguridad al grupo. Ofrecí apoyo para realizar una "
    "síntesis de lo que el grupo acordó durante la sesión."
)


def _por_clave() -> dict[str, Instrumento]:
    return {i.clave: i for i in incluidos()}


# --- the bundled instruments ---------------------------------------------------------------------


def test_los_instrumentos_incluidos_cargan_y_validan():
    instrumentos = incluidos()
    assert [i.clave for i in instrumentos] == ["FICHA-AULA@1", "LC-GIA@1", "LC-RTC@1", "AUTOEVAL-ACOMP@1"]
    for inst in instrumentos:
        # what is bundled is exactly what a specialist could publish: it survives a round trip
        assert Instrumento.model_validate(inst.model_dump(mode="json")) == inst
        assert en(inst.titulo, "es").strip() and len(inst.fuente) >= 3
        assert all(en(i.titulo, "es").strip() for i in inst.items)


def test_la_ficha_de_aula_es_una_rubrica_de_d1_a_d5_y_pc_con_sus_competencias():
    ficha = _por_clave()["FICHA-AULA@1"]
    assert ficha.tipo == "rubrica" and ficha.aplica_a == ["visita"]
    assert [i.clave for i in ficha.items] == ["D1", "D2", "D3", "D4", "D5", "PC"]
    assert {i.clave: i.competencia for i in ficha.items} == {
        "D1": "C4", "D2": "C4", "D3": "C5", "D4": "C3", "D5": "C3", "PC": "C2"}
    for item in ficha.items:
        assert tuple(n.codigo for n in item.niveles) == NIVELES == ("I", "II", "III", "IV"), item.clave
        for nivel in item.niveles:
            assert nivel.descriptor["es"].strip(), f"{item.clave} {nivel.codigo} sin descriptor"
        assert item.equivale_a is None
    assert ficha.reemplaza is None


def test_la_ficha_de_aula_declara_que_es_provisional():
    carpeta = resources.files("services.evidencias") / "datos"
    archivo = json.loads((carpeta / "ficha-observacion-aula-v1.json").read_text("utf-8"))
    assert archivo["codigo"] == "FICHA-AULA" and archivo["version"] == 1
    assert isinstance(archivo.get("provisional"), str) and archivo["provisional"].strip()
    assert _por_clave()["FICHA-AULA@1"].provisional == archivo["provisional"]


def test_los_desempenos_de_la_ficha_son_los_de_la_fuente():
    fuente = PLAN_MIGUEL_GRAU
    ficha = _por_clave()["FICHA-AULA@1"]
    titulos = {i.clave: i.titulo["es"].rstrip(".") for i in ficha.items if i.clave.startswith("D")}
    assert len(titulos) == 5
    for clave, titulo in titulos.items():
        numero = clave.removeprefix("D")
        assert f"DESEMPEÑO {numero}: {titulo}" in fuente, f"{clave}: {titulo!r} no está en la fuente"
    assert titulos["D1"] == "Involucra activamente a los estudiantes en el proceso de aprendizaje"
    assert titulos["D5"] == "Regula positivamente el comportamiento de los estudiantes"


def test_las_listas_de_cotejo_de_gia_y_rtc():
    por_clave = _por_clave()
    for clave, uso, prefijo in (("LC-GIA@1", "gia", "GIA"), ("LC-RTC@1", "rtc", "RTC")):
        lista = por_clave[clave]
        assert lista.tipo == "lista_cotejo" and lista.aplica_a == [uso], clave
        assert lista.items and all(i.clave.startswith(prefijo) for i in lista.items)
        assert all(not i.niveles and i.competencia is None for i in lista.items)


def test_la_autoevaluacion_tiene_los_nueve_items_de_la_guia_chilena():
    auto = _por_clave()["AUTOEVAL-ACOMP@1"]
    assert auto.tipo == "lista_cotejo" and auto.aplica_a == ["acompanante"]
    assert [i.clave for i in auto.items] == [f"ACO{n}" for n in range(1, 10)]
    guia = GUIA_CHILE
    for clave in ("ACO1", "ACO2", "ACO3", "ACO4", "ACO5", "ACO6", "ACO7", "ACO9"):
        titulo = auto.item(clave).titulo["es"].rstrip(".")
        assert titulo in guia, f"{clave}: {titulo!r} no está en la guía"
    # the one the file says it corrected ("Demosté") is the guide's item with the typo
    assert auto.item("ACO8").titulo["es"].replace("Demostré", "Demosté").rstrip(".") in guia


# --- refusals -------------------------------------------------------------------------------------------


def _nivel(codigo: str) -> dict[str, Any]:
    return {"codigo": codigo, "descriptor": {"es": f"Descriptor del nivel {codigo}."}}


def _item(clave: str = "D1", competencia: str | None = "C4", niveles: tuple[str, ...] = NIVELES,
          **extra: Any) -> dict[str, Any]:
    item = {"clave": clave, "titulo": {"es": f"Desempeño {clave}."}, "niveles": [_nivel(n) for n in niveles], **extra}
    if competencia is not None:
        item["competencia"] = competencia
    return item


def _rubrica(**cambios: Any) -> dict[str, Any]:
    base = {"codigo": "FICHA-PRUEBA", "version": 1, "tipo": "rubrica", "aplica_a": ["visita"],
            "titulo": {"es": "Ficha de prueba"}, "fuente": "Escrita para esta prueba.",
            "vigencia": {"desde": "2024-03-01"}, "items": [_item("D1", "C4"), _item("D2", "C5")]}
    base.update(cambios)
    return base


def _lista(**cambios: Any) -> dict[str, Any]:
    base = {"codigo": "LC-PRUEBA", "version": 1, "tipo": "lista_cotejo", "aplica_a": ["gia"],
            "titulo": {"es": "Lista de prueba"}, "fuente": "Escrita para esta prueba.",
            "vigencia": {"desde": "2024-03-01"},
            "items": [{"clave": "G1", "titulo": {"es": "Se hizo."}}, {"clave": "G2", "titulo": {"es": "Se habló."}}]}
    base.update(cambios)
    return base


def _rechazo(datos: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, Spanish reason) of each error of an instrument that must be refused."""
    with pytest.raises(ValidationError) as exc:
        Instrumento.model_validate(datos)
    return [(".".join(str(p) for p in e["loc"]), motivo(e)) for e in exc.value.errors()]


def test_las_bases_de_las_pruebas_son_validas():
    assert Instrumento.model_validate(_rubrica()).clave == "FICHA-PRUEBA@1"
    assert Instrumento.model_validate(_lista()).clave == "LC-PRUEBA@1"


def test_rubrica_con_tres_niveles():
    assert _rechazo(_rubrica(items=[_item("D1", "C4", ("I", "II", "III"))])) == [
        ("", "el ítem D1 debe tener los niveles I, II, III y IV, en orden")]


def test_rubrica_con_niveles_desordenados():
    assert _rechazo(_rubrica(items=[_item("D1"), _item("D2", "C5", ("I", "III", "II", "IV"))])) == [
        ("", "el ítem D2 debe tener los niveles I, II, III y IV, en orden")]


def test_rubrica_con_un_nivel_repetido_en_lugar_de_otro():
    assert _rechazo(_rubrica(items=[_item("D1", "C4", ("I", "II", "II", "IV"))])) == [
        ("", "el ítem D1 debe tener los niveles I, II, III y IV, en orden")]


def test_item_de_rubrica_sin_competencia():
    assert _rechazo(_rubrica(items=[_item("D1", None)])) == [
        ("", "el ítem D1 debe indicar la competencia que informa (C2 a C7)")]


def test_competencia_fuera_de_las_priorizadas():
    [(donde, razon)] = _rechazo(_rubrica(items=[_item("D1", "C8")]))
    assert donde == "items.0.competencia"
    # the reason is the one the HTTP layer gives (shared.http.motivo): the admitted competencies
    assert razon.startswith("debe ser uno de: ")
    assert all(f"'{c}'" in razon for c in ("C2", "C3", "C4", "C5", "C6", "C7")) and "C8" not in razon


def test_item_de_lista_de_cotejo_con_niveles():
    items = [{"clave": "G1", "titulo": {"es": "Se hizo."}, "niveles": [_nivel(n) for n in NIVELES]}]
    assert _rechazo(_lista(items=items)) == [
        ("", "el ítem G1 es de una lista de cotejo: se responde sí, no o no aplica")]


def test_claves_de_item_repetidas():
    assert _rechazo(_rubrica(items=[_item("D1", "C4"), _item("D1", "C5")])) == [("", "hay ítems con la misma clave")]
    repetida = {"clave": "G1", "titulo": {"es": "Otra vez."}}
    assert _rechazo(_lista(items=[*_lista()["items"], repetida])) == [("", "hay ítems con la misma clave")]


def test_etiqueta_sin_castellano():
    assert _rechazo(_rubrica(titulo={"qu": "Qhawana"})) == [("titulo", "falta el texto en castellano ('es')")]
    assert _rechazo(_rubrica(titulo={"es": "   ", "qu": "Qhawana"})) == [("titulo", "falta el texto en castellano ('es')")]
    item = _item("D1")
    item["niveles"][2]["descriptor"] = {"ay": "Uñjaña"}
    assert _rechazo(_rubrica(items=[item])) == [("items.0.niveles.2.descriptor", "falta el texto en castellano ('es')")]


def test_etiqueta_en_un_idioma_no_previsto():
    assert _rechazo(_rubrica(titulo={"es": "Ficha", "en": "Form"})) == [
        ("titulo", "idiomas no previstos: ['en'] (se admiten es, qu, ay)")]
    item = _item("D1")
    item["titulo"] = {"es": "Involucra.", "qu": "Yachaqkunata.", "en": "Engages."}
    assert _rechazo(_rubrica(items=[item])) == [("items.0.titulo", "idiomas no previstos: ['en'] (se admiten es, qu, ay)")]


def test_quechua_y_aimara_se_admiten():
    item = _item("D1")
    item["titulo"] = {"es": "Involucra a los estudiantes.", "qu": "Yachaqkunata.", "ay": "Yatiqirinakaru."}
    inst = Instrumento.model_validate(_rubrica(titulo={"es": "Ficha", "qu": "Qhawana", "ay": "Uñjaña"}, items=[item]))
    assert en(inst.titulo, "qu") == "Qhawana" and en(inst.titulo, "ay") == "Uñjaña"
    assert en(inst.items[0].titulo, "ay") == "Yatiqirinakaru."


def test_vigencia_que_termina_antes_de_empezar():
    assert _rechazo(_rubrica(vigencia={"desde": "2024-03-01", "hasta": "2024-02-29"})) == [
        ("vigencia", "la vigencia termina antes de empezar")]
    # a one-day period is fine
    assert Instrumento.model_validate(_rubrica(vigencia={"desde": "2024-03-01", "hasta": "2024-03-01"}))


def test_equivalencia_sin_reemplazar_a_otra_version():
    assert _rechazo(_rubrica(version=2, items=[_item("D1", "C4", equivale_a="D1")])) == [
        ("", "el ítem D1 declara una equivalencia, pero el instrumento no reemplaza a otro")]


def test_solo_reemplaza_a_una_version_anterior():
    assert _rechazo(_rubrica(version=2, reemplaza=2)) == [("", "solo puede reemplazar a una versión anterior")]
    assert _rechazo(_rubrica(version=2, reemplaza=3)) == [("", "solo puede reemplazar a una versión anterior")]
    assert Instrumento.model_validate(_rubrica(version=2, reemplaza=1)).reemplaza == 1


# --- equivalences with the replaced version -----------------------------------------------------------


def _v1_y_v2(*items_v2: dict[str, Any]) -> tuple[Instrumento, Instrumento]:
    v1 = Instrumento.model_validate(_rubrica())
    v2 = Instrumento.model_validate(_rubrica(version=2, reemplaza=1, vigencia={"desde": "2025-03-01"},
                                             items=list(items_v2)))
    return v1, v2


def test_equivalencias_validas():
    v1, v2 = _v1_y_v2(_item("D1a", "C4", equivale_a="D1"), _item("D2", "C5", equivale_a="D2"), _item("D9", "C6"))
    assert v2.equivalencias_con(v1) is None


def test_equivalencia_con_un_item_que_no_existe():
    v1, v2 = _v1_y_v2(_item("D1", "C4", equivale_a="D7"))
    with pytest.raises(ValueError) as exc:
        v2.equivalencias_con(v1)
    assert str(exc.value) == "el ítem D1 equivale a D7, que no existe en FICHA-PRUEBA@1"


def test_equivalencia_entre_competencias_distintas():
    v1, v2 = _v1_y_v2(_item("D1", "C4", equivale_a="D1"), _item("D2", "C3", equivale_a="D2"))
    with pytest.raises(ValueError) as exc:
        v2.equivalencias_con(v1)
    assert str(exc.value) == ("el ítem D2 (C3) no puede equivaler a D2 (C5): informan competencias distintas")


# --- labels ---------------------------------------------------------------------------------------------


def test_en_quechua_sin_traduccion_vuelve_al_castellano():
    assert en({"es": "Involucra a los estudiantes."}, "qu") == "Involucra a los estudiantes."
    assert en({"es": "Involucra a los estudiantes.", "qu": ""}, "qu") == "Involucra a los estudiantes."
    assert en({"es": "Involucra.", "qu": "Yachaqkunata."}, "qu") == "Yachaqkunata."
    assert en({"es": "Involucra.", "qu": "Yachaqkunata."}, "ay") == "Involucra."
    ficha = _por_clave()["FICHA-AULA@1"]
    assert en(ficha.item("D1").titulo, "qu") == ficha.item("D1").titulo["es"]


def test_los_datos_incluidos_no_se_modifican_al_validar():
    # Given the bundled files under services/evidencias/datos/, every one of them listed to be bundled
    carpeta = resources.files("services.evidencias") / "datos"
    assert sorted(f.name for f in carpeta.iterdir() if f.name.endswith(".json")) == sorted(INCLUIDOS)
    for nombre, cargado in zip(INCLUIDOS, incluidos(), strict=True):
        archivo = json.loads((carpeta / nombre).read_text("utf-8"))
        copia = copy.deepcopy(archivo)
        # When the service loads it / Then what it publishes is the file's content, field by field
        # and item by item (only the defaults of what the file leaves out are added)
        leido = cargado.model_dump(mode="json", exclude_unset=True)
        sin_items = {k: v for k, v in archivo.items() if k != "items"}
        assert {k: v for k, v in leido.items() if k != "items"} == sin_items, nombre
        assert [i["clave"] for i in leido["items"]] == [i["clave"] for i in archivo["items"]], nombre
        for del_archivo, del_servicio in zip(archivo["items"], leido["items"], strict=True):
            assert del_servicio == del_archivo, f"{nombre}: {del_archivo['clave']}"
        # and validating it does not rewrite what it was given
        assert Instrumento.model_validate(archivo) == cargado
        assert archivo == copia, nombre
