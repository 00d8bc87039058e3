"""Who may read what evidencias holds about a docente (observations, commitments, attachments).

Evidence may show minors and is personal data of the docente (Ley 29733): it is never public.
The caller is the actor of the request's verified token (``shared.http``, ``shared.autenticacion``);
this module is the one place that decides.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.telemetry import Actor

ESPECIALISTAS = frozenset({"especialista_ugel", "especialista_dre", "minedu"})
SUPERVISION = ESPECIALISTAS | {"auditor"}


def puede_ver_docente(actor: Actor, docente_id: str, a_cargo: Iterable[str]) -> bool:
    """The docente himself, the acompañantes who hold him now, and supervision roles."""
    if actor.rol in SUPERVISION:
        return True
    if actor.rol == "docente":
        return actor.usuario == docente_id
    if actor.rol in ("acompanante", "directivo"):
        return actor.usuario in set(a_cargo)
    return False


def puede_ver_cartera(actor: Actor, acompanante_id: str | None) -> bool:
    """Lists across docentes (an acompañante's, an IE's, a UGEL's): supervision, or the acompañante's own."""
    return actor.rol in SUPERVISION or (acompanante_id is not None and actor.rol == "acompanante"
                                        and actor.usuario == acompanante_id)


def puede_corregir(actor: Actor) -> bool:
    """Specialists may correct a record they did not make (the correction names them)."""
    return actor.rol in ESPECIALISTAS
