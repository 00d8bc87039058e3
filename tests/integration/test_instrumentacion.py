"""A service's request spans (shared.instrumentacion): one per request, named by its route, also when the
route's name is remembered from an earlier request to the same path."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.instrumentacion import instrumentar, recordando


def _app() -> tuple[FastAPI, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    proveedor = TracerProvider()
    proveedor.add_span_processor(SimpleSpanProcessor(exporter))
    api = FastAPI()

    @api.post("/v1/acompanantes/{acompanante_id}/visitas", status_code=201)
    async def programar(acompanante_id: str) -> dict:
        return {"id": acompanante_id}

    @api.get("/healthz")
    async def vivo() -> dict:
        return {}

    instrumentar(api, proveedor)
    return api, exporter


async def test_cada_solicitud_deja_un_solo_span_con_el_nombre_de_su_ruta():
    api, exporter = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as http:
        for acompanante in ("a1", "a1", "a2"):  # the second one finds the route remembered
            assert (await http.post(f"/v1/acompanantes/{acompanante}/visitas")).status_code == 201
        assert (await http.get("/v1/acompanantes/a1/visitas")).status_code == 405
        assert (await http.get("/healthz")).status_code == 200  # a probe leaves no span

    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["POST /v1/acompanantes/{acompanante_id}/visitas"] * 3 + [
        "GET /v1/acompanantes/{acompanante_id}/visitas"]
    assert all(s.parent is None for s in spans)  # no "http send" / "http receive" children
    assert {s.attributes["http.route"] for s in spans} == {"/v1/acompanantes/{acompanante_id}/visitas"}
    assert [s.attributes.get("http.response.status_code", s.attributes.get("http.status_code")) for s in spans] \
        == [201, 201, 201, 405]


def test_al_llenarse_se_olvida_lo_usado_hace_mas_tiempo_y_se_busca_de_nuevo():
    buscadas = []

    def buscar(scope: dict) -> tuple[str, dict]:
        buscadas.append(scope["path"])
        return f"GET {scope['path']}", {"http.route": scope["path"]}

    detalles = recordando(buscar, cuantas=2)
    for ruta in ("/a", "/b", "/a", "/c", "/a", "/b"):
        nombre, atributos = detalles({"type": "http", "method": "GET", "path": ruta})
        assert nombre == f"GET {ruta}" and atributos == {"http.route": ruta}
        atributos["otro"] = "x"  # the caller's copy: what is remembered stays as found
    # /c takes the place of /b, used less lately than /a; /b is searched again
    assert buscadas == ["/a", "/b", "/c", "/b"]
