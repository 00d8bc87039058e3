"""What a rebuild's reading of the producers' chains (``shared.eslabones.Lectura``) decided of the facts it did
not apply where they came (``services.evaluacion.particiones_cadenas`` compares two readings by it)."""

from __future__ import annotations

from shared.contracts import Envelope
from shared.eslabones import VERIFICADO


class Veredictos:
    """What a ``Lectura`` decided of the facts it did not apply where they came in the stream: by stream
    sequence, not applied (broken, or still waiting at the end), or applied just before the fact at sequence
    ``liberado_en`` (the ``orden``-th of those it settled), as the verified predecessor came."""

    def __init__(self) -> None:
        self.retenidos: dict[int, tuple[str, str]] = {}  # sequence -> (servicio, state on arrival)
        self.liberados_en: dict[int, tuple[int, int]] = {}  # sequence -> (releasing sequence, order)

    def retenido(self, env: Envelope, estado: str) -> None:
        self.retenidos[env.sequence or 0] = (env.data.servicio, estado)

    def liberados(self, envs: list[Envelope], por: Envelope) -> None:
        for orden, env in enumerate(envs):
            self.liberados_en[env.sequence or 0] = (por.sequence or 0, orden)

    def excepciones(self) -> list[dict]:
        """One row per fact not applied where it came: ``secuencia``, ``servicio``, ``estado`` (verified when
        applied later, else its state), ``liberado_en`` and ``orden`` (None when never applied)."""
        filas = []
        for secuencia, (servicio, estado) in sorted(self.retenidos.items()):
            liberado = self.liberados_en.get(secuencia)
            filas.append({"secuencia": secuencia, "servicio": servicio,
                          "estado": VERIFICADO if liberado else estado,
                          "liberado_en": liberado[0] if liberado else None,
                          "orden": liberado[1] if liberado else None})
        return filas
