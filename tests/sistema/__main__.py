"""``python -m tests.sistema [--escenarios a,b] [--duracion S] [--ritmo N] [--informe bench/sistema.md]``

Runs every fault scenario (or the ones named; ``--rapidos``: the fast three) one after the other, prints
each checker verdict: those on SQLite stores on one system, then those on PostgreSQL (the harness's own
cluster) on another and exits 1 if any scenario found something (or failed to run). ``--informe`` writes
the Markdown report with each outcome and this machine's description.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.sistema.escenarios import DE_POSTGRES, ESCENARIOS, RAPIDOS, TODOS, correr, linea, maquina


def escribir_informe(ruta: Path, resultados: list[dict], duracion: float, ritmo: float, comando: str) -> None:
    filas = ["| escenario | almacén | veredicto | operaciones | ok | fail | unknown | perdidas | duplicadas | "
             "a medias | otras | segundos |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in resultados:
        if "error" in r:
            filas.append(f"| {r['escenario']} | {r.get('almacen', '')} | {r['veredicto']} (error: "
                         f"{r['error'][:120]}) | | | | | | | | | {r['segundos']} |")
            continue
        otras = sum(r[k] for k in ("rechazada_con_efecto", "hueco_de_version", "desorden", "cadena", "proyeccion"))
        filas.append(f"| {r['escenario']} | {r['almacen']} | {r['veredicto']} | {r['operaciones']} | {r['ok']} | {r['fail']} | "
                     f"{r['unknown']} | {r['perdida']} | {r['duplicada']} | {r['a_medias']} | {otras} | {r['segundos']} |")
    vistos = [f"- `{r['escenario']}`: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r["detalle"].items())
              for r in resultados if r.get("detalle")]
    preparacion = " y ".join(dict.fromkeys(f"{r.get('preparacion_segundos', '?')} s ({r.get('almacen', '')})"
                                           for r in resultados)) or "?"
    texto = f"""# Prueba del sistema bajo fallas

Generado por `{comando}` el {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. No editar a mano: volver a correr el comando.

Máquina: {maquina()}.

Se arranca una vez el sistema completo como procesos separados (nats-server con `sync_interval: always`, los
cuatro servicios con uvicorn y almacenes SQLite (o PostgreSQL, ver abajo), agenda conectada a NATS a través de un proxy TCP propio, el
emisor local de tokens) y se prepara el año (padrón de la UGEL El Collao, convocatoria, focalización y
asignación; los planes que agenda genera del stream): {preparacion}. Luego, escenario tras escenario, se
juega el año por las API HTTP a {ritmo:g} operaciones/s durante {duracion:g} s en lazo abierto (visitas,
reenvíos, lotes sin conexión, observaciones, compromisos, correcciones, situación inicial y valoraciones), se
inyecta la falla a un tercio, se repara, se espera la quietud y se corre el verificador
(`tests/sistema/verificador.py`) sobre toda la historia hasta ese momento. "operaciones": las del escenario
(ok, fail = rechazadas con 4xx o sin conexión, unknown = sin respuesta). "otras": rechazadas con efecto,
huecos de versión, hechos fuera de orden, cadenas que no coinciden y proyecciones distintas de su
reconstrucción desde cero.

{chr(10).join(filas)}

Lo que la falla encontró al golpear (la prueba de que golpeó donde debía):
`relay_muerto_agenda` congela (SIGSTOP) el proceso de agenda una y otra vez bajo carga, con 500 ms de latencia
hacia NATS, hasta hallarlo con su último hecho ya en el stream y su posición guardada detrás, y ahí lo mata
(SIGKILL) y lo reinicia; `reloj_adelantado_agenda` reinicia agenda con su reloj 5 min adelante (libfaketime;
el desfase se mide en la cabecera `Date` de sus respuestas) y luego con la hora correcta;
`evaluacion_lenta_dos_replicas` arranca una segunda réplica de evaluacion sobre los mismos almacenes y congela
la primera mientras retiene mensajes sin confirmar más allá del `ack_wait` (3 s): la otra los recibe de nuevo
y los confirma, y la primera, al despertar, termina los mismos.

Los escenarios de PostgreSQL corren en un segundo sistema igual, con almacenes PostgreSQL: un clúster propio
que el arnés crea con `initdb` y arranca con `pg_ctl` en un puerto libre (`tests/sistema/postgres.py`;
`fsync`, `synchronous_commit` y `full_page_writes` activos), un esquema por servicio, y agenda conectada a él a
través de otro proxy TCP. `postgres_muerto` espera a que algún servicio esté dentro de una transacción y mata
(SIGKILL) a la vez el postmaster y todos sus procesos; 3 s después lo arranca sobre los mismos datos
(recuperación desde el WAL) sin reiniciar los servicios. `red_cortada_agenda_postgres` corta 8 s la conexión
de agenda con PostgreSQL y `red_lenta_agenda_postgres` le agrega 200 ms por tramo durante 8 s.

{chr(10).join(vistos) or "- (ningún escenario de este informe lo registra)"}
"""
    ruta.write_text(texto, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description="Corre los escenarios de falla del sistema y verifica cada uno.")
    parser.add_argument("--escenarios", default="", help=f"separados por comas, de: {', '.join(TODOS)}")
    parser.add_argument("--rapidos", action="store_true", help=f"solo {', '.join(RAPIDOS)}")
    parser.add_argument("--duracion", type=float, default=30.0, help="segundos de carga por escenario (máx. 600)")
    parser.add_argument("--ritmo", type=float, default=10.0, help="operaciones por segundo (lazo abierto)")
    parser.add_argument("--informe", type=Path, help="escribir el informe Markdown aquí (p. ej. bench/sistema.md)")
    parser.add_argument("--conservar", action="store_true", help="conservar los datos de cada escenario")
    args = parser.parse_args()
    nombres = list(RAPIDOS) if args.rapidos else [n for n in args.escenarios.split(",") if n] or list(TODOS)
    desconocidos = [n for n in nombres if n not in TODOS]
    if desconocidos:
        parser.error(f"escenarios desconocidos: {', '.join(desconocidos)}")
    resultados = []
    for grupo in ([n for n in nombres if n in ESCENARIOS], [n for n in nombres if n in DE_POSTGRES]):
        if grupo:  # one system for each kind of store
            resultados += asyncio.run(correr(grupo, duracion=args.duracion, ritmo=args.ritmo,
                                             conservar=args.conservar, informar=lambda r: print(linea(r), flush=True)))
    if args.informe:
        escribir_informe(args.informe, resultados, args.duracion, args.ritmo, "python -m tests.sistema " +
                         " ".join(sys.argv[1:]))
    return 0 if all(r["veredicto"] == "bien" for r in resultados) else 1


if __name__ == "__main__":
    sys.exit(main())
