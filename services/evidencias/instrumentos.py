"""Observation instruments as versioned data.

An instrument (``Instrumento``) is published once per (codigo, version) with its period of
effect. It is either a rubric (``rubrica``: items with the four levels I–IV, each with its
descriptor, each item informing one MBDD competency C2–C7) or a checklist (``lista_cotejo``:
items answered sí / no / no aplica). Observations record the version they used, so a later
version never changes them; a version that replaces another declares, item by item, which item
of the previous version it is equivalent to, so progress stays comparable across the etapas.

Labels are ``Texto``: a translation per language, Spanish required, Quechua and Aymara optional.

Instruments are the MINEDU's (NT-026 §6.1: DIFODS designs the coaching and its orientation documents);
a DRE may design programmes of its own, complementary to the national one (§5.7), with instruments of
its own. An instrument's ``ambito`` says whose it is: ``nacional`` (every instrument published before
the ámbito existed, and the bundled ones), or ``DRE:<código>``. A code keeps its ámbito in every version,
so a DRE never publishes a version of a national instrument that would replace it for the whole country.
A national instrument is stored as before, without the field.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

IDIOMAS = ("es", "qu", "ay")  # castellano, quechua, aimara
NIVELES = ("I", "II", "III", "IV")
RESPUESTAS = ("si", "no", "no_aplica")
INCLUIDOS = ("ficha-observacion-aula-v1.json", "lista-cotejo-gia-v1.json", "lista-cotejo-rtc-v1.json",
             "autoevaluacion-acompanante-v1.json")
Clave = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,30}$")]
Codigo = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$")]
Aplicacion = Literal["visita", "gia", "rtc", "acompanante"]
NACIONAL = "nacional"


def _texto(valor: dict[str, str]) -> dict[str, str]:
    if not valor.get("es", "").strip():
        raise ValueError("falta el texto en castellano ('es')")
    otros = set(valor) - set(IDIOMAS)
    if otros:
        raise ValueError(f"idiomas no previstos: {sorted(otros)} (se admiten {', '.join(IDIOMAS)})")
    return valor


Texto = Annotated[dict[str, str], AfterValidator(_texto)]


def en(texto: dict[str, str], idioma: str) -> str:
    """The label in ``idioma``, in Spanish when it has no translation yet."""
    return texto.get(idioma) or texto["es"]


class _Dato(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """A copy of the aggregate that keeps a published instrument shares it: it is frozen."""
        return self


class Nivel(_Dato):
    codigo: Literal["I", "II", "III", "IV"]
    descriptor: Texto


class Item(_Dato):
    clave: Clave
    titulo: Texto
    competencia: Literal["C2", "C3", "C4", "C5", "C6", "C7"] | None = Field(
        None, description="Competencia del MBDD que informa (rúbricas).")
    niveles: list[Nivel] = Field(default_factory=list, description="Rúbricas: los niveles I a IV, en orden.")
    equivale_a: Clave | None = Field(None, description="Ítem equivalente de la versión que esta reemplaza.")


class Vigencia(_Dato):
    desde: date
    hasta: date | None = None

    @model_validator(mode="after")
    def _orden(self) -> Vigencia:
        if self.hasta is not None and self.hasta < self.desde:
            raise ValueError("la vigencia termina antes de empezar")
        return self

    def cubre(self, dia: date) -> bool:
        return self.desde <= dia and (self.hasta is None or dia <= self.hasta)


class Instrumento(_Dato):
    codigo: Codigo
    version: int = Field(ge=1)
    tipo: Literal["rubrica", "lista_cotejo"]
    aplica_a: list[Aplicacion] = Field(min_length=1)
    titulo: Texto
    fuente: str = Field(min_length=3, description="De dónde vienen los ítems (norma, plan o guía).")
    ambito: str = Field(NACIONAL, pattern=r"^(nacional|DRE:[A-Za-z0-9_-]{1,30})$",
                        exclude_if=lambda v: v == NACIONAL,
                        description="De quién es: nacional (del MINEDU) o DRE:<código> (de un programa regional "
                                    "de esa DRE). Todas las versiones de un código tienen el mismo ámbito.")
    provisional: str = Field("", description="Qué partes son provisionales hasta que el ministerio las revise.")
    vigencia: Vigencia
    reemplaza: int | None = Field(None, description="Versión anterior del mismo código que esta reemplaza.")
    items: list[Item] = Field(min_length=1)

    @property
    def clave(self) -> str:
        return f"{self.codigo}@{self.version}"

    def item(self, clave: str) -> Item | None:
        return next((i for i in self.items if i.clave == clave), None)

    @model_validator(mode="after")
    def _coherente(self) -> Instrumento:
        claves = [i.clave for i in self.items]
        if len(set(claves)) != len(claves):
            raise ValueError("hay ítems con la misma clave")
        for i in self.items:
            if self.tipo == "rubrica":
                if tuple(n.codigo for n in i.niveles) != NIVELES:
                    raise ValueError(f"el ítem {i.clave} debe tener los niveles I, II, III y IV, en orden")
                if i.competencia is None:
                    raise ValueError(f"el ítem {i.clave} debe indicar la competencia que informa (C2 a C7)")
            elif i.niveles:
                raise ValueError(f"el ítem {i.clave} es de una lista de cotejo: se responde sí, no o no aplica")
            if i.equivale_a is not None and self.reemplaza is None:
                raise ValueError(f"el ítem {i.clave} declara una equivalencia, pero el instrumento no reemplaza a otro")
        if self.reemplaza is not None and self.reemplaza >= self.version:
            raise ValueError("solo puede reemplazar a una versión anterior")
        return self

    def equivalencias_con(self, previo: Instrumento) -> None:
        """Check the declared mapping against the version it replaces (ValueError if broken)."""
        for i in self.items:
            if i.equivale_a is None:
                continue
            anterior = previo.item(i.equivale_a)
            if anterior is None:
                raise ValueError(f"el ítem {i.clave} equivale a {i.equivale_a}, que no existe en {previo.clave}")
            if anterior.competencia != i.competencia:
                raise ValueError(f"el ítem {i.clave} ({i.competencia}) no puede equivaler a {i.equivale_a} "
                                 f"({anterior.competencia}): informan competencias distintas")


def incluidos() -> list[Instrumento]:
    """The instruments bundled with the service (the norm's and the sources' ones)."""
    carpeta = resources.files("services.evidencias") / "datos"
    return [Instrumento.model_validate(json.loads((carpeta / nombre).read_text("utf-8"))) for nombre in INCLUIDOS]
