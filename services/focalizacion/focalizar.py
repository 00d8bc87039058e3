"""Targeting: every IE of the padrón against a rule set, with every criterion's result.

Pure functions over plain dicts, so a national padrón is decided in one pass in memory and
the same padrón with the same rules gives the same decisions every time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from services.focalizacion.reglas import ConjuntoReglas, Criterio, CriterioPriorizacion, TipoIE


def derivar(ies: list[dict[str, Any]]) -> None:
    """Add the attributes that depend on the whole padrón (NT-026 §5.6.2 a, §5.6.3 a)."""
    num_ie: dict[str, int] = defaultdict(int)
    docentes_mg: dict[str, int] = defaultdict(int)
    con_dato: dict[str, bool] = defaultdict(bool)
    for ie in ies:
        num_ie[ie["ugel"]] += 1
        if ie["nivel"] == "primaria" and ie["area"] == "rural" and ie["caracteristica"] in ("unidocente", "multigrado"):
            if ie.get("docentes") is not None:
                docentes_mg[ie["ugel"]] += ie["docentes"]
                con_dato[ie["ugel"]] = True
    for ie in ies:
        ie["ugel_num_ie"] = num_ie[ie["ugel"]]
        ie["ugel_docentes_rurales_multigrado"] = docentes_mg[ie["ugel"]] if con_dato[ie["ugel"]] else None


def _evaluacion(tipo: TipoIE, fase: str, criterio: Criterio, ie: dict[str, Any]) -> dict[str, Any]:
    return {"tipo": tipo.codigo, "fase": fase, "codigo": criterio.codigo,
            "resultado": criterio.evaluar(ie),
            "valores": {a: ie.get(a) for a in criterio.atributos()}}


def decidir(ie: dict[str, Any], reglas: ConjuntoReglas) -> dict[str, Any]:
    """The decision on one IE: the first type whose focalization criteria all hold and whose
    exclusions do not apply. The evaluations of every type tried are kept."""
    evaluaciones: list[dict[str, Any]] = []
    candidatos = [t for t in reglas.tipos if t.candidata(ie)]
    for tipo in candidatos:
        foco = [_evaluacion(tipo, "focalizacion", c, ie) for c in tipo.focalizacion]
        evaluaciones += foco
        if any(e["resultado"] != "cumple" for e in foco):
            continue
        prio = [_evaluacion(tipo, "priorizacion", c, ie) for c in tipo.priorizacion if _con_datos(c, ie)]
        evaluaciones += prio
        efectos = {c.codigo: c for c in tipo.priorizacion}
        if any(efectos[e["codigo"]].efecto == "excluye" and e["resultado"] != "cumple" for e in prio):
            continue
        puntaje = sum(efectos[e["codigo"]].peso for e in prio
                      if efectos[e["codigo"]].efecto == "suma" and e["resultado"] == "cumple")
        return _decision(ie, reglas, True, tipo.codigo, evaluaciones, puntaje)
    return _decision(ie, reglas, False, candidatos[0].codigo if len(candidatos) == 1 else None, evaluaciones, 0)


def _con_datos(criterio: CriterioPriorizacion, ie: dict[str, Any]) -> bool:
    """An exclusion line applies only when the padrón carries its data: one whose attribute the
    padrón's file has no column for (absent from the record, not blank) is not evaluated. A blank
    cell is 'sin dato' and, as on every line, keeps the school out."""
    return criterio.efecto != "excluye" or criterio.evaluar(ie) != "sin_dato" \
        or all(a in ie for a in criterio.atributos())


def _decision(ie: dict[str, Any], reglas: ConjuntoReglas, focalizada: bool, tipo: str | None,
              evaluaciones: list[dict[str, Any]], puntaje: int) -> dict[str, Any]:
    return {
        "focalizada": focalizada, "tipo": tipo, "reglas": reglas.clave,
        "codigo_modular": ie["codigo_modular"], "anexo": ie["anexo"], "nombre": ie["nombre"],
        "nivel": ie["nivel"], "dre": ie["dre"], "ugel": ie["ugel"],
        "evaluaciones": evaluaciones, "puntaje": puntaje, "orden": None, "ratio": None,
    }


def motivos(decision: dict[str, Any], reglas: ConjuntoReglas) -> list[str]:
    """Why an IE was left out, in words: each criterion that failed or lacked data."""
    if not decision["evaluaciones"]:
        return [f"La IE no es candidata de ningún tipo de la norma (nivel {decision['nivel']})."]
    textos = []
    for e in decision["evaluaciones"]:
        if e["resultado"] == "cumple":
            continue
        criterio = _criterio(reglas, e["tipo"], e["codigo"])
        if getattr(criterio, "efecto", "excluye") == "suma":
            continue  # a prioritization line only orders the focalized schools: never a reason to leave one out
        valores = ", ".join(f"{k}={'sin dato' if v is None else v}" for k, v in e["valores"].items())
        estado = "no se cumple" if e["resultado"] == "no_cumple" else "sin dato para evaluarlo"
        textos.append(f"[{e['tipo']}] {e['codigo']} {estado}: {criterio.descripcion} ({valores}).")
    return textos


def _criterio(reglas: ConjuntoReglas, tipo: str, codigo: str) -> Criterio:
    t = reglas.tipo(tipo)
    return next(c for c in (*t.focalizacion, *t.priorizacion) if c.codigo == codigo)


def en_ambito(ies: Iterable[dict[str, Any]], reglas: ConjuntoReglas) -> list[dict[str, Any]]:
    if reglas.ambito == "nacional":
        return list(ies)
    return [ie for ie in ies if ie["dre"] == reglas.ambito]


def focalizar(ies: list[dict[str, Any]], reglas: ConjuntoReglas) -> list[dict[str, Any]]:
    """Decide every IE, then rank the focalized ones within their UGEL and type (more
    priority points first) and set the ratio of each by its context."""
    ies = en_ambito(ies, reglas)
    derivar(ies)
    decisiones = [decidir(ie, reglas) for ie in ies]
    grupos: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for ie, d in zip(ies, decisiones, strict=True):
        if d["focalizada"]:
            grupos[(d["ugel"], d["tipo"])].append((ie, d))
    for (_, tipo), miembros in grupos.items():
        miembros.sort(key=lambda m: (-m[1]["puntaje"], -(m[0].get("docentes") or 0),
                                     m[1]["codigo_modular"], m[1]["anexo"]))
        _dispersion([ie for ie, _ in miembros], reglas)
        tipo_ie = reglas.tipo(tipo)
        for orden, (ie, d) in enumerate(miembros, start=1):
            ratio = tipo_ie.ratio_para(ie)
            minimo, maximo = ratio.banda
            d["orden"] = orden
            d["ratio"] = {"contexto": ratio.contexto, "docentes": ratio.docentes, "minimo": minimo, "maximo": maximo}
    return decisiones


def _dispersion(ies: list[dict[str, Any]], reglas: ConjuntoReglas) -> None:
    """Nearest focalized neighbour of the same type and UGEL: 'disperso', 'concentrado' or
    'intermedio'; no coordinates, no data (the general ratio applies)."""
    con_coordenadas = [ie for ie in ies if ie.get("latitud") is not None and ie.get("longitud") is not None]
    for ie in ies:
        ie["dispersion"] = None
    if len(con_coordenadas) < 2:
        return
    con_coordenadas.sort(key=lambda ie: ie["latitud"])
    umbral = reglas.dispersion
    grados = umbral.disperso_km / 111.0  # beyond this latitude gap no neighbour can be nearer
    for i, ie in enumerate(con_coordenadas):
        cercana = math.inf
        for paso in (-1, 1):
            j = i + paso
            while 0 <= j < len(con_coordenadas):
                otra = con_coordenadas[j]
                if abs(otra["latitud"] - ie["latitud"]) > min(grados, cercana / 111.0):
                    break
                cercana = min(cercana, _km(ie, otra))
                j += paso
        if cercana > umbral.disperso_km:
            ie["dispersion"] = "disperso"
        elif cercana < umbral.concentrado_km:
            ie["dispersion"] = "concentrado"
        else:
            ie["dispersion"] = "intermedio"


def _km(a: dict[str, Any], b: dict[str, Any]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a["latitud"], a["longitud"], b["latitud"], b["longitud"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def por_registrar(convocatoria: str, decisiones: list[dict[str, Any]], previas: dict[tuple[str, int], dict[str, Any]],
                  reglas: ConjuntoReglas) -> list[tuple[dict[str, Any], bool]]:
    """Of a run's ``decisiones`` (each completed with its convocatoria and, excluded, its reasons), those that
    differ from the recorded ``previas`` (by código modular and anexo), each with whether it is new."""
    cambiadas = []
    for decision in decisiones:
        decision["convocatoria"] = convocatoria
        if not decision["focalizada"]:
            decision["motivos"] = motivos(decision, reglas)
        previa = previas.get((decision["codigo_modular"], decision["anexo"]))
        if previa is not None:
            previa.pop("cambios", None)
        if previa != decision:
            cambiadas.append((decision, previa is None))
    return cambiadas
