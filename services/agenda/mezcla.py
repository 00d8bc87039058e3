"""The year's mix of visit lengths: NT-026 §5.6.1 c, §5.6.2 c and §5.6.3 c ("Número de visitas"),
and the table that closes each of those numerals ("Total de días de visita al año").

A protocol gives each docente's visits as groups: polidocente inicial "dos visitas de tres días,
dos visitas de dos días y dos visitas de un día", primaria and secundaria "una visita de dos días
y seis visitas de un día" (§5.6.3 c; 12 and 8 days in its table); EIB six visits "con una duración
de entre dos y tres días como mínimo" (§5.6.1 c) and unidocente / multigrado six visits "con una
duración entre dos o tres días como mínimo" (§5.6.2 c), both with "14 días" in their tables.
A visit is refused when, with it, the year's visits can no longer be completed into that mix:
too many visits of one length, or days that can no longer add up to the table's total.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import product

Grupo = tuple[int, int, int]  # cantidad, dias_min, dias_max


def posible(grupos: Sequence[Grupo], total: int, duraciones: Sequence[int],
            previas: int = 0, dias_previos: int = 0) -> bool:
    """Whether visits of ``duraciones`` days (plus ``previas`` visits of ``dias_previos`` days in
    all, whose lengths are not known here: delivered by another acompañante) can still be
    completed into ``grupos`` with ``total`` days in the year."""
    grupos = tuple(tuple(g) for g in grupos)
    return _posible(grupos, total, tuple(sorted(duraciones, reverse=True)), previas, dias_previos)


@lru_cache(maxsize=4096)
def _posible(grupos: tuple[Grupo, ...], total: int, duraciones: tuple[int, ...], previas: int,
             dias_previos: int) -> bool:
    if not duraciones:
        return _completable(grupos, total, previas, dias_previos)
    primera, resto = duraciones[0], duraciones[1:]
    for i, (cantidad, minimo, maximo) in enumerate(grupos):
        if cantidad > 0 and minimo <= primera <= maximo:
            quedan = grupos[:i] + ((cantidad - 1, minimo, maximo),) + grupos[i + 1:]
            if _posible(quedan, total - primera, resto, previas, dias_previos):
                return True
    return False


def _completable(grupos: tuple[Grupo, ...], total: int, previas: int, dias_previos: int) -> bool:
    """The free places of each group: some taken by the earlier visits of unknown length, the
    rest still to come; both must be able to add up to their days."""
    for tomadas in product(*(range(g[0] + 1) for g in grupos)):
        if sum(tomadas) != previas:
            continue
        previo = [(k * g[1], k * g[2]) for k, g in zip(tomadas, grupos, strict=True)]
        futuro = [((g[0] - k) * g[1], (g[0] - k) * g[2]) for k, g in zip(tomadas, grupos, strict=True)]
        if sum(a for a, _ in previo) <= dias_previos <= sum(b for _, b in previo) \
                and sum(a for a, _ in futuro) <= total - dias_previos <= sum(b for _, b in futuro):
            return True
    return False


def describir(grupos: Sequence[Grupo], total: int) -> str:
    """The mix in words: '2 visitas de 3 días, 2 de 2 días y 2 de 1 día (12 días en el año)'."""
    partes = []
    for n, (cantidad, minimo, maximo) in enumerate(grupos):
        dias = f"{minimo} día" if minimo == maximo == 1 else (
            f"{minimo} días" if minimo == maximo else f"{minimo} a {maximo} días")
        visitas = ("visita" if cantidad == 1 else "visitas") if n == 0 else ""
        partes.append(f"{cantidad} {visitas} de {dias}".replace("  ", " "))
    texto = partes[0] if len(partes) == 1 else ", ".join(partes[:-1]) + " y " + partes[-1]
    return f"{texto} ({total} días en el año)"
