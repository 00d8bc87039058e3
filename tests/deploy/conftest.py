"""What the deployment tests share: the repository's paths, docker-compose.yml read as YAML,
each Kubernetes overlay rendered once per session by ``kubectl kustomize``, the services' settings
classes and the checkov findings the manifests are allowed to skip."""

from __future__ import annotations

import importlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "produccion")
SERVICES = {"focalizacion": 8001, "agenda": 8002, "evidencias": 8003, "evaluacion": 8004}
WEB, WEB_PORT = "web", 8000  # the web application: the four services' client, no store or stream of its own
KUBECTL_VERSION = "1.32"  # the schemas the manifests are validated against (kubectl v1.32 renders them)
# The only checkov findings left, each explained where it is skipped (test_k8s, test_checkov).
ALLOWED_CHECKOV_SKIPS = {"CKV_K8S_43", "CKV_K8S_35"}


def kubectl() -> str:
    executable = shutil.which("kubectl")
    if executable is None:
        pytest.fail("kubectl no está en el PATH: las pruebas de deploy lo necesitan (kubectl ≥ 1.32) para "
                    "renderizar los overlays con su kustomize incorporado (p. ej. `apt-get install kubectl` "
                    "o el binario oficial).", pytrace=False)
    return executable


def render(path: Path) -> list[dict[str, Any]]:
    result = subprocess.run([kubectl(), "kustomize", str(path)], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, f"kubectl kustomize {path.relative_to(ROOT)} falló:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Every overlay, rendered: {"dev": [resource, ...], "produccion": [...]}."""
    return {overlay: render(K8S / "overlays" / overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def compose_file() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml no es un mapa YAML"
    return data


def settings_class(name: str):
    """The settings class of service ``name``: ``services.agenda.config.AgendaSettings`` for "agenda"."""
    module = importlib.import_module(f"services.{name}.config")
    return getattr(module, f"{name.capitalize()}Settings")


def by_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def compose_environment(service: dict[str, Any]) -> dict[str, str | None]:
    """A compose service's environment, in either of the two forms compose accepts."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {p[0]: (p[1] if len(p) == 2 else None) for p in pairs}
    return {k: (None if v is None else str(v)) for k, v in env.items()}
