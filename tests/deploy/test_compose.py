"""docker-compose.yml: valid against the compose specification and consistent with the code.

No docker engine is needed: the file is read as YAML (anchors and ``<<`` merges resolved)
and checked against the compose-spec JSON schema vendored in ``check-jsonschema``, against
each service's settings class, and against the NATS config and PostgreSQL init script.
"""

from __future__ import annotations

import copy
import importlib
import importlib.resources
import json
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.conftest import COMPOSE_FILE, ROOT, SERVICES, WEB, settings_class
from tests.deploy.conftest import compose_environment as environment
from tests.support.servers import nats_server_binary

NATS_CONF = ROOT / "deploy" / "nats" / "nats.conf"
INIT_SQL = ROOT / "deploy" / "postgres" / "init-databases.sql"

REQUIRED = ("PERSISTENCE_MODULE", "POSTGRES_DBNAME", "POSTGRES_HOST", "NATS_URL")
STREAMS = "streams"


# --- helpers ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose_schema() -> dict[str, Any]:
    resource = importlib.resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    return json.loads(resource.read_text(encoding="utf-8"))


def as_argv(command: str | list[str]) -> list[str]:
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def env_names(cls) -> set[str]:
    prefix = cls.model_config.get("env_prefix", "")
    assert prefix, f"{cls.__name__} no declara env_prefix"
    return {prefix + field.upper() for field in cls.model_fields}


def schema_errors(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<raíz>'}: {e.message}"
            for e in validator.iter_errors(document)]


def strip_conf_comments(text: str) -> str:
    return "\n".join(re.split(r"#|//", line, maxsplit=1)[0] for line in text.splitlines())


def conf_block(text: str, name: str) -> str | None:
    """The body of ``name { ... }`` (or ``name: { ... }``) in a NATS config, braces balanced."""
    match = re.search(rf"(?m)^\s*{re.escape(name)}\s*[:=]?\s*\{{", text)
    if not match:
        return None
    depth, start = 1, match.end()
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i]
    raise AssertionError(f"bloque {name!r} sin cerrar en {NATS_CONF}")


def conf_value(block: str, key: str) -> str | None:
    match = re.search(rf"(?m)^\s*{re.escape(key)}\s*(?:[:=]\s*|\s+)(\"[^\"]*\"|'[^']*'|[^\s,;}}]+)", block)
    return match.group(1).strip("\"'") if match else None


# --- (a) the compose specification -----------------------------------------------------------

def test_compose_file_is_valid_against_compose_spec(compose_file, compose_schema):
    errors = schema_errors(compose_schema, compose_file)
    assert not errors, "docker-compose.yml no cumple compose-spec:\n" + "\n".join(errors)


def test_compose_spec_schema_rejects_a_broken_file(compose_file, compose_schema):
    """The validation above is not vacuous: the same schema rejects a damaged copy."""
    broken = copy.deepcopy(compose_file)
    broken["services"]["agenda"]["depends_on"]["streams"]["condition"] = "service_finished"
    broken["services"]["nats"]["healthcheck"]["retries"] = "muchas"
    assert len(schema_errors(compose_schema, broken)) >= 2


def test_check_jsonschema_cli_accepts_compose_file():
    script = Path(sysconfig.get_path("scripts")) / "check-jsonschema"
    executable = str(script) if script.exists() else shutil.which("check-jsonschema")
    assert executable is not None, "check-jsonschema falta: es una dependencia de prueba (pip install -e .[test])"
    result = subprocess.run(
        [executable, "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


TELEMETRY = {"otel-collector", "jaeger", "prometheus"}
OTEL_CONFIG = ROOT / "deploy" / "otel" / "collector.yaml"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"


def test_compose_declares_expected_services(compose_file):
    assert set(compose_file["services"]) == {"nats", "postgres", STREAMS, *SERVICES, WEB, *TELEMETRY}


def test_third_party_images_are_pinned_to_exact_versions(compose_file):
    """No floating tag: each image names a full version (x.y.z, or x.y for PostgreSQL's minor releases)."""
    for name, service in compose_file["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        _, _, tag = image.rpartition(":")
        assert re.match(r"v?\d+\.\d+(\.\d+)?(-[\w.]+)?$", tag), f"{name}: {image} sin versión exacta"
        if not image.startswith("postgres:"):
            assert re.match(r"v?\d+\.\d+\.\d+", tag), f"{name}: {image} sin versión de parche"


def test_prometheus_scrapes_every_service_and_collector_sends_traces_to_jaeger(compose_file):
    prometheus = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    targets = {t for job in prometheus["scrape_configs"] for group in job["static_configs"] for t in group["targets"]}
    assert {f"{name}:{port}" for name, port in SERVICES.items()} <= targets
    assert all(job.get("metrics_path", "/metrics") == "/metrics" for job in prometheus["scrape_configs"])
    mounts = [str(v) for v in compose_file["services"]["prometheus"]["volumes"]]
    assert any(m.startswith("./deploy/prometheus/prometheus.yml:") for m in mounts), mounts

    collector = yaml.safe_load(OTEL_CONFIG.read_text(encoding="utf-8"))
    traces = collector["service"]["pipelines"]["traces"]
    assert "otlp" in traces["receivers"]
    (exporter,) = traces["exporters"]
    assert collector["exporters"][exporter]["endpoint"].startswith("jaeger:")
    mounts = [str(v) for v in compose_file["services"]["otel-collector"]["volumes"]]
    assert any(m.startswith("./deploy/otel/collector.yaml:") for m in mounts), mounts


# --- (b) each service's environment is what its settings class reads --------------------------

@pytest.mark.parametrize("name", SERVICES)
def test_service_environment_matches_settings_fields(compose_file, name):
    cls = settings_class(name)
    known = env_names(cls)
    env = environment(compose_file["services"][name])
    prefix = cls.model_config["env_prefix"]

    unknown = sorted(set(env) - known)
    assert not unknown, f"{name}: variables que {cls.__name__} no lee: {unknown}"
    missing = [prefix + key for key in REQUIRED if prefix + key not in env]
    assert not missing, f"{name}: faltan variables obligatorias: {missing}"
    assert all(value not in (None, "") for key, value in env.items() if key.endswith(REQUIRED)), env


@pytest.mark.parametrize("name", SERVICES)
def test_service_environment_builds_postgres_settings(compose_file, name, monkeypatch):
    """The values parse into the settings class and point at postgres, nats and the service's DB."""
    cls = settings_class(name)
    prefix = cls.model_config["env_prefix"]
    for key in env_names(cls):
        monkeypatch.delenv(key, raising=False)
    env = environment(compose_file["services"][name])
    for key, value in env.items():
        monkeypatch.setenv(key, value or "")
    settings = cls()

    port = SERVICES[name]
    assert settings.persistence_module == "eventsourcing.postgres"
    assert settings.is_postgres
    assert settings.postgres_dbname == f"acompana_{name}"
    assert settings.postgres_host == "postgres"
    # its own NATS user (deploy/nats/permisos.conf), its password required from the environment
    assert re.fullmatch(rf"nats://{name}:\$\{{ACOMPANA_NATS_CLAVE_{name.upper()}:\?[^}}]+\}}@nats:4222", settings.nats_url)
    assert settings.http_port == port
    assert env.get(prefix + "HTTP_HOST") in (None, "0.0.0.0")

    postgres_env = environment(compose_file["services"]["postgres"])
    assert settings.postgres_user == postgres_env.get("POSTGRES_USER", "postgres")
    assert settings.postgres_password == postgres_env["POSTGRES_PASSWORD"]


@pytest.mark.parametrize("name", SERVICES)
def test_service_image_command_and_healthcheck(compose_file, name):
    service = compose_file["services"][name]
    port = SERVICES[name]

    assert service["image"] == f"acompana/{name}:dev"
    build = service["build"]
    assert build["context"] == "." and build["dockerfile"] == "deploy/docker/Dockerfile"
    assert build["args"]["SERVICIO"] == name and (ROOT / build["dockerfile"]).is_file()

    argv = as_argv(service["command"])
    assert argv == ["uvicorn", "--factory", f"services.{name}.main:create_app",
                    "--host", "0.0.0.0", "--port", str(port)]
    module = importlib.import_module(f"services.{name}.main")
    assert callable(module.create_app)

    test = as_argv(service["healthcheck"]["test"])
    assert test[0] in ("CMD", "CMD-SHELL")
    assert "python" in test[1] and "urllib" in " ".join(test)
    assert f"http://127.0.0.1:{port}/readyz" in " ".join(test)


def test_each_service_has_its_own_database_created_by_init_script(compose_file):
    sql = INIT_SQL.read_text(encoding="utf-8")
    created = set(re.findall(r"(?im)^\s*CREATE\s+DATABASE\s+\"?(\w+)\"?\s*;", sql))
    dbnames = {environment(compose_file["services"][n])[f"{n.upper()}_POSTGRES_DBNAME"] for n in SERVICES}
    assert dbnames == {f"acompana_{n}" for n in SERVICES}
    assert dbnames <= created, f"{INIT_SQL.name} no crea {sorted(dbnames - created)}"

    postgres = compose_file["services"]["postgres"]
    assert re.fullmatch(r"postgres:16(\.\d+)*(-[\w.]+)?", postgres["image"]), postgres["image"]
    mounts = [str(v) for v in postgres["volumes"]]
    assert any(m.startswith("./deploy/postgres/init-databases.sql:/docker-entrypoint-initdb.d/")
               for m in mounts), mounts
    assert "pg_isready" in " ".join(as_argv(postgres["healthcheck"]["test"]))


def test_each_service_that_encrypts_has_its_master_key_and_its_keys_database(compose_file):
    sql = INIT_SQL.read_text(encoding="utf-8")
    created = set(re.findall(r"(?im)^\s*CREATE\s+DATABASE\s+\"?(\w+)\"?\s*;", sql))
    cifran = [n for n in SERVICES if settings_class(n).cifra_datos_personales]
    assert {"focalizacion", "agenda", "evidencias"} <= set(cifran), cifran
    for name in SERVICES:
        env, p = environment(compose_file["services"][name]), name.upper()
        if name not in cifran:
            assert f"{p}_CLAVES_KEK" not in env, name
            continue
        # Given a service with a key store, Then its master key comes from its own required variable
        assert re.fullmatch(rf"\$\{{ACOMPANA_{p}_CLAVES_KEK:\?[^}}]+\}}", env[f"{p}_CLAVES_KEK"]), name
        # and its keys live in their own database, which the init script creates
        base = env[f"{p}_CLAVES_URL"].rsplit("/", 1)[1]
        assert base == f"acompana_{name}_claves" and base in created, (name, base)


def test_data_lives_in_named_volumes(compose_file):
    volumes = compose_file.get("volumes") or {}
    for service, target in (("nats", "/data"), ("postgres", "/var/lib/postgresql/data")):
        sources = {str(v).split(":")[0] for v in compose_file["services"][service]["volumes"]
                   if str(v).split(":")[1] == target}
        assert len(sources) == 1, f"{service}: ningún volumen montado en {target}"
        (source,) = sources
        assert source in volumes, f"{service}: {source!r} no es un volumen con nombre"


# --- (c) NATS JetStream and start-up order ------------------------------------------------------

def test_nats_config_enables_jetstream_with_sync_always():
    text = strip_conf_comments(NATS_CONF.read_text(encoding="utf-8"))
    jetstream = conf_block(text, "jetstream")
    assert jetstream is not None, "JetStream no está habilitado en nats.conf"
    assert conf_value(jetstream, "enabled") in (None, "true", "enabled", "on", "yes")
    assert conf_value(jetstream, "sync_interval") == "always"
    store_dir = conf_value(jetstream, "store_dir")
    assert store_dir and store_dir.startswith("/data"), store_dir
    assert conf_value(text, "http_port") == "8222"


def test_nats_config_is_accepted_by_nats_server():
    result = subprocess.run([nats_server_binary(), "-t", "-c", str(NATS_CONF)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_nats_service_mounts_config_and_checks_jetstream_health(compose_file):
    nats = compose_file["services"]["nats"]
    image, _, tag = nats["image"].partition(":")
    assert image == "nats" and re.match(r"2\.\d+(\.\d+)?-alpine", tag), nats["image"]

    argv = as_argv(nats["command"])
    config_path = argv[argv.index("--config") + 1] if "--config" in argv else argv[argv.index("-c") + 1]
    mounts = [str(v) for v in nats["volumes"]]
    assert f"./deploy/nats/nats.conf:{config_path}:ro" in mounts or \
        f"./deploy/nats/nats.conf:{config_path}" in mounts, (config_path, mounts)

    test = " ".join(as_argv(nats["healthcheck"]["test"]))
    assert "wget" in test and ":8222/healthz?js-enabled-only=true" in test


def test_streams_are_declared_once_before_the_services(compose_file):
    services = compose_file["services"]
    streams = services[STREAMS]
    argv = as_argv(streams["command"])
    assert argv[:3] in (["python", "-m", "shared.streams"], [sys.executable, "-m", "shared.streams"])
    assert re.fullmatch(r"nats://streams:\$\{ACOMPANA_NATS_CLAVE_STREAMS:\?[^}]+\}@nats:4222",
                        argv[argv.index("--nats-url") + 1])
    assert streams["depends_on"]["nats"]["condition"] == "service_healthy"
    assert streams.get("restart", "no") in ("no", "on-failure"), "un one-shot no se reinicia siempre"

    for name in SERVICES:
        depends = services[name]["depends_on"]
        assert isinstance(depends, dict), f"{name}: depends_on sin condiciones"
        assert depends[STREAMS]["condition"] == "service_completed_successfully", name
        assert depends["nats"]["condition"] == "service_healthy", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        # Nothing else declares streams.
        assert "shared.streams" not in " ".join(as_argv(services[name]["command"]))


# --- (d) no insecure default (issue 21, item 5) -------------------------------------------------

def test_every_secret_is_required_and_nothing_internal_is_published(compose_file):
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    # no secret has a default: compose stops and names the missing variable
    for variable in ("ACOMPANA_POSTGRES_PASSWORD", "ACOMPANA_PEPPER", "ACOMPANA_FOCALIZACION_CLAVES_KEK",
                     "ACOMPANA_AGENDA_CLAVES_KEK", "ACOMPANA_EVIDENCIAS_CLAVES_KEK", "ACOMPANA_OIDC_EMISOR",
                     "ACOMPANA_OIDC_JWKS_URL", "ACOMPANA_WEB_SECRETO",
                     *(f"ACOMPANA_NATS_CLAVE_{u.upper()}" for u in (*SERVICES, "streams"))):
        usos = re.findall(r"\$\{" + variable + r"(:?[-?])?", text)
        assert usos and set(usos) == {":?"}, (variable, usos)
    # NATS's client port and PostgreSQL are reached only inside compose's network
    services = compose_file["services"]
    publicados = {str(p) for p in services["nats"].get("ports", [])}
    assert not [p for p in publicados if p.split(":")[-1] == "4222"], publicados
    assert all(p.startswith("127.0.0.1:") for p in publicados), publicados
    assert not services["postgres"].get("ports"), services["postgres"].get("ports")
    # and every NATS user has a password, from the environment (cuentas-compose.conf), with its permissions
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in services["nats"]["volumes"]}
    assert mounts["/etc/nats/cuentas.conf"] == "./deploy/nats/cuentas-compose.conf"
    assert mounts["/etc/nats/permisos.conf"] == "./deploy/nats/permisos.conf"
    cuentas = strip_conf_comments((ROOT / "deploy/nats/cuentas-compose.conf").read_text(encoding="utf-8"))
    usuarios = re.findall(r"\{\s*user:\s*([\w-]+)([^}]*)\}", cuentas)
    assert {u for u, _ in usuarios} == {*SERVICES, "streams"}
    for usuario, resto in usuarios:
        assert f"password: $ACOMPANA_NATS_CLAVE_{usuario.upper()}" in resto, usuario
        assert f"permissions: $PERMISOS_{usuario.upper()}" in resto, usuario
        assert f"ACOMPANA_NATS_CLAVE_{usuario.upper()}" in environment(services["nats"]), usuario
    assert "no_auth_user" not in cuentas
    # and the services run as a deployment: a development secret stops them (shared/settings.py)
    for name in (*SERVICES, "web"):
        assert "ACOMPANA_ENTORNO" not in environment(services[name]), name
