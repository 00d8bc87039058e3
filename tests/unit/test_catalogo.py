"""The public event catalog: generated from the contracts, kept in the repository in step with the code,
and a published contract that changes incompatibly without a new version fails here."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from shared.catalogo import compatibles, contratos, especificacion, instantanea

RAIZ = Path(__file__).parents[2]


def test_el_catalogo_del_repositorio_es_el_que_genera_el_codigo():
    guardado = json.loads((RAIZ / "docs" / "asyncapi.json").read_text("utf-8"))
    assert guardado == json.loads(json.dumps(especificacion())), \
        "docs/asyncapi.json no corresponde a los contratos: ejecute python -m shared.catalogo --contratos"


def test_cada_contrato_tiene_canal_descripcion_ejemplo_y_cabeceras():
    spec = especificacion()
    assert spec["asyncapi"] == "3.0.0"
    assert len(spec["channels"]) == len(contratos()) >= 48
    for contrato in contratos():
        canal = spec["channels"][contrato.ce_type()]
        assert canal["address"] == contrato.subject("{dre}", "{ugel}")
        assert canal["description"] and set(canal["parameters"]) == {"dre", "ugel"}
        mensaje = spec["components"]["messages"][f"{contrato.ce_type()}:Message"]
        assert "ce-cadena" in mensaje["headers"]["properties"]
        [ejemplo_] = mensaje["examples"]
        assert contrato.model_validate(ejemplo_["payload"])  # every example honours its contract


@pytest.mark.parametrize("contrato", contratos(), ids=lambda c: c.ce_type().removeprefix("pe.gob.minedu.acompana."))
def test_un_contrato_publicado_no_cambia_de_forma_incompatible(contrato):
    archivo = RAIZ / instantanea(contrato)
    assert archivo.exists(), f"falta {archivo}: un contrato nuevo se registra con python -m shared.catalogo --contratos"
    publicado = json.loads(archivo.read_text("utf-8"))
    assert compatibles(publicado, contrato.model_json_schema()) == [], (
        f"{contrato.ce_type()} cambió de forma incompatible: publique una versión nueva (version = "
        f"{contrato.version + 1}) en su propio sujeto")


def test_el_comparador_reconoce_cada_cambio_incompatible():
    from shared.contracts import PlanAnualGeneradoV1, VisitaRealizadaV1
    base = VisitaRealizadaV1.model_json_schema()

    def cambiado(cambio) -> list[str]:
        nuevo = copy.deepcopy(base)
        cambio(nuevo)
        return compatibles(base, nuevo)

    assert cambiado(lambda s: s["properties"].pop("dias")) == ["dias: se quitó el campo"]
    assert cambiado(lambda s: s["properties"]["anio"].update(type="string")) == [
        "anio: el tipo pasó de ('integer',) a ('string',)"]
    assert cambiado(lambda s: (s["properties"].update(tema={"type": "string"}), s["required"].append("tema"))) == [
        "tema: es un campo obligatorio nuevo"]
    assert cambiado(lambda s: None) == []  # the same schema
    acciones = base["properties"]["acciones"]["items"]
    assert "enum" in acciones
    assert cambiado(lambda s: s["properties"]["acciones"]["items"]["enum"].remove("modelado")) == [
        "acciones[]: ya no admite ['modelado']"]
    assert cambiado(lambda s: s["properties"]["docente_id"].update(format="date")) == [
        "docente_id: format cambió de 'uuid' a 'date'"]
    assert cambiado(lambda s: s.update(additionalProperties=True)) == ["raíz: admite campos que antes no"]
    # an optional field added is compatible
    assert cambiado(lambda s: s["properties"].update(tema={"type": "string", "default": ""})) == []
    # a nested model (a $ref) is followed
    from shared.contracts import ObservacionRegistradaV1
    observacion = ObservacionRegistradaV1.model_json_schema()
    otra = copy.deepcopy(observacion)
    otra["$defs"]["NivelObservado"]["properties"].pop("evidencia")
    assert compatibles(observacion, otra) == ["niveles{}.evidencia: se quitó el campo"]
    assert compatibles(PlanAnualGeneradoV1.model_json_schema(), PlanAnualGeneradoV1.model_json_schema()) == []
