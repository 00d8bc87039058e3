"""A service's request spans (shared.instrumentacion): one per request, named by the route the router took, or
looked for when the request was answered before routing; a child of the caller's trace, an error when the route
fails."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from shared.instrumentacion import instrumentar


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

    @api.get("/v1/falla")
    async def falla() -> dict:
        traza = trace.get_current_span().get_span_context().trace_id  # the request's span is the current one
        raise RuntimeError(f"falla en la traza {traza:032x}")

    instrumentar(api, proveedor)
    return api, exporter


async def test_cada_solicitud_deja_un_solo_span_con_el_nombre_de_su_ruta():
    api, exporter = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as http:
        for acompanante in ("a1", "a1", "a2"):
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


async def test_el_span_sigue_la_traza_de_quien_llama_y_una_excepcion_lo_marca_como_error():
    api, exporter = _app()
    padre = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api, raise_app_exceptions=False),
                                 base_url="http://t") as http:
        # When a request brings a traceparent and its route raises
        assert (await http.get("/v1/falla", headers={"traceparent": padre})).status_code == 500
        # and a request to no route at all
        assert (await http.get("/v1/nada")).status_code == 404

    fallida, sin_ruta = exporter.get_finished_spans()
    # Then its span is a child of the caller's, current while the route ran, an error with the exception on it
    assert f"{fallida.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    assert f"{fallida.parent.span_id:016x}" == "b7ad6b7169203331"
    assert fallida.name == "GET /v1/falla" and fallida.status.status_code == StatusCode.ERROR
    assert [e.name for e in fallida.events] == ["exception"]
    assert "0af7651916cd43dd8448eb211c80319c" in fallida.events[0].attributes["exception.message"]
    assert fallida.attributes["http.method"] == "GET" and fallida.attributes["http.target"] == "/v1/falla"
    # and one without a route is named by its method, answered 404, not an error
    assert sin_ruta.name == "GET" and sin_ruta.attributes["http.status_code"] == 404
    assert sin_ruta.status.status_code != StatusCode.ERROR


async def test_una_solicitud_rechazada_antes_de_enrutarla_lleva_el_nombre_de_su_ruta():
    api, exporter = _app()

    @api.middleware("http")
    async def politica(request, call_next):  # noqa: ANN001, ANN202 - as the access policy refuses, before routing
        if request.url.path.startswith("/v1/acompanantes/prohibido"):
            return JSONResponse({"mensaje": "no"}, status_code=403)
        return await call_next(request)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as http:
        assert (await http.post("/v1/acompanantes/prohibido/visitas")).status_code == 403

    (rechazada,) = exporter.get_finished_spans()
    assert rechazada.name == "POST /v1/acompanantes/{acompanante_id}/visitas"
    assert rechazada.attributes["http.route"] == "/v1/acompanantes/{acompanante_id}/visitas"
    assert rechazada.attributes["http.status_code"] == 403
