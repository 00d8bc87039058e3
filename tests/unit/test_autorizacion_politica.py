"""The access policy decides in the request's own task when there is nothing to look up: a national role
sees every territory (no read model is asked), and a territorial one is looked up in one worker thread."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from starlette.requests import Request

import shared.autorizacion
from shared.autorizacion import NACIONALES, Politica, Regla, Territorio
from shared.telemetry import Actor

PUNO = Territorio(dre="DRE-PUNO", ugel="UGEL-EL-COLLAO", ie="0236885-0", docentes=frozenset({"doc-1"}))


def mundo() -> tuple[Politica, Request, list[tuple[str, str]]]:
    """A service with one route about a docente, whose docente lies in Puno."""
    app = FastAPI()

    @app.get("/v1/docentes/{docente_id}")
    async def docente(docente_id: str) -> dict[str, str]:
        return {"docente_id": docente_id}

    consultas: list[tuple[str, str]] = []

    def resolver(tipo: str, valor: str) -> Territorio | None:
        consultas.append((tipo, valor))
        return PUNO

    politica = Politica({"GET /v1/docentes/{docente_id}": Regla(frozenset({*NACIONALES, "especialista_ugel"}),
                                                                objetos={"docente_id": "docente"})}, resolver)
    request = Request({"type": "http", "method": "GET", "path": "/v1/docentes/doc-1", "query_string": b"",
                       "headers": [], "app": app})
    return politica, request, consultas


async def test_un_rol_nacional_pasa_sin_consultar_territorio_ni_ocupar_un_hilo(monkeypatch):
    # Given a service's policy, counting the worker threads it takes
    hilos: list[str] = []
    original = asyncio.to_thread

    async def contar(funcion, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        hilos.append(funcion.__name__)
        return await original(funcion, *args, **kwargs)
    monkeypatch.setattr(shared.autorizacion.asyncio, "to_thread", contar)
    politica, request, consultas = mundo()
    # When the MINEDU asks for a docente
    negado = await politica.decidir(request, Actor(usuario="minedu-1", rol="minedu"))
    # Then he is let through with no territory looked up and no thread taken
    assert negado is None and consultas == [] and hilos == []
    # and a UGEL specialist of another UGEL is refused after one lookup, in one thread
    otro = Actor(usuario="esp-1", rol="especialista_ugel", ugel="UGEL-CANCHIS")
    negado = await politica.decidir(request, otro)
    assert negado is not None and negado.status_code == 404
    assert consultas == [("docente", "doc-1")] and len(hilos) == 1, (consultas, hilos)
