"""The capacity harness's HTTP client (``tests.sistema.cliente``, aiohttp) against uvicorn, as the services serve:
answers with a length and chunked, connections kept open, and failures as httpx's exceptions."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from tests.conftest import eventually
from tests.support.servers import free_port
from tests.sistema.cliente import ClienteLigero

api = FastAPI()
conexiones: set = set()


@api.post("/eco", status_code=201)
async def eco(request: Request) -> dict:
    conexiones.add(request.client.port)
    return {"recibido": (await request.json())["dato"], "operacion": request.headers["x-operacion"]}


@api.post("/trozos")
async def trozos() -> StreamingResponse:
    async def partes():  # noqa: ANN202
        for parte in (b"uno,", b"dos,", b"tres"):
            yield parte
    return StreamingResponse(partes(), media_type="text/plain")


@api.post("/lenta")
async def lenta() -> dict:
    await asyncio.sleep(2)
    return {}


async def test_el_cliente_de_la_carga_envia_como_httpx_y_reusa_sus_conexiones():
    puerto = free_port()
    servidor = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=puerto, log_level="warning"))
    tarea = asyncio.create_task(servidor.serve())
    cliente = ClienteLigero(timeout=5.0)
    try:
        await eventually(lambda: servidor.started)
        url = f"http://127.0.0.1:{puerto}"
        # When it posts five bodies one after another
        for n in range(5):
            r = await cliente.post(f"{url}/eco", content=b'{"dato": %d}' % n,
                                   headers={"Content-Type": "application/json", "X-Operacion": f"op-{n}"})
            # Then each answer is read whole, on one connection kept open
            assert r.status_code == 201 and r.json() == {"recibido": n, "operacion": f"op-{n}"}
        assert len(conexiones) == 1
        # And a chunked answer is read whole
        r = await cliente.post(f"{url}/trozos", content=b"", headers={})
        assert r.status_code == 200 and r.text == "uno,dos,tres"
        # And an answer that does not come in time is a ReadTimeout; a port nobody serves, a ConnectError
        with pytest.raises(httpx.ReadTimeout):
            await cliente.post(f"{url}/lenta", content=b"", headers={}, timeout=0.3)
        with pytest.raises(httpx.ConnectError):
            await cliente.post(f"http://127.0.0.1:{free_port()}/eco", content=b"", headers={})
    finally:
        await cliente.aclose()
        servidor.should_exit = True
        await tarea
