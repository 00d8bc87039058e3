"""The UGEL's quarterly report as an aggregate: re-sent commands (a connection that failed, the
offline queue sending again on another day) record nothing twice and are answered as already
recorded, even when what they would check no longer holds (a measure's deadline passed since).

NT-026 §6.3 (UGEL): "dispone las medidas correctivas necesarias".
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.evaluacion import informe_trimestral as it
from services.evaluacion.valores import Envio, Medida, Recepcion, Seguimiento


def informe() -> it.InformeTrimestral:
    return it.InformeTrimestral(id=uuid.uuid4(), ugel="UGEL-EL-COLLAO", dre="DRE-PUNO", anio=2021, trimestre=2,
                                envio=Envio(enviado_por="esp", fecha=date(2021, 7, 2), resumen={}, observaciones=""))


def medida(fecha: str, plazo: str = "2021-08-31", por: str = "esp") -> Medida:
    return Medida.de({"sobre": "ie", "codigo_modular": "0236885", "anexo": 0, "acompanante_id": None,
            "descripcion": "Reprogramar las visitas de junio.", "plazo": plazo, "dispuesta_por": por, "fecha": fecha})


def seguimiento(estado: str, avance: str, fecha: str, por: str = "esp", id_: str | None = None) -> Seguimiento:
    return Seguimiento.de({"estado": estado, "avance": avance, "fecha": fecha, "por": por, "seguimiento_id": id_})


def test_un_seguimiento_reenviado_otro_dia_por_otro_usuario_no_se_registra_dos_veces():
    # Given a measure followed up on 10/07/2021 (the follow-up carrying the id its sender gave it)
    i = informe()
    assert i.disponer_medida("m1", medida("2021-07-05"))
    assert i.seguir_medida("m1", seguimiento("en_ejecucion", "Tres visitas.", "2021-07-10", id_="s1"))
    # When the same follow-up is sent again the next day, by a colleague of the same UGEL
    otra_vez = i.seguir_medida("m1", seguimiento("en_ejecucion", "Tres visitas.", "2021-07-11", "esp-2",
                                                 "s1"))
    # Then it is already recorded, once
    assert otra_vez is False
    assert len(i.medidas["m1"].seguimientos) == 1
    # while other data under the same id conflicts
    with pytest.raises(it.Conflict):
        i.seguir_medida("m1", seguimiento("en_ejecucion", "Cuatro visitas.", "2021-07-11", id_="s1"))


def test_dos_seguimientos_con_el_mismo_texto_en_dias_distintos_se_registran_los_dos():
    # Given a measure followed up on 10/07/2021 with "Sin novedad."
    i = informe()
    assert i.disponer_medida("m1", medida("2021-07-05"))
    assert i.seguir_medida("m1", seguimiento("en_ejecucion", "Sin novedad.", "2021-07-10", id_="s1"))
    assert i.seguir_medida("m1", seguimiento("en_ejecucion", "Sin novedad.", "2021-07-12"))
    # When another follow-up with the same state and text is recorded a week later (with and without an id)
    assert i.seguir_medida("m1", seguimiento("en_ejecucion", "Sin novedad.", "2021-07-17", id_="s2"))
    assert i.seguir_medida("m1", seguimiento("en_ejecucion", "Sin novedad.", "2021-07-19"))
    # Then each is recorded, and one without an id sent twice the same day only once
    assert i.seguir_medida("m1", seguimiento("en_ejecucion", "Sin novedad.", "2021-07-19", "esp-2")) is False
    assert [s.fecha.isoformat() for s in i.medidas["m1"].seguimientos] == [
        "2021-07-10", "2021-07-12", "2021-07-17", "2021-07-19"]


def test_un_seguimiento_de_una_medida_cerrada_reenviado_despues_ya_esta_registrado():
    i = informe()
    assert i.disponer_medida("m1", medida("2021-07-05"))
    assert i.seguir_medida("m1", seguimiento("cumplida", "Hecho.", "2021-07-10", id_="s1"))
    assert i.seguir_medida("m1", seguimiento("cumplida", "Hecho.", "2021-07-20", id_="s1")) is False
    with pytest.raises(it.EvaluacionInvalida, match="ya está cerrada"):
        i.seguir_medida("m1", seguimiento("cumplida", "Otra cosa.", "2021-07-20", id_="s2"))


def test_una_medida_reenviada_despues_de_su_plazo_ya_esta_registrada():
    # Given a measure disposed on 05/07/2021 with its deadline on 31/07/2021
    i = informe()
    assert i.disponer_medida("m1", medida("2021-07-05", plazo="2021-07-31"))
    # When it is sent again on 02/08/2021
    # Then it is already recorded (not refused for its deadline), once
    assert i.disponer_medida("m1", medida("2021-08-02", plazo="2021-07-31")) is False
    assert len(i.medidas) == 1
    # while a new measure with a deadline already past is refused, and a different one under the same id conflicts
    with pytest.raises(it.EvaluacionInvalida, match="ya pasó"):
        i.disponer_medida("m2", medida("2021-08-02", plazo="2021-07-31"))
    with pytest.raises(it.Conflict):
        i.disponer_medida("m1", medida("2021-07-06", plazo="2021-08-15"))


def test_el_acuse_de_recibo_reenviado_otro_dia_ya_esta_registrado():
    i = informe()
    assert i.acusar_recibo(Recepcion("dre", date(2021, 7, 3), "Conforme."))
    assert i.acusar_recibo(Recepcion("dre", date(2021, 7, 4), "Conforme.")) is False
    with pytest.raises(it.Conflict):
        i.acusar_recibo(Recepcion("dre", date(2021, 7, 4), "Otra."))
