"""A docente's full history among millions of stored facts: latency of the auditor's query.

    python -m bench.historia_docente [--hechos 5000000] [--por-docente 350] [--consultas 500] [--store sqlite|postgres]

1. Setup (not timed): the history projection (``services.evaluacion.historia``) of evaluacion's read
   model is filled directly with ``--hechos`` rows: docentes with ``--por-docente`` facts each (a
   three-year mix of plans, visits, observations, valuations, closes...), with realistic content,
   inserted in bulk in the generation's table, as the projection writes them.
2. Raw limit: a plain ``SELECT`` of one docente's rows by the primary key prefix, fetched whole.
3. Ours: ``Historia.historia(docente, al=now, por_pagina=500)``, the function the HTTP endpoint calls
   (count, filter as of a moment, order by recorded time and stream sequence, JSON decode of each
   fact); and the whole HTTP request ``GET /v1/docentes/{id}/historia`` through evaluacion's ASGI app
   (the bearer token verified, access check, the read recorded as an event in the store, the JSON answer).
Latencies over ``--consultas`` random docentes: p50, p99 and max, in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bench._common import machine_line, percentiles, print_table, store
from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.main import create_app
from shared.stream_views import instante
from tests.support.identidad import ajustes_de_autenticacion
from tests.support.identidad import cliente as cliente_firmado

MEZCLA = [("agenda", "VisitaRealizada", 0.25), ("evidencias", "ObservacionRegistrada", 0.2),
          ("evaluacion", "NivelCompetenciaValorado", 0.2), ("evidencias", "CompromisoAsumido", 0.1),
          ("evidencias", "RetroalimentacionBrindada", 0.1), ("agenda", "GIACompletado", 0.08),
          ("evaluacion", "EtapaCerrada", 0.04), ("agenda", "PlanAnualGenerado", 0.03)]


def contenido(rng: random.Random, docente: str, evento: str, fecha: date) -> str:
    base = {"docente_id": docente, "acompanante_id": str(uuid.UUID(int=rng.getrandbits(128))), "anio": fecha.year,
            "fecha": fecha.isoformat(), "codigo_modular": f"{rng.randrange(10**6, 10**7)}", "anexo": 0,
            "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"}
    if evento == "ObservacionRegistrada":
        base["niveles"] = {f"D{i}": {"nivel": rng.choice("I II III IV".split()), "evidencia": "Seis de veinte "
                           "estudiantes participan; el resto copia de la pizarra.", "competencia": "C4"} for i in range(1, 6)}
    else:
        base["descripcion"] = "Aplicar preguntas abiertas en la sesión de matemática y registrar las respuestas."
    return json.dumps(base, ensure_ascii=False)


def llenar(historia, hechos: int, por_docente: int, seed: int = 5) -> list[str]:
    """Insert ``hechos`` rows for ``hechos // por_docente`` docentes into the active generation; returns them."""
    rng = random.Random(seed)
    tablas = historia.tablas(historia.activa())
    t = tablas.hechos
    docentes = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-docente/{i}")) for i in range(-(-hechos // por_docente))]
    eventos, pesos = [(s, e) for s, e, _ in MEZCLA], [p for *_, p in MEZCLA]
    sentencia = t.insert()
    inicio, secuencia, lote = time.perf_counter(), 0, []
    base = datetime(2020, 3, 1, tzinfo=UTC)
    with historia.store.engine.begin() as conn:
        for d in docentes:
            for k in range(por_docente):
                secuencia += 1
                servicio, evento = rng.choices(eventos, pesos)[0]
                registrado = base + timedelta(days=k * 1095 / por_docente, seconds=rng.randrange(3600))
                lote.append({"docente_id": d, "secuencia": secuencia, "servicio": servicio, "evento": evento,
                             "version": 1, "evento_id": f"{servicio}:{secuencia}", "registrado_en": instante(registrado),
                             "ocurrido": registrado.date(), "anio": registrado.year, "usuario": "acomp-0042",
                             "rol": "acompanante", "traza": uuid.uuid4().hex,
                             "contenido": contenido(rng, d, evento, registrado.date())})
                if len(lote) == 20_000:
                    conn.execute(sentencia, lote)
                    lote = []
                    if secuencia % 500_000 == 0:
                        print(f"  {secuencia:,} hechos en {time.perf_counter() - inicio:.0f}s", flush=True)
        if lote:
            conn.execute(sentencia, lote)
    return docentes


async def medir(args: argparse.Namespace) -> None:
    with store(args.store) as s, tempfile.TemporaryDirectory(prefix="bench-historia-") as tmp:
        settings = EvaluacionSettings(**s.settings(Path(tmp)), postgres_schema="evaluacion",
                                      **ajustes_de_autenticacion())
        app = create_app(settings)
        proyecciones = app.state.proyecciones
        historia = proyecciones.historia
        t0 = time.perf_counter()
        docentes = llenar(historia, args.hechos, args.por_docente)
        llenado = time.perf_counter() - t0
        t = historia.tablas(historia.activa()).hechos
        with historia.store.engine.connect() as conn:
            total = conn.execute(select(t.c.secuencia).order_by(t.c.secuencia.desc()).limit(1)).scalar_one()
        print(f"preparado: {total:,} hechos de {len(docentes):,} docentes en {llenado:.0f}s (no medido)")
        rng = random.Random(11)
        muestra = [rng.choice(docentes) for _ in range(args.consultas)]
        al = instante(datetime.now(UTC))

        crudo, nuestro, http = [], [], []
        raw = historia.store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            marca = "%s" if args.store == "postgres" else "?"
            for d in muestra:
                t1 = time.perf_counter()
                cursor.execute(f"SELECT * FROM {t.name} WHERE docente_id = {marca}", (d,))
                filas = cursor.fetchall()
                crudo.append((time.perf_counter() - t1) * 1000)
                assert len(filas) == args.por_docente
        finally:
            raw.close()
        for d in muestra:
            t1 = time.perf_counter()
            resultado = historia.historia(d, al=al, por_pagina=500)
            nuestro.append((time.perf_counter() - t1) * 1000)
            assert resultado["total"] == args.por_docente == len(resultado["hechos"])
        async with cliente_firmado(app, "http://evaluacion") as cliente:
            for d in muestra:
                t1 = time.perf_counter()
                r = await cliente.get(f"/v1/docentes/{d}/historia", params={"por_pagina": 500},
                                      headers={"X-Rol": "auditor", "X-Usuario": "auditor-01", "X-Motivo": "Auditoria"})
                http.append((time.perf_counter() - t1) * 1000)
                assert r.status_code == 200 and r.json()["total"] == args.por_docente
        app.state.runtime.app.close()
        proyecciones.close()

    print()
    print(machine_line(args.store))
    filas = [("SELECT crudo por docente", *percentiles(crudo, 1)),
             ("Historia.historia (la consulta)", *percentiles(nuestro, 1)),
             ("GET /v1/docentes/{id}/historia (ASGI)", *percentiles(http, 1))]
    print_table(f"Historia de un docente ({args.por_docente} hechos) entre {total:,} hechos ({args.store}, "
                f"{args.consultas} consultas)", filas, ("camino", "p50 ms", "p99 ms", "máx ms"))
    lentas = sorted(range(len(http)), key=lambda i: http[i])[-5:]
    print("\nlas 5 respuestas HTTP más lentas (orden de la consulta: ms): "
          + ", ".join(f"{i}: {http[i]:.1f}" for i in sorted(lentas)))
    p50_crudo, p50_nuestro = statistics.median(crudo), statistics.median(nuestro)
    p99_http = statistics.quantiles(http, n=100)[98]
    print(f"\ncrudo/nuestro (p50) = {p50_crudo / p50_nuestro:.2f}; objetivo p99 < 50 ms: "
          f"{'cumplido' if p99_http < 50 else 'NO cumplido'} con HTTP")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hechos", type=int, default=5_000_000)
    parser.add_argument("--por-docente", type=int, default=350)
    parser.add_argument("--consultas", type=int, default=500)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    asyncio.run(medir(parser.parse_args()))


if __name__ == "__main__":
    main()
