"""Targeting rules as versioned data (NT-026 §5.4, §5.6).

A rule set (``ConjuntoReglas``) is published once per (codigo, version) with its period of
effect and its territory (the whole country, or one DRE for a regional programme). It holds
one ``TipoIE`` per school type: which schools are candidates (``aplica_si``), the concurrent
focalization criteria (all must hold), the prioritization criteria, and the ratio table of
docentes per acompañante by context.

The norm's tables have two columns, "Criterios de focalización" and "Criterios de priorización"
(NT-026 §5.6.1 a, §5.6.2 a, §5.6.3 a). Every line of the first must hold. Each line of the second
declares its ``efecto``: the lines that say "No se consideran" / "Se excluyen" exclude the school
(``excluye``); the others (share of nombrados, ECE levels, docentes per section...) only order
the focalized schools so they are served first (``suma``: points; more points, earlier ``orden``).

A condition compares one attribute of the school with a value. An attribute without data
never passes: the criterion's result is ``sin_dato`` and the school is not focalized on it.
An exclusion line whose column the padrón's file does not have at all is not evaluated: it
applies only when the padrón carries its data (``focalizar.decidir``; ``padron.completar_ie``
reads a padrón of the earlier shape as before).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Resultado = Literal["cumple", "no_cumple", "sin_dato"]
Operador = Literal["=", "!=", ">", ">=", "<", "<=", "en", "no_en"]

# Attributes a rule may read: the padrón's (see padron.py) and those derived from the whole
# padrón when targeting runs (see focalizacion.py).
ATRIBUTOS_DERIVADOS = frozenset({"ugel_num_ie", "ugel_docentes_rurales_multigrado", "dispersion"})


class Condicion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    atributo: str = Field(description="Atributo de la IE (columna del padrón o derivado).")
    op: Operador = Field(description="Comparación.")
    valor: Any = Field(None, description="Valor con el que se compara (lista para 'en' / 'no_en').")
    valor_atributo: str | None = Field(None, description="Comparar con otro atributo de la IE en vez de un valor.")

    @model_validator(mode="after")
    def _un_termino(self) -> Condicion:
        if (self.valor is None) == (self.valor_atributo is None):
            raise ValueError("indique 'valor' o 'valor_atributo', uno de los dos")
        return self

    def evaluar(self, ie: dict[str, Any]) -> Resultado:
        actual = ie.get(self.atributo)
        valor = self.valor if self.valor_atributo is None else ie.get(self.valor_atributo)
        if actual is None or valor is None:
            return "sin_dato"
        return "cumple" if _compare(actual, self.op, valor) else "no_cumple"

    def atributos(self) -> list[str]:
        return [self.atributo] + ([self.valor_atributo] if self.valor_atributo else [])


def _compare(actual: Any, op: str, valor: Any) -> bool:  # noqa: PLR0911 - one branch per operator
    if op == "=":
        return actual == valor
    if op == "!=":
        return actual != valor
    if op == "en":
        return actual in valor
    if op == "no_en":
        return actual not in valor
    if op == ">":
        return actual > valor
    if op == ">=":
        return actual >= valor
    if op == "<":
        return actual < valor
    return actual <= valor


class Criterio(BaseModel):
    """One criterion of the norm: its conditions must all hold (``todas``) or one (``alguna``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    codigo: str = Field(pattern=r"^[A-Z0-9-]{2,20}$", description="Código estable del criterio.")
    descripcion: str = Field(min_length=3, description="El criterio con las palabras de la norma.")
    norma: str = Field("", description="Dónde lo dice la norma (p. ej. 'NT-026 §5.6.2 a').")
    modo: Literal["todas", "alguna"] = "todas"
    condiciones: list[Condicion] = Field(min_length=1)

    def evaluar(self, ie: dict[str, Any]) -> Resultado:
        resultados = [c.evaluar(ie) for c in self.condiciones]
        if self.modo == "todas":
            if "no_cumple" in resultados:
                return "no_cumple"
            return "sin_dato" if "sin_dato" in resultados else "cumple"
        if "cumple" in resultados:
            return "cumple"
        return "sin_dato" if "sin_dato" in resultados else "no_cumple"

    def atributos(self) -> list[str]:
        return list(dict.fromkeys(a for c in self.condiciones for a in c.atributos()))


class CriterioPriorizacion(Criterio):
    efecto: Literal["suma", "excluye"] = Field(
        "suma", description="'suma': prioriza (da puntos si se cumple; ordena, nunca excluye); "
                            "'excluye': la IE queda fuera si no se cumple ('No se consideran', 'Se excluyen').")
    peso: int = Field(1, ge=0, le=100, description="Puntos que suma al cumplirse.")


class Ratio(BaseModel):
    """Docentes per acompañante in one context (NT-026 §5.4): the first matching row applies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contexto: str = Field(description="Contexto: frontera, rural, urbano, disperso, concentrado, general...")
    condiciones: list[Condicion] = Field(default_factory=list, description="Vacía: se aplica siempre.")
    docentes: int = Field(ge=1, le=40, description="Docentes por acompañante.")
    minimo: int | None = Field(None, ge=1, le=40, description="Banda: mínimo (por defecto, 'docentes').")
    maximo: int | None = Field(None, ge=1, le=40, description="Banda: máximo (por defecto, 'docentes').")

    @model_validator(mode="after")
    def _banda(self) -> Ratio:
        if (self.minimo or self.docentes) > (self.maximo or self.docentes):
            raise ValueError("el mínimo de la banda supera su máximo")
        return self

    def aplica(self, ie: dict[str, Any]) -> bool:
        return all(c.evaluar(ie) == "cumple" for c in self.condiciones)

    @property
    def banda(self) -> tuple[int, int]:
        return self.minimo or self.docentes, self.maximo or self.docentes


class TipoIE(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    codigo: str = Field(pattern=r"^[a-z_]{2,40}$", examples=["eib", "multigrado", "polidocente_primaria"])
    nombre: str
    norma: str = ""
    aplica_si: list[Condicion] = Field(min_length=1, description="Qué IIEE son candidatas de este tipo.")
    focalizacion: list[Criterio] = Field(min_length=1, description="Criterios concurrentes: todos deben cumplirse.")
    priorizacion: list[CriterioPriorizacion] = Field(default_factory=list)
    ratio: list[Ratio] = Field(min_length=1)

    def candidata(self, ie: dict[str, Any]) -> bool:
        return all(c.evaluar(ie) == "cumple" for c in self.aplica_si)

    def ratio_para(self, ie: dict[str, Any]) -> Ratio:
        for ratio in self.ratio:
            if ratio.aplica(ie):
                return ratio
        return self.ratio[-1]


class Dispersion(BaseModel):
    """How far apart the focalized schools are (NT-026 §5.4): nearest neighbour of the same
    type in the same UGEL, in kilometres."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    disperso_km: float = Field(10.0, gt=0, description="Más lejos que esto: 'disperso'.")
    concentrado_km: float = Field(3.0, gt=0, description="Más cerca que esto: 'concentrado'.")


class ConjuntoReglas(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    codigo: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["NT-026"])
    version: int = Field(ge=1)
    nombre: str
    norma: str = ""
    ambito: str = Field("nacional", pattern=r"^[A-Za-z0-9_-]{1,32}$",
                        description="'nacional' o el código de la DRE de un programa regional.")
    vigente_desde: int = Field(ge=2000, le=2100, description="Primer año escolar en que rige.")
    vigente_hasta: int | None = Field(None, ge=2000, le=2100, description="Último año (vacío: sin fin).")
    dispersion: Dispersion = Field(default_factory=Dispersion)
    tipos: list[TipoIE] = Field(min_length=1, description="En orden: una IE se focaliza en el primero que cumple.")

    @model_validator(mode="after")
    def _coherente(self) -> ConjuntoReglas:
        if self.vigente_hasta is not None and self.vigente_hasta < self.vigente_desde:
            raise ValueError("'vigente_hasta' es anterior a 'vigente_desde'")
        codigos = [t.codigo for t in self.tipos]
        if len(set(codigos)) != len(codigos):
            raise ValueError("hay tipos de IE repetidos")
        return self

    @property
    def clave(self) -> str:
        return f"{self.codigo}@{self.version}"

    def vigente_en(self, anio: int) -> bool:
        return self.vigente_desde <= anio and (self.vigente_hasta is None or anio <= self.vigente_hasta)

    def tipo(self, codigo: str) -> TipoIE:
        for tipo in self.tipos:
            if tipo.codigo == codigo:
                return tipo
        raise KeyError(codigo)
