"""The public catalog of Acompaña's events: an AsyncAPI 3 document generated from the contracts.

Every published contract (``shared.contracts``) is declared as a faststream publisher on its subject
(``acompana.<servicio>.<Evento>.v<N>.{dre}.{ugel}``), with the contract's description and, for each
message, the CloudEvents headers it travels with and an example that validates against the contract.
``python -m shared.catalogo --salida docs/asyncapi.json`` writes it (a test keeps that file in step
with the code); every service serves it at ``/v1/catalogo/asyncapi.json``.

``compatibles(anterior, actual)`` says what a new schema breaks for the subscribers of a published one:
a published contract changes only by adding a new version (``docs/contratos/`` keeps each version's
schema as it was published, and a test compares).
"""

from __future__ import annotations

import argparse
import json
import uuid
from pathlib import Path
from typing import Any

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI

from shared.contracts import IntegrationEvent

TITULO = "Acompaña: catálogo de eventos publicados"
DESCRIPCION = (
    "Hechos del Acompañamiento Pedagógico (NT-026-01-MINEDU) que publican focalizacion, agenda, evidencias y "
    "evaluacion en NATS JetStream (stream ACOMPANA). Sujeto: acompana.<servicio>.<Evento>.v<N>.<dre>.<ugel>; los "
    "dos últimos tokens son la DRE y la UGEL a las que concierne el hecho ('nacional' si a ninguna), para filtrar "
    "por territorio con comodines. Cada mensaje lleva atributos CloudEvents 1.0 en cabeceras ce- (modo binario) y "
    "el contrato en JSON. Un contrato publicado no cambia: un cambio es una versión nueva en su propio sujeto."
)
CABECERAS = {
    "type": "object",
    "required": ["ce-id", "ce-type", "ce-source", "ce-specversion", "ce-time", "Nats-Msg-Id"],
    "properties": {
        "ce-id": {"type": "string", "description": "<servicio>:<posición>: estable ante republicaciones.",
                  "examples": ["agenda:1042"]},
        "ce-type": {"type": "string", "description": "pe.gob.minedu.acompana.<servicio>.<Evento>.v<N>"},
        "ce-source": {"type": "string", "examples": ["/acompana/agenda"]},
        "ce-specversion": {"type": "string", "const": "1.0"},
        "ce-time": {"type": "string", "format": "date-time", "description": "Cuándo se registró el hecho."},
        "ce-subject": {"type": "string", "description": "De qué trata: docente/<id>, ie/<código>..."},
        "ce-datacontenttype": {"type": "string", "const": "application/json"},
        "ce-usuario": {"type": "string", "description": "Quién causó el hecho (usuario)."},
        "ce-rol": {"type": "string", "description": "Con qué rol lo causó."},
        "ce-cadena": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                      "description": "SHA-256 de la huella del hecho anterior del servicio seguida de este hecho."},
        "ce-cadenaanterior": {"type": "string", "description": "Posición del hecho anterior en la cadena (0: el primero)."},
        "traceparent": {"type": "string", "description": "Traza W3C de la solicitud que causó el hecho."},
        "Nats-Msg-Id": {"type": "string", "description": "Igual a ce-id: JetStream descarta los repetidos."},
    },
}


def contratos() -> list[type[IntegrationEvent]]:
    return [IntegrationEvent.registry[k] for k in sorted(IntegrationEvent.registry)]


def especificacion() -> dict[str, Any]:
    broker = NatsBroker("nats://127.0.0.1:4222")
    for contrato in contratos():
        broker.publisher(contrato.subject("{dre}", "{ugel}"), schema=contrato, title=contrato.ce_type(),
                         description=" ".join((contrato.__doc__ or "").split()))
    spec = AsyncAPI(broker, title=TITULO, version="1", description=DESCRIPCION).to_specification().to_jsonable()
    spec["servers"] = {"acompana": {
        "host": "{servidor}", "protocol": "nats", "description": "El servidor NATS de Acompaña (credenciales de "
        "solo lectura para sistemas externos: ver docs/suscribirse.md).",
        "variables": {"servidor": {"default": "127.0.0.1:4222", "description": "host:puerto"}}}}
    por_tipo = {c.ce_type(): c for c in contratos()}
    for nombre, canal in spec["channels"].items():
        canal["servers"] = [{"$ref": "#/servers/acompana"}]
        canal["parameters"] = {
            "dre": {"description": "Código de la DRE a la que concierne el hecho ('nacional' si a ninguna)."},
            "ugel": {"description": "Código de la UGEL a la que concierne el hecho ('nacional' si a ninguna)."}}
    for nombre, mensaje in spec["components"]["messages"].items():
        contrato = por_tipo[nombre.split(":")[0]]
        mensaje.pop("correlationId", None)
        mensaje["headers"] = CABECERAS
        mensaje["contentType"] = "application/json"
        mensaje["examples"] = [{"name": "ejemplo", "payload": ejemplo(contrato)}]
    return spec


def escribir(destino: Path) -> None:
    destino.write_text(json.dumps(especificacion(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")


# --- examples --------------------------------------------------------------------------------------------


def ejemplo(contrato: type[IntegrationEvent]) -> dict[str, Any]:
    """A payload that honours the contract, built from its schema (the fields' own examples first)."""
    esquema = contrato.model_json_schema()
    datos = _valor(esquema, esquema, contrato.__name__)
    return json.loads(contrato.model_validate(datos).model_dump_json())


POR_NOMBRE: dict[str, Any] = {
    "anio": 2021, "etapa": 2, "anexo": 0, "correccion": 0, "posicion": 1042, "hechos": 1000, "horas": 3.0,
    "dias": 2, "bytes": 204800, "puntaje": 12, "orden": 1, "docentes": 15, "minimo": 8, "maximo": 15, "limite": 15,
    "ratio_maximo": 15, "duracion_horas": 3.0, "codigo_modular": "0236885", "curso": "Evaluación formativa en el aula",
    "tema": "Preguntas que promueven el razonamiento", "motivo": "Cambio de UGEL del acompañante",
    "descripcion": "Aplicar preguntas abiertas en la sesión de matemática", "comentario": "Sin comentarios",
    "evidencia": "Seis de veinte estudiantes participan; el resto copia de la pizarra.",
    "dialogo_reflexivo": "Revisamos la evidencia de la sesión y qué haría distinto.", "sede": "UGEL El Collao",
    "verificacion": "Observación en la próxima visita", "justificacion": "IE aislada sin otro acompañante cercano",
    "autorizado_por": "especialista-ugel-01", "autor_id": "especialista-ugel-01", "autor_rol": "especialista_ugel",
    "nombre": "IEI N° 246 Mi Segundo Hogar", "plataforma": "PerúEduca", "evaluador": "DIFODS", "sustento": "",
    "protocolo": "NT-026@1", "reglas": "NT-026@1", "hora_inicio": "14:00", "hora_fin": "17:00",
    "tipo_contenido": "image/jpeg", "contexto": "rural", "codigo": "FICHA-AULA",
}


def _valor(nodo: dict[str, Any], raiz: dict[str, Any], nombre: str) -> Any:  # noqa: PLR0911 - one case per JSON type
    campo = nombre.rsplit(".", 1)[-1]
    if campo in POR_NOMBRE and not nodo.get("examples") and _admite(nodo, POR_NOMBRE[campo]):
        return POR_NOMBRE[campo]
    if "$ref" in nodo:
        return _valor(raiz["$defs"][nodo["$ref"].rsplit("/", 1)[1]], raiz, nombre)
    if nodo.get("examples"):
        return nodo["examples"][0]
    if "const" in nodo:
        return nodo["const"]
    if "enum" in nodo:
        return nodo["enum"][0]
    for opcion in ("anyOf", "oneOf"):
        if opcion in nodo:
            no_nulas = [o for o in nodo[opcion] if o.get("type") != "null"]
            return _valor(no_nulas[0], raiz, nombre) if no_nulas else None
    tipo = nodo.get("type")
    if tipo == "object":
        if "properties" in nodo:
            return {k: _valor(v, raiz, f"{nombre}.{k}") for k, v in nodo["properties"].items()}
        extra = nodo.get("additionalProperties")
        clave = (nodo.get("propertyNames") or {}).get("enum", ["C4" if "niveles" in nombre else "clave"])[0]
        return {clave: _valor(extra, raiz, nombre)} if isinstance(extra, dict) else {}
    if tipo == "array":
        return [_valor(nodo.get("items", {}), raiz, nombre)]
    if tipo == "string":
        formato = nodo.get("format")
        if formato == "uuid":
            return str(uuid.uuid5(uuid.NAMESPACE_URL, f"acompana/ejemplo/{nombre}"))
        if formato == "date":
            return "2021-06-10"
        if formato == "date-time":
            return "2021-06-10T15:30:00-05:00"
        if nodo.get("pattern") == r"^[0-9a-f]{64}$":
            return "9f" * 32
        return "texto"
    if tipo == "integer":
        return max(nodo.get("minimum", 1), 1) if "maximum" not in nodo else nodo.get("minimum", 1)
    if tipo == "number":
        return 3.0
    if tipo == "boolean":
        return True
    return "texto"


def _admite(nodo: dict[str, Any], valor: Any) -> bool:
    """Whether a plain value honours a schema node (its type, allowed values and bounds)."""
    if "anyOf" in nodo:
        return any(_admite(o, valor) for o in nodo["anyOf"] if o.get("type") != "null")
    tipos = {"integer": int, "number": (int, float), "string": str}
    tipo = nodo.get("type")
    if tipo not in tipos or not isinstance(valor, tipos[tipo]) or isinstance(valor, bool):
        return False
    if "enum" in nodo and valor not in nodo["enum"]:
        return False
    return nodo.get("minimum", valor) <= valor <= nodo.get("maximum", valor) if tipo != "string" else True


# --- compatibility of a published contract -------------------------------------------------------------


def compatibles(anterior: dict[str, Any], actual: dict[str, Any], ruta: str = "") -> list[str]:
    """What ``actual`` breaks for a subscriber of ``anterior`` (empty: a compatible change). A field removed,
    renamed or retyped, a new required field, a value no longer allowed or a closed object opened are breaks."""
    rotos: list[str] = []
    a_defs, b_defs = anterior.get("$defs", {}), actual.get("$defs", {})

    def resolver(nodo: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in nodo:
            nodo = defs[nodo["$ref"].rsplit("/", 1)[1]]
        return nodo

    def comparar(a: dict[str, Any], b: dict[str, Any], donde: str) -> None:
        a, b = resolver(a, a_defs), resolver(b, b_defs)
        if _tipos(a) != _tipos(b):
            rotos.append(f"{donde or 'raíz'}: el tipo pasó de {_tipos(a)} a {_tipos(b)}")
            return
        for k in ("enum",):
            if k in a and not set(a[k]) <= set(b.get(k, a[k])):
                rotos.append(f"{donde}: ya no admite {sorted(set(a[k]) - set(b.get(k, [])))}")
        for k in ("format", "pattern", "const"):
            if a.get(k) != b.get(k):
                rotos.append(f"{donde}: {k} cambió de {a.get(k)!r} a {b.get(k)!r}")
        propiedades_a, propiedades_b = a.get("properties", {}), b.get("properties", {})
        for campo in propiedades_a:
            if campo not in propiedades_b:
                rotos.append(f"{donde}.{campo}: se quitó el campo".lstrip("."))
            else:
                comparar(propiedades_a[campo], propiedades_b[campo], f"{donde}.{campo}".lstrip("."))
        for campo in set(b.get("required", [])) - set(a.get("required", [])):
            rotos.append(f"{donde}.{campo}: es un campo obligatorio nuevo".lstrip("."))
        if a.get("additionalProperties") is False and b.get("additionalProperties") is not False and "properties" in a:
            rotos.append(f"{donde or 'raíz'}: admite campos que antes no")
        for clave in ("items", "additionalProperties"):
            if isinstance(a.get(clave), dict) and isinstance(b.get(clave), dict):
                comparar(a[clave], b[clave], f"{donde}[]" if clave == "items" else f"{donde}{{}}")
        for opcion in ("anyOf", "oneOf"):
            if opcion in a and opcion in b and len(a[opcion]) == len(b[opcion]):
                for i, (x, y) in enumerate(zip(a[opcion], b[opcion], strict=True)):
                    comparar(x, y, f"{donde}|{i}")

    comparar(anterior, actual, ruta)
    return rotos


def _tipos(nodo: dict[str, Any]) -> tuple[str, ...]:
    if "anyOf" in nodo:
        return tuple(sorted(t for o in nodo["anyOf"] for t in _tipos(o)))
    tipo = nodo.get("type")
    if tipo is None:
        return ("ref",) if "$ref" in nodo else ()
    return (tipo,) if isinstance(tipo, str) else tuple(sorted(tipo))


def instantanea(contrato: type[IntegrationEvent]) -> Path:
    return Path("docs") / "contratos" / f"{contrato.servicio}.{contrato.evento}.v{contrato.version}.json"


def main() -> None:
    parser = argparse.ArgumentParser(description="Genera el catálogo AsyncAPI de los eventos publicados.")
    parser.add_argument("--salida", default="docs/asyncapi.json")
    parser.add_argument("--contratos", action="store_true",
                        help="Guarda además el esquema de cada versión nueva en docs/contratos/ (nunca reescribe uno).")
    args = parser.parse_args()
    escribir(Path(args.salida))
    if args.contratos:
        for contrato in contratos():
            destino = instantanea(contrato)
            if not destino.exists():
                destino.parent.mkdir(parents=True, exist_ok=True)
                destino.write_text(json.dumps(contrato.model_json_schema(), ensure_ascii=False, indent=1,
                                              sort_keys=True) + "\n", "utf-8")
                print(f"nuevo contrato: {destino}")
    print(f"catálogo: {args.salida} ({len(contratos())} contratos)")


if __name__ == "__main__":
    main()
