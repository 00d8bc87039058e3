"""The names of the DREs and UGELs as the padrón gives them (focalizacion's published ``TerritorioNombrado``): what
a person reads in a service's spreadsheets and charts ("DRE", "UGEL" columns, a cover's filters, a chart's title)
instead of the codes ("UGEL El Collao", not "UGEL-EL-COLLAO"). A view of the stream (``shared.stream_views``) each
service that shows them keeps in its own read-model database (agenda's fulfilment, evaluacion's reports): one row
per level and code, the last name received; a name the padrón did not bring leaves the known one; a code no padrón
named reads as itself."""


from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, select

from shared import contracts as c
from shared.contracts import Envelope
from shared.generaciones import control_table
from shared.settings import ServiceSettings
from shared.stream_views import Filas, StreamView, Tablas
from shared.views import ViewStore

NIVELES = ("dre", "ugel")


@dataclass(frozen=True)
class Nombres:
    """The names by level ("dre", "ugel") and code."""

    por_nivel: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def de(self, nivel: str, codigo: Any) -> str:  # noqa: ANN401 - a code as a row or a report has it (None: none)
        """The name of the ``nivel`` with that code; the code itself when no padrón named it."""
        texto = "" if codigo is None else str(codigo)
        return self.por_nivel.get(nivel, {}).get(texto) or texto

    def textos(self, nivel: str) -> Mapping[str, str]:
        """Code → name of a level: the words of a column's codes (``shared.hojas.Columna.textos``)."""
        return self.por_nivel.get(nivel, {})


class Territorios(StreamView):
    nombre = "territorios"

    def __init__(self, store: ViewStore, control: Table) -> None:
        super().__init__(store, control)
        self.handlers[c.TerritorioNombradoV1] = self._nombrado

    @classmethod
    def abrir(cls, settings: ServiceSettings) -> Territorios:
        """The view in the service's read-model database, with the table that says which generation answers (a
        service whose other read models are not views of the stream: agenda)."""
        metadata = MetaData()
        control = control_table(metadata)
        store = ViewStore(settings, metadata)
        store.create_all()
        return cls(store, control)

    def close(self) -> None:
        self.store.dispose()

    def definir(self, metadata: MetaData, n: Callable[[str], str]) -> list[Table]:
        return [Table(n("nombres"), metadata,
                      Column("nivel", String(4), primary_key=True), Column("codigo", String(40), primary_key=True),
                      Column("nombre", String(200), nullable=False))]

    def _nombrado(self, filas: Filas, t: Tablas, env: Envelope) -> None:
        d: c.TerritorioNombradoV1 = env.data  # type: ignore[assignment]
        sentencia = self.sentencia(t, "nombres", "nivel", "codigo", actualizar=True)
        for nivel, codigo, nombre in (("dre", d.dre, d.nombre_dre), ("ugel", d.ugel, d.nombre_ugel)):
            if nombre:
                filas.execute(sentencia, {"nivel": nivel, "codigo": codigo, "nombre": nombre})

    def nombres(self) -> Nombres:
        filas = self.leer(lambda conn, t: conn.execute(select(t.nombres)).all())
        por_nivel: dict[str, dict[str, str]] = {n: {} for n in NIVELES}
        for f in filas:
            por_nivel.setdefault(f.nivel, {})[f.codigo] = f.nombre
        return Nombres(por_nivel)
