"""Competencies, levels and the expected level of each etapa (NT-026 §5.2.4, §5.2.5).

A docente is coached in the prioritised competencies C2 to C5 and one complementary: C6, or C7
(work with families and community) in unidocente, multigrado and EIB schools. Levels are the
four of the MBDD rubric, I to IV.

The expected level at the close of an etapa progresses from the docente's initial situation:
``metas`` give, per etapa and competency, how many levels above the initial one are expected
(``avance``) and a floor (``minimo``); the expected level is the higher of the two, never above
IV. Metas are versioned data per school type; a version never changes once published.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.evaluacion import Competencia, MetaCompetencia, Nivel

NIVELES: tuple[Nivel, ...] = ("I", "II", "III", "IV")
PRIORIZADAS: tuple[Competencia, ...] = ("C2", "C3", "C4", "C5")
ETAPAS = ("1", "2", "3")
TIPOS_IE = ("eib", "multigrado", "polidocente_inicial", "polidocente_primaria", "polidocente_secundaria")
INCLUIDAS = "metas-nt026-2020-2022.json"


def competencias(tipo_ie: str) -> tuple[Competencia, ...]:
    """The competencies a docente of a school type is coached in (NT-026 §5.2.4)."""
    return (*PRIORIZADAS, "C7" if tipo_ie in ("eib", "multigrado") else "C6")


def valor(nivel: str) -> int:
    return NIVELES.index(nivel) + 1  # type: ignore[arg-type]


def nivel(valor_: int) -> Nivel:
    return NIVELES[max(1, min(4, valor_)) - 1]


def esperado(meta: MetaCompetencia, inicial: str | None) -> Nivel:
    """The expected level: ``avance`` levels above the initial one, at least ``minimo``, at most IV."""
    if inicial is None:
        return meta.minimo
    return nivel(max(valor(meta.minimo), valor(inicial) + meta.avance))


class Metas(BaseModel):
    """One version of the expected levels of a school type, for the three etapas of a convocatoria."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    convocatoria: str = Field(pattern=r"^\d{4}-\d{4}$", examples=["2020-2022"])
    tipo_ie: Literal["eib", "multigrado", "polidocente_inicial", "polidocente_primaria", "polidocente_secundaria"]
    version: int = Field(ge=1)
    metas: dict[Literal["1", "2", "3"], dict[Competencia, MetaCompetencia]]
    fuente: str = ""
    provisional: str = ""

    @model_validator(mode="after")
    def _completas_y_progresivas(self) -> Metas:
        if set(self.metas) != set(ETAPAS):
            raise ValueError("debe fijar las metas de las tres etapas (1, 2 y 3)")
        esperadas = set(competencias(self.tipo_ie))
        for etapa, por_competencia in self.metas.items():
            if set(por_competencia) != esperadas:
                raise ValueError(f"la etapa {etapa} debe fijar exactamente {', '.join(sorted(esperadas))} "
                                 f"para {self.tipo_ie}")
        for c in esperadas:  # NT-026 §5.2.5: the expectations progress from etapa to etapa
            serie = [self.metas[e][c] for e in ETAPAS]
            for antes, despues in zip(serie, serie[1:]):
                if despues.avance < antes.avance or valor(despues.minimo) < valor(antes.minimo):
                    raise ValueError(f"las metas de {c} no pueden bajar de una etapa a la siguiente")
        return self

    def meta(self, etapa: int, competencia: str) -> MetaCompetencia:
        return self.metas[str(etapa)][competencia]  # type: ignore[index]


def incluidas() -> list[Metas]:
    """The bundled metas of NT-026 (one per school type), published when the service starts."""
    datos = json.loads(resources.files("services.evaluacion").joinpath("datos", INCLUIDAS).read_text("utf-8"))
    return [Metas.model_validate({**m, "fuente": datos["fuente"], "provisional": datos["provisional"]})
            for m in datos["metas"]]
