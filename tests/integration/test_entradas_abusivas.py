"""Bad input and abuse: bodies over the limit, a user over his rate, unknown routes and an unexpected error
all get a clear Spanish answer with a stable code, never a stack trace, and nothing is recorded."""

from __future__ import annotations

import uuid

import httpx
import pytest

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from tests.conftest import serving
from tests.e2e.test_visita_end_to_end import con_plan, visita
from tests.support.identidad import firmar


async def test_un_cuerpo_mas_grande_que_el_limite_es_413_y_no_registra_nada(make_settings):
    app = agenda_app(make_settings(AgendaSettings, cuerpo_max_bytes=64 * 1024))
    async with serving(app) as agenda:
        docente = uuid.uuid4()
        con_plan(app, docente)
        antes = app.state.runtime.app.recorder.max_notification_id()
        grande = visita(docente, observaciones="x" * 70_000)
        r = await agenda.post("/v1/visitas-realizadas", json=grande)
        assert r.status_code == 413
        assert r.json() == {"codigo": "cuerpo_demasiado_grande",
                            "mensaje": "La solicitud es más grande de lo admitido."}
        # the same without a declared length (streamed), cut off while it arrives
        async def trozos():
            for _ in range(20):
                yield b"x" * 8192
        r = await agenda.post("/v1/visitas-realizadas", content=trozos(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert app.state.runtime.app.recorder.max_notification_id() == antes
        # and a body within the limit still goes through
        assert (await agenda.post("/v1/visitas-realizadas", json=visita(docente))).status_code == 201


async def test_un_usuario_que_excede_su_ritmo_recibe_429_y_los_demas_no(make_settings):
    async with serving(agenda_app(make_settings(AgendaSettings, solicitudes_por_minuto=5))) as agenda:
        uno = {"X-Usuario": "esp-uno", "X-Rol": "especialista_ugel", "X-Ugel": "UGEL-EL-COLLAO"}
        codigos = [(await agenda.get("/v1/planes", params={"anio": 2021}, headers=uno)).status_code for _ in range(6)]
        assert codigos == [200] * 5 + [429]
        r = await agenda.get("/v1/planes", params={"anio": 2021}, headers=uno)
        assert r.json()["codigo"] == "demasiadas_solicitudes" and int(r.headers["Retry-After"]) >= 1
        otro = {"X-Usuario": "esp-otro", "X-Rol": "especialista_ugel", "X-Ugel": "UGEL-EL-COLLAO"}
        assert (await agenda.get("/v1/planes", params={"anio": 2021}, headers=otro)).status_code == 200
        # the probes are not counted
        assert [(await agenda.get("/healthz")).status_code for _ in range(10)] == [200] * 10


async def test_rutas_y_metodos_desconocidos_responden_en_castellano(make_settings):
    async with serving(agenda_app(make_settings(AgendaSettings))) as agenda:
        r = await agenda.get("/v1/no-existe")
        assert (r.status_code, r.json()["codigo"]) == (404, "no_encontrado")
        r = await agenda.delete("/v1/planes")
        assert (r.status_code, r.json()["codigo"]) == (405, "metodo_no_permitido")
        r = await agenda.get("/v1/planes", params={"anio": 2021, "limite": 1_000_000})
        assert r.status_code == 422 and r.json()["errores"][0]["campo"] == "query.limite"


async def test_un_error_inesperado_no_muestra_la_pila(make_settings, monkeypatch):
    app = agenda_app(make_settings(AgendaSettings))
    monkeypatch.setattr(type(app.state.agenda.proyecciones), "planes",
                        lambda *a, **k: 1 / 0)  # a defect somewhere below the API
    async with app.router.lifespan_context(app):
        transporte = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transporte, base_url="http://servicio",
                                     event_hooks={"request": [firmar]}) as agenda:
            r = await agenda.get("/v1/planes", params={"anio": 2021})
    assert r.status_code == 500
    assert r.json()["codigo"] == "error_interno" and r.json()["mensaje"].startswith("Ocurrió un error inesperado")
    assert "Traceback" not in r.text and "ZeroDivisionError" not in r.text and "division" not in r.text


@pytest.mark.parametrize("cuerpo, campo", [
    ({"anio": 2021, "desconocido": 1}, "body.desconocido"),
    ({"anio": "dos mil"}, "body.anio"),
])
async def test_campos_desconocidos_o_mal_tipados_se_rechazan_con_su_campo(make_settings, cuerpo, campo):
    async with serving(agenda_app(make_settings(AgendaSettings))) as agenda:
        r = await agenda.post("/v1/planes/generacion", json=cuerpo)
        assert r.status_code == 422
        assert campo in [e["campo"] for e in r.json()["errores"]]


async def test_un_evento_demasiado_grande_para_publicarse_no_se_registra(make_settings):
    # a body within the HTTP limit whose event would not fit in a NATS message: refused whole, nothing kept
    app = agenda_app(make_settings(AgendaSettings))
    async with serving(app) as agenda:
        docente = uuid.uuid4()
        con_plan(app, docente)
        app.state.agenda._limitar_eventos(2048)  # as if <S>_EVENTO_MAX_BYTES were 2048 (a plan alone is ~3.7 KB)
        antes = app.state.runtime.app.recorder.max_notification_id()
        r = await agenda.post("/v1/visitas-realizadas", json=visita(docente, observaciones="x" * 1900))
        assert r.status_code == 422 and r.json()["codigo"] == "regla_incumplida", r.text
        assert "el máximo es 2,048" in r.json()["mensaje"]
        assert app.state.runtime.app.recorder.max_notification_id() == antes
        assert (await agenda.post("/v1/visitas-realizadas", json=visita(docente))).status_code == 201


async def test_un_lote_mas_grande_que_el_limite_es_413_sin_leerlo_entero(make_settings):
    # Given agenda admitting bodies of 64 KB at most
    app = agenda_app(make_settings(AgendaSettings, cuerpo_max_bytes=64 * 1024))
    async with serving(app) as agenda:
        enviados = 0

        async def trozos(n: int):
            nonlocal enviados
            for _ in range(n):
                enviados += 1
                yield b"x" * 8192
        lote = f"/v1/acompanantes/{uuid.uuid4()}/lote"
        # When a device's batch of 320 KB arrives streamed, without a declared length
        r = await agenda.post(lote, content=trozos(40), headers={"Content-Type": "application/json"})
        # Then it is refused once past the limit, not read whole first (to count its items)
        assert r.status_code == 413 and r.json()["codigo"] == "cuerpo_demasiado_grande", r.text
        assert enviados <= 64 * 1024 // 8192 + 1, enviados
        # and one that declares its 320 KB is refused before any of it is read
        enviados = 0
        r = await agenda.post(lote, content=trozos(40), headers={"Content-Type": "application/json",
                                                                 "Content-Length": str(40 * 8192)})
        assert r.status_code == 413 and enviados == 0, (r.status_code, enviados)
        # and a command whose access rule looks for the docente in the body is refused the same way, before the
        # rule has read it all
        enviados = 0
        coach = {"X-Usuario": str(uuid.uuid4()), "X-Rol": "acompanante", "X-Dre": "DRE-PUNO", "X-Ugel": "UGEL-PUNO"}
        r = await agenda.post("/v1/visitas-realizadas", content=trozos(40),
                              headers={"Content-Type": "application/json", **coach})
        assert r.status_code == 413 and r.json()["codigo"] == "cuerpo_demasiado_grande", r.text
        assert enviados <= 64 * 1024 // 8192 + 1, enviados
