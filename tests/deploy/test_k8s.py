"""deploy/k8s: every overlay renders, every resource is valid, and the rules of the deployment hold.

Each overlay is rendered by ``kubectl kustomize`` (conftest.py) and every resource is validated
offline: Kubernetes' own kinds against the schemas kubernetes-validate ships (strict: unknown fields
fail), CloudNativePG's against crd_schemas.py. Then the rules, in the domain of the deployment:
hardened pods, a NetworkPolicy for every workload after a deny-all, the same environment as
docker-compose.yml, secrets only by reference, streams declared once by a Job, a NATS cluster of
three with fsync on every write, a PostgreSQL cluster per service (backed up in produccion) and TLS.

The policy part is the set of checkov's Kubernetes checks that apply here, written as assertions that
name the broken rule; test_checkov.py runs checkov itself over the same rendered overlays (from its
own environment, .venv-checkov, because its dependencies conflict with the project's). The findings
a checkov run leaves are each explained by a ``checkov.io/skipN`` annotation, and
``test_checkov_skips_are_explained`` keeps that list (``ALLOWED_CHECKOV_SKIPS``) closed.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import re
import subprocess
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.deploy.conftest import (
    ALLOWED_CHECKOV_SKIPS,
    K8S,
    KUBECTL_VERSION,
    OVERLAYS,
    ROOT,
    SERVICES,
    WEB,
    WEB_PORT,
    by_kind,
    compose_environment,
    settings_class,
)
from tests.deploy.crd_schemas import BARMAN_PLUGIN, SCHEMAS
from tests.support.servers import nats_server_binary

NAMESPACE = {"dev": "acompana-dev", "produccion": "acompana"}
STREAM_REPLICAS = {"dev": "1", "produccion": "3"}
POD_KINDS = ("Deployment", "StatefulSet", "Job")
CLUSTER_SCOPED = {"Namespace"}
INGRESS_NAMESPACE = "ingress-nginx"
PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
# Secrets the repository never holds: made in the cluster before `kubectl apply` (deploy/README.md).
EXTERNAL_SECRETS = {"produccion": {"nats-cuentas", "acompana-nats", "acompana-tls", "acompana-respaldos-s3",
                                   "acompana-identificadores", "acompana-focalizacion-claves",
                                   "acompana-agenda-claves", "acompana-evidencias-claves", "acompana-web-oidc"},
                    "dev": {"acompana-tls"}}


# --- helpers ---------------------------------------------------------------------------------

def workloads(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in resources if r["kind"] in POD_KINDS]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against a set of labels."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        ok = {"In": key in labels and labels[key] in values,
              "NotIn": labels.get(key) not in values,
              "Exists": key in labels,
              "DoesNotExist": key not in labels}[op]
        if not ok:
            return False
    return True


def policies_for(resources, labels: dict[str, str], direction: str) -> list[dict[str, Any]]:
    return [p for p in by_kind(resources, "NetworkPolicy").values()
            if selects(p["spec"]["podSelector"], labels) and direction in p["spec"].get("policyTypes", ["Ingress"])]


def peer_matches(peer: dict[str, Any], labels: dict[str, str], namespace: str, own_namespace: str) -> bool:
    if "ipBlock" in peer:
        # Pod addresses are private: a block reaches pods unless it excepts every private range.
        block = peer["ipBlock"]
        excepted = [ipaddress.ip_network(e) for e in block.get("except", [])]
        return not all(any(p.subnet_of(e) for e in excepted) for p in PRIVATE)
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace}):
            return False
    elif namespace != own_namespace:
        return False
    return selects(peer.get("podSelector"), labels)


def rule_allows(rule: dict[str, Any], peers_key: str, labels, namespace, own_namespace, port: int) -> bool:
    ports = rule.get("ports")
    if ports and not any(p.get("port") == port for p in ports):
        return False
    peers = rule.get(peers_key)
    return not peers or any(peer_matches(p, labels, namespace, own_namespace) for p in peers)


def egress_allowed(resources, overlay, source: dict[str, str], target: dict[str, str], port: int,
                   target_namespace: str | None = None) -> bool:
    ns = NAMESPACE[overlay]
    return any(rule_allows(rule, "to", target, target_namespace or ns, ns, port)
               for policy in policies_for(resources, source, "Egress") for rule in policy["spec"].get("egress") or [])


def ingress_allowed(resources, overlay, target: dict[str, str], source: dict[str, str], port: int,
                    source_namespace: str | None = None) -> bool:
    ns = NAMESPACE[overlay]
    return any(rule_allows(rule, "from", source, source_namespace or ns, ns, port)
               for policy in policies_for(resources, target, "Ingress") for rule in policy["spec"].get("ingress") or [])


def container(workload: dict[str, Any]) -> dict[str, Any]:
    (only,) = pod_spec(workload)["containers"]
    return only


def configmap_env(resources, c: dict[str, Any]) -> dict[str, str]:
    maps = by_kind(resources, "ConfigMap")
    env: dict[str, str] = {}
    for source in c.get("envFrom") or []:
        assert "configMapRef" in source, f"{c['name']}: envFrom solo desde ConfigMaps: {source}"
        env.update(maps[source["configMapRef"]["name"]]["data"])
    return env


def secret_env(c: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {e["name"]: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
            for e in c.get("env") or [] if "secretKeyRef" in (e.get("valueFrom") or {})}


def k8s_environment(resources, c: dict[str, Any]) -> set[str]:
    return set(configmap_env(resources, c)) | {e["name"] for e in c.get("env") or []}


def schema_errors(resource: dict[str, Any]) -> list[str]:
    key = (resource["apiVersion"], resource["kind"])
    if key in SCHEMAS:
        validator = jsonschema.Draft202012Validator(SCHEMAS[key])
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(resource)]
    try:
        kubernetes_validate.validate(resource, KUBECTL_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{'/'.join(map(str, e.path))}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"sin esquema para {resource['apiVersion']} {resource['kind']} (ni en Kubernetes ni en crd_schemas.py)"]
    return []


def named(resource: dict[str, Any]) -> str:
    return f"{resource['kind']}/{resource['metadata']['name']}"


# --- every resource, valid ---------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_is_valid_against_its_schema(rendered, overlay):
    errors = [f"{named(r)}: {e}" for r in rendered[overlay] for e in schema_errors(r)]
    assert not errors, f"overlay {overlay}:\n" + "\n".join(errors)


def test_schema_validation_rejects_broken_resources(rendered):
    """The validation above is not vacuous: a misspelt probe and a misplaced CNPG field fail."""
    resources = rendered["produccion"]
    deployment = copy.deepcopy(by_kind(resources, "Deployment")["agenda"])
    c = container(deployment)
    c["livenesProbe"] = c.pop("livenessProbe")
    cluster = copy.deepcopy(by_kind(resources, "Cluster")["acompana-agenda-db"])
    cluster["spec"]["instance"] = cluster["spec"].pop("instances")
    job = copy.deepcopy(by_kind(resources, "Job")["acompana-streams"])
    job["spec"]["backoffLimit"] = "diez"
    for broken in (deployment, cluster, job):
        assert schema_errors(broken), f"{named(broken)} dañado pasó la validación"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_namespaced_resource_lands_in_the_overlay_namespace(rendered, overlay):
    resources = rendered[overlay]
    (namespace,) = by_kind(resources, "Namespace").values()
    assert namespace["metadata"]["name"] == NAMESPACE[overlay]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    stray = [named(r) for r in resources
             if r["kind"] not in CLUSTER_SCOPED and r["metadata"].get("namespace") != NAMESPACE[overlay]]
    assert not stray, stray


# --- the services' Deployments -------------------------------------------------------------------

COMPONENT = K8S / "components" / "servicio"


def test_every_service_is_the_one_component_with_its_values():
    """The per-service resources are written once (components/servicio) and each service's kustomization
    only says its name, prefix and port, and patches what it has of its own."""
    for name in (*SERVICES, WEB):
        folder = K8S / "base" / "services" / name
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
        (component,) = kustomization["components"]
        assert (folder / component).resolve() == COMPONENT.resolve(), name
        assert kustomization["resources"] == ["valores.yaml"], name
        values = yaml.safe_load((folder / "valores.yaml").read_text(encoding="utf-8"))
        assert values["metadata"]["annotations"]["config.kubernetes.io/local-config"] == "true"
        assert (values["name"], values["envPrefix"]) == (name, name.upper())
        assert values["port"] == SERVICES.get(name, WEB_PORT)
    written = [p.relative_to(K8S) for p in K8S.rglob("*.yaml")
               if any(d.get("kind") == "Deployment" for d in yaml.safe_load_all(p.read_text(encoding="utf-8")) if d)]
    assert [str(p) for p in written if "web.yaml" not in str(p)] == ["components/servicio/servicio.yaml"], written


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_placeholder_of_the_component_is_left(rendered, overlay):
    """Every placeholder of components/servicio was replaced (a service's name, prefix or port forgotten
    would leave one), and its ServiceValues objects never reach the cluster."""
    text = yaml.safe_dump_all([r for r in rendered[overlay] if r["kind"] not in ("ConfigMap", "Secret")])
    assert not re.search(r"\bservicio\b|SERVICIO_", text), re.findall(r".*\bservicio\b.*|.*SERVICIO_.*", text)[:5]
    assert not [r for r in rendered[overlay] if r["kind"] == "ServiceValues"]
    for name in (*SERVICES, WEB):
        port = SERVICES.get(name, WEB_PORT)
        deployment = by_kind(rendered[overlay], "Deployment")[name]
        assert [p["containerPort"] for p in container(deployment)["ports"]] == [port]
        assert [p["port"] for p in by_kind(rendered[overlay], "Service")[name]["spec"]["ports"]] == [port]
        policy = by_kind(rendered[overlay], "NetworkPolicy")[name]
        assert [p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]] == [port]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", SERVICES)
def test_service_deployment_has_probes_limits_and_runs_unprivileged(rendered, overlay, name):
    resources = rendered[overlay]
    deployment = by_kind(resources, "Deployment")[name]
    spec, c = pod_spec(deployment), container(deployment)
    port = SERVICES[name]

    assert [p["containerPort"] for p in c["ports"]] == [port]
    assert c["image"].split(":")[0].endswith(f"acompana/{name}")
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert c[probe]["httpGet"]["port"] in ("http", port), probe

    resources_ = c["resources"]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(resources_[kind]), f"{name}: faltan {kind}"

    assert spec["securityContext"]["runAsNonRoot"] is True
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert any(m["mountPath"] == "/tmp" for m in c["volumeMounts"]), "sin /tmp escribible (matplotlib)"

    account = spec["serviceAccountName"]
    assert account in by_kind(resources, "ServiceAccount")
    assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", SERVICES)
def test_termination_grace_outlasts_the_consumers_ack_wait(rendered, overlay, name):
    """A rolling restart loses no ack: the pod lives past the ack wait after its preStop pause."""
    resources = rendered[overlay]
    deployment = by_kind(resources, "Deployment")[name]
    c = container(deployment)
    env = configmap_env(resources, c)
    default = settings_class(name).model_fields["consumer_ack_wait"].default
    ack_wait = float(env.get(f"{name.upper()}_CONSUMER_ACK_WAIT", default))
    pause = c["lifecycle"]["preStop"]["sleep"]["seconds"]
    grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
    assert grace > ack_wait + pause, (grace, ack_wait, pause)
    strategy = deployment["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", SERVICES)
def test_service_has_service_autoscaler_and_disruption_budget(rendered, overlay, name):
    resources = rendered[overlay]
    deployment = by_kind(resources, "Deployment")[name]
    labels = pod_labels(deployment)

    service = by_kind(resources, "Service")[name]
    assert selects({"matchLabels": service["spec"]["selector"]}, labels)
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]

    hpa = by_kind(resources, "HorizontalPodAutoscaler")[name]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert hpa["spec"]["minReplicas"] >= (2 if overlay == "produccion" else 1)
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    assert "replicas" not in deployment["spec"], "el HPA decide las réplicas"

    pdb = by_kind(resources, "PodDisruptionBudget")[name]
    assert selects(pdb["spec"]["selector"], labels)


# --- network policies ---------------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_namespace_denies_everything_by_default(rendered, overlay):
    policies = by_kind(rendered[overlay], "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert not deny.get("ingress") and not deny.get("egress")


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", SERVICES)
def test_service_network_policy_allows_only_nats_its_database_and_its_ingress(rendered, overlay, name):
    resources = rendered[overlay]
    labels = pod_labels(by_kind(resources, "Deployment")[name])
    own = [p for p in policies_for(resources, labels, "Egress") if p["spec"]["podSelector"]]
    assert own, f"{name}: ninguna NetworkPolicy propia (además de la denegación por defecto)"
    nats = pod_labels(by_kind(resources, "StatefulSet")["nats"])
    port = SERVICES[name]

    assert ingress_allowed(resources, overlay, labels, {}, port, source_namespace=INGRESS_NAMESPACE)
    assert egress_allowed(resources, overlay, labels, nats, 4222)
    assert egress_allowed(resources, overlay, labels, {"cnpg.io/cluster": f"acompana-{name}-db"}, 5432)

    for other in SERVICES:
        if other != name:
            db = {"cnpg.io/cluster": f"acompana-{other}-db"}
            assert not egress_allowed(resources, overlay, labels, db, 5432), f"{name} alcanza la base de {other}"
            other_labels = pod_labels(by_kind(resources, "Deployment")[other])
            assert not egress_allowed(resources, overlay, labels, other_labels, SERVICES[other]), \
                f"{name} alcanza a {other}: solo se hablan por NATS"
            assert not ingress_allowed(resources, overlay, labels, other_labels, port)
    # Nothing else inside the namespace on any port.
    stranger = {"app.kubernetes.io/name": "otro"}
    assert not egress_allowed(resources, overlay, labels, stranger, 5432)
    assert not ingress_allowed(resources, overlay, labels, stranger, port)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_database_accepts_only_its_own_service(rendered, overlay):
    resources = rendered[overlay]
    for name in SERVICES:
        db = {"cnpg.io/cluster": f"acompana-{name}-db"}
        for other in SERVICES:
            source = pod_labels(by_kind(resources, "Deployment")[other])
            assert ingress_allowed(resources, overlay, db, source, 5432) == (other == name), (name, other)
        operator = {"app.kubernetes.io/name": "cloudnative-pg"}
        assert ingress_allowed(resources, overlay, db, operator, 8000, source_namespace="cnpg-system")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_its_own_network_policy(rendered, overlay):
    resources = rendered[overlay]
    pods = {named(w): pod_labels(w) for w in workloads(resources)}
    pods.update({f"Cluster/{c}": {"cnpg.io/cluster": c} for c in by_kind(resources, "Cluster")})
    missing = [n for n, labels in pods.items()
               if not [p for p in policies_for(resources, labels, "Ingress") if p["spec"]["podSelector"]]]
    assert not missing, f"sin NetworkPolicy propia: {missing}"
    nats = pods["StatefulSet/nats"]
    assert egress_allowed(resources, overlay, pods["Job/acompana-streams"], nats, 4222)
    assert ingress_allowed(resources, overlay, nats, pods["Job/acompana-streams"], 4222)
    assert ingress_allowed(resources, overlay, nats, nats, 6222)
    assert not ingress_allowed(resources, overlay, nats, {"cnpg.io/cluster": "acompana-agenda-db"}, 4222)


# --- configuration: the same variables as docker-compose, secrets by reference -------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", SERVICES)
def test_environment_is_the_same_as_in_compose(rendered, compose_file, overlay, name):
    resources = rendered[overlay]
    c = container(by_kind(resources, "Deployment")[name])
    k8s = k8s_environment(resources, c)
    if overlay == "dev":  # the dev overlay says so explicitly (development secrets); compose is a deployment
        assert "ACOMPANA_ENTORNO" in k8s
        k8s = k8s - {"ACOMPANA_ENTORNO"}
    compose = set(compose_environment(compose_file["services"][name]))
    assert k8s == compose, (f"{name} ({overlay}): solo en k8s {sorted(k8s - compose)}, "
                            f"solo en compose {sorted(compose - k8s)}")


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", SERVICES)
def test_secrets_come_by_reference_and_settings_parse(rendered, overlay, name, monkeypatch):
    resources = rendered[overlay]
    c = container(by_kind(resources, "Deployment")[name])
    prefix = f"{name.upper()}_"
    plain = configmap_env(resources, c)
    secret = secret_env(c)

    assert secret[prefix + "POSTGRES_PASSWORD"] == (f"acompana-{name}-db-app", "password")
    assert secret[prefix + "NATS_URL"][1] == name  # its own NATS user (deploy/nats/permisos.conf)
    assert not [k for k in plain if re.search(r"PASSWORD|SECRET|TOKEN|KEY|NATS_URL", k)], plain
    assert not [v for v in plain.values() if re.search(r"://[^/@\s]+:[^/@\s]+@", v)], "credenciales en un ConfigMap"
    assert all(e.get("valueFrom") for e in c.get("env") or []), "valores sueltos en env: van al ConfigMap"

    cls = settings_class(name)
    if cls.cifra_datos_personales:  # its master key and its keys' database (docs/datos-personales.md)
        for variable, key in (("CLAVES_KEK", "kek"), ("CLAVES_URL", "url")):
            nombre, clave = secret[prefix + variable]  # dev's generated Secret carries a hash suffix
            assert re.fullmatch(rf"acompana-{name}-claves(-[a-z0-9]+)?", nombre) and clave == key, nombre
    for field in cls.model_fields:
        monkeypatch.delenv(prefix + field.upper(), raising=False)
    for key, value in plain.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv(prefix + "POSTGRES_PASSWORD", "secreto")
    monkeypatch.setenv(prefix + "NATS_URL", "nats://servicios:secreto@nats:4222")
    settings = cls()

    cluster = by_kind(resources, "Cluster")[f"acompana-{name}-db"]["spec"]
    assert settings.is_postgres
    assert settings.postgres_dbname == cluster["bootstrap"]["initdb"]["database"] == f"acompana_{name}"
    assert settings.postgres_user == cluster["bootstrap"]["initdb"]["owner"]
    assert settings.postgres_host == f"acompana-{name}-db-rw"
    assert settings.http_port == SERVICES[name]
    assert settings.auth_emisor.startswith("https://") and settings.auth_jwks_url.startswith("https://")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_reference_is_generated_or_documented(rendered, overlay):
    resources = rendered[overlay]
    present = set(by_kind(resources, "Secret"))
    cnpg = {f"{c}-app" for c in by_kind(resources, "Cluster")}
    referenced: set[str] = set()
    for w in workloads(resources):
        for c in pod_spec(w)["containers"]:
            referenced |= {name for name, _ in secret_env(c).values()}
        for volume in pod_spec(w).get("volumes") or []:
            for source in (volume.get("projected") or {}).get("sources", []):
                if "secret" in source:
                    referenced.add(source["secret"]["name"])
    for ingress in by_kind(resources, "Ingress").values():
        referenced |= {t["secretName"] for t in ingress["spec"]["tls"]}
    for store in by_kind(resources, "ObjectStore").values():
        referenced |= {v["name"] for v in store["spec"]["configuration"]["s3Credentials"].values()}

    unknown = referenced - present - cnpg - EXTERNAL_SECRETS[overlay]
    assert not unknown, f"{overlay}: Secrets que nadie crea: {sorted(unknown)}"
    runbook = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    undocumented = [s for s in EXTERNAL_SECRETS[overlay] if s not in runbook]
    assert not undocumented, f"deploy/README.md no dice cómo crear {undocumented}"
    # the NATS URLs the repository holds (dev's) carry only the public development passwords of
    # deploy/nats/cuentas.conf (<usuario>-desarrollo), never another: data is base64, stringData plain
    stored = [s for s in by_kind(resources, "Secret").values() if s["metadata"]["name"].startswith("acompana-nats")]
    assert bool(stored) == ("acompana-nats" not in EXTERNAL_SECRETS[overlay]), [named(s) for s in stored]
    for secret in stored:
        values = [base64.b64decode(v).decode() for v in (secret.get("data") or {}).values()]
        values += list((secret.get("stringData") or {}).values())
        ajenas = [v for v in values if "@" in v and not re.fullmatch(r"nats://([a-z]+):\1-desarrollo@nats:4222", v)]
        assert values and not ajenas, f"{named(secret)}: credenciales en el repositorio"


# --- NATS JetStream, streams and PostgreSQL ------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nats_is_a_jetstream_cluster_of_three_that_fsyncs_every_write(rendered, overlay, tmp_path):
    resources = rendered[overlay]
    nats = by_kind(resources, "StatefulSet")["nats"]
    assert nats["spec"]["replicas"] == 3
    config_map = next(cm for name, cm in by_kind(resources, "ConfigMap").items() if name.startswith("nats-config"))
    conf = config_map["data"]["nats.conf"]
    assert re.search(r"(?m)^\s*sync_interval:\s*always\s*$", conf)
    routes = set(re.findall(r"nats://(nats-\d)\.nats-headless:6222", conf))
    assert routes == {"nats-0", "nats-1", "nats-2"}
    store = re.search(r'store_dir:\s*"([^"]+)"', conf).group(1)
    mounts = {m["name"]: m["mountPath"] for m in container(nats)["volumeMounts"]}
    assert store.startswith(mounts["data"]), "JetStream escribe fuera de su volumen"
    claim = nats["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
    max_store = re.search(r"max_file_store:\s*(\d+)GB", conf).group(1)
    assert int(max_store) < int(claim.removesuffix("Gi")), "max_file_store no cabe en el volumen"

    # nats-server itself accepts the configuration, with the development accounts beside it.
    (tmp_path / "nats.conf").write_text(conf, encoding="utf-8")
    (tmp_path / "cuentas.conf").write_text((ROOT / "deploy/nats/cuentas.conf").read_text(encoding="utf-8"))
    (tmp_path / "permisos.conf").write_text(config_map["data"]["permisos.conf"], encoding="utf-8")
    result = subprocess.run([nats_server_binary(), "-t", "-c", str(tmp_path / "nats.conf")], capture_output=True,
                            text=True, timeout=30, env={"POD_NAME": "nats-0"}, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dev_nats_accounts_are_the_compose_ones():
    dev = (K8S / "overlays" / "dev" / "cuentas.conf").read_text(encoding="utf-8")
    assert dev == (ROOT / "deploy" / "nats" / "cuentas.conf").read_text(encoding="utf-8")
    permisos = (K8S / "base" / "nats" / "permisos.conf").read_text(encoding="utf-8")
    assert permisos == (ROOT / "deploy" / "nats" / "permisos.conf").read_text(encoding="utf-8")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_streams_are_declared_once_by_a_job(rendered, overlay):
    resources = rendered[overlay]
    job = by_kind(resources, "Job")["acompana-streams"]
    c = container(job)
    argv = c["command"] + c["args"]
    assert argv[:3] == ["python", "-m", "shared.streams"]
    assert argv[argv.index("--nats-url") + 1] == "$(NATS_URL)"
    assert argv[argv.index("--replicas") + 1] == "$(STREAM_REPLICAS)"
    env = {e["name"]: e["valueFrom"] for e in c["env"]}
    nats_secret = env["NATS_URL"]["secretKeyRef"]
    assert nats_secret["name"].startswith("acompana-nats") and nats_secret["key"] == "streams"  # its own user
    replicas_ref = env["STREAM_REPLICAS"]["configMapKeyRef"]
    assert by_kind(resources, "ConfigMap")[replicas_ref["name"]]["data"]["STREAM_REPLICAS"] == STREAM_REPLICAS[overlay]
    assert int(STREAM_REPLICAS[overlay]) <= by_kind(resources, "StatefulSet")["nats"]["spec"]["replicas"]
    assert pod_spec(job)["restartPolicy"] == "OnFailure"

    for w in workloads(resources):
        if w is not job:
            for other in pod_spec(w)["containers"]:
                assert "shared.streams" not in " ".join(other.get("command", []) + other.get("args", [])), named(w)

    source = (ROOT / "shared" / "streams.py").read_text(encoding="utf-8")
    assert '"--nats-url"' in source and '"--replicas"' in source, "shared.streams cambió sus opciones"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_its_own_postgresql_cluster(rendered, compose_file, overlay):
    resources = rendered[overlay]
    clusters = by_kind(resources, "Cluster")
    assert set(clusters) == {f"acompana-{n}-db" for n in (*SERVICES, WEB)}
    compose_major = compose_file["services"]["postgres"]["image"].split(":")[1].split(".")[0]
    for name, cluster in clusters.items():
        spec = cluster["spec"]
        assert spec["imageName"].split(":")[1].split(".")[0] == compose_major, "otra versión mayor que compose"
        assert spec["enableSuperuserAccess"] is False
        if overlay == "produccion":
            assert spec["instances"] == 3
            assert spec["postgresql"]["synchronous"]["number"] >= 1
            (plugin,) = spec["plugins"]
            assert plugin["name"] == BARMAN_PLUGIN and plugin["isWALArchiver"] is True
            assert plugin["parameters"]["barmanObjectName"] in by_kind(resources, "ObjectStore")
            backups = [b for b in by_kind(resources, "ScheduledBackup").values()
                       if b["spec"]["cluster"]["name"] == name]
            assert len(backups) == 1 and backups[0]["spec"]["method"] == "plugin", name
        else:
            assert spec["instances"] == 1


# --- ingress --------------------------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_serves_only_the_apis_over_tls(rendered, overlay):
    resources = rendered[overlay]
    ingress = by_kind(resources, "Ingress")["acompana"]  # the APIs' (the web application's: test_web.py)
    tls_hosts = {h for t in ingress["spec"]["tls"] for h in t["hosts"]}
    services = by_kind(resources, "Service")
    backends = set()
    for rule in ingress["spec"]["rules"]:
        assert rule["host"] in tls_hosts, f"{rule['host']} sin TLS"
        for path in rule["http"]["paths"]:
            assert path["path"] == "/v1", path["path"]  # no /docs, /openapi.json or /metrics from outside
            backend = path["backend"]["service"]
            assert backend["name"] in services and backend["port"] == {"name": "http"}
            backends.add(backend["name"])
    assert backends == set(SERVICES)
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    size = int(annotations["nginx.ingress.kubernetes.io/proxy-body-size"].removesuffix("m"))
    assert size * 1024 * 1024 > settings_class("evidencias").model_fields["adjunto_max_bytes"].default


# --- policy scan: checkov's Kubernetes checks that apply, as assertions ---------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_passes_the_security_policy(rendered, overlay):
    problems: list[str] = []
    for w in workloads(rendered[overlay]):
        spec, where = pod_spec(w), named(w)
        pod_sc = spec.get("securityContext") or {}
        for flag in ("hostNetwork", "hostPID", "hostIPC"):                          # CKV_K8S_17-19
            if spec.get(flag):
                problems.append(f"{where}: {flag}")
        if spec.get("automountServiceAccountToken") is not False:                    # CKV_K8S_38
            problems.append(f"{where}: monta el token de su ServiceAccount")
        if spec.get("serviceAccountName", "default") == "default":                   # CKV_K8S_41
            problems.append(f"{where}: ServiceAccount default")
        if (pod_sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":     # CKV_K8S_31
            problems.append(f"{where}: sin seccomp RuntimeDefault")
        if any("hostPath" in v for v in spec.get("volumes") or []):
            problems.append(f"{where}: hostPath")
        for c in spec["containers"] + spec.get("initContainers", []):
            sc = {**pod_sc, **(c.get("securityContext") or {})}
            image = c["image"]
            tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
            checks = {
                "runAsNonRoot": sc.get("runAsNonRoot") is True,                      # CKV_K8S_23
                "UID alto (>= 10000)": sc.get("runAsUser", 0) >= 10000,              # CKV_K8S_40
                "readOnlyRootFilesystem": sc.get("readOnlyRootFilesystem") is True,  # CKV_K8S_22
                "sin escalada de privilegios": sc.get("allowPrivilegeEscalation") is False,  # CKV_K8S_20
                "no privilegiado": not sc.get("privileged"),                        # CKV_K8S_16
                "capabilities drop ALL": (sc.get("capabilities") or {}).get("drop") == ["ALL"],  # CKV_K8S_28/37
                "sin capabilities añadidas": not (sc.get("capabilities") or {}).get("add"),  # CKV_K8S_39
                "límites de CPU y memoria": {"cpu", "memory"} <= set(c["resources"].get("limits", {})),  # 11, 13
                "reservas de CPU y memoria": {"cpu", "memory"} <= set(c["resources"].get("requests", {})),  # 10, 12
                "imagen con etiqueta fija": tag not in ("", "latest"),               # CKV_K8S_14
                "imagePullPolicy Always": c.get("imagePullPolicy") == "Always",      # CKV_K8S_15
                "sin puertos del host": not any(p.get("hostPort") for p in c.get("ports", [])),  # CKV_K8S_26
            }
            if w["kind"] != "Job":
                checks["sondas de vida y disponibilidad"] = \
                    "livenessProbe" in c and "readinessProbe" in c                   # CKV_K8S_8, 9
            problems += [f"{where}/{c['name']}: {rule}" for rule, ok in checks.items() if not ok]
    for s in by_kind(rendered[overlay], "Service").values():
        if s["spec"].get("type", "ClusterIP") not in ("ClusterIP",):
            problems.append(f"Service/{s['metadata']['name']}: {s['spec']['type']} expone el servicio fuera")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_checkov_skips_are_explained(rendered, overlay):
    """Every finding a checkov run leaves is skipped where it occurs, with its reason, and only those."""
    for r in rendered[overlay]:
        for key, value in (r["metadata"].get("annotations") or {}).items():
            if key.startswith("checkov.io/skip"):
                check, _, reason = value.partition("=")
                assert check in ALLOWED_CHECKOV_SKIPS, f"{named(r)}: {check} no está en la lista explicada"
                assert len(reason.split()) >= 6, f"{named(r)}: {check} sin motivo"


# --- the runbook ----------------------------------------------------------------------------------

def test_runbook_covers_operations():
    runbook = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8").lower()
    headings = re.findall(r"(?m)^#+\s+(.+)$", runbook)
    needed = ["instalar", "actualizar", "respaldar", "restaurar postgresql", "restaurar jetstream",
              "reconstruir una proyección", "releer el stream", "rotar", "incorporar un sistema externo"]
    missing = [n for n in needed if not any(n in h for h in headings)]
    assert not missing, f"deploy/README.md no tiene secciones para {missing}"
    for command in ("kubectl apply -k deploy/k8s/overlays/produccion", "python -m services.evaluacion.rebuild",
                    "/v1/cadena/republicacion", "python -m shared.streams"):
        assert command.lower() in runbook, command
