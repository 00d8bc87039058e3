"""evidencias: what a UGEL's visits leave behind, through the write side, a query and a rebuild.

1. Plans and realized visits for D docentes (as agenda reports them), V visits each.
2. **Commands:** at every visit the coach records the observation (six desempeños with their
   evidence), the feedback and a commitment, and verifies the previous visit's commitment: four
   commands per visit, one at a time as devices do, each checked against the instrument and the
   visit. Raw limit: the same number of single-event appends to the same store.
3. **Query:** pending commitments of the UGEL as of a date, against a plain read of the same rows.
4. **Rebuild** of the read model from zero (``Proyecciones.reconstruir()``), against reading and
   decoding the same notification log in batches of the projection's size (``select_notifications``
   + ``mapper.to_domain_event``, nothing else), in the same run; goal ≥ 0.5. Checks: the rebuild went
   through every event of the log, the checksum and the valuations after it are the ones before.

    python -m bench.evidencias_visitas [--docentes 300] [--visitas 4] [--store sqlite|postgres] [--perfil]

Exit 1 only when a check fails, never because a goal was missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from bench._common import machine_line, print_table, rebuild_contra_crudo, store
from services.evidencias import comandos as c
from services.evidencias import domainmodel as dm
from services.evidencias import projections as vistas
from services.evidencias.application import Evidencias
from services.evidencias.config import EvidenciasSettings

UGEL, DRE = "UGEL-EL-COLLAO", "DRE-PUNO"
NIVELES = ("I", "II", "III", "IV")


def mundo(app: Evidencias, docentes: int, visitas: int) -> list[tuple[str, str, list[dict]]]:
    """Each docente with his plan and realized visits, as agenda would report them."""
    todos = []
    for i in range(docentes):
        docente, acompanante = str(uuid.uuid4()), str(uuid.uuid5(uuid.NAMESPACE_URL, f"acompanante/{i // 12}"))
        app.conocer_plan({"plan_id": str(uuid.uuid4()), "docente_id": docente, "acompanante_id": acompanante,
                          "anio": 2021, "etapa": 2, "modalidad": "externa", "codigo_modular": f"{3000000 + i // 12:07d}",
                          "anexo": 0, "tipo_ie": "polidocente_primaria", "nivel": "primaria", "dre": DRE, "ugel": UGEL})
        suyas = []
        for k in range(visitas):
            inicio = date(2021, 4, 5) + timedelta(weeks=6 * k, days=i % 5)
            v = {"visita_id": str(uuid.uuid4()), "docente_id": docente, "acompanante_id": acompanante,
                 "codigo_modular": f"{3000000 + i // 12:07d}", "anexo": 0, "dre": DRE, "ugel": UGEL, "anio": 2021,
                 "fecha_inicio": inicio.isoformat(), "fecha_fin": inicio.isoformat(), "acciones": ["observacion"]}
            app.conocer_visita(v)
            suyas.append(v)
        todos.append((docente, acompanante, suyas))
    return todos


def comandos(app: Evidencias, todos: list[tuple[str, str, list[dict]]]) -> int:
    n = 0
    for docente, acompanante, suyas in todos:
        previo = None
        for k, v in enumerate(suyas):
            niveles = {d: c.Nivel(nivel=NIVELES[(k + j) % 4], evidencia=f"Evidencia observada de {d} en la visita {k + 1}.")
                       for j, d in enumerate(("D1", "D2", "D3", "D4", "D5", "PC"))}
            app.registrar_observacion(c.RegistrarObservacion(
                visita_id=v["visita_id"], observacion_id=str(uuid.uuid4()), acompanante_id=acompanante,
                niveles=niveles, fortalezas=["Trato cordial"], aspectos_criticos=["Preguntas de baja demanda"]))
            app.brindar_retroalimentacion(c.BrindarRetroalimentacion(
                visita_id=v["visita_id"], acompanante_id=acompanante, dialogo_reflexivo="Revisamos la evidencia juntos.",
                aspectos_priorizados=["D3"]))
            if previo:
                app.verificar_compromiso(c.VerificarCompromiso(
                    compromiso_id=previo, visita_id=v["visita_id"], acompanante_id=acompanante,
                    resultado="parcialmente", evidencia="Lo aplicó en parte."))
            previo = str(uuid.uuid4())
            app.asumir_compromiso(c.AsumirCompromiso(
                compromiso_id=previo, visita_id=v["visita_id"], acompanante_id=acompanante, item="D3",
                descripcion="Retroalimentar por descubrimiento",
                fecha_limite=date.fromisoformat(v["fecha_inicio"]) + timedelta(days=30),
                verificacion="Observación de aula"))
            n += 4 if k else 3
    return n


def crudo(app: Evidencias, n: int, visita: dict) -> float:
    """n single-event appends, one transaction each, of a visit-sized event."""
    started = time.perf_counter()
    for _ in range(n):
        stored = [app.mapper.to_stored_event(e) for e in dm.Visita(id=uuid.uuid4(), visita=visita).collect_events()]
        app.recorder.insert_events(stored)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docentes", type=int, default=300)
    parser.add_argument("--visitas", type=int, default=4)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--perfil", action="store_true",
                        help="cProfile del rebuild (más lento: su razón no es la del benchmark)")
    parser.add_argument("--perfil-lineas", type=int, default=25)
    args = parser.parse_args()
    print(machine_line(args.store, nats=False), flush=True)
    with tempfile.TemporaryDirectory() as tmp, store(args.store) as s:
        hoy = date(2021, 12, 31)
        app = Evidencias(EvidenciasSettings(**s.settings(Path(tmp))), reloj=lambda: hoy)
        app.publicar_instrumentos_incluidos()
        started = time.perf_counter()
        todos = mundo(app, args.docentes, args.visitas)
        preparado_s = time.perf_counter() - started

        started = time.perf_counter()
        n = comandos(app, todos)
        ours_s = time.perf_counter() - started

        app.proyecciones.ponerse_al_dia()
        started = time.perf_counter()
        pendientes = app.proyecciones.compromisos(hoy=hoy, ugel=UGEL, estado="pendientes")
        consulta_s = time.perf_counter() - started
        started = time.perf_counter()
        with app.proyecciones.store.engine.connect() as conn:
            crudas = len(list(conn.execute(select(vistas.compromiso).where(
                vistas.compromiso.c.ugel == UGEL, vistas.compromiso.c.estado == "abierto"))))
        plain_read_s = time.perf_counter() - started
        assert len(pendientes) == crudas == args.docentes, (len(pendientes), crudas)

        antes = app.proyecciones.filas(select(vistas.valoracion).order_by(vistas.valoracion.c.observacion_id,
                                                                          vistas.valoracion.c.item))
        print(f"preparado: {args.docentes} planes y {args.docentes * args.visitas} visitas en {preparado_s:.1f}s",
              flush=True)
        fallos = rebuild_contra_crudo(app, app.proyecciones, f"evidencias ({args.store})", perfil=args.perfil,
                                      perfil_lineas=args.perfil_lineas)
        if app.proyecciones.filas(select(vistas.valoracion).order_by(
                vistas.valoracion.c.observacion_id, vistas.valoracion.c.item)) != antes:
            fallos.append("las valoraciones después del rebuild no son las de antes")
        raw_s = crudo(app, n, todos[0][2][0])  # last: these extra visits would change the figures above
        app.close()

    print_table(
        f"Evidencias de una UGEL: {args.docentes} docentes × {args.visitas} visitas ({args.store})",
        [
            ("comandos (observar, retroalimentar, comprometer, verificar)", f"{n}", f"{ours_s:.2f}",
             f"{n / ours_s:,.0f}", f"{raw_s:.2f}", f"{raw_s / ours_s:.2f}"),
            ("compromisos pendientes de la UGEL", f"{crudas} filas", f"{consulta_s:.3f}", "",
             f"{plain_read_s:.3f}", f"{plain_read_s / consulta_s:.2f}"),
        ],
        ("medida", "cantidad", "nuestro s", "por s", "crudo s", "crudo/nuestro"),
    )
    for fallo in fallos:
        print("INCONSISTENTE:", fallo)
    return 1 if fallos else 0


if __name__ == "__main__":
    sys.exit(main())
