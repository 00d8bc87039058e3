"""A stream view (``shared.stream_views.StreamView``) switched to a rebuilt generation while its live consumers
keep applying batches, on SQLite and PostgreSQL: no batch fails (PostgreSQL: the switch waits for the batches
in flight, under the view's generation lock, and never deadlocks with them), and once the rebuild has caught up
with what was published (as ``shared.replay.rebuild`` does after its switch) the view holds every fact once:
the rows a view fed everything in another store holds.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, inspect, select

from services.evaluacion.config import EvaluacionSettings
from services.evaluacion.projections import Proyecciones
from services.evidencias.config import EvidenciasSettings
from shared.contracts import Envelope
from shared.transacciones import lote
from tests.support.evaluacion import plan

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def sobre(i: int) -> Envelope:
    datos = plan(str(uuid.uuid5(uuid.NAMESPACE_URL, f"docente/{i}")), str(uuid.uuid4()), 2020)
    return Envelope(id=f"agenda:{i}", source="/acompana/agenda", subject="prueba", time=T0 + timedelta(seconds=i),
                    data=datos, dre=datos.dre, ugel=datos.ugel)


def test_una_vista_cambia_de_generacion_mientras_sus_consumidores_aplican_lotes(make_settings, closing):
    # Given evaluacion's seguimiento view holding twenty plans, fed live
    proyecciones = closing(Proyecciones(make_settings(EvaluacionSettings)))
    vista = proyecciones.seguimiento
    publicados = [sobre(i) for i in range(20)]
    with lote():
        for envelope in publicados:
            vista.aplicar(envelope)
    parar, fallos = threading.Event(), []

    def consumidor() -> None:  # publishes five more plans and applies them as one batch, again and again
        i = len(publicados)
        try:
            while not parar.is_set():
                nuevos = [sobre(i + k) for k in range(5)]
                publicados.extend(nuevos)
                with lote():
                    for envelope in nuevos:
                        vista.aplicar(envelope)
                i += 5
        except Exception as exc:  # reported below
            fallos.append(exc)

    # When it is rebuilt three times while its consumer keeps applying batches
    hilo = threading.Thread(target=consumidor)
    hilo.start()
    try:
        for _ in range(3):
            generacion = vista.empezar_construccion()
            vista.aplicar_lote(list(publicados), generacion)
            anterior = vista.activar(generacion)
            vista.aplicar_lote(list(publicados), generacion)  # what the consumer applied to the old one meanwhile
            vista.borrar(anterior)
    finally:
        parar.set()
        hilo.join()

    # Then no batch failed, every fact published is there once, and no other generation is left
    assert not fallos, fallos
    assert len(publicados) > 30
    assert vista.leer(lambda conn, t: conn.execute(select(func.count()).select_from(t.planes)).scalar_one()) == len(publicados)
    assert vista.leer(lambda conn, t: conn.execute(select(func.count()).select_from(t.inbox)).scalar_one()) == len(publicados)
    assert vista.generaciones_guardadas() == [vista.activa()] == [4]
    nombres = inspect(proyecciones.store.engine).get_table_names(schema=proyecciones.store.schema)
    assert not [n for n in nombres if n.startswith("seguimiento_") and "_g" in n.removeprefix("seguimiento_")]
    # and it holds what a view fed every fact in another store holds
    otra = closing(Proyecciones(make_settings(EvidenciasSettings)))
    otra.seguimiento.aplicar_lote(publicados, otra.seguimiento.activa())
    assert vista.checksum() == otra.seguimiento.checksum()
