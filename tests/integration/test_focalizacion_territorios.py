"""The names of the DREs and UGELs: the padrón's optional ``D_DREUGEL`` and ``D_REGION`` columns, one name per
territory in the read model (the last import wins), and ``GET /v1/territorios`` for people to read names
instead of codes (``docs/padron-columnas.md`` documents the columns, as ``padron.columnas_markdown`` gives them)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from services.focalizacion.application import Focalizacion
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app
from services.focalizacion.padron import columnas_markdown
from services.focalizacion.valores import FichaIE
from tests.conftest import serving
from tests.support.padron import COLUMNAS_IE, Padron, escuela

NOMBRES = [*COLUMNAS_IE, "D_DREUGEL", "D_REGION"]


def _padron(*filas: dict[str, str]) -> Padron:
    return Padron(ies=list(filas))


def _csv(padron: Padron, columnas: list[str]) -> bytes:
    """The padrón as the ministry exports it (Latin-1, ';'), with these columns."""
    salida = io.StringIO()
    escritor = csv.DictWriter(salida, fieldnames=columnas, delimiter=";", lineterminator="\n", extrasaction="ignore")
    escritor.writeheader()
    escritor.writerows(padron.ies)
    return salida.getvalue().encode("latin-1")


IEI = dict(nombre="IEI N°246 Mi Segundo Hogar", nivel="inicial", caracteristica="completo", dre="DRE-PUNO",
           ugel="UGEL-EL-COLLAO")
IES = dict(nombre="IES Túpac Amaru", nivel="secundaria", caracteristica="completo", dre="DRE-CUSCO",
           ugel="UGEL-CANCHIS")


def _por_codigo(respuesta: list[dict]) -> dict[tuple[str, str], dict]:
    return {(t["tipo"], t["codigo"]): t for t in respuesta}


async def test_los_nombres_del_padron_llegan_a_quien_lee_los_territorios(make_settings):
    app = create_app(make_settings(FocalizacionSettings))
    async with serving(app) as http:
        # Given a padrón without the names' columns
        sin_nombres = _csv(_padron(escuela("0236885", **IEI), escuela("0555555", **IES)), COLUMNAS_IE)
        r = await http.post("/v1/padron/ies", content=sin_nombres, headers={"content-type": "text/csv"})
        assert r.status_code == 200 and r.json()["nuevas"] == 2, r.text
        # When the territories are read / Then each DRE and UGEL is there, its name null
        r = await http.get("/v1/territorios")
        assert r.status_code == 200, r.text
        assert r.json() == [
            {"codigo": "DRE-CUSCO", "tipo": "DRE", "nombre": None, "dre": "DRE-CUSCO"},
            {"codigo": "DRE-PUNO", "tipo": "DRE", "nombre": None, "dre": "DRE-PUNO"},
            {"codigo": "UGEL-CANCHIS", "tipo": "UGEL", "nombre": None, "dre": "DRE-CUSCO"},
            {"codigo": "UGEL-EL-COLLAO", "tipo": "UGEL", "nombre": None, "dre": "DRE-PUNO"}]

        # When the padrón comes with the names (the region's alone, or already the DRE's)
        con_nombres = _csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno"),
                                   escuela("0555555", **IES, D_DREUGEL="UGEL Canchis", D_REGION="DRE Cusco")), NOMBRES)
        r = await http.post("/v1/padron/ies", content=con_nombres, headers={"content-type": "text/csv"})
        assert r.status_code == 200 and r.json()["actualizadas"] == 2, r.text
        # Then each territory reads with its name
        nombres = {k: t["nombre"] for k, t in _por_codigo((await http.get("/v1/territorios")).json()).items()}
        assert nombres == {("DRE", "DRE-PUNO"): "DRE Puno", ("DRE", "DRE-CUSCO"): "DRE Cusco",
                           ("UGEL", "UGEL-EL-COLLAO"): "UGEL El Collao", ("UGEL", "UGEL-CANCHIS"): "UGEL Canchis"}

        # When a later padrón spells a name otherwise, and another comes without the columns
        otra = _csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao - Ilave", D_REGION="Puno")), NOMBRES)
        assert (await http.post("/v1/padron/ies", content=otra, headers={"content-type": "text/csv"})).status_code == 200
        assert (await http.post("/v1/padron/ies", content=sin_nombres,
                                headers={"content-type": "text/csv"})).status_code == 200
        # Then the latest name wins and a file without names keeps them, also when the read model is rebuilt
        vivo = (await http.get("/v1/territorios")).json()
        assert _por_codigo(vivo)[("UGEL", "UGEL-EL-COLLAO")]["nombre"] == "UGEL El Collao - Ilave"
        app.state.proyecciones.reconstruir()
        assert (await http.get("/v1/territorios")).json() == vivo

        # and each specialist reads his own territory's; a DRE's, its UGELs; an IE's directivo, his IE's
        r = await http.get("/v1/territorios", headers={"X-Usuario": "e1", "X-Rol": "especialista_ugel",
                                                        "X-Dre": "DRE-PUNO", "X-Ugel": "UGEL-EL-COLLAO"})
        assert [(t["tipo"], t["codigo"]) for t in r.json()] == [("DRE", "DRE-PUNO"), ("UGEL", "UGEL-EL-COLLAO")]
        r = await http.get("/v1/territorios", headers={"X-Usuario": "e2", "X-Rol": "especialista_dre",
                                                        "X-Dre": "DRE-CUSCO"})
        assert [(t["tipo"], t["codigo"]) for t in r.json()] == [("DRE", "DRE-CUSCO"), ("UGEL", "UGEL-CANCHIS")]
        r = await http.get("/v1/territorios", params={"dre": "DRE-PUNO"},
                           headers={"X-Usuario": "e2", "X-Rol": "especialista_dre", "X-Dre": "DRE-CUSCO"})
        assert r.status_code == 404  # another DRE's: as if it did not exist
        r = await http.get("/v1/territorios", headers={"X-Usuario": "d1", "X-Rol": "directivo", "X-Ie": "0555555-0"})
        assert [t["nombre"] for t in r.json()] == ["DRE Cusco", "UGEL Canchis"]
        # and neither an acompañante nor a docente (whose territory is persons) may ask
        for rol in ("acompanante", "docente"):
            r = await http.get("/v1/territorios", headers={"X-Usuario": "u1", "X-Rol": rol, "X-Dre": "DRE-PUNO",
                                                            "X-Ugel": "UGEL-EL-COLLAO"})
            assert r.status_code == 403, r.text
        # and an IE that is not 'codigo_modular-anexo' is refused with its field
        r = await http.get("/v1/territorios", params={"ie": "0236885"})
        assert r.status_code == 422 and "ie" in r.text
        assert "/v1/territorios" in (await http.get("/openapi.json")).json()["paths"]


def test_un_padron_antiguo_vuelto_a_subir_no_registra_nada_y_los_nombres_no_son_columnas_faltantes():
    # Given a row stored before the names existed (its dict, without them)
    fila = {c: None for c in FichaIE.campos() if c not in ("nombre_ugel", "region")}
    ficha = FichaIE.de(fila)
    # Then they read as blank, not as columns the file lacked
    assert ficha.sin_columna == () and (ficha.nombre_ugel, ficha.region, ficha.nombre_dre) == (None, None, None)
    assert FichaIE(**{**ficha.como_dict(), "region": "GRE La Libertad"}).nombre_dre == "GRE La Libertad"


def test_las_columnas_documentadas_son_las_del_codigo():
    doc = (Path(__file__).parents[2] / "docs" / "padron-columnas.md").read_text(encoding="utf-8")
    assert columnas_markdown() in doc
    assert "`D_DREUGEL`" in doc and "`D_REGION`" in doc


def test_el_padron_de_la_demo_trae_los_nombres(make_settings, closing):
    focalizacion = closing(Focalizacion(make_settings(FocalizacionSettings)))
    demo = Path(__file__).parents[2] / "deploy" / "local" / "demo" / "padron-el-collao.csv"
    informe = focalizacion.importar_ies(demo.read_bytes())
    assert informe["rechazadas"] == [] and informe["nuevas"] > 0
    assert {(t["codigo"], t["nombre"]) for t in focalizacion.proyecciones.territorios()} == {
        ("DRE-PUNO", "DRE Puno"), ("UGEL-EL-COLLAO", "UGEL El Collao")}
