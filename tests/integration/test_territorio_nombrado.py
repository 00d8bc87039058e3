"""focalizacion publishes the names the padrón gives each DRE and UGEL (``TerritorioNombradoV1``): when a school
is registered with them, and when an update names its territory anew; never for a padrón without the names, nor
for an update that leaves them as they were."""

from __future__ import annotations

from services.focalizacion.application import Focalizacion
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.messaging import Publicador
from shared.contracts import TerritorioNombradoV1
from tests.integration.test_focalizacion_territorios import IEI, IES, NOMBRES, _csv, _padron
from tests.support.padron import COLUMNAS_IE, escuela


def _nombrados(app: Focalizacion, desde: int) -> tuple[list[tuple[str, str, dict]], int]:
    """What the relay publishes of the events recorded after ``desde``: (subject, territory, names)."""
    publicar, vistos, ultimo = Publicador(app), [], desde
    for n in app.recorder.select_notifications(desde + 1, 100_000):
        ultimo = n.id
        p = publicar(app.mapper.to_domain_event(n))
        if p is not None and isinstance(p.data, TerritorioNombradoV1):
            vistos.append((p.subject, f"{p.dre}.{p.ugel}", p.data.model_dump()))
    return vistos, ultimo


def test_el_padron_que_nombra_la_dre_y_la_ugel_de_una_ie_se_publica_una_vez_por_nombre(make_settings):
    app = Focalizacion(make_settings(FocalizacionSettings))
    try:
        # Given a padrón without the names' columns: nothing to publish
        app.importar_ies(_csv(_padron(escuela("0236885", **IEI), escuela("0555555", **IES)), COLUMNAS_IE))
        nombrados, hasta = _nombrados(app, 0)
        assert nombrados == [] and hasta > 0

        # When a padrón names them (an update of both schools)
        con_nombres = _csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno"),
                                   escuela("0555555", **IES, D_DREUGEL="UGEL Canchis", D_REGION="DRE Cusco")), NOMBRES)
        app.importar_ies(con_nombres)
        nombrados, hasta = _nombrados(app, hasta)
        # Then each school's DRE and UGEL are published with their names, on the UGEL's subject and territory
        assert sorted(nombrados) == [
            ("ugel/UGEL-CANCHIS", "DRE-CUSCO.UGEL-CANCHIS", {"dre": "DRE-CUSCO", "nombre_dre": "DRE Cusco",
                                                             "ugel": "UGEL-CANCHIS", "nombre_ugel": "UGEL Canchis"}),
            ("ugel/UGEL-EL-COLLAO", "DRE-PUNO.UGEL-EL-COLLAO", {"dre": "DRE-PUNO", "nombre_dre": "DRE Puno",
                                                                "ugel": "UGEL-EL-COLLAO",
                                                                "nombre_ugel": "UGEL El Collao"})]

        # When a later padrón changes a school but not the names: nothing is published
        mas_alumnos = _csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno",
                                           alumnos=99)), NOMBRES)
        resumen = app.importar_ies(mas_alumnos)
        assert resumen["actualizadas"] == 1, resumen
        nombrados, hasta = _nombrados(app, hasta)
        assert nombrados == []

        # When it spells the UGEL's name otherwise: that school's names are published again
        app.importar_ies(_csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao - Ilave", D_REGION="Puno",
                                              alumnos=99)), NOMBRES))
        nombrados, hasta = _nombrados(app, hasta)
        assert [n[2]["nombre_ugel"] for n in nombrados] == ["UGEL El Collao - Ilave"]

        # and a school registered anew with names publishes them at once
        app.importar_ies(_csv(_padron(escuela("0777777", **IES, D_DREUGEL="UGEL Canchis", D_REGION="DRE Cusco")),
                              NOMBRES))
        nombrados, _ = _nombrados(app, hasta)
        assert [(n[2]["ugel"], n[2]["nombre_ugel"]) for n in nombrados] == [("UGEL-CANCHIS", "UGEL Canchis")]
    finally:
        app.close()


def test_el_contrato_admite_un_padron_que_nombra_solo_la_ugel():
    hecho = TerritorioNombradoV1(dre="DRE-PUNO", nombre_dre=None, ugel="UGEL-EL-COLLAO", nombre_ugel="UGEL El Collao")
    assert TerritorioNombradoV1.subject("DRE-PUNO", "UGEL-EL-COLLAO") == \
        "acompana.focalizacion.TerritorioNombrado.v1.DRE-PUNO.UGEL-EL-COLLAO"
    assert TerritorioNombradoV1.model_validate_json(hecho.model_dump_json()) == hecho
