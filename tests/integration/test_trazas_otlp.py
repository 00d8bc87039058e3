"""Traces leave the process for the OpenTelemetry collector (OTLP over HTTP) when <S>_OTLP_ENDPOINT says
where: here a stand-in collector that keeps what it receives, decoded with OpenTelemetry's own protobufs."""

from __future__ import annotations

import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from tests.conftest import serving
from tests.e2e.test_visita_end_to_end import con_plan, visita


class Colector(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.recibidos: list[tuple[str, bytes]] = []
        recibidos = self.recibidos

        class Manejador(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                recibidos.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Manejador)


async def test_las_trazas_llegan_al_colector(make_settings):
    colector = Colector()
    threading.Thread(target=colector.serve_forever, daemon=True).start()
    try:
        app = agenda_app(make_settings(AgendaSettings, otlp_endpoint=f"http://127.0.0.1:{colector.server_address[1]}"))
        async with serving(app) as agenda:
            docente = uuid.uuid4()
            con_plan(app, docente)
            assert (await agenda.post("/v1/visitas-realizadas", json=visita(docente))).status_code == 201
        # stopping the service flushes what is pending
    finally:
        colector.shutdown()
    assert colector.recibidos and {ruta for ruta, _ in colector.recibidos} == {"/v1/traces"}
    tramos = []
    for _, cuerpo in colector.recibidos:
        pedido = ExportTraceServiceRequest.FromString(cuerpo)
        for recurso in pedido.resource_spans:
            servicio = {a.key: a.value.string_value for a in recurso.resource.attributes}["service.name"]
            tramos += [(servicio, s.name) for alcance in recurso.scope_spans for s in alcance.spans]
    assert {s for s, _ in tramos} == {"acompana-agenda"}
    assert any("visitas-realizadas" in nombre for _, nombre in tramos), tramos[:10]
