"""Caseload planning (NT-026 §5.4): which acompañante takes which docentes.

Schools are served in priority order (the targeting's ``orden``), so when coaches run out it
is the least prioritised schools that are reported as not covered. A school's docentes go
to one acompañante whenever one has room for all of them (the tightest such room, to keep
larger rooms for larger schools); a school larger than any room is split across the coaches
with most room. Only acompañantes of the school's type, in its UGEL, are considered.

The plan is pure: ``AsignacionesUGEL`` checks every move again when it is recorded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from services.focalizacion.asignaciones import AsignacionesUGEL


@dataclass
class Capacidad:
    acompanante: str
    tipo: str
    docentes: int
    ratio: int | None  # strictest ratio among its schools so far
    excepcion: int | None
    escuelas: set[str] = field(default_factory=set)

    def limite(self, ratio_nuevo: int) -> int:
        if self.excepcion:
            return self.excepcion
        return min(ratio_nuevo, self.ratio) if self.ratio is not None else ratio_nuevo

    def libre(self, ratio_nuevo: int) -> int:
        return max(self.limite(ratio_nuevo) - self.docentes, 0)

    def tomar(self, n: int, ratio_nuevo: int, escuela: str) -> None:
        self.docentes += n
        self.ratio = ratio_nuevo if self.ratio is None else min(self.ratio, ratio_nuevo)
        self.escuelas.add(escuela)


@dataclass
class Plan:
    asignaciones: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # docente, acompañante, ie
    sin_cubrir: list[dict[str, Any]] = field(default_factory=list)


def capacidades(asignaciones: AsignacionesUGEL, excluir: set[str] = frozenset()) -> dict[str, Capacidad]:
    resultado = {}
    for acompanante in asignaciones.activos():
        if acompanante in excluir:
            continue
        cartera = asignaciones.cartera(acompanante)
        suyos = [asignaciones.docentes[d] for d in cartera]
        ratios = [d.ratio_maximo for d in suyos]
        escuelas = {f"{d.codigo_modular}-{d.anexo}" for d in suyos}
        datos = asignaciones.acompanantes[acompanante]
        resultado[acompanante] = Capacidad(acompanante, datos.tipo, len(cartera), min(ratios) if ratios else None,
                                           datos.limite_excepcion, escuelas)
    return resultado


def planificar(escuelas: list[dict[str, Any]], capacidad: dict[str, Capacidad]) -> Plan:
    """``escuelas``: focalized IIEE of one UGEL, each with ``tipo``, ``orden``,
    ``ratio_maximo`` and ``pendientes`` (its docentes without acompañante)."""
    plan = Plan()
    for escuela in sorted(escuelas, key=lambda e: (e["tipo"], e["orden"], e["codigo_modular"], e["anexo"])):
        pendientes = list(escuela["pendientes"])
        if not pendientes:
            continue
        clave = f"{escuela['codigo_modular']}-{escuela['anexo']}"
        ratio = escuela["ratio_maximo"]
        del_tipo = [c for c in capacidad.values() if c.tipo == escuela["tipo"]]
        # Keep the school together: a coach already there, else the tightest room that fits all.
        enteras = [c for c in del_tipo if c.libre(ratio) >= len(pendientes)]
        if enteras:
            elegido = min(enteras, key=lambda c: (clave not in c.escuelas, c.libre(ratio), c.acompanante))
            _tomar(plan, escuela, pendientes, elegido, ratio, clave)
            continue
        # Split: coaches already at the school first, then those with most room.
        for c in sorted(del_tipo, key=lambda c: (clave not in c.escuelas, -c.libre(ratio), c.acompanante)):
            if not pendientes:
                break
            libre = c.libre(ratio)
            if libre:
                parte, pendientes = pendientes[:libre], pendientes[libre:]
                _tomar(plan, escuela, parte, c, ratio, clave)
        if pendientes:
            plan.sin_cubrir.append({"codigo_modular": escuela["codigo_modular"], "anexo": escuela["anexo"],
                                    "nombre": escuela.get("nombre"), "tipo": escuela["tipo"],
                                    "orden": escuela["orden"], "docentes_sin_acompanante": len(pendientes)})
    return plan


def _tomar(plan: Plan, escuela: dict[str, Any], docentes: list[str], capacidad: Capacidad, ratio: int,
           clave: str) -> None:
    capacidad.tomar(len(docentes), ratio, clave)
    for docente in docentes:
        plan.asignaciones.append((docente, capacidad.acompanante, escuela))


def traspaso(asignaciones: AsignacionesUGEL, acompanante: str, propios: list[str]) -> Plan:
    """Where a retiring acompañante's docentes go: over the UGEL's other coaches of the same type, keeping each
    school's docentes together (``plan.sin_cubrir`` says what does not fit)."""
    escuelas: dict[str, dict[str, Any]] = {}
    for d in propios:
        info = asignaciones.docentes[d]
        clave = f"{info.codigo_modular}-{info.anexo}"
        escuela = escuelas.setdefault(clave, {**asdict(info), "orden": len(escuelas), "pendientes": []})
        escuela["pendientes"].append(d)
    return planificar(list(escuelas.values()), capacidades(asignaciones, excluir={acompanante}))


def estado_cartera(fila: Any, docentes: list[dict[str, Any]], bandas: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """A caseload's row (``tablas.cartera``) with its docentes, its ratio and its state, as the API answers it."""
    ratios = [d["ratio_maximo"] for d in docentes]
    limite = fila.limite_excepcion or (min(ratios) if ratios else None)
    n = len(docentes)
    estado = ("retirado" if not fila.activo else "sin_docentes" if n == 0
              else "excede_ratio" if limite is not None and n > limite else "completa" if n == limite else "con_cupo")
    escuelas = {f"{d['codigo_modular']}-{d['anexo']}" for d in docentes}
    # A fixed ratio ("ocho docentes por acompañante") is a maximum; a band also has a minimum
    # (NT-026 §5.6.2 b). The most lenient minimum among the caseload's schools applies.
    minimos = [bandas[e][0] for e in escuelas if e in bandas]
    minimo = min(minimos) if minimos else None
    bajo_minimo = bool(fila.activo and n and minimo is not None and n < minimo)
    return {"acompanante_id": fila.acompanante_id, "dre": fila.dre, "ugel": fila.ugel, "tipo": fila.tipo,
            "activo": fila.activo, "docentes": n, "limite": limite, "estado": estado,
            "minimo": minimo, "bajo_minimo": bajo_minimo,
            "aviso": (f"Tiene {n} docentes, menos que el mínimo de su banda de ratio ({minimo}; NT-026 §5.6.2 b)."
                      if bajo_minimo else None),
            "excepciones": fila.excepciones, "escuelas": sorted({f"{d['codigo_modular']}-{d['anexo']}" for d in docentes}),
            "docente_ids": sorted(d["docente_id"] for d in docentes)}
