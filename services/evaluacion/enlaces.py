"""The history's ledger, a batch at a time: each fact's link in its service's chain verified as if the facts
came one at a time in the batch's order (``services.evaluacion.historia``)."""

from __future__ import annotations

from typing import Any

from shared.contracts import Envelope
from shared.contracts.envelope import GENESIS

Esperando = tuple[int, str, bytes | None, bool]  # a link waiting: its position, hash, canonical bytes, stored already
Eslabon = tuple[Envelope, int]  # a fact and its position in its service's chain (``Envelope.position``, read once)


def enlazar(servicio: str, envs: list[Eslabon], guardadas: dict[int, str], esperan: dict[int, list[Esperando]],
            ajenos: set[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The links to insert and the stored ones to settle, for ``envs`` (one service's facts, in order, each with
    its position).
    ``guardadas``: the hash recorded at the batch's positions and their predecessors; ``esperan``: the stored
    links waiting, by the position they wait for; ``ajenos``: facts not checked against the inbox (a
    partition's: one whose position has its link already is skipped)."""
    nuevas: dict[int, dict[str, Any]] = {}  # what this batch inserts, by position (the first fact there)
    resueltas: dict[int, dict[str, Any]] = {}  # stored links this batch settles
    for env, posicion in envs:
        if id(env) in ajenos and (posicion in guardadas or posicion in nuevas):
            continue  # read again (not checked against the inbox): its link is recorded already
        if not env.cadena:
            estado, motivo = "roto", "el hecho no lleva su eslabón de la cadena (ce-cadena)"
        else:
            estado, motivo = _verificar(env, guardadas, nuevas)
        if posicion not in guardadas and posicion not in nuevas:  # the first record of a position stays
            nuevas[posicion] = {
                "servicio": servicio, "posicion": posicion, "anterior": env.cadena_anterior,
                "hash": env.cadena or "", "secuencia": env.sequence or 0, "estado": estado, "motivo": motivo,
                "canonico": env.canonico() if estado == "pendiente" else None}
            if estado == "pendiente":
                esperan.setdefault(env.cadena_anterior, []).append(
                    (posicion, env.cadena or "", nuevas[posicion]["canonico"], False))
        if env.cadena and esperan:  # facts that waited for this one
            for espera, hash_, canonico, guardada in esperan.pop(posicion, ()):
                calculado = Envelope.enlace(env.cadena, bytes(canonico or b""))
                estado, motivo = ("verificado", "") if calculado == hash_ else (
                    "roto", "el contenido no corresponde a su huella: el hecho se cambió")
                if guardada:
                    resueltas[espera] = {"estado": estado, "motivo": motivo, "servicio": servicio,
                                         "posicion": espera}
                else:
                    nuevas[espera].update(estado=estado, motivo=motivo, canonico=None)
    return list(nuevas.values()), list(resueltas.values())


def _verificar(env: Envelope, guardadas: dict[int, str], nuevas: dict[int, dict[str, Any]]) -> tuple[str, str]:
    """A fact's link against its predecessor's recorded hash (stored, or earlier in the batch)."""
    anterior = env.cadena_anterior
    if anterior == 0:
        previo = GENESIS
    elif anterior in guardadas:
        previo = guardadas[anterior]
    elif anterior in nuevas:
        previo = nuevas[anterior]["hash"]
    else:
        return "pendiente", f"espera el hecho anterior de la cadena (posición {anterior})"
    if Envelope.enlace(previo, env.canonico()) == env.cadena:
        return "verificado", ""
    return "roto", "el contenido no corresponde a su huella: el hecho se cambió"
