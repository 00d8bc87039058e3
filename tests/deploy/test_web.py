"""The web application's deployment: compose and Kubernetes run it next to the four services, it reaches
only their HTTP APIs, its sessions database and the identity provider, and people reach it on ``/``."""

from __future__ import annotations

import re

import pytest

from services.web.config import WebSettings
from tests.deploy.conftest import OVERLAYS, SERVICES, WEB, WEB_PORT, by_kind, compose_environment
from tests.deploy.test_k8s import (
    INGRESS_NAMESPACE,
    configmap_env,
    container,
    egress_allowed,
    ingress_allowed,
    k8s_environment,
    pod_labels,
    secret_env,
)

PREFIX = WebSettings.model_config["env_prefix"]


def test_compose_runs_the_web_application_after_the_services(compose_file):
    web = compose_file["services"][WEB]
    env = compose_environment(web)
    known = {PREFIX + f.upper() for f in WebSettings.model_fields}
    assert set(env) <= known, sorted(set(env) - known)
    for name, port in SERVICES.items():
        assert env[f"{PREFIX}{name.upper()}_URL"] == f"http://{name}:{port}"
        assert web["depends_on"][name]["condition"] == "service_healthy"
    assert env[PREFIX + "HTTP_PORT"] == str(WEB_PORT) and f"{WEB_PORT}:{WEB_PORT}" in web["ports"]
    assert env[PREFIX + "SESIONES_URL"].endswith("@postgres:5432/acompana_web")
    assert web["command"][:3] == ["uvicorn", "--factory", "services.web.main:create_app"]
    assert f"127.0.0.1:{WEB_PORT}/readyz" in " ".join(web["healthcheck"]["test"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_environment_is_the_compose_one_with_secrets_by_reference(rendered, compose_file, overlay):
    resources = rendered[overlay]
    c = container(by_kind(resources, "Deployment")[WEB])
    assert k8s_environment(resources, c) == set(compose_environment(compose_file["services"][WEB]))
    assert secret_env(c)[PREFIX + "SESIONES_URL"] == ("acompana-web-db-app", "uri")
    nombre, clave = secret_env(c)[PREFIX + "OIDC_SECRETO"]
    assert nombre.startswith("acompana-web-oidc") and clave == "secreto"  # dev generates it (a hashed name)
    plain = configmap_env(resources, c)
    assert not [k for k in plain if re.search(r"SECRET|PASSWORD|TOKEN|SESIONES_URL", k)], plain
    assert plain[PREFIX + "COOKIE_SEGURA"] == "true" and plain[PREFIX + "URL_PUBLICA"].startswith("https://")
    assert plain[PREFIX + "HSTS_SEGUNDOS"] == "31536000"
    assert {c["readinessProbe"]["httpGet"]["path"], c["livenessProbe"]["httpGet"]["path"]} == {"/readyz", "/healthz"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_web_reaches_only_the_four_apis_its_database_and_the_identity_provider(rendered, overlay):
    resources = rendered[overlay]
    web = pod_labels(by_kind(resources, "Deployment")[WEB])
    nats = pod_labels(by_kind(resources, "StatefulSet")["nats"])
    assert ingress_allowed(resources, overlay, web, {}, WEB_PORT, source_namespace=INGRESS_NAMESPACE)
    for name, port in SERVICES.items():
        servicio = pod_labels(by_kind(resources, "Deployment")[name])
        assert egress_allowed(resources, overlay, web, servicio, port), name
        assert ingress_allowed(resources, overlay, servicio, web, port), f"{name} no deja entrar a la web"
        assert not egress_allowed(resources, overlay, web, {"cnpg.io/cluster": f"acompana-{name}-db"}, 5432)
        assert not egress_allowed(resources, overlay, servicio, web, WEB_PORT), f"{name} llama a la web"
    own_db = {"cnpg.io/cluster": "acompana-web-db"}
    assert egress_allowed(resources, overlay, web, own_db, 5432)
    assert ingress_allowed(resources, overlay, own_db, web, 5432)
    for name in SERVICES:
        servicio = pod_labels(by_kind(resources, "Deployment")[name])
        assert not ingress_allowed(resources, overlay, own_db, servicio, 5432), f"{name} alcanza las sesiones"
    assert not egress_allowed(resources, overlay, web, nats, 4222), "la web no usa NATS"
    assert not egress_allowed(resources, overlay, web, {"app.kubernetes.io/name": "otro"}, 8080)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_people_reach_the_web_application_on_its_own_host_over_tls(rendered, overlay):
    ingress = by_kind(rendered[overlay], "Ingress")["acompana-web"]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] in {h for t in ingress["spec"]["tls"] for h in t["hosts"]}
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/", "Prefix")
    assert path["backend"]["service"] == {"name": WEB, "port": {"name": "http"}}
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
