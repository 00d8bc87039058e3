"""Importing the ministry's files: a realistic padrón of 2,500 schools with dirty rows."""

from __future__ import annotations

import pytest

from services.focalizacion.application import Focalizacion
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.padron import ArchivoInvalido
from tests.support.padron import Padron, ensuciar, escuela, generar


@pytest.fixture
def focalizacion(make_settings, closing) -> Focalizacion:
    return closing(Focalizacion(make_settings(FocalizacionSettings)))


def test_padron_de_2500_iiee_con_filas_sucias(focalizacion):
    # Given a padrón of 2,500 schools across 12 UGELs, exported in Latin-1 with ';', with 40
    # dirty rows (unknown level, duplicate código modular, blank name, blank UGEL): more than one
    # transaction of the import (500 aggregates) and of its projection (2,000 events); scale is bench/'s
    padron = generar(2500, ugeles=12, docentes_por_escuela=1.5)
    malas = ensuciar(padron)
    # When it is imported
    informe = focalizacion.importar_ies(padron.csv("ies", encoding="latin-1", separador=";"))
    # Then every bad row is reported with its line and reason, and every good row is in
    rechazadas = {r["linea"]: r for r in informe["rechazadas"]}
    assert sorted(rechazadas) == sorted(malas["ies"])
    motivos = {e["motivo"].split(" (")[0] for r in informe["rechazadas"] for e in r["errores"]}
    assert any(m.startswith("nivel desconocido") for m in motivos)
    assert any(m.startswith("duplicado de la línea") for m in motivos)
    assert "celda vacía en una columna obligatoria" in motivos
    assert informe["filas"] == 2500
    assert informe["nuevas"] == 2500 - len(malas["ies"]) == len(focalizacion.proyecciones.ies())
    nombres = {ie["nombre"] for ie in focalizacion.proyecciones.ies()}
    assert all(f["CEN_EDU"] in nombres for i, f in enumerate(padron.ies) if i + 2 not in malas["ies"])

    # When the docentes are imported (UTF-8), with wrong DNIs and docentes of rejected schools
    informe_d = focalizacion.importar_docentes(padron.csv("docentes"))
    registradas = {(ie["codigo_modular"], ie["anexo"]) for ie in focalizacion.proyecciones.ies()}
    de_ie_rechazada = {i + 2 for i, d in enumerate(padron.docentes)
                       if (d["COD_MOD"].zfill(7), 0) not in registradas}
    # Then each wrong DNI and each docente whose IE is not registered is reported, the rest are in
    lineas = {r["linea"]: r["errores"] for r in informe_d["rechazadas"]}
    assert set(lineas) == set(malas["docentes"]) | de_ie_rechazada
    assert all(lineas[n][0]["campo"] == "DNI" for n in malas["docentes"])
    assert informe_d["nuevas"] == len(padron.docentes) - len(lineas)

    # When the same files are imported again, nothing changes (ids from código modular and DNI)
    otra_vez = focalizacion.importar_ies(padron.csv("ies", encoding="latin-1", separador=";"))
    assert (otra_vez["nuevas"], otra_vez["actualizadas"], otra_vez["sin_cambios"]) == (0, 0, informe["nuevas"])
    antes = focalizacion.recorder.max_notification_id()
    assert focalizacion.importar_docentes(padron.csv("docentes"))["nuevas"] == 0
    assert focalizacion.recorder.max_notification_id() == antes

    # When one school's data changes in the ministry's file, only that school gets an event
    padron.ies[0]["TALUMNO"] = "999"
    cambio = focalizacion.importar_ies(padron.csv("ies"))
    assert (cambio["nuevas"], cambio["actualizadas"]) == (0, 1)
    assert focalizacion.proyecciones.ie(padron.ies[0]["COD_MOD"], 0)["alumnos"] == 999


def test_un_archivo_sin_columnas_obligatorias_no_registra_nada(focalizacion):
    with pytest.raises(ArchivoInvalido, match="COD_MOD"):
        focalizacion.importar_ies("CEN_EDU,D_NIV_MOD\nIE 1,Primaria\n".encode())
    assert not focalizacion.proyecciones.ies()


def test_el_grado_y_seccion_y_el_area_del_docente_son_columnas_opcionales(focalizacion):
    # Given the IEI N°246 and two of its docentes: one file with the optional columns, one without
    p = Padron(ies=[escuela("0236885", nombre="IEI N°246 Mi Segundo Hogar", nivel="inicial",
                            caracteristica="completo", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")])
    assert not focalizacion.importar_ies(p.csv("ies"))["rechazadas"]
    fila = {"APELLIDOS": "Quispe", "NOMBRES": "Rosa", "COD_MOD": "0236885", "ANEXO": "0", "NIVEL": "inicial"}
    sin_columnas = "DNI,APELLIDOS,NOMBRES,COD_MOD,ANEXO,NIVEL\n" + "\n".join(
        f"{dni},{fila['APELLIDOS']},{fila['NOMBRES']},0236885,0,Inicial" for dni in ("41000001", "41000002"))
    assert focalizacion.importar_docentes(sin_columnas.encode())["nuevas"] == 2
    # When the same docentes come again with grado y sección (and área) for one of them
    con_columnas = ("DNI,APELLIDOS,NOMBRES,COD_MOD,ANEXO,NIVEL,GRADO_SECCION,AREA_CURRICULAR\n"
                    "41000001,Quispe,Rosa,0236885,0,Inicial,5 años  A,Personal Social\n"
                    "41000002,Quispe,Rosa,0236885,0,Inicial,,\n")
    informe = focalizacion.importar_docentes(con_columnas.encode())
    # Then only the one with data changed (empty new columns are not a change), and readers get them
    assert (informe["actualizadas"], informe["sin_cambios"], informe["rechazadas"]) == (1, 1, [])
    rosa = focalizacion.proyecciones.asignacion_de(str(focalizacion.docente_id("41000001")))
    assert (rosa["grado_seccion"], rosa["area_curricular"]) == ("5 años A", "Personal Social")
    otra = focalizacion.proyecciones.asignacion_de(str(focalizacion.docente_id("41000002")))
    assert (otra["grado_seccion"], otra["area_curricular"]) == (None, None)
    # and the first file, sent again, changes only Rosa (what it says of her now: no grado y sección)
    otra_vez = focalizacion.importar_docentes(sin_columnas.encode())
    assert (otra_vez["actualizadas"], otra_vez["sin_cambios"]) == (1, 1)


async def test_quien_lee_al_docente_recibe_su_grado_y_seccion_y_su_area(make_settings):
    # Given a docente imported with his grado y sección and área curricular
    from services.focalizacion.main import create_app
    from tests.conftest import serving
    app = create_app(make_settings(FocalizacionSettings))
    p = Padron(ies=[escuela("0573436", nombre="IES Técnico Miguel Grau", nivel="secundaria",
                            caracteristica="completo", dre="DRE-PUNO", ugel="UGEL-EL-COLLAO")])
    async with serving(app) as http:
        r = await http.post("/v1/padron/ies", content=p.csv("ies"), headers={"content-type": "text/csv"})
        assert r.status_code == 200 and r.json()["rechazadas"] == [], r.text
        docentes = ("DNI,APELLIDOS,NOMBRES,COD_MOD,ANEXO,NIVEL,GRADO_SECCION,AREA_CURRICULAR\n"
                    "42000001,Apaza Ccama,Nélida,0573436,0,Secundaria,3.° B,Matemática\n")
        r = await http.post("/v1/padron/docentes", content=docentes.encode(), headers={"content-type": "text/csv"})
        assert r.status_code == 200 and r.json()["nuevas"] == 1, r.text
        # When he is read as a person (the web application shows him by name)
        docente = app.state.runtime.app.docente_id("42000001")
        r = await http.get(f"/v1/docentes/{docente}/persona")
        # Then his classroom comes with his name
        assert r.status_code == 200, r.text
        assert {k: r.json()[k] for k in ("apellidos", "nombres", "grado_seccion", "area_curricular")} == {
            "apellidos": "Apaza Ccama", "nombres": "Nélida", "grado_seccion": "3.° B", "area_curricular": "Matemática"}
