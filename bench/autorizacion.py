"""What the access policy costs on a read: a docente's plans in agenda, asked by his acompañante.

    python -m bench.autorizacion [--docentes 20000] [--consultas 2000] [--store sqlite|postgres]

1. Setup (not timed): agenda's store and read model with ``--docentes`` yearly plans (11 acompañantes,
   500 schools, three UGELs), through the application.
2. Raw limit: ``Proyecciones.planes(docente_id=...)``, the read the route makes, called directly.
3. The route ``GET /v1/docentes/{id}/planes`` through agenda's ASGI app with a verified bearer token:
   (a) without the policy (``app.state.politica = None``), (b) as ``minedu`` (national: the policy finds
   the rule, no object lookup), (c) as the docente's acompañante (territorial: the rule, one lookup of the
   docente's territory in the read model, the check).
Latencies over ``--consultas`` random docentes, in milliseconds; the ratio is (a) p50 / (c) p50.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench._common import machine_line, percentiles, print_table, store
from services.agenda.config import AgendaSettings
from services.agenda.main import create_app
from tests.support.identidad import ajustes_de_autenticacion, token_de
from tests.support.identidad import cliente as cliente_firmado
from tests.support.world import registrar_planes


async def medir(args: argparse.Namespace) -> None:
    with store(args.store) as s, tempfile.TemporaryDirectory(prefix="bench-autorizacion-") as tmp:
        settings = AgendaSettings(**s.settings(Path(tmp)), postgres_schema="agenda", solicitudes_por_minuto=10**9,
                                  **ajustes_de_autenticacion())
        app = create_app(settings)
        agenda = app.state.agenda
        t0 = time.perf_counter()
        registrar_planes(agenda, args.docentes)
        planes = agenda.proyecciones.planes()
        print(f"preparado: {len(planes):,} planes en {time.perf_counter() - t0:.0f}s (no medido)")
        rng = random.Random(7)
        muestra = [rng.choice(planes) for _ in range(args.consultas)]
        politica = app.state.politica

        crudo = []
        for p in muestra:
            t1 = time.perf_counter()
            assert len(agenda.proyecciones.planes(docente_id=p["docente_id"])) == 1
            crudo.append((time.perf_counter() - t1) * 1000)

        async def por_http(quien: str, con_politica: bool) -> list[float]:
            app.state.politica = politica if con_politica else None
            tiempos = []
            tokens = {}  # one token per caller, made before timing (the issuer is not what is measured)
            async with cliente_firmado(app, "http://agenda") as cliente:
                for p in muestra:
                    identidad = ({"X-Usuario": p["acompanante_id"], "X-Rol": "acompanante"} if quien == "acompanante"
                                 else {"X-Usuario": "minedu-01", "X-Rol": "minedu"})
                    clave = identidad["X-Usuario"]
                    tokens.setdefault(clave, token_de(identidad))
                    t1 = time.perf_counter()
                    r = await cliente.get(f"/v1/docentes/{p['docente_id']}/planes",
                                          headers={"Authorization": f"Bearer {tokens[clave]}"})
                    tiempos.append((time.perf_counter() - t1) * 1000)
                    assert r.status_code == 200 and len(r.json()) == 1, r.text
            return tiempos

        await por_http("acompanante", True)  # warm-up: JWKS fetched, routes compiled
        sin = await por_http("acompanante", False)
        nacional = await por_http("minedu", True)
        territorial = await por_http("acompanante", True)
        app.state.runtime.app.close()
        agenda.proyecciones.close()

    print()
    print(machine_line(args.store))
    filas = [("Proyecciones.planes directo (crudo)", *percentiles(crudo, 2)),
             ("(a) HTTP sin política", *percentiles(sin, 2)),
             ("(b) HTTP como minedu (regla)", *percentiles(nacional, 2)),
             ("(c) HTTP como su acompañante (regla + territorio)", *percentiles(territorial, 2))]
    print_table(f"GET /v1/docentes/{{id}}/planes entre {args.docentes:,} planes ({args.store}, {args.consultas} "
                "consultas)", filas, ("camino", "p50 ms", "p99 ms", "máx ms"))
    print(f"\n(a)/(c) p50 = {statistics.median(sin) / statistics.median(territorial):.2f}; "
          f"(a)/(b) p50 = {statistics.median(sin) / statistics.median(nacional):.2f}; "
          f"crudo/(c) p50 = {statistics.median(crudo) / statistics.median(territorial):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docentes", type=int, default=20_000)
    parser.add_argument("--consultas", type=int, default=2_000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    asyncio.run(medir(parser.parse_args()))


if __name__ == "__main__":
    main()
