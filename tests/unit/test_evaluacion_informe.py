"""The UGEL's quarterly report as an aggregate: re-sent commands (a connection that failed, the
offline queue sending again on another day) record nothing twice and are answered as already
recorded, even when what they would check no longer holds (a measure's deadline passed since).

NT-026 §6.3 (UGEL): "dispone las medidas correctivas necesarias".
"""

from __future__ import annotations

import uuid

import pytest

from services.evaluacion import domainmodel as dm


def informe() -> dm.InformeTrimestral:
    return dm.InformeTrimestral(id=uuid.uuid4(), ugel="UGEL-EL-COLLAO", dre="DRE-PUNO", anio=2021, trimestre=2,
                                envio={"enviado_por": "esp", "fecha": "2021-07-02", "resumen": {},
                                       "observaciones": ""})


def medida(fecha: str, plazo: str = "2021-08-31", por: str = "esp") -> dict:
    return {"sobre": "ie", "codigo_modular": "0236885", "anexo": 0, "acompanante_id": None,
            "descripcion": "Reprogramar las visitas de junio.", "plazo": plazo, "dispuesta_por": por, "fecha": fecha}


def test_un_seguimiento_reenviado_otro_dia_por_otro_usuario_no_se_registra_dos_veces():
    # Given a measure followed up on 10/07/2021
    i = informe()
    assert i.disponer_medida("m1", medida("2021-07-05"))
    assert i.seguir_medida("m1", {"estado": "en_ejecucion", "avance": "Tres visitas.", "fecha": "2021-07-10",
                                  "por": "esp"})
    # When the same follow-up is sent again the next day, by a colleague of the same UGEL
    otra_vez = i.seguir_medida("m1", {"estado": "en_ejecucion", "avance": "Tres visitas.", "fecha": "2021-07-11",
                                      "por": "esp-2"})
    # Then it is already recorded, once
    assert otra_vez is False
    assert len(i.medidas["m1"]["seguimiento"]) == 1


def test_un_seguimiento_de_una_medida_cerrada_reenviado_despues_ya_esta_registrado():
    i = informe()
    assert i.disponer_medida("m1", medida("2021-07-05"))
    assert i.seguir_medida("m1", {"estado": "cumplida", "avance": "Hecho.", "fecha": "2021-07-10", "por": "esp"})
    otra_vez = {"estado": "cumplida", "avance": "Hecho.", "fecha": "2021-07-20", "por": "esp"}
    assert i.seguir_medida("m1", otra_vez) is False
    with pytest.raises(dm.EvaluacionInvalida, match="ya está cerrada"):
        i.seguir_medida("m1", {"estado": "cumplida", "avance": "Otra cosa.", "fecha": "2021-07-20", "por": "esp"})


def test_una_medida_reenviada_despues_de_su_plazo_ya_esta_registrada():
    # Given a measure disposed on 05/07/2021 with its deadline on 31/07/2021
    i = informe()
    assert i.disponer_medida("m1", medida("2021-07-05", plazo="2021-07-31"))
    # When it is sent again on 02/08/2021
    # Then it is already recorded (not refused for its deadline), once
    assert i.disponer_medida("m1", medida("2021-08-02", plazo="2021-07-31")) is False
    assert len(i.medidas) == 1
    # while a new measure with a deadline already past is refused, and a different one under the same id conflicts
    with pytest.raises(dm.EvaluacionInvalida, match="ya pasó"):
        i.disponer_medida("m2", medida("2021-08-02", plazo="2021-07-31"))
    with pytest.raises(dm.Conflict):
        i.disponer_medida("m1", medida("2021-07-06", plazo="2021-08-15"))


def test_el_acuse_de_recibo_reenviado_otro_dia_ya_esta_registrado():
    i = informe()
    assert i.acusar_recibo({"recibido_por": "dre", "fecha": "2021-07-03", "observaciones": "Conforme."})
    assert i.acusar_recibo({"recibido_por": "dre", "fecha": "2021-07-04", "observaciones": "Conforme."}) is False
    with pytest.raises(dm.Conflict):
        i.acusar_recibo({"recibido_por": "dre", "fecha": "2021-07-04", "observaciones": "Otra."})
