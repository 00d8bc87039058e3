"""Rebuild evaluacion's read models from zero, from the stream, into a separate store.

``python -m services.evaluacion.rebuild --destino DIR`` replays every published event the
projections consume into fresh tables and prints the checksum, to compare with the live one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import nats

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.messaging import SUSCRIPCIONES
from services.evaluacion.projections import Proyecciones
from shared.replay import replay


async def rebuild(settings: EvaluacionSettings, nats_url: str, *, quiet: bool = False) -> Proyecciones:
    proyecciones = Proyecciones(settings)
    nc = await nats.connect(nats_url)
    try:
        def progress(seen: int, last: int) -> None:
            if not quiet:
                print(f"\rreconstruyendo: {seen}/{last} mensajes del stream", end="", file=sys.stderr)

        routes = {contract: getattr(proyecciones, handler) for _, contract, handler in SUSCRIPCIONES}
        await replay(nc.jetstream(), routes, progress=progress)
        if not quiet:
            print(file=sys.stderr)
    finally:
        await nc.close()
    return proyecciones


def main() -> None:
    parser = argparse.ArgumentParser(description="Reconstruye las proyecciones de evaluacion desde el stream.")
    parser.add_argument("--destino", required=True, help="Carpeta para el almacén SQLite reconstruido")
    parser.add_argument("--nats-url", default=EvaluacionSettings().nats_url)
    args = parser.parse_args()
    settings = EvaluacionSettings(persistence_module="eventsourcing.sqlite", data_dir=args.destino)
    proyecciones = asyncio.run(rebuild(settings, args.nats_url))
    print(f"suma de verificación: {proyecciones.checksum()}")


if __name__ == "__main__":
    main()
