"""focalizacion publishes the names the padrón gives each UGEL and its DRE (``TerritorioNombradoV1``): once per
UGEL when an import first brings them, again only when it brings other ones (``domainmodel.NombresUGEL``); never
for a padrón without the names, nor when it leaves them as they were. Importing again a padrón recorded before
the names were published records them then, though none of its schools changed. Stored school events are
published as before (none of them is the names' fact)."""

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


COLLAO = {"dre": "DRE-PUNO", "nombre_dre": "DRE Puno", "ugel": "UGEL-EL-COLLAO", "nombre_ugel": "UGEL El Collao"}
CANCHIS = {"dre": "DRE-CUSCO", "nombre_dre": "DRE Cusco", "ugel": "UGEL-CANCHIS", "nombre_ugel": "UGEL Canchis"}


def test_el_padron_que_nombra_la_dre_y_la_ugel_se_publica_una_vez_por_nombre(make_settings):
    app = Focalizacion(make_settings(FocalizacionSettings))
    try:
        # Given a padrón without the names' columns: nothing to publish
        app.importar_ies(_csv(_padron(escuela("0236885", **IEI), escuela("0555555", **IES)), COLUMNAS_IE))
        nombrados, hasta = _nombrados(app, 0)
        assert nombrados == [] and hasta > 0

        # When a padrón names them (two schools of El Collao, one of Canchis)
        con_nombres = _csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno"),
                                   escuela("0236886", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno"),
                                   escuela("0555555", **IES, D_DREUGEL="UGEL Canchis", D_REGION="DRE Cusco")), NOMBRES)
        app.importar_ies(con_nombres)
        nombrados, hasta = _nombrados(app, hasta)
        # Then each UGEL's names are published once, on the UGEL's subject and territory
        assert sorted(nombrados) == [("ugel/UGEL-CANCHIS", "DRE-CUSCO.UGEL-CANCHIS", CANCHIS),
                                     ("ugel/UGEL-EL-COLLAO", "DRE-PUNO.UGEL-EL-COLLAO", COLLAO)]

        # When a later padrón changes a school but not the names, or comes without the names' columns
        app.importar_ies(_csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno",
                                              alumnos=99)), NOMBRES))
        app.importar_ies(_csv(_padron(escuela("0236885", **IEI, alumnos=98)), COLUMNAS_IE))
        # Then nothing is published
        nombrados, hasta = _nombrados(app, hasta)
        assert nombrados == []

        # When one spells the UGEL's name otherwise (and not the DRE's: the known one stays)
        app.importar_ies(_csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao - Ilave")), NOMBRES))
        nombrados, _ = _nombrados(app, hasta)
        assert [n[2] for n in nombrados] == [{**COLLAO, "nombre_ugel": "UGEL El Collao - Ilave"}]
    finally:
        app.close()


def test_un_padron_ya_registrado_vuelto_a_importar_publica_los_nombres_que_nunca_se_publicaron(make_settings):
    settings = make_settings(FocalizacionSettings)
    app = Focalizacion(settings)
    try:
        # Given a padrón with names whose names' facts are not in the store (as one imported before they existed)
        padron = _csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno")), NOMBRES)
        app._nombrar_territorios = lambda lectura: None  # the code before: it recorded only the schools
        app.importar_ies(padron)
        del app._nombrar_territorios
        nombrados, hasta = _nombrados(app, 0)
        assert nombrados == []
        # When it is imported again, unchanged
        informe = app.importar_ies(padron)
        # Then no school changes, and the names are recorded and published
        assert (informe["nuevas"], informe["actualizadas"], informe["sin_cambios"]) == (0, 0, 1)
        nombrados, _ = _nombrados(app, hasta)
        assert [n[2] for n in nombrados] == [COLLAO]
    finally:
        app.close()


def test_el_contrato_admite_un_padron_que_nombra_solo_la_ugel():
    hecho = TerritorioNombradoV1(dre="DRE-PUNO", nombre_dre=None, ugel="UGEL-EL-COLLAO", nombre_ugel="UGEL El Collao")
    assert TerritorioNombradoV1.subject("DRE-PUNO", "UGEL-EL-COLLAO") == \
        "acompana.focalizacion.TerritorioNombrado.v1.DRE-PUNO.UGEL-EL-COLLAO"
    assert TerritorioNombradoV1.model_validate_json(hecho.model_dump_json()) == hecho
