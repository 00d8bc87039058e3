"""deploy/docker: one image per service, built from the pinned dependencies.

No docker engine is needed: each Dockerfile is read as text (instructions, stages) and checked for
what the images promise (two stages on a pinned slim base, nothing but the virtualenv and the code
in the final one, an unprivileged user, a HEALTHCHECK on /readyz, the command compose runs), and
deploy/requirements.txt is checked against pyproject.toml and against what the project's own
virtualenv resolved (every dependency reached from the direct ones is pinned, at the same version).
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.conftest import ROOT, SERVICES

DOCKER = ROOT / "deploy" / "docker"
LOCK = ROOT / "deploy" / "requirements.txt"
BASE = "python:3.11-slim-bookworm"
IMAGES = (*SERVICES, "streams")
BUILD_TOOLS = re.compile(r"\b(apt-get|apt|apk|gcc|g\+\+|build-essential|make|cc|pip install)\b")


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            result.append((keyword.upper(), args.strip()))
    return result


def stages(path: Path) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, args in instructions(path):
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, args))
    return found


def exec_form(args: str) -> list[str]:
    return re.findall(r'"((?:[^"\\]|\\.)*)"', args)


def lock() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"{LOCK.name}: {line!r} sin versión exacta"
            pins[canonicalize_name(name)] = version
    return pins


def project_dependencies() -> list[Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(r) for r in data["project"]["dependencies"]]


# --- the Dockerfiles ------------------------------------------------------------------------------

@pytest.mark.parametrize("image", IMAGES)
def test_image_is_multi_stage_on_the_pinned_slim_base(image):
    built = stages(DOCKER / f"{image}.Dockerfile")
    assert len(built) >= 2, f"{image}: una sola etapa"
    for stage in built:
        base = stage[0][1].split()[0]
        assert base == BASE, f"{image}: base {base}, se espera {BASE}"
    final = built[-1]
    copies = [args for keyword, args in final if keyword == "COPY"]
    assert copies and all(c.startswith("--from=") for c in copies), f"{image}: la etapa final copia del contexto"
    runs = " ".join(args for keyword, args in final if keyword == "RUN")
    assert not BUILD_TOOLS.search(runs.replace("pip uninstall", "")), f"{image}: herramientas de construcción: {runs}"
    assert "pip uninstall -y pip" in runs, f"{image}: la imagen final conserva pip"


@pytest.mark.parametrize("image", IMAGES)
def test_image_installs_only_the_pinned_wheels_and_runs_unprivileged(image):
    steps = instructions(DOCKER / f"{image}.Dockerfile")
    runs = " ".join(args for keyword, args in steps if keyword == "RUN")
    assert "pip install --no-deps --only-binary=:all: -r /tmp/requirements.txt" in runs
    assert "pip check" in runs
    assert ("COPY", "deploy/requirements.txt /tmp/requirements.txt") in steps

    users = [args for keyword, args in stages(DOCKER / f"{image}.Dockerfile")[-1] if keyword == "USER"]
    assert users, f"{image}: sin USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 10000, f"{image}: USER {users[-1]} (numérico, >= 10000)"


@pytest.mark.parametrize("name", SERVICES)
def test_service_image_copies_its_code_checks_readyz_and_runs_compose_command(name, compose_file):
    steps = instructions(DOCKER / f"{name}.Dockerfile")
    copies = [args for keyword, args in steps if keyword == "COPY" and not args.startswith("--from")]
    copied_services = {m.group(1) for c in copies if (m := re.match(r"services/(\w+) ", c))}
    assert copied_services == {name}, f"{name}: copia {copied_services}"
    port = SERVICES[name]
    assert ("EXPOSE", str(port)) in steps

    (health,) = [args for keyword, args in steps if keyword == "HEALTHCHECK"]
    assert "CMD" in health and f"http://127.0.0.1:{port}/readyz" in health

    (cmd,) = [exec_form(args) for keyword, args in steps if keyword == "CMD"]
    compose_command = compose_file["services"][name]["command"]
    assert cmd == [str(part) for part in compose_command]


def test_streams_image_runs_the_streams_owner(compose_file):
    steps = instructions(DOCKER / "streams.Dockerfile")
    (cmd,) = [exec_form(args) for keyword, args in steps if keyword == "CMD"]
    assert cmd[:3] == ["python", "-m", "shared.streams"]
    assert not any(keyword == "ENTRYPOINT" for keyword, _ in steps), "compose reemplaza CMD: sin ENTRYPOINT"
    assert not any(keyword == "COPY" and args.startswith("services") for keyword, args in steps)
    build = compose_file["services"]["streams"]["build"]
    assert build == {"context": ".", "dockerfile": "deploy/docker/streams.Dockerfile"}


def test_build_context_leaves_out_what_images_do_not_need():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    assert {".git", ".venv", "tests", "var"} <= ignored


# --- the pinned dependencies ----------------------------------------------------------------------

def test_lock_pins_the_direct_dependencies_as_pyproject_does():
    pins = lock()
    for requirement in project_dependencies():
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"pyproject.toml: {requirement} sin versión exacta"
        assert pins.get(canonicalize_name(requirement.name)) == spec.version, \
            f"{LOCK.name}: {requirement.name} {pins.get(canonicalize_name(requirement.name))} != {spec.version}"


def test_lock_is_complete_and_consistent():
    """Every distribution reached from the direct dependencies (with their extras) is pinned, at a
    version its dependents accept: ``pip install --no-deps`` of the lock is the whole environment.
    (The requirements are read from the test environment's installed metadata.)"""
    pins = lock()
    pending = [(canonicalize_name(r.name), frozenset(r.extras), r) for r in project_dependencies()]
    seen: set[tuple[str, frozenset[str]]] = set()
    problems = []
    while pending:
        name, extras, wanted = pending.pop()
        if name not in pins:
            problems.append(f"{name} (pedido como {wanted}) no está fijado")
            continue
        if not wanted.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{name}=={pins[name]} no cumple {wanted}")
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for line in importlib.metadata.distribution(name).requires or []:
            req = Requirement(line)
            environments = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in environments):
                pending.append((canonicalize_name(req.name), frozenset(req.extras), req))
    assert not problems, f"{LOCK.name}:\n" + "\n".join(problems)
    reached = {name for name, _ in seen}
    assert not set(pins) - reached, f"{LOCK.name}: fijadas sin que nada las pida: {sorted(set(pins) - reached)}"
