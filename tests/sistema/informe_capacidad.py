"""The capacity report (``bench/capacidad.md``): what ``tests.sistema.capacidad`` measured, as a Markdown page
(every figure is explained in that module's docstring)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.sistema.escenarios import maquina

VISIBILIDAD_MAXIMA = 2.0  # seconds: the knee is where visibility p99 passes this
LOGRO_MINIMO = 0.95  # achieved / target under this: the machine no longer keeps the rate


def escribir_informe(ruta: Path, resultados: list[dict], comando: str, segundos: float) -> None:
    ms = lambda x: "—" if x is None else f"{x:,}".replace(",", " ")  # noqa: E731
    filas = ["| almacén | paso | objetivo/s | logrado/s | ok | fail | unknown | latencia p50 / p95 / p99 (ms) | "
             "p99 con espera (ms) | visibilidad p50 / p99 (ms) | outbox máx (ag/ev/eval/foc) | pendientes de "
             "consumidores máx | drenado (s) | sostiene |",
             "|---|---|---:|---:|---:|---:|---:|---|---:|---|---|---:|---:|---|"]
    series, memorias, rodillas, cpus = [], [], [], []
    solo = resultados[0].get("operaciones") if resultados else None
    for r in resultados:
        nombre = "PostgreSQL" if r["almacen"] == "postgres" else "SQLite"
        for c in r["pasos"]:
            o = c["outbox_max"]
            filas.append(
                f"| {nombre} | {c['paso']} | {c['ritmo']:g} | {c['logrado']} | {c['ok']} | {c['fail']} | "
                f"{c['unknown']} | {ms(c['latencia_ms'][50])} / {ms(c['latencia_ms'][95])} / "
                f"{ms(c['latencia_ms'][99])} | {ms(c['latencia_con_espera_p99_ms'])} | "
                f"{ms(c['visibilidad_ms'][50])} / {ms(c['visibilidad_ms'][99])} | "
                f"{o['agenda']:g}/{o['evidencias']:g}/{o['evaluacion']:g}/{o['focalizacion']:g} | "
                f"{c['consumidores_max']} | {c.get('drenado_s')} | {'sí' if c['sostiene'] else 'no'} |")
            if c.get("cpu_nucleos"):
                cpus.append(f"- {nombre}, {c['paso']} a {c['ritmo']:g}/s: " + ", ".join(
                    f"{n} {v:.2f} ({c['cpu_ms_por_operacion'][n]:.2f} ms)" for n, v in c["cpu_nucleos"].items()))
            if c["paso"] != "rodilla":
                puntos = ", ".join(f"{p['s']} s: {p['agenda']}/{p['evidencias']}/{p['evaluacion']}/"
                                   f"{p['focalizacion']} ({p['consumidores']})" for p in c["serie"])
                renovo = f"; se abrió la etapa siguiente: {c['renovaciones']}" if c["renovaciones"] else ""
                series.append(f"- {nombre}, {c['paso']} a {c['ritmo']:g}/s: {puntos or '(sin muestras)'}{renovo}")
        memorias.append(f"- {nombre}: " + ", ".join(f"{k} {v} MiB"
                                                      for k, v in r.get("memoria_max_mib", {}).items()))
        mas_alla = " o más: todos los pasos sostuvieron su ritmo" if r.get("rodilla_mas_alla") else ""
        rodillas.append(f"- {nombre}: " + (f"{r['rodilla']:g} operaciones/s{mas_alla}" if r.get("rodilla") else
                                           "ningún paso sostuvo su ritmo") +
                        f" (preparación {r.get('preparacion_s', '?')} s, {r.get('docentes', '?')} docentes)"
                        + (f"; error: {r['error']}" if r.get("error") else ""))
    texto = f"""# Capacidad medida: el sistema completo bajo carga sostenida

Generado por `{comando}` el {datetime.now(UTC):%Y-%m-%d %H:%M} UTC en {segundos / 60:.0f} min.
No editar a mano: volver a correr el comando (`tests/sistema/capacidad.py` explica cada cifra).

Máquina: {maquina()}. El generador de carga corre en la misma máquina (un proceso Python más).

Cada almacén en su propio sistema de procesos separados (nats-server con `sync_interval: always`, el emisor de
tokens, los cuatro servicios con uvicorn; PostgreSQL es un clúster propio del arnés con `fsync` y
`synchronous_commit` activos). La carga es el año escolar de `tests/sistema/carga.py` en lazo abierto{
f" (de sus operaciones, solo: {', '.join(solo)})" if solo else ""}
(visitas, reenvíos, lotes sin conexión, observaciones, compromisos, correcciones, situación inicial y
valoraciones) con hasta {resultados[0].get('concurrencia', '?') if resultados else '?'} solicitudes a la vez,
sobre un padrón de varias UGEL como El Collao. Latencia: del envío de la solicitud a su respuesta (p99 con
espera: desde el instante en que el lazo abierto la programó). Visibilidad: de la respuesta de agenda a una
visita hasta que el consumidor durable de evaluacion (uno para todos los sujetos) confirmó el mensaje que la lleva (ya
aplicado a su modelo de lectura), muestreado cada 0,1 s. La rodilla es el último ritmo cuyo paso sostuvo el objetivo
(logrado ≥ {LOGRO_MINIMO:.0%} del objetivo, visibilidad p99 ≤ {VISIBILIDAD_MAXIMA:g} s, toda visita vista).

{chr(10).join(filas)}

Rodilla:

{chr(10).join(rodillas)}

Retraso del relay en el tiempo (eventos sin publicar de agenda/evidencias/evaluacion/focalizacion y, entre
paréntesis, mensajes pendientes de los consumidores durables; una muestra por décimo del paso):

{chr(10).join(series) or "- (sin pasos sostenidos)"}

CPU de cada proceso durante la carga de cada paso (núcleos: segundos de CPU, usuario + sistema de todos sus
hilos, por segundo del paso; entre paréntesis, ms de CPU por operación; PostgreSQL: sus procesos vivos al empezar
y al terminar el paso; máquina: todos los núcleos ocupados, también por lo que corra fuera del sistema):

{chr(10).join(cpus) or "- (sin medir)"}

Memoria residente máxima de cada proceso en toda la corrida (muestreada cada segundo; PostgreSQL: la suma
de la memoria proporcional, PSS, de todos sus procesos, que comparten sus búferes):

{chr(10).join(memorias)}
"""
    ruta.write_text(texto, encoding="utf-8")
