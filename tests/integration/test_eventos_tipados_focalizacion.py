"""focalizacion's fixture store (tests/fixtures/generar_almacen.py, written before its registries, decisions and
caseloads were typed) reads with its values typed: a registry row is a ``Ficha*``, a decision's ratio and
evaluations are values, and a snapshot of a UGEL's caseloads written with dicts reads as the typed state. What the
typed events store is what the read model keeps: the same rows as before."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.focalizacion import domainmodel as fdm
from services.focalizacion import projections as vistas
from services.focalizacion.valores import (AsignacionDocente, CarteraAcompanante, Decision, EvaluacionCriterio,
                                           FichaAcompanante, FichaDocente, FichaIE, RatioAplicada)
from shared.cifrado import Cifrador
from tests.fixtures.generar_almacen import abrir, padron
from tests.support.almacenes import copia_abierta, eventos


@pytest.fixture
def focalizacion(tmp_path: Path) -> Iterator[Any]:
    with copia_abierta("focalizacion", tmp_path) as app:
        yield app


def _sin_tipos(valor: Any) -> Any:
    """A stored state as the code before the values were typed wrote it: every registered value a plain dict."""
    if isinstance(valor, dict):
        if "_type_" in valor and valor["_type_"].startswith("focalizacion."):
            return _sin_tipos(valor["_data_"])
        return {k: _sin_tipos(v) for k, v in valor.items()}
    return [_sin_tipos(v) for v in valor] if isinstance(valor, list) else valor


def test_las_filas_antiguas_del_padron_se_leen_tipadas(focalizacion):
    ies = eventos(focalizacion, fdm.InstitucionEducativa.Registrada)
    assert ies and all(isinstance(e.datos, FichaIE) and e.datos.sin_columna == () for e in ies)
    assert {e.datos.nivel for e in ies} >= {"primaria"}
    docentes = eventos(focalizacion, fdm.Docente.Registrado) + eventos(focalizacion, fdm.Docente.Actualizado)
    assert all(isinstance(e.datos, FichaDocente) and Cifrador.cifrado(e.datos.dni) for e in docentes)
    acompanantes = eventos(focalizacion, fdm.Acompanante.Registrado)
    assert all(isinstance(e.datos, FichaAcompanante) and e.datos.tipo for e in acompanantes)
    # the docente whose data were cancelled keeps his school and territory, none of his personal fields
    cancelado, = eventos(focalizacion, fdm.Docente.DatosPersonalesCancelados)
    docente = focalizacion.repository.get(cancelado.originator_id)
    assert docente.cancelado and (docente.datos.dni, docente.datos.nombres, docente.datos.plaza) == (None, None, None)
    assert (docente.datos.dre, docente.datos.ugel) == (cancelado.dre, cancelado.ugel)


def test_una_decision_antigua_se_lee_con_su_ratio_y_sus_evaluaciones(focalizacion):
    decididas = eventos(focalizacion, fdm.DecisionFocalizacion.Decidida)
    focalizada = next(e.decision for e in decididas if e.decision.focalizada)
    assert isinstance(focalizada.ratio, RatioAplicada) and focalizada.ratio.minimo <= focalizada.ratio.maximo
    assert all(isinstance(c, EvaluacionCriterio) and c.resultado in ("cumple", "no_cumple", "sin_dato")
               for e in decididas for c in e.decision.evaluaciones)
    assert focalizada.como_dict()["ratio"] == {"contexto": focalizada.ratio.contexto,
                                               "docentes": focalizada.ratio.docentes,
                                               "minimo": focalizada.ratio.minimo, "maximo": focalizada.ratio.maximo}


def test_una_decision_de_la_version_2_se_lee_con_sus_valores(focalizacion, tmp_path: Path):
    # Given a decision changed by today's code, stored as version 2 stored it (ratio and evaluations as dicts)
    decidida = next(e for e in eventos(focalizacion, fdm.DecisionFocalizacion.Decidida) if e.decision.focalizada)
    agregado = focalizacion.repository.get(decidida.originator_id)
    agregado.cambiar(Decision.de({**agregado.decision.como_dict(), "puntaje": agregado.decision.puntaje + 1}))
    focalizacion.save(agregado)
    ultimo = focalizacion.recorder.max_notification_id()
    with sqlite3.connect(tmp_path / "focalizacion.sqlite") as conn:
        (estado,), = conn.execute("SELECT state FROM stored_events ORDER BY rowid DESC LIMIT 1")
        guardado = json.loads(estado)
        assert guardado["class_version"] == 3 and guardado["decision"]["_data_"]["ratio"]["_type_"] == \
            "focalizacion.RatioAplicada"
        d = guardado["decision"]["_data_"]
        d["ratio"], d["evaluaciones"] = _sin_tipos(d["ratio"]), _sin_tipos(d["evaluaciones"])
        guardado["class_version"] = 2
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = (SELECT max(rowid) FROM stored_events)",
                     (json.dumps(guardado, separators=(",", ":")).encode(),))
    # When it is read / Then its values are typed and it is the decision recorded
    cambiada, = [focalizacion.mapper.to_domain_event(n) for n in focalizacion.recorder.select_notifications(ultimo, 1)]
    assert isinstance(cambiada.decision.ratio, RatioAplicada)
    assert cambiada.decision == agregado.decision


def test_una_instantanea_de_las_carteras_con_diccionarios_se_lee_tipada(focalizacion, tmp_path: Path):
    # Given a snapshot of a UGEL's caseloads as the code before typed caseloads wrote it (dicts, version 1)
    carteras = next(n.originator_id for n in focalizacion.recorder.select_notifications(0, 100_000)
                    if n.topic.endswith("AsignacionesUGEL.Abiertas"))
    focalizacion.take_snapshot(carteras)
    antes = focalizacion.repository.get(carteras)
    focalizacion.close()
    with sqlite3.connect(tmp_path / "focalizacion.sqlite") as conn:
        (estado,), = conn.execute("SELECT state FROM stored_snapshots")
        instantanea = json.loads(estado)
        assert instantanea["state"].pop("class_version") == 2
        instantanea["state"] = _sin_tipos(instantanea["state"])
        conn.execute("UPDATE stored_snapshots SET state = ?", (json.dumps(instantanea).encode(),))
    # When it is read / Then it is the caseloads as they were, typed
    app = abrir("focalizacion", tmp_path)
    try:
        despues = app.repository.get(carteras)
        assert (despues.version, despues.docentes, despues.acompanantes) == (antes.version, antes.docentes,
                                                                            antes.acompanantes)
        assert all(isinstance(a, CarteraAcompanante) for a in despues.acompanantes.values())
        assert all(isinstance(d, AsignacionDocente) for d in despues.docentes.values())
    finally:
        app.close()


def test_una_copia_de_las_carteras_y_de_una_ie_comparte_sus_valores(focalizacion):
    # Given the caseloads of a UGEL and a school, as the repository gives them (its cache deep-copies them)
    notificaciones = focalizacion.recorder.select_notifications(0, 100_000)
    carteras = focalizacion.repository.get(next(n.originator_id for n in notificaciones
                                                if n.topic.endswith("AsignacionesUGEL.Abiertas")))
    ie = focalizacion.repository.get(eventos(focalizacion, fdm.InstitucionEducativa.Registrada)[0].originator_id)
    # When they are copied / Then the copies are their own aggregates holding the same values, not copies of them
    copia, otra_ie = copy.deepcopy(carteras), copy.deepcopy(ie)
    assert copia is not carteras and copia.docentes is not carteras.docentes and carteras.docentes
    assert all(copia.docentes[d] is a for d, a in carteras.docentes.items())
    assert all(copia.acompanantes[a] is c for a, c in carteras.acompanantes.items())
    assert otra_ie is not ie and otra_ie.datos is ie.datos


def test_una_fila_importada_se_guarda_tipada_y_el_modelo_de_lectura_guarda_la_misma_fila(focalizacion):
    p = padron()
    antes = p.docentes[1].get("CONDICION") or ""
    p.docentes[1]["CONDICION"] = "Contratado" if antes.lower().startswith("nombrad") else "Nombrado"
    assert focalizacion.importar_docentes(p.csv("docentes"))["actualizadas"] >= 1
    suyo = focalizacion.docente_id(p.docentes[1]["DNI"])
    guardado = next(n for n in reversed(focalizacion.recorder.select_notifications(0, 100_000))
                    if n.originator_id == suyo).state.decode()
    assert '"_type_":"focalizacion.FichaDocente"' in guardado and '"class_version":3' in guardado
    actualizado = [e for e in eventos(focalizacion, fdm.Docente.Actualizado) if e.originator_id == suyo][-1]
    fila = focalizacion.proyecciones.registro(vistas.docente, str(actualizado.originator_id))
    assert fila["condicion"] == p.docentes[1]["CONDICION"].lower()
    assert set(fila) == set(FichaDocente.campos()) - set(actualizado.datos.sin_columna)
    # and a file without a column records it as absent, not blank
    sin = FichaIE.de({c: None for c in FichaIE.campos() if c != "digebr_cneb"})
    assert sin.sin_columna == ("digebr_cneb",) and "digebr_cneb" not in sin.como_dict()


def test_un_docente_actualizado_de_la_version_2_se_lee_con_su_fila(focalizacion, tmp_path: Path):
    # Given an update stored as version 2 stored it (his row a dict, whether his school changed said)
    p = padron()
    p.docentes[2]["COD_MOD"] = p.ies[1]["COD_MOD"]
    assert focalizacion.importar_docentes(p.csv("docentes"))["actualizadas"] >= 1
    suyo = focalizacion.docente_id(p.docentes[2]["DNI"])
    ultimo = next(n for n in reversed(focalizacion.recorder.select_notifications(0, 100_000))
                  if n.topic.endswith("Docente.Actualizado"))
    assert ultimo.originator_id == suyo
    antes = focalizacion.mapper.to_domain_event(ultimo)
    guardado = json.loads(ultimo.state)
    guardado.update(class_version=2, datos=_sin_tipos(guardado["datos"]))
    with sqlite3.connect(tmp_path / "focalizacion.sqlite") as conn:
        cambiadas = conn.execute("UPDATE stored_events SET state = ? WHERE rowid = (SELECT max(rowid) FROM "
                                 "stored_events WHERE topic LIKE '%Docente.Actualizado')",
                                 (json.dumps(guardado).encode(),)).rowcount
    assert cambiadas == 1
    # When it is read / Then his row is typed and the update says his school changed
    despues, = [e for e in eventos(focalizacion, fdm.Docente.Actualizado) if e.originator_id == suyo][-1:]
    assert isinstance(despues.datos, FichaDocente) and despues.datos == antes.datos
    assert json.loads(focalizacion.recorder.select_notifications(ultimo.id, 1)[0].state)["class_version"] == 2
    assert despues.cambia_su_escuela is True and despues.datos.codigo_modular == p.ies[1]["COD_MOD"]


def test_las_filas_guardadas_antes_de_los_nombres_de_ugel_y_dre_se_leen_sin_ellos(focalizacion, tmp_path: Path):
    # Given the fixture's schools, stored before the padrón carried D_DREUGEL and D_REGION
    ies = eventos(focalizacion, fdm.InstitucionEducativa.Registrada)
    # Then they read with no names, and not as columns their file lacked
    assert all((e.datos.nombre_ugel, e.datos.region, e.datos.sin_columna) == (None, None, ()) for e in ies)
    # and the padrón as registered (one school was renamed after it), sent again, records nothing
    p = padron()
    nombres = {f["codigo_modular"]: f["nombre"] for f in focalizacion.proyecciones.ies()}
    for fila in p.ies:
        fila["CEN_EDU"] = nombres[fila["COD_MOD"].zfill(7)]
    antes = focalizacion.recorder.max_notification_id()
    assert focalizacion.importar_ies(p.csv("ies"))["actualizadas"] == 0
    assert focalizacion.recorder.max_notification_id() == antes
    # Given a school updated by today's code, its typed row stored without the two fields (as version 2 was)
    p.ies[0]["TALUMNO"] = str(int(p.ies[0].get("TALUMNO") or 0) + 1)
    assert focalizacion.importar_ies(p.csv("ies"))["actualizadas"] == 1
    ultimo = focalizacion.recorder.select_notifications(antes, 10)[-1]
    nuevo = focalizacion.mapper.to_domain_event(ultimo)
    guardado = json.loads(ultimo.state)
    assert guardado["datos"]["_type_"] == "focalizacion.FichaIE" and "nombre_ugel" in guardado["datos"]["_data_"]
    for campo in ("nombre_ugel", "region"):
        del guardado["datos"]["_data_"][campo]
    with sqlite3.connect(tmp_path / "focalizacion.sqlite") as conn:
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = (SELECT max(rowid) FROM stored_events)",
                     (json.dumps(guardado).encode(),))
    # When it is read / Then it is the row recorded, its names None, and its territory keeps no name
    leido = focalizacion.mapper.to_domain_event(focalizacion.recorder.select_notifications(antes, 10)[-1])
    assert leido.datos == nuevo.datos and leido.datos.nombre_ugel is None
    focalizacion.proyecciones.reconstruir()
    assert all(t["nombre"] is None for t in focalizacion.proyecciones.territorios())
