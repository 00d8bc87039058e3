"""The padrón import with its progress (issue 18, the administrador's upload): focalizacion served by
uvicorn on real HTTP, a national-shaped file of 2,500 schools (five batches of 500), read line by line as
the service writes them."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import uvicorn

from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app
from tests.conftest import eventually
from tests.support.identidad import token_de
from tests.support.padron import ensuciar, generar
from tests.support.servers import free_port



def admin() -> dict[str, str]:
    """The administrador's token, made inside each test (the test's issuer signs it)."""
    return {"Authorization": f"Bearer {token_de({'X-Usuario': 'admin-padron', 'X-Rol': 'administrador'})}"}


def con_avance() -> dict[str, str]:
    return {**admin(), "content-type": "text/csv", "accept": "application/x-ndjson"}


@contextlib.asynccontextmanager
async def servido(settings: FocalizacionSettings):
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    tarea = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            yield client
    finally:
        server.should_exit = True
        await tarea


async def test_la_importacion_informa_su_avance_y_termina_con_el_informe(make_settings):
    padron = generar(2500, ugeles=12, docentes_por_escuela=1.5)
    malas = ensuciar(padron)
    contenido = padron.csv("ies", encoding="latin-1", separador=";")
    async with servido(make_settings(FocalizacionSettings)) as api:
        lineas: list[dict] = []
        respondio_mientras = None
        async with api.stream("POST", "/v1/padron/ies", content=contenido, headers=con_avance()) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
            async for linea in r.aiter_lines():
                if linea:
                    lineas.append(json.loads(linea))
                if len(lineas) == 1:  # the service keeps answering while the file is imported
                    otra = await api.get("/v1/convocatorias", headers=admin())
                    respondio_mientras = (otra.status_code, "informe" in lineas[-1])
        # Then several progress lines arrive before the report, growing up to the file's rows
        avance = [x for x in lineas if "informe" not in x]
        assert len(avance) >= 4, lineas
        assert [x["total"] for x in lineas] == [2500] * len(lineas)
        hechas = [x["procesadas"] for x in lineas]
        assert hechas == sorted(hechas) and hechas[0] < 2500 and hechas[-1] == 2500
        assert respondio_mientras == (200, False)
        # and the last line is the report, with every rejected row and its line
        informe = lineas[-1]["informe"]
        assert sorted(x["linea"] for x in informe["rechazadas"]) == sorted(malas["ies"])
        assert informe["nuevas"] == 2500 - len(malas["ies"])

        # The same file again, without progress: the plain report, nothing new
        r = await api.post("/v1/padron/ies", content=contenido, headers={**admin(), "content-type": "text/csv"})
        assert r.status_code == 200 and r.json()["nuevas"] == 0
        assert r.json()["sin_cambios"] == informe["nuevas"]


async def test_un_archivo_ilegible_se_rechaza_con_422_antes_de_cualquier_avance(make_settings):
    async with servido(make_settings(FocalizacionSettings)) as api:
        r = await api.post("/v1/padron/ies", content=b"CEN_EDU;NIVEL\nIE;Primaria\n", headers=con_avance())
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/json")
        assert "COD_MOD" in r.json()["mensaje"]
        r = await api.post("/v1/padron/docentes", content=b"  \n", headers=con_avance())
        assert (r.status_code, r.json()["mensaje"]) == (422, "El archivo está vacío.")
        listado = await api.get("/v1/convocatorias", headers=admin())
        assert listado.status_code == 200
