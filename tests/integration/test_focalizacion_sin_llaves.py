"""focalizacion's read model keeps a person's fields encrypted, as his events carry them: a rebuild needs no keys.

The queries decrypt what they answer (only those rows); a person whose key was erased reads ``MARCA``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import inspect, select, text

from services.focalizacion import tablas
from services.focalizacion.application import Focalizacion
from services.focalizacion.comandos import CancelarDatosPersonales
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.projections import Proyecciones
from shared.cifrado import MARCA, PREFIJO, Cifrador
from tests.support.padron import generar


class LlaveroCerrado:
    """A key store the projection may not use: any call fails the test."""

    def __init__(self) -> None:
        self.llamadas: list[str] = []

    def llaves(self, sujetos: Iterable[str], crear: bool = False) -> dict[str, bytes | None]:
        self.llamadas.append("llaves")
        raise AssertionError("the rebuild read the key store")

    def suprimir(self, sujeto: str, motivo: str) -> bool:
        self.llamadas.append("suprimir")
        raise AssertionError("the rebuild erased a key")

    def suprimida(self, sujeto: str) -> dict[str, Any] | None:
        self.llamadas.append("suprimida")
        raise AssertionError("the rebuild read the key store")

    def close(self) -> None:
        pass


@pytest.fixture
def focalizacion(make_settings, closing) -> Focalizacion:
    return closing(Focalizacion(make_settings(FocalizacionSettings)))


def test_reconstruccion_sin_llaves_da_las_mismas_filas(focalizacion, make_settings, closing):
    # Given a padrón with its docentes and acompañantes, and one docente whose data were cancelled
    padron = generar(12, ugeles=2, docentes_por_escuela=3)
    focalizacion.importar_ies(padron.csv("ies"))
    assert focalizacion.importar_docentes(padron.csv("docentes"))["nuevas"] == len(padron.docentes)
    assert focalizacion.importar_acompanantes(padron.csv("acompanantes"))["nuevas"] == len(padron.acompanantes)
    titular, otro = (padron.docentes[0], padron.docentes[1])
    id_titular, id_otro = (str(focalizacion.docente_id(d["DNI"])) for d in (titular, otro))
    assert focalizacion.cancelar_datos_personales(CancelarDatosPersonales(UUID(id_titular), "EXP-2026-000019"))
    live = focalizacion.proyecciones.checksum()

    # Then the rows keep no personal field in clear: each is encrypted, or the mark once cancelled
    filas = {f.id: f.datos for f in focalizacion.proyecciones.filas(select(tablas.docente))}
    for id_, datos in filas.items():
        esperado = (lambda v: v == MARCA) if id_ == id_titular else (lambda v: v.startswith(PREFIJO))
        assert all(esperado(datos[c]) for c in ("dni", "apellidos", "nombres")), datos
    aco = focalizacion.proyecciones.filas(select(tablas.acompanante.c.datos))[0].datos
    assert all(aco[c].startswith(PREFIJO) for c in ("dni", "apellidos", "nombres"))

    # When the read model is rebuilt by a projection that has no access to the keys
    cerrado = LlaveroCerrado()
    sin_llaves = closing(Proyecciones(make_settings(FocalizacionSettings), focalizacion, Cifrador(cerrado)))
    assert sin_llaves.reconstruir() == focalizacion.recorder.max_notification_id()

    # Then it gives the rows the live projection gave, without a single call to the key store
    assert sin_llaves.checksum() == live and cerrado.llamadas == []
    # and the queries, with the keys, answer the names; the cancelled docente's read as erased
    assert focalizacion.proyecciones.checksum() == live
    claro = focalizacion.proyecciones.registro(tablas.docente, id_otro)
    assert (claro["dni"], claro["apellidos"], claro["nombres"]) == (otro["DNI"], otro["APELLIDOS"], otro["NOMBRES"])
    suyo = focalizacion.proyecciones.registro(tablas.docente, id_titular)
    assert (suyo["dni"], suyo["apellidos"], suyo["datos_cancelados"]) == (MARCA, MARCA, True)
    # and importing the same file again still finds every row unchanged (compared decrypted), him refused
    otra_vez = focalizacion.importar_docentes(padron.csv("docentes"))
    assert (otra_vez["nuevas"], otra_vez["actualizadas"]) == (0, 0)
    assert otra_vez["sin_cambios"] == len(padron.docentes) - 1 and len(otra_vez["rechazadas"]) == 1


def test_un_modelo_de_lectura_con_datos_en_claro_de_una_version_anterior_se_reconstruye_al_arrancar(
        focalizacion, make_settings, closing):
    # Given the read model as an older version left it: each person's fields decrypted in his row, a dni column
    padron = generar(4, ugeles=1, docentes_por_escuela=2)
    focalizacion.importar_ies(padron.csv("ies"))
    focalizacion.importar_docentes(padron.csv("docentes"))
    proyecciones = focalizacion.proyecciones
    proyecciones.ponerse_al_dia()
    live = proyecciones.checksum()
    claros = {f.id: proyecciones.registro(tablas.docente, f.id) for f in proyecciones.filas(select(tablas.docente.c.id))}
    with proyecciones.store.engine.begin() as conn:
        conn.execute(text('ALTER TABLE docente ADD COLUMN dni VARCHAR(8)'))
        for id_, datos in claros.items():
            conn.execute(tablas.docente.update().where(tablas.docente.c.id == id_).values(datos=datos))
    antes = {f.id: f.datos for f in proyecciones.filas(select(tablas.docente))}
    assert all(not d["apellidos"].startswith(PREFIJO) for d in antes.values())

    # When the service starts again on it
    nueva = closing(Proyecciones(make_settings(FocalizacionSettings), focalizacion, focalizacion.cifrador))

    # Then the read model was rebuilt before answering: no dni column, every personal field encrypted again,
    # the rows the live projection had
    columnas = {c["name"] for c in inspect(nueva.store.engine).get_columns("docente", schema=nueva.store.schema)}
    assert "dni" not in columnas
    filas = {f.id: f.datos for f in nueva.filas(select(tablas.docente))}
    assert filas.keys() == claros.keys()
    assert all(d[c].startswith(PREFIJO) for d in filas.values() for c in ("dni", "apellidos", "nombres"))
    assert nueva.checksum() == live
