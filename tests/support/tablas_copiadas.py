"""A read model of a service's own log projected into a second set of its tables, as a rebuild into a new
generation does: each handler given copies of ``tablas`` under other names (``<tabla>_g9``)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import MetaData, event

from shared.unidad import UnidadDeTrabajo
from shared.views import OwnLogProjection, Tablas, digest_tablas

# the tables a statement writes or reads (an upsert's "DO UPDATE SET" names none)
_TABLAS = re.compile(r'\b(?:FROM|JOIN|INTO|(?<!DO )UPDATE)\s+"?(\w+)', re.IGNORECASE)


def proyectada_en_copias(vista: OwnLogProjection, sufijo: str = "_g9") -> str:
    """Project every notification ``vista`` has applied into new copies of its tables through its handlers
    (in one unit of work, ``shared.unidad``),
    and return their digest under the base names. Asserts that every statement the handlers ran named only
    the copies (none of ``vista.tablas``, read or written), that the live tables kept their digest, and that
    the copies digest as the live tables do. The copies are dropped at the end."""
    vista.ponerse_al_dia()
    hasta = vista.posicion()
    metadata = MetaData()
    copias = Tablas({t.name: t.to_metadata(metadata, name=f"{t.name}{sufijo}") for t in vista.tablas})
    vivas = [(t.name, t) for t in vista.tablas]
    engine = vista.store.engine
    with engine.connect() as conn:
        antes = digest_tablas(conn, vivas)
    metadata.create_all(engine)
    try:
        sentencias: list[str] = []
        with engine.begin() as conn:
            def anotar(_conn: Any, _cursor: Any, sentencia: str, *_: Any) -> None:
                sentencias.append(sentencia)
            event.listen(conn, "before_cursor_execute", anotar)
            aplicados, desde, u = 0, 0, UnidadDeTrabajo(conn)
            while notificaciones := vista.app.recorder.select_notifications(desde, 500, stop=hasta,
                                                                             inclusive_of_start=False):
                for n in notificaciones:
                    evento = vista.app.mapper.to_domain_event(n)
                    handler = vista.handlers.get(type(evento))
                    if handler:
                        handler(u, copias, evento, n.id)
                        aplicados += 1
                desde = notificaciones[-1].id
            u.vaciar()
            u.cerrar()
            sentencias.extend(f'FROM "{t.name}"' for t in u.tocadas)  # what it read or wrote by key
            event.remove(conn, "before_cursor_execute", anotar)
        assert aplicados, "no event to project"
        nombradas = {m for s in sentencias for m in _TABLAS.findall(s)}
        assert nombradas, sentencias[:5]
        assert nombradas <= {t.name for t in copias.values()}, nombradas - {t.name for t in copias.values()}
        with engine.connect() as conn:
            assert digest_tablas(conn, vivas) == antes, f"{vista.nombre}: the live tables changed"
            en_copias = digest_tablas(conn, list(copias.items()))
        assert en_copias == antes, f"{vista.nombre}: the copies differ from the live tables"
        return en_copias
    finally:
        metadata.drop_all(engine)
        vista.store.olvidar_sentencias(copias.values())
