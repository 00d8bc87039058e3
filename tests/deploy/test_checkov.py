"""The policy scan: checkov (its own pinned environment, .venv-checkov, made by tests/run.sh because its
dependencies conflict with the project's) over every rendered overlay and every Dockerfile. Nothing may
fail; a check may be skipped only where the manifests say why, and only the ones listed in conftest."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import ALLOWED_CHECKOV_SKIPS, OVERLAYS, ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
VERSION = "3.3.30"


def checkov(*args: str) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"checkov no está instalado en {CHECKOV.parent.parent}: `bash tests/run.sh` lo instala "
                    f"(checkov=={VERSION}, en su propio entorno).", pytrace=False)
    result = subprocess.run([str(CHECKOV), *args, "--compact", "--skip-download", "-o", "json"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.stdout, result.stderr[-2000:]
    informe = json.loads(result.stdout)
    informes = informe if isinstance(informe, list) else [informe]
    assert len(informes) == 1, [i.get("check_type") for i in informes]
    return informes[0]


def test_checkov_is_the_pinned_version():
    salida = subprocess.run([str(CHECKOV), "--version"], capture_output=True, text=True, check=False) \
        if CHECKOV.exists() else None
    assert salida is not None and salida.stdout.strip() == VERSION, "checkov ausente o de otra versión"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_policy_finding_in_the_kubernetes_manifests(rendered, overlay, tmp_path: Path):
    archivo = tmp_path / f"{overlay}.yaml"
    archivo.write_text(yaml.safe_dump_all(rendered[overlay], sort_keys=False), encoding="utf-8")
    informe = checkov("-f", str(archivo), "--framework", "kubernetes")
    resumen = informe["summary"]
    fallidos = [(c["check_id"], c["resource"]) for c in informe["results"]["failed_checks"]]
    assert fallidos == [] and resumen["failed"] == 0
    assert resumen["passed"] > 300 and resumen["parsing_errors"] == 0
    omitidos = {c["check_id"] for c in informe["results"]["skipped_checks"]}
    assert omitidos <= ALLOWED_CHECKOV_SKIPS, omitidos - ALLOWED_CHECKOV_SKIPS


def test_no_policy_finding_in_the_dockerfiles():
    informe = checkov("-d", str(ROOT / "deploy" / "docker"), "--framework", "dockerfile")
    assert informe["summary"]["failed"] == 0, [(c["check_id"], c["file_path"])
                                               for c in informe["results"]["failed_checks"]]
    # the one Dockerfile every image is built from (the services, the web application, the streams owner)
    assert informe["summary"]["passed"] > 100 and informe["summary"]["resource_count"] == 1


def test_the_scan_catches_a_privileged_container(rendered, tmp_path: Path):
    # the same scan over a copy where one service runs privileged and as root: it must fail
    recursos = copy.deepcopy(rendered["dev"])
    despliegue = next(r for r in recursos if r["kind"] == "Deployment")
    contenedor = despliegue["spec"]["template"]["spec"]["containers"][0]
    contenedor["securityContext"].update(privileged=True, runAsNonRoot=False, runAsUser=0)
    archivo = tmp_path / "roto.yaml"
    archivo.write_text(yaml.safe_dump_all(recursos, sort_keys=False), encoding="utf-8")
    fallidos = {c["check_id"] for c in checkov("-f", str(archivo), "--framework", "kubernetes")["results"]["failed_checks"]}
    assert {"CKV_K8S_16", "CKV_K8S_23"} <= fallidos, fallidos  # privileged container, root user
