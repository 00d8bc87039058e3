"""Insecure defaults (issue 21, item 5): outside the embedded default (``ACOMPANA_ENTORNO=desarrollo``) a
service refuses to start with a development master key, pepper or token issuer, or without a password for
PostgreSQL or NATS, and says which; with its own secrets it starts."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.agenda.config import AgendaSettings
from services.agenda.main import create_app as agenda_app
from services.evidencias.config import EvidenciasSettings
from services.evidencias.main import create_app as evidencias_app
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.main import create_app as focalizacion_app
from shared.settings import ConfiguracionInsegura

RAIZ = Path(__file__).resolve().parents[2]
PROPIOS = {  # a deployment's own values: nothing of development
    "entorno": "produccion", "auth_emisor": "https://idp.minedu.example",
    "auth_jwks_url": "https://idp.minedu.example/.well-known/jwks.json",
    "nats_url": "nats://servicio:clave-propia@127.0.0.1:4222",
}
KEK = base64.b64encode(b"k" * 32).decode()
SERVICIOS = {
    "focalizacion": (focalizacion_app, FocalizacionSettings, {"claves_kek": KEK, "pepper": "pepper-propio"}),
    "evidencias": (evidencias_app, EvidenciasSettings, {"claves_kek": KEK}),
    "agenda": (agenda_app, AgendaSettings, {"claves_kek": KEK}),
}
MALOS = [  # (service, what is wrong, the variable the refusal must name)
    ("focalizacion", {"claves_kek": ""}, "FOCALIZACION_CLAVES_KEK"),
    ("evidencias", {"claves_kek": ""}, "EVIDENCIAS_CLAVES_KEK"),
    ("agenda", {"claves_kek": ""}, "AGENDA_CLAVES_KEK"),
    ("focalizacion", {"pepper": "acompana-desarrollo-no-usar-en-produccion"}, "FOCALIZACION_PEPPER"),
    ("agenda", {"auth_emisor": "http://127.0.0.1:8009"}, "AGENDA_AUTH_EMISOR"),
    ("agenda", {"auth_jwks_url": "http://127.0.0.1:8009/.well-known/jwks.json"}, "AGENDA_AUTH_JWKS_URL"),
    ("agenda", {"nats_url": "nats://127.0.0.1:4222"}, "AGENDA_NATS_URL"),
    ("agenda", {"persistence_module": "eventsourcing.postgres", "postgres_password": ""}, "AGENDA_POSTGRES_PASSWORD"),
]


@pytest.mark.parametrize(("servicio", "malo", "variable"), MALOS, ids=[m[2] for m in MALOS])
def test_fuera_de_desarrollo_un_secreto_de_desarrollo_impide_arrancar(servicio, malo, variable, tmp_path):
    crear, ajustes, propios = SERVICIOS[servicio]
    # Given a deployment's settings with one development (or empty) value
    settings = ajustes(**{**PROPIOS, **propios, "data_dir": tmp_path, **malo})
    # When the service is started, Then it refuses, naming the variable, before touching any store
    with pytest.raises(ConfiguracionInsegura, match=variable):
        crear(settings)
    assert not list(tmp_path.iterdir())


def test_con_sus_propios_secretos_arranca_y_en_desarrollo_los_de_desarrollo_bastan(tmp_path):
    for servicio, (crear, ajustes, propios) in SERVICIOS.items():
        crear(ajustes(**{**PROPIOS, **propios, "data_dir": tmp_path / servicio})).state.runtime.app.close()
        crear(ajustes(entorno="desarrollo", data_dir=tmp_path / f"{servicio}-dev")).state.runtime.app.close()


def test_el_proceso_sin_entorno_declarado_es_un_despliegue_y_no_arranca(tmp_path):
    # Given no ACOMPANA_ENTORNO (a deployment) and evidencias's defaults
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACOMPANA_", "EVIDENCIAS_"))}
    env["EVIDENCIAS_DATA_DIR"] = str(tmp_path)
    # When uvicorn starts it, Then the process ends with the reasons
    r = subprocess.run([sys.executable, "-m", "uvicorn", "--factory", "services.evidencias.main:create_app",
                        "--port", "0"], cwd=RAIZ, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    for variable in ("EVIDENCIAS_CLAVES_KEK", "EVIDENCIAS_AUTH_EMISOR", "EVIDENCIAS_NATS_URL", "ACOMPANA_ENTORNO"):
        assert variable in r.stderr, r.stderr[-2000:]
