"""Tamper evidence: each service's published facts form a hash chain (``ce-cadena``, see the relay).

This module reads a service's facts back from the stream with ``shared.publicados`` (as the relay does); the
relay (``shared.outbox``) never depends on it, nor on any read-model code.

- ``verificar_enlaces``: every link of the chain as read from the stream holds (a fact changed,
  removed or reordered in the stream breaks the link at its position).
- ``verificar_almacen``: the facts the service still stores lead to the hashes it published (a
  stored fact changed, deleted or swapped with another is reported at its position).

Republishing what the stream lost is the relay's own (``shared.republicacion``, run in its loop under its
lease): same ids and hashes, only what is missing.

``python -m shared.cadena --url http://127.0.0.1:8002 --token JWT [--desde N] [--hasta M]`` asks a
running service to verify a range of its store and exits 1 when something does not match. The
token (or ``ACOMPANA_TOKEN``) is a bearer token of a role that may verify (``shared.autorizacion``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS


@dataclass(frozen=True)
class Problema:
    posicion: int
    motivo: str


def verificar_enlaces(publicados: dict[int, Envelope]) -> list[Problema]:
    """Each published fact's hash follows from the previous one's and its own content."""
    problemas = []
    for posicion in sorted(publicados):
        e = publicados[posicion]
        if not e.cadena:
            problemas.append(Problema(posicion, "el hecho no lleva su eslabón de la cadena (ce-cadena)"))
            continue
        if e.cadena_anterior and e.cadena_anterior not in publicados:
            problemas.append(Problema(posicion, f"falta en el stream el hecho anterior de la cadena "
                                                f"(posición {e.cadena_anterior})"))
            continue
        anterior = publicados[e.cadena_anterior].cadena if e.cadena_anterior else GENESIS
        if e.encadenar(e.cadena_anterior, anterior).cadena != e.cadena:
            problemas.append(Problema(posicion, "el contenido no corresponde a su huella: el hecho se cambió"))
    return problemas


def verificar_almacen(
    almacenados: Callable[[int, int | None], list[tuple[int, Envelope | None]]],
    publicados: dict[int, Envelope],
    desde: int = 1,
    hasta: int | None = None,
) -> tuple[int, list[Problema]]:
    """Compare what the store holds in ``[desde, hasta]`` (``almacenados(desde, hasta)``: each
    notification id with the fact it publishes, None for internal ones) with what was published.
    Returns how many published facts were checked, and the problems found, by position."""
    ultima_publicada = max(publicados, default=0)
    hasta = hasta if hasta is not None else ultima_publicada
    problemas: list[Problema] = []
    revisados = 0
    vistos: set[int] = set()
    for posicion, envelope in almacenados(desde, hasta):
        vistos.add(posicion)
        publicado = publicados.get(posicion)
        if envelope is None:
            if publicado is not None:
                problemas.append(Problema(posicion, "lo almacenado en esta posición no es el hecho que se publicó"))
            continue
        if publicado is None:
            if posicion <= ultima_publicada:
                problemas.append(Problema(posicion, "el hecho almacenado no está en el stream (se borró o no se "
                                                    "publicó)"))
            continue
        revisados += 1
        anterior = publicados[publicado.cadena_anterior].cadena if publicado.cadena_anterior in publicados else (
            GENESIS if publicado.cadena_anterior == 0 else None)
        if anterior is None:
            continue  # reported by verificar_enlaces
        if envelope.encadenar(publicado.cadena_anterior, anterior).cadena != publicado.cadena:
            problemas.append(Problema(posicion, "el hecho almacenado no coincide con el que se publicó: se cambió o "
                                                "se reordenó"))
    for posicion in sorted(p for p in publicados if desde <= p <= hasta and p not in vistos):
        problemas.append(Problema(posicion, "el hecho publicado ya no está en el almacén: se borró"))
    return revisados, sorted(problemas, key=lambda p: p.posicion)


def informe(servicio: str, desde: int, hasta: int | None, revisados: int, problemas: list[Problema],
            enlaces: list[Problema]) -> dict[str, Any]:
    todos = sorted({(p.posicion, p.motivo) for p in [*problemas, *enlaces]})
    return {"servicio": servicio, "desde": desde, "hasta": hasta, "hechos_revisados": revisados,
            "integra": not todos, "problemas": [asdict(Problema(*p)) for p in todos]}


def main() -> None:
    parser = argparse.ArgumentParser(description="Verifica la cadena de hechos de un servicio: lo que guarda "
                                                 "frente a lo que publicó.")
    parser.add_argument("--url", required=True, help="URL del servicio, p. ej. http://127.0.0.1:8002")
    parser.add_argument("--token", default=os.environ.get("ACOMPANA_TOKEN"),
                        help="token de acceso (JWT) de un auditor, administrador o MINEDU; por defecto, "
                             "la variable de entorno ACOMPANA_TOKEN")
    parser.add_argument("--desde", type=int, default=1, help="primera posición a verificar")
    parser.add_argument("--hasta", type=int, default=None, help="última posición; por defecto, lo último publicado")
    args = parser.parse_args()
    if not args.token:
        parser.error("falta el token: use --token o la variable de entorno ACOMPANA_TOKEN")
    cuerpo = json.dumps({"desde": args.desde, "hasta": args.hasta}).encode()
    pedido = urllib.request.Request(f"{args.url.rstrip('/')}/v1/cadena/verificacion", data=cuerpo,
                                    headers={"Content-Type": "application/json",
                                             "Authorization": f"Bearer {args.token}"})
    with urllib.request.urlopen(pedido, timeout=600) as respuesta:  # noqa: S310 - the operator's own URL
        resultado = json.load(respuesta)
    print(json.dumps(resultado, ensure_ascii=False, indent=1))
    sys.exit(0 if resultado["integra"] else 1)


if __name__ == "__main__":
    main()
