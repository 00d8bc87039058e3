"""An operator rebuilds a service's read models from the command line while it answers
(``python -m services.<servicio>.rebuild``, ``shared.reconstruccion``): agenda's own read model and its view of
the DRE and UGEL names read from the stream, and focalizacion's, each into a new generation with the live
checksum, the names still in agenda's spreadsheet; an unknown model is refused; the command runs as a process of
its own on the service's settings (SQLite)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import pytest

from services.agenda import rebuild as agenda_rebuild
from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.focalizacion import rebuild as focalizacion_rebuild
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from shared.reconstruccion import Modelos, main
from tests.conftest import eventually, serving
from tests.integration.test_focalizacion_territorios import IEI, NOMBRES, _csv, _padron
from tests.integration.test_reportes_con_nombres import MINEDU, _filas
from tests.support.padron import escuela
from tests.support.world import asignar


async def test_los_modelos_de_lectura_se_reconstruyen_desde_la_linea_de_comandos(make_settings, capsys):
    ajustes_foc, ajustes_age = make_settings(FocalizacionSettings), make_settings(AgendaSettings)
    focalizacion, agenda = focalizacion_app(ajustes_foc), agenda_app(ajustes_age)
    async with serving(focalizacion) as foc, serving(agenda) as age:
        # Given a docente's plan in agenda and a padrón that names his UGEL and DRE, in agenda's spreadsheet
        asignar(agenda.state.agenda, str(uuid.uuid4()))
        r = await foc.post("/v1/padron/ies", content=_csv(_padron(escuela(
            "0236885", **IEI, D_DREUGEL="UGEL El Collao", D_REGION="Puno")), NOMBRES),
            headers={"content-type": "text/csv"})
        assert r.status_code == 200, r.text

        async def cumplimiento() -> list[dict[str, str]] | None:
            filas = _filas(await age.get("/v1/cumplimiento.csv", params={"anio": 2021, "nivel": "ugel",
                                                                        "fecha": "2021-12-31"}, headers=MINEDU))
            return filas if any(f["UGEL"] == "UGEL El Collao" for f in filas) else None
        assert await eventually(cumplimiento, timeout=30)
        await eventually(lambda: agenda.state.runtime.al_dia(0.0), timeout=60)
        proyecciones, territorios = agenda.state.proyecciones, agenda.state.territorios
        proyecciones.ponerse_al_dia()
        vivas = {"agenda": proyecciones.checksum(), "territorios": territorios.checksum()}
        capsys.readouterr()

        # When the operator rebuilds agenda's read models, and then focalizacion's, with the services running (the
        # command in a thread of its own: it runs its own event loop)
        def abrir_agenda() -> Modelos:
            return agenda_rebuild.abrir(ajustes_age)

        estado = await asyncio.to_thread(main, "agenda", abrir_agenda, ajustes_age.nats_url, ["--silencioso"])
        salida = capsys.readouterr().out

        # Then each one answers from generation 2, with the checksum it had live, and the names are still there
        assert estado == 0, salida
        assert salida.splitlines() == [f"{n}: generación g2 {vivas[n]}" for n in ("agenda", "territorios")]
        assert proyecciones.generaciones.activa("agenda") == 2 and territorios.activa() == 2
        assert proyecciones.checksum() == vivas["agenda"] and territorios.checksum() == vivas["territorios"]
        assert await cumplimiento()
        # and focalizacion's, one model by name
        foc_proy = focalizacion.state.focalizacion.proyecciones
        foc_proy.ponerse_al_dia()
        viva = foc_proy.checksum()
        estado = await asyncio.to_thread(main, "focalizacion", lambda: focalizacion_rebuild.abrir(ajustes_foc),
                                         ajustes_foc.nats_url, ["--silencioso", "--modelo", "focalizacion"])
        assert estado == 0 and capsys.readouterr().out == f"focalizacion: generación g2 {viva}\n"
        assert foc_proy.checksum() == viva

        # And a model the service does not have is refused, naming the ones it has, and nothing is rebuilt
        estado = await asyncio.to_thread(main, "agenda", abrir_agenda, ajustes_age.nats_url, ["--modelo", "progreso"])
        assert estado == 2
        assert capsys.readouterr().err == "Modelo desconocido: progreso. Los de agenda: agenda, territorios.\n"
        assert proyecciones.generaciones.activa("agenda") == 2 and territorios.activa() == 2


@pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
def test_el_comando_corre_como_proceso_propio(make_settings, tmp_path):
    # Given focalizacion's stores with a school registered (SQLite files under its data directory)
    ajustes = make_settings(FocalizacionSettings)
    modelos = focalizacion_rebuild.abrir(ajustes)
    try:
        modelos.propio.app.importar_ies(_csv(_padron(escuela("0236885", **IEI, D_DREUGEL="UGEL El Collao")), NOMBRES))
        assert modelos.propio.ponerse_al_dia() > 0
        viva = modelos.propio.checksum()
    finally:
        modelos.cerrar()

    # When the command runs as a process of its own, on the service's settings from its environment
    entorno = {**os.environ, "ACOMPANA_ENTORNO": "desarrollo", "FOCALIZACION_DATA_DIR": str(ajustes.data_dir),
               "FOCALIZACION_NATS_URL": ajustes.nats_url}
    hecho = subprocess.run([sys.executable, "-m", "services.focalizacion.rebuild"], env=entorno,
                           capture_output=True, text=True, timeout=120, check=False)

    # Then it rebuilt the read model into generation 2, with the checksum it had, and showed its progress
    assert hecho.returncode == 0, hecho.stderr
    assert hecho.stdout == f"focalizacion: generación g2 {viva}\n"
    assert "reconstruyendo focalizacion" in hecho.stderr
