"""Protocol templates as versioned data: what a docente receives in one school year.

A template (``Protocolo``) is published once per (codigo, version), with its period of effect,
its modality (``externa``: the acompañante of NT-026; ``interna``: the school's own plan, led by
its directivo) and its territory (the nation, a DRE, a UGEL or one school). It holds one
``Componentes`` per school type and level (``"polidocente_primaria/primaria"``) that reproduce
the tables of NT-026 §5.6: visits with their durations, GIA, RTC, talleres for docentes and
for acompañantes, virtual courses, and, for internal plans, the phases of the year.

The plan of a docente (``PlanAnualGenerado``) is a copy of one ``Componentes``: later versions
of a template never change a plan already generated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from services.agenda.reglas import AgendaInvalida
from services.agenda.valores import DocentePlanIE
from shared.eventstore import NotFound
from shared.valores import Valor

Modalidad = Literal["externa", "interna"]


def _mes_dia(valor: str) -> str:
    """A day of any year as MM-DD (29 February does not exist every year: refused)."""
    try:
        date(2023, *map(int, valor.split("-")))
    except (ValueError, TypeError):
        raise ValueError(f"{valor!r} no es un día válido (MM-DD) en todos los años") from None
    return valor


MesDia = Annotated[str, Field(pattern=r"^\d{2}-\d{2}$"), AfterValidator(_mes_dia)]
Mes = Annotated[int, Field(ge=1, le=12)]
TIPOS_IE = ("eib", "multigrado", "polidocente_inicial", "polidocente_primaria", "polidocente_secundaria")
NIVELES = ("inicial", "primaria", "secundaria")
INCLUIDOS = ("protocolo-nt026-2020-2022.json", "protocolo-interno-iei246-2024.json",
             "protocolo-interno-ies-miguel-grau-2024.json")


class _Dato(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GrupoVisitas(_Dato):
    """``cantidad`` visits lasting between ``dias_min`` and ``dias_max`` days each."""

    cantidad: int = Field(ge=1, le=20)
    dias_min: int = Field(ge=1, le=5)
    dias_max: int = Field(ge=1, le=5)
    mes: int | None = Field(None, ge=1, le=12, description="Mes en que se espera la visita (planes internos).")
    antes_de: MesDia | None = Field(None, description="Fecha (MM-DD) límite de la visita.")
    fase: str | None = Field(None, description="Fase del plan interno a la que pertenece.")


class Visitas(_Dato):
    grupos: list[GrupoVisitas] = Field(min_length=1)
    dias_total: int = Field(ge=1, description="Días de visita al año (NT-026 §5.6: 'Total de días de visita').")

    @model_validator(mode="after")
    def _alcanza(self) -> Visitas:
        minimo = sum(g.cantidad * g.dias_min for g in self.grupos)
        maximo = sum(g.cantidad * g.dias_max for g in self.grupos)
        if not minimo <= self.dias_total <= maximo:
            raise ValueError(f"los días de visita ({self.dias_total}) no caben entre {minimo} y {maximo}")
        return self

    @property
    def cantidad(self) -> int:
        return sum(g.cantidad for g in self.grupos)

    @property
    def dias_min(self) -> int:
        return min(g.dias_min for g in self.grupos)

    @property
    def dias_max(self) -> int:
        return max(g.dias_max for g in self.grupos)


class Reuniones(_Dato):
    """GIA or RTC: how many in the year and their minimum length."""

    cantidad: int = Field(ge=0, le=40)
    horas_min: float = Field(ge=0.5, le=12)
    meses: list[Mes] = Field(default_factory=list, description="Meses en que se realizan (planes internos).")


class Talleres(_Dato):
    cantidad: int = Field(ge=0, le=10)
    dias_total: int = Field(ge=0, le=60)
    lugar: str = ""


class Fase(_Dato):
    """A phase of the school's plan, ``desde`` and ``hasta`` included (IES Miguel Grau: diagnóstica
    Mar–Abr, mejora May–Set, salida Oct–Nov)."""

    nombre: str
    desde: MesDia = Field(description="Mes-día de inicio (incluido).")
    hasta: MesDia = Field(description="Mes-día de fin (incluido).")
    hitos: list[MesDia] = Field(default_factory=list, description="Fechas (MM-DD) de control dentro de la fase.")

    @model_validator(mode="after")
    def _dentro(self) -> Fase:
        if self.hasta < self.desde:
            raise ValueError(f"la fase {self.nombre} termina ({self.hasta}) antes de empezar ({self.desde})")
        fuera = [h for h in self.hitos if not self.desde <= h <= self.hasta]
        if fuera:
            raise ValueError(f"los hitos {', '.join(fuera)} caen fuera de la fase {self.nombre} "
                             f"({self.desde} a {self.hasta})")
        return self


class Componentes(_Dato):
    visitas: Visitas
    gia: Reuniones
    rtc: Reuniones
    talleres_docentes: Talleres
    talleres_acompanantes: Talleres = Talleres(cantidad=0, dias_total=0)
    cursos_virtuales: int = Field(0, ge=0, description="Cursos virtuales que complementan (0: según oferta).")
    jornadas_autoformacion: Reuniones | None = None
    fases: list[Fase] = Field(default_factory=list, description="En orden; cada una empieza después del fin "
                              "de la anterior (un día pertenece a una sola fase).")

    @model_validator(mode="after")
    def _fases_sucesivas(self) -> Componentes:
        for anterior, siguiente in zip(self.fases, self.fases[1:]):
            if siguiente.desde <= anterior.hasta:
                raise ValueError(f"la fase {siguiente.nombre} empieza ({siguiente.desde}) sin que haya "
                                 f"terminado la fase {anterior.nombre} ({anterior.hasta}): cada día "
                                 "pertenece a una sola fase")
        return self


class AnioEscolar(_Dato):
    inicio: MesDia
    fin: MesDia

    @model_validator(mode="after")
    def _en_orden(self) -> AnioEscolar:
        if self.fin <= self.inicio:
            raise ValueError("el año escolar termina antes de empezar")
        return self

    def fechas(self, anio: int) -> tuple[date, date]:
        return _fecha(anio, self.inicio), _fecha(anio, self.fin)


class Protocolo(_Dato):
    codigo: str = Field(pattern=r"^[A-Za-z0-9_.-]{2,40}$")
    version: int = Field(ge=1)
    nombre: str = Field(min_length=3)
    norma: str = ""
    modalidad: Modalidad
    ambito: str = Field("nacional", pattern=r"^(nacional|DRE:[A-Za-z0-9_-]+|UGEL:[A-Za-z0-9_-]+|IE:\d{7}-\d)$",
                        description="nacional, DRE:<código>, UGEL:<código> o IE:<código modular>-<anexo>.")
    vigencia_desde: date
    vigencia_hasta: date
    anio_escolar: AnioEscolar
    tipos: dict[str, Componentes] = Field(min_length=1, description="Por '<tipo de IE>/<nivel>'.")

    @model_validator(mode="after")
    def _coherente(self) -> Protocolo:
        if self.vigencia_hasta < self.vigencia_desde:
            raise ValueError("la vigencia termina antes de empezar")
        for clave in self.tipos:
            tipo, _, nivel = clave.partition("/")
            if tipo not in TIPOS_IE or nivel not in NIVELES:
                raise ValueError(f"clave de tipo no válida: {clave!r} (se espera '<tipo de IE>/<nivel>')")
        return self

    @property
    def clave(self) -> str:
        return f"{self.codigo}@{self.version}"

    def vigente(self, anio: int) -> bool:
        return self.vigencia_desde.year <= anio <= self.vigencia_hasta.year

    def especificidad(self, dre: str, ugel: str, ie: str) -> int | None:
        """How closely the template's territory fits a school: higher is closer; None: not at all."""
        if self.ambito == "nacional":
            return 0
        nivel, _, codigo = self.ambito.partition(":")
        encaja = {"DRE": codigo == dre, "UGEL": codigo == ugel, "IE": codigo == ie}[nivel]
        return {"DRE": 1, "UGEL": 2, "IE": 3}[nivel] if encaja else None


def elegir(protocolos: list[Protocolo], *, modalidad: Modalidad, tipo_ie: str, nivel: str, anio: int,
           dre: str, ugel: str, ie: str) -> Protocolo | None:
    """The template that applies: in force at some time in that school year, for that type
    and level; the closest territory wins, then the one in force most recently, then the
    latest version."""
    candidatos = []
    for p in protocolos:
        cercania = p.especificidad(dre, ugel, ie)
        if p.modalidad == modalidad and p.vigente(anio) and f"{tipo_ie}/{nivel}" in p.tipos and cercania is not None:
            candidatos.append((cercania, p.vigencia_desde, p.version, p))
    return max(candidatos, key=lambda c: c[:3])[3] if candidatos else None


def del_plan(publicados: list[Protocolo], clave: str | None, *, modalidad: Modalidad, tipo_ie: str, nivel: str,
             anio: int, dre: str, ugel: str, ie: str) -> Protocolo:
    """The template a docente's plan follows: the one named (it must apply to him), or the one that applies
    (``elegir``)."""
    if clave:
        elegido = next((p for p in publicados if p.clave == clave), None)
        if elegido is None:
            raise NotFound(f"No existe el protocolo {clave}.")
        if f"{tipo_ie}/{nivel}" not in elegido.tipos or not elegido.vigente(anio):
            raise AgendaInvalida(f"El protocolo {clave} no rige para {tipo_ie}/{nivel} en {anio}.")
        return elegido
    elegido = elegir(publicados, modalidad=modalidad, tipo_ie=tipo_ie, nivel=nivel, anio=anio, dre=dre, ugel=ugel,
                     ie=ie)
    if elegido is None:
        raise AgendaInvalida(f"No hay protocolo de modalidad {modalidad} vigente en {anio} para "
                             f"{tipo_ie}/{nivel} en {ugel}: publique uno antes de generar el plan.")
    return elegido


def interna(publicados: list[Protocolo], clave: str | None, *, ie: str, anio: int, dre: str, ugel: str,
            tipo: str | None) -> tuple[Protocolo, str]:
    """The template a school's plan follows: the one named, or the closest internal template in
    force for the school; and the type of school in it (the only one, or the one named)."""
    internas = [p for p in publicados if p.modalidad == "interna" and p.vigente(anio)]
    if clave:
        elegido = next((p for p in internas if p.clave == clave), None)
        if elegido is None:
            raise AgendaInvalida(f"No hay un protocolo interno {clave} vigente en {anio}.")
    else:
        cercanos = [(c, p.vigencia_desde, p.version, p) for p in internas
                    if (c := p.especificidad(dre, ugel, ie)) is not None and (tipo is None or tipo in p.tipos)]
        if not cercanos:
            raise AgendaInvalida(f"No hay un protocolo interno vigente en {anio} para la IE {ie}: indique "
                                 "'protocolo' o publique el de la IE (POST /v1/protocolos, ámbito IE).")
        elegido = max(cercanos, key=lambda c: c[:3])[3]
    if tipo is None:
        if len(elegido.tipos) != 1:
            raise AgendaInvalida(f"El protocolo {elegido.clave} tiene varios tipos de IE: indique "
                                 f"'tipo' ({', '.join(sorted(elegido.tipos))}).")
        tipo = next(iter(elegido.tipos))
    if tipo not in elegido.tipos:
        raise AgendaInvalida(f"El protocolo {elegido.clave} no tiene el tipo {tipo}.")
    return elegido, tipo


def incluidos() -> list[Protocolo]:
    carpeta = resources.files("services.agenda") / "datos"
    return [Protocolo.model_validate(json.loads((carpeta / nombre).read_text(encoding="utf-8")))
            for nombre in INCLUIDOS]


def _fecha(anio: int, mes_dia: str) -> date:
    mes, dia = mes_dia.split("-")
    return date(anio, int(mes), int(dia))


# --- the plans as recorded: each a copy of one template's ``Componentes`` ---------------------------------------

@dataclass(frozen=True)
class PlanDocente(Valor):
    """A docente's plan of one school year (``PlanAnual.Generado``): his assignment, the etapa, the template it
    follows and the copy of its components for his type of school; ``anio_escolar`` [inicio, fin], ISO."""

    docente_id: str
    acompanante_id: str
    convocatoria: str
    anio: int
    codigo_modular: str
    anexo: int
    dre: str
    ugel: str
    tipo_ie: str
    nivel: str
    etapa: int
    modalidad: Modalidad
    protocolo: str
    anio_escolar: list[str]
    componentes: Componentes


@dataclass(frozen=True)
class PlanIE(Valor):
    """A school's plan of monitoring of one year (``PlanMonitoreoIE.Elaborado``): its header, the template it follows
    (``protocolo``, ``nombre_protocolo``, the copy of its components for ``tipo_ie``/``nivel``), its docentes."""

    ie: str  # codigo_modular-anexo
    codigo_modular: str
    anexo: int
    anio: int
    dre: str
    ugel: str
    directivo_id: str
    cargo: str
    turno: str
    director: str
    responsables: list[str]
    protocolo: str
    nombre_protocolo: str
    tipo_ie: str
    nivel: str
    docentes: list[DocentePlanIE]
    anio_escolar: list[str]
    componentes: Componentes

    def cubre(self) -> set[str]:
        return {d.docente_id for d in self.docentes}


# stored by ``shared.eventstore.ValorTranscoding`` under these names (with ``valores.VALORES``: ``Agenda.valores``)
VALORES_PLANES: dict[str, type] = {"agenda.Protocolo": Protocolo, "agenda.Componentes": Componentes,
                                   "agenda.PlanDocente": PlanDocente, "agenda.PlanIE": PlanIE}
