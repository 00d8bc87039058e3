"""agenda: one school year of a UGEL through the write side, fulfilment and rebuild.

1. Plans for A acompañantes × D docentes (polidocente primaria, NT-026: 7 visits, 4 GIA, 2 RTC).
2. **Commands:** every acompañante schedules and then records each visit (2 commands per visit)
   and his GIA, one command at a time as devices do, every one checked against the norm's rules
   on his agenda. Raw limit: the same number of single-event appends to the same store
   (``recorder.insert_events`` of one stored event per transaction).
3. **Fulfilment** for the UGEL as of a date, against a plain read of the same plan and
   delivery rows.
4. **Rebuild** of the read model from zero (``Proyecciones.reconstruir()``), against reading and
   decoding the same notification log in batches of the projection's size (``select_notifications``
   + ``mapper.to_domain_event``, nothing else), in the same run; goal ≥ 0.5. Checks: the rebuild went
   through every event of the log, the checksum and the fulfilment after it are the ones before.

    python -m bench.agenda_anio [--acompanantes 40] [--docentes 12] [--store sqlite|postgres] [--perfil]

Exit 1 only when a check fails, never because a goal was missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bench._common import dias_lectivos, machine_line, print_table, rebuild_contra_crudo, store
from services.agenda import projections as vistas
from services.agenda.application import Agenda
from services.agenda.comandos import ProgramarActividad, RealizarActividad, ReunionPedida, VisitaPedida
from services.agenda.config import AgendaSettings
from services.agenda.domainmodel import PlanAnual
from tests.support.world import asignacion

ANIO = 2021


def comandos(app: Agenda, acompanantes: list[str], docentes: dict[str, list[str]]) -> int:
    """A year per acompañante: 7 visits per docente (scheduled, then done; the first of two days, the
    others of one, as NT-026 §5.6.3 c sets for primaria) and 4 GIA."""
    n = 0
    for acompanante in acompanantes:
        suyos = docentes[acompanante]
        libres = iter(dias_lectivos(date(2021, 3, 22), 8 * len(suyos) + 8))
        for ronda in range(7):
            for docente in suyos:
                dia = next(libres)
                fin = next(libres) if ronda == 0 else dia
                visita = str(uuid.uuid4())
                entrada = VisitaPedida(docente, dia, fin)
                app.programar(ProgramarActividad(acompanante, visita, "visita", entrada))
                realizada = replace(entrada, acciones=("observacion", "asesoria"))
                app.realizar(RealizarActividad(acompanante, visita, "visita", realizada))
                n += 2
            if ronda in (1, 3, 4, 6):
                gia = ReunionPedida(f"{3000000 + acompanantes.index(acompanante):07d}", next(libres), "14:00", "17:00")
                app.programar(ProgramarActividad(acompanante, str(uuid.uuid4()), "gia", gia))
                n += 1
    return n


def crudo(app: Agenda, n: int) -> float:
    """n single-event appends, one transaction each, of a plan-sized event."""
    plantilla = app.repository.get(uuid.UUID(app.proyecciones.planes(anio=ANIO, limite=1)[0]["plan_id"]))
    started = time.perf_counter()
    for _ in range(n):
        plan = PlanAnual(id=uuid.uuid4(), plan=plantilla.plan)
        stored = [app.mapper.to_stored_event(e) for e in plan.collect_events()]
        app.recorder.insert_events(stored)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--acompanantes", type=int, default=40)
    parser.add_argument("--docentes", type=int, default=12)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--perfil", action="store_true",
                        help="cProfile del rebuild (más lento: su razón no es la del benchmark)")
    parser.add_argument("--perfil-lineas", type=int, default=25)
    args = parser.parse_args()
    print(machine_line(args.store, nats=False), flush=True)
    with tempfile.TemporaryDirectory() as tmp, store(args.store) as s:
        app = Agenda(AgendaSettings(**s.settings(Path(tmp))))
        app.publicar_protocolos_incluidos()
        acompanantes = [str(uuid.uuid4()) for _ in range(args.acompanantes)]
        docentes = {a: [str(uuid.uuid4()) for _ in range(args.docentes)] for a in acompanantes}
        started = time.perf_counter()
        for i, a in enumerate(acompanantes):
            for d in docentes[a]:
                app.generar_plan(asignacion(d, a, codigo_modular=f"{3000000 + i:07d}"), etapa=2)
        planes_s = time.perf_counter() - started
        total_docentes = args.acompanantes * args.docentes

        started = time.perf_counter()
        n = comandos(app, acompanantes, docentes)
        ours_s = time.perf_counter() - started

        app.proyecciones.ponerse_al_dia()
        started = time.perf_counter()
        filas = app.proyecciones.cumplimiento(ANIO, date(2021, 12, 31), "ugel")
        cumpl_s = time.perf_counter() - started
        started = time.perf_counter()
        with app.proyecciones.store.engine.connect() as conn:
            crudas = len(list(conn.execute(select(vistas.plan)))) + len(list(conn.execute(select(vistas.entrega))))
        plain_read_s = time.perf_counter() - started
        esperadas = total_docentes * 7
        assert filas[0]["visitas_realizado"] == esperadas, (filas[0]["visitas_realizado"], esperadas)

        print(f"preparado: {total_docentes} planes en {planes_s:.1f}s", flush=True)
        fallos = rebuild_contra_crudo(app, app.proyecciones, f"agenda ({args.store})", perfil=args.perfil,
                                      perfil_lineas=args.perfil_lineas)
        if app.proyecciones.cumplimiento(ANIO, date(2021, 12, 31), "ugel") != filas:
            fallos.append("el cumplimiento de la UGEL después del rebuild no es el de antes")
        raw_s = crudo(app, n)  # last: these extra plans would change the figures above
        app.close()

    print_table(
        f"Un año de una UGEL: {args.acompanantes} acompañantes × {args.docentes} docentes ({args.store})",
        [
            ("comandos (programar/realizar, con reglas)", f"{n}", f"{ours_s:.2f}", f"{n / ours_s:,.0f}",
             f"{raw_s:.2f}", f"{raw_s / ours_s:.2f}"),
            ("cumplimiento UGEL a una fecha", f"{crudas} filas", f"{cumpl_s:.3f}", "",
             f"{plain_read_s:.3f}", f"{plain_read_s / cumpl_s:.2f}"),
        ],
        ("medida", "cantidad", "nuestro s", "por s", "crudo s", "crudo/nuestro"),
    )
    for fallo in fallos:
        print("INCONSISTENTE:", fallo)
    return 1 if fallos else 0


if __name__ == "__main__":
    sys.exit(main())
