"""A person reads the DREs and UGELs of every spreadsheet and chart by name: once a padrón names them
(focalizacion publishes ``TerritorioNombrado`` through its relay on a real nats-server), evaluacion's reports
(CSV, XLSX, the results chart's title) and agenda's fulfilment (CSV, XLSX) show "UGEL El Collao" and "DRE Puno"
where they showed UGEL-EL-COLLAO and DRE-PUNO; a territory no padrón named keeps its code."""

from __future__ import annotations

import csv
import io
import uuid

from openpyxl import load_workbook

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app as evaluacion_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from tests.conftest import eventually, serving
from tests.integration.test_focalizacion_territorios import IEI, NOMBRES, _csv, _padron
from tests.support.evaluacion import Bombeo, plan
from tests.support.padron import escuela
from tests.support.world import asignar

MINEDU = {"X-Usuario": "analista", "X-Rol": "minedu"}


def _filas(respuesta) -> list[dict[str, str]]:
    """A CSV as a spreadsheet reads it (its first ``#`` line aside), one dict per row by header."""
    assert respuesta.status_code == 200, respuesta.text
    lineas = [x for x in respuesta.content.decode("utf-8-sig").split("\n") if x and not x.startswith("# ")]
    return list(csv.DictReader(io.StringIO("\n".join(lineas)), delimiter=";"))


def _hoja(respuesta, nombre: str) -> list[dict[str, object]]:
    assert respuesta.status_code == 200, respuesta.text
    filas = list(load_workbook(io.BytesIO(respuesta.content), read_only=True)[nombre].iter_rows(values_only=True))
    return [dict(zip(filas[0], f)) for f in filas[1:]]


async def test_los_reportes_muestran_la_dre_y_la_ugel_por_el_nombre_que_les_da_el_padron(make_settings):
    focalizacion = focalizacion_app(make_settings(FocalizacionSettings))
    evaluacion = evaluacion_app(make_settings(EvaluacionSettings))
    agenda = agenda_app(make_settings(AgendaSettings))
    async with serving(focalizacion) as foc, serving(evaluacion) as eva, serving(agenda) as age:
        # Given a docente's plan in UGEL-EL-COLLAO (DRE-PUNO) in agenda and in evaluacion, and another in a UGEL no
        # padrón names
        docente, otro = str(uuid.uuid4()), str(uuid.uuid4())
        asignar(agenda.state.agenda, docente)
        asignar(agenda.state.agenda, otro, dre="DRE-CUSCO", ugel="UGEL-CANCHIS")
        bombeo = Bombeo(evaluacion.state.evaluacion, evaluacion.state.proyecciones)
        bombeo.recibir(plan(docente, str(uuid.uuid4()), 2020), id_="agenda:plan-1")
        bombeo.recibir(plan(otro, str(uuid.uuid4()), 2020, dre="DRE-CUSCO", ugel="UGEL-CANCHIS"), id_="agenda:plan-2")

        # When the padrón names the UGEL and the DRE of one school
        r = await foc.post("/v1/padron/ies", content=_csv(_padron(escuela(
            "0236885", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno")), NOMBRES),
            headers={"content-type": "text/csv"})
        assert r.status_code == 200 and r.json()["nuevas"] == 1, r.text

        # Then evaluacion's seguimiento CSV, once the fact arrives, reads them by name (the other by its code)
        async def seguimiento() -> list[dict[str, str]] | None:
            filas = _filas(await eva.get("/v1/seguimiento", params={"anio": 2020, "por": "ugel", "formato": "csv"},
                                         headers=MINEDU))
            return filas if any(f["UGEL"] == "UGEL El Collao" for f in filas) else None
        filas = await eventually(seguimiento, timeout=30)
        assert {(f["DRE"], f["UGEL"]) for f in filas} == {("DRE Puno", "UGEL El Collao"), ("DRE-CUSCO", "UGEL-CANCHIS")}
        # and so does its workbook, its cover naming the UGEL it was asked for
        libro = await eva.get("/v1/resultados-etapa", headers=MINEDU, params={
            "etapa": 1, "por": "ugel", "ugel": "UGEL-EL-COLLAO", "formato": "xlsx"})
        portada = list(load_workbook(io.BytesIO(libro.content), read_only=True)["portada"].iter_rows(values_only=True))
        assert ("UGEL", "UGEL El Collao") in [f[:2] for f in portada], portada
        xlsx = await eva.get("/v1/seguimiento", params={"anio": 2020, "por": "ugel", "formato": "xlsx"}, headers=MINEDU)
        assert {(f["DRE"], f["UGEL"]) for f in _hoja(xlsx, "cumplimiento")} == {
            ("DRE Puno", "UGEL El Collao"), ("DRE-CUSCO", "UGEL-CANCHIS")}
        # and the results chart's title names the UGEL (matplotlib keeps each text as a comment in the SVG)
        svg = await eva.get("/v1/resultados-etapa.svg", params={"ugel": "UGEL-EL-COLLAO"}, headers=MINEDU)
        assert svg.status_code == 200 and "Resultados por etapa · UGEL El Collao" in svg.text, svg.text[:500]
        assert "UGEL-EL-COLLAO" not in svg.text
        svg = await eva.get("/v1/resultados-etapa.svg", params={"dre": "DRE-PUNO"}, headers=MINEDU)
        assert "Resultados por etapa · DRE Puno" in svg.text and "DRE-PUNO" not in svg.text
        # and evaluacion's names, rebuilt from the stream on their own, are the live ones
        await eventually(lambda: evaluacion.state.runtime.al_dia(0.0), timeout=60)
        vivas = {f["proyeccion"]: f["checksum"]
                 for f in (await eva.get("/v1/proyecciones", params={"suma": "true"}, headers=MINEDU)).json()}
        assert (await eva.post("/v1/proyecciones/territorios/reconstruccion", headers=MINEDU)).status_code == 202

        async def reconstruida() -> dict | None:
            fila = next(f for f in (await eva.get("/v1/proyecciones", headers=MINEDU)).json()
                        if f["proyeccion"] == "territorios")
            ultima = fila.get("reconstruccion")
            return ultima if ultima and ultima["estado"] != "en_curso" else None
        ultima = await eventually(reconstruida, timeout=60)
        assert ultima["estado"] == "terminada" and ultima["checksums"] == {"territorios": vivas["territorios"]}, ultima
        assert any(f["UGEL"] == "UGEL El Collao" for f in await seguimiento() or [])

        # And agenda's fulfilment, in CSV and XLSX, by UGEL and by docente
        async def cumplimiento() -> list[dict[str, str]] | None:
            filas = _filas(await age.get("/v1/cumplimiento.csv", params={"anio": 2021, "nivel": "ugel",
                                                                        "fecha": "2021-12-31"}, headers=MINEDU))
            return filas if any(f["UGEL"] == "UGEL El Collao" for f in filas) else None
        filas = await eventually(cumplimiento, timeout=30)
        assert {(f["DRE"], f["UGEL"]) for f in filas} == {("DRE Puno", "UGEL El Collao"), ("DRE-CUSCO", "UGEL-CANCHIS")}
        xlsx = await age.get("/v1/cumplimiento.xlsx", headers=MINEDU, params={
            "anio": 2021, "nivel": "docente", "fecha": "2021-12-31", "ugel": "UGEL-EL-COLLAO"})
        [fila] = _hoja(xlsx, "cumplimiento")
        assert (fila["DRE"], fila["UGEL"]) == ("DRE Puno", "UGEL El Collao"), fila
        portada = list(load_workbook(io.BytesIO(xlsx.content), read_only=True)["portada"].iter_rows(values_only=True))
        assert ("UGEL", "UGEL El Collao") in [f[:2] for f in portada], portada
        # while the JSON a program reads keeps the codes
        json_ = (await age.get("/v1/cumplimiento", params={"anio": 2021, "nivel": "ugel", "fecha": "2021-12-31"},
                               headers=MINEDU)).json()
        assert {f["ugel"] for f in json_["filas"]} == {"UGEL-EL-COLLAO", "UGEL-CANCHIS"}
