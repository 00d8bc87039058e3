"""deploy/docker: every image from one Dockerfile, built from the pinned dependencies.

No docker engine is needed: the Dockerfile is read as text (stages, instructions) and each image is the
chain of stages its target is built FROM, with the build arguments docker-compose.yml passes substituted
where Docker substitutes them (COPY, ENV, EXPOSE...). Each is checked for what the images promise (on
a pinned slim base, nothing but the virtualenv and the code in the final image, an unprivileged user,
a HEALTHCHECK on /readyz, the command compose runs), and deploy/requirements.txt is checked against
pyproject.toml and against what the project's own virtualenv resolved (every dependency reached from
the direct ones is pinned, at the same version).
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import tomllib
from dataclasses import dataclass, field

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.conftest import ROOT, SERVICES, WEB, WEB_PORT

DOCKER = ROOT / "deploy" / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
LOCK = ROOT / "deploy" / "requirements.txt"
BASE = "python:3.11-slim-bookworm"
PORTS = {**SERVICES, WEB: WEB_PORT}  # every image built with --build-arg SERVICIO, and its port
SERVICE_TARGET, STREAMS_TARGET = "servicio", "streams"
BUILD_TOOLS = re.compile(r"\b(apt-get|apt|apk|gcc|g\+\+|build-essential|make|cc|pip install)\b")
# The instructions where Docker substitutes ${VARIABLE} (the Dockerfile reference, "Environment replacement").
SUBSTITUTED = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}


@dataclass
class Stage:
    base: str  # an image, or the name of an earlier stage
    name: str
    steps: list[tuple[str, str]] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", text)
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            result.append((keyword.upper(), args.strip()))
    return result


def stages(text: str | None = None) -> dict[str, Stage]:
    """The Dockerfile's stages by name (``FROM <base> AS <name>``), in order."""
    found: dict[str, Stage] = {}
    for keyword, args in instructions(text if text is not None else DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            found[name.strip() or str(len(found))] = Stage(base.strip(), name.strip())
        elif found:
            found[list(found)[-1]].steps.append((keyword, args))
    return found


def substituted(stage: Stage, build_args: dict[str, str]) -> list[tuple[str, str]]:
    """A stage's instructions with the build arguments it declares replaced where Docker replaces them
    (an argument not passed is empty, as in ``docker build``)."""
    declared: dict[str, str] = {}
    result = []
    for keyword, args in stage.steps:
        if keyword == "ARG":
            name, _, default = args.partition("=")
            declared[name] = build_args.get(name, default)
        elif keyword in SUBSTITUTED:
            args = re.sub(r"\$\{(\w+)\}|\$(\w+)",
                          lambda m: declared.get(m.group(1) or m.group(2), m.group(0)), args)
        result.append((keyword, args))
    return result


def image(target: str, build_args: dict[str, str] | None = None) -> tuple[str, list[tuple[str, str]]]:
    """(external base, instructions) of the image built for ``target``: the stages it is built FROM,
    oldest first. Stages it only copies from are not in it."""
    found, chain = stages(), []
    stage = found[target]
    while True:
        chain.insert(0, stage)
        if stage.base not in found:
            break
        stage = found[stage.base]
    return chain[0].base, [step for s in chain for step in substituted(s, build_args or {})]


def copied_from(target: str) -> Stage:
    """The stage the image of ``target`` takes its code from (``COPY --from=<stage> /app /app``)."""
    _, steps = image(target)
    (source,) = [args.split()[0].removeprefix("--from=") for keyword, args in steps
                 if keyword == "COPY" and args.endswith(" /app /app")]
    return stages()[source]


def environment(steps: list[tuple[str, str]]) -> dict[str, str]:
    return {k: v for keyword, args in steps if keyword == "ENV" for k, _, v in
            (pair.partition("=") for pair in shlex.split(args))}


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


# --- the Dockerfile -------------------------------------------------------------------------------

def test_one_dockerfile_builds_every_image(compose_file):
    assert sorted(p.name for p in DOCKER.iterdir()) == ["Dockerfile"], "una sola receta para todas las imágenes"
    for name, port in PORTS.items():
        build = compose_file["services"][name]["build"]
        assert build == {"context": ".", "dockerfile": "deploy/docker/Dockerfile",
                         "args": {"SERVICIO": name, "PUERTO": str(port)}}, name
        assert "target" not in build, f"{name}: la etapa por omisión ({SERVICE_TARGET}) es la última"
    assert list(stages())[-1] == SERVICE_TARGET


@pytest.mark.parametrize("target", (SERVICE_TARGET, STREAMS_TARGET))
def test_image_is_multi_stage_on_the_pinned_slim_base(target):
    external = {stage.base for stage in stages().values() if stage.base not in stages()}
    assert external == {BASE}, f"bases {external}, se espera {BASE}"
    base, steps = image(target, {"SERVICIO": "agenda", "PUERTO": "8002"})
    assert base == BASE
    copies = [args for keyword, args in steps if keyword == "COPY"]
    assert copies and all(c.startswith("--from=") for c in copies), f"{target}: la imagen copia del contexto"
    runs = " ".join(args for keyword, args in steps if keyword == "RUN")
    assert not BUILD_TOOLS.search(runs.replace("pip uninstall", "")), f"{target}: herramientas de construcción: {runs}"
    assert "pip uninstall -y pip" in runs, f"{target}: la imagen final conserva pip"


@pytest.mark.parametrize("target", (SERVICE_TARGET, STREAMS_TARGET))
def test_image_installs_only_the_pinned_wheels_and_runs_unprivileged(target):
    installed = " ".join(args for s in stages().values() for keyword, args in s.steps if keyword == "RUN"
                         and "pip install" in args)
    assert "pip install --no-deps --only-binary=:all: -r /tmp/requirements.txt" in installed
    assert "pip check" in installed
    assert ("COPY", "deploy/requirements.txt /tmp/requirements.txt") in instructions(DOCKERFILE.read_text(encoding="utf-8"))

    _, steps = image(target)
    users = [args for keyword, args in steps if keyword == "USER"]
    assert users, f"{target}: sin USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 10000, f"{target}: USER {users[-1]} (numérico, >= 10000)"


@pytest.mark.parametrize("name", PORTS)
def test_service_image_copies_its_code_checks_readyz_and_runs_compose_command(name, compose_file):
    build_args = compose_file["services"][name]["build"]["args"]
    code = substituted(copied_from(SERVICE_TARGET), build_args)
    copies = [args for keyword, args in code if keyword == "COPY" and not args.startswith("--from")]
    copied_services = {m.group(1) for c in copies if (m := re.match(r"services/(\w*) ", c))}
    assert copied_services == {name}, f"{name}: copia {copied_services}"
    assert any(c.startswith("shared ") for c in copies), f"{name}: sin shared/ (services/{name} lo importa)"

    _, steps = image(SERVICE_TARGET, build_args)
    port = PORTS[name]
    assert ("EXPOSE", str(port)) in steps
    env = environment(steps)
    (health,) = [args for keyword, args in steps if keyword == "HEALTHCHECK"]
    assert "CMD" in health and "http://127.0.0.1:%s/readyz" in health and "UVICORN_PORT" in health

    # uvicorn takes what the command line does not say from UVICORN_* (uvicorn's settings documentation)
    (cmd,) = [exec_form(args) for keyword, args in steps if keyword == "CMD"]
    assert cmd == ["uvicorn"] and env["UVICORN_FACTORY"] == "true"
    runs = ["uvicorn", "--factory", env["UVICORN_APP"], "--host", env["UVICORN_HOST"], "--port", env["UVICORN_PORT"]]
    assert runs == [str(part) for part in compose_file["services"][name]["command"]]


def test_service_image_refuses_to_build_without_its_service():
    """An empty SERVICIO would make ``COPY services/${SERVICIO}`` copy every service: the build stops first."""
    code = copied_from(SERVICE_TARGET)
    (copy_index,) = [i for i, (keyword, args) in enumerate(code.steps)
                     if keyword == "COPY" and args.startswith("services/${SERVICIO}")]
    assert ("COPY", "services/ /app/services/") in substituted(code, {})
    guards = [args for keyword, args in code.steps[:copy_index] if keyword == "RUN"]
    assert any('test -n "$SERVICIO"' in g and '-n "$PUERTO"' in g and "exit 1" in g for g in guards), guards


def test_streams_image_runs_the_streams_owner(compose_file):
    _, steps = image(STREAMS_TARGET)
    (cmd,) = [exec_form(args) for keyword, args in steps if keyword == "CMD"]
    assert cmd[:3] == ["python", "-m", "shared.streams"]
    assert not any(keyword == "ENTRYPOINT" for keyword, _ in steps), "compose reemplaza CMD: sin ENTRYPOINT"
    assert ("HEALTHCHECK", "NONE") in steps
    code = copied_from(STREAMS_TARGET).steps
    assert not any(keyword == "COPY" and args.startswith("services") for keyword, args in code)
    build = compose_file["services"]["streams"]["build"]
    assert build == {"context": ".", "dockerfile": "deploy/docker/Dockerfile", "target": STREAMS_TARGET}


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
