"""A service's read models rebuilt from the command line, into new generations, while the service answers.

``python -m services.<servicio>.rebuild`` (agenda, evidencias, focalizacion; evaluacion has its own, with
partitions) works on the same stores as the running service, from its settings (``<SERVICIO>_...``): the read
model it keeps from its own event log (``shared.views.OwnLogProjection.reconstruir``) and its views of the stream
(``shared.replay.rebuild``: agenda's names of the DREs and UGELs). Each is built beside the one that answers, with
a progress bar and the time left, caught up with what was recorded meanwhile and switched to in one transaction
(``shared.generaciones``); the command prints each one's new generation and checksum. The read models the
command did not name are left as they are.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import nats
from tqdm import tqdm

from shared.replay import rebuild
from shared.runtime import SERVICIOS
from shared.stream_views import StreamView
from shared.views import OwnLogProjection


@dataclass
class Modelos:
    """A service's read models, opened on its stores, and how to close them."""

    propio: OwnLogProjection
    cerrar: Callable[[], None]
    del_stream: list[StreamView] = field(default_factory=list)

    def nombres(self) -> list[str]:
        return [self.propio.nombre, *(v.nombre for v in self.del_stream)]


class Barra:
    """A progress bar on stderr, created at the first report (when the total is known); silent when ``quiet``."""

    def __init__(self, que: str, unidad: str, quiet: bool) -> None:
        self.que, self.unidad, self.quiet = que, unidad, quiet
        self.barra: tqdm | None = None

    def __call__(self, hechos: int, total: int) -> None:
        if self.quiet:
            return
        if self.barra is None:
            self.barra = tqdm(total=total, unit=self.unidad, desc=self.que, file=sys.stderr)
        self.barra.total = max(total, hechos)
        self.barra.update(hechos - self.barra.n)

    def cerrar(self) -> None:
        if self.barra is not None:
            self.barra.close()


async def reconstruir(modelos: Modelos, servicio: str, nombres: Sequence[str], nats_url: str | None, *,
                      lote: int = 500, gracia: float = 2.0, quiet: bool = False) -> dict[str, str]:
    """Rebuild the read models ``nombres`` (all when empty); returns each one's ``g<generation> <checksum>``."""
    pedidos = list(nombres) or modelos.nombres()
    resultado: dict[str, str] = {}
    if modelos.propio.nombre in pedidos:
        barra = Barra(f"reconstruyendo {modelos.propio.nombre}", " eventos", quiet)
        try:
            await asyncio.to_thread(modelos.propio.reconstruir, barra)
        finally:
            barra.cerrar()
        resultado[modelos.propio.nombre] = (f"g{modelos.propio.generaciones.activa(modelos.propio.nombre)} "
                                            f"{modelos.propio.checksum()}")
    vistas = [v for v in modelos.del_stream if v.nombre in pedidos]
    if vistas:
        if nats_url is None:
            raise RuntimeError("las vistas del stream se reconstruyen leyendo NATS: falta su URL")
        nc = await nats.connect(nats_url)
        barra = Barra("reconstruyendo " + ", ".join(v.nombre for v in vistas), " mensajes", quiet)
        try:
            productores = [s for s in SERVICIOS if s != servicio]  # the chains its live consumers follow
            generaciones = await rebuild(nc.jetstream(), vistas, batch=lote, progress=barra, productores=productores,
                                         grace=gracia)
        finally:
            barra.cerrar()
            await nc.close()
        resultado.update({v.nombre: f"g{generaciones[v.nombre]} {v.checksum()}" for v in vistas})
    return resultado


def main(servicio: str, abrir: Callable[[], Modelos], nats_url: str, argv: Sequence[str] | None = None,
         gracia: float = 2.0) -> int:
    """The command: ``abrir()`` opens the service's read models on its stores; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=f"python -m services.{servicio}.rebuild",
        description=f"Reconstruye los modelos de lectura de {servicio} desde sus eventos, en una generación nueva, "
                    "sin dejar de responder con la actual.")
    parser.add_argument("--modelo", action="append", default=[],
                        help="Modelo de lectura a reconstruir (repetible); por defecto, todos.")
    parser.add_argument("--nats-url", default=nats_url,
                        help="Para las vistas del stream; por defecto, la del servicio.")
    parser.add_argument("--lote", type=int, default=500, help="Mensajes escritos por transacción (vistas del stream).")
    parser.add_argument("--silencioso", action="store_true", help="Sin barra de avance.")
    args = parser.parse_args(argv)
    modelos = abrir()
    try:
        desconocidos = sorted(set(args.modelo) - set(modelos.nombres()))
        if desconocidos:
            print(f"Modelo desconocido: {', '.join(desconocidos)}. Los de {servicio}: "
                  f"{', '.join(modelos.nombres())}.", file=sys.stderr)
            return 2
        try:
            resultado = asyncio.run(reconstruir(modelos, servicio, args.modelo, args.nats_url, lote=args.lote,
                                                gracia=gracia, quiet=args.silencioso))
        except (OSError, RuntimeError, TimeoutError, nats.errors.Error) as exc:
            print(f"No se pudo reconstruir: {exc!r}. La generación que respondía sigue respondiendo.",
                  file=sys.stderr)
            return 1
    finally:
        modelos.cerrar()
    for nombre, suma in resultado.items():
        print(f"{nombre}: generación {suma}")
    return 0
