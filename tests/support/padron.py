"""Synthetic ministry files in the padrón's shape, for tests, benchmarks and the demo.

Deterministic for a seed: schools of every type across several UGELs (a share of them meet
the norm's criteria), their docentes and acompañantes, and optionally dirty rows. ``focalizar`` puts
a padrón into a running focalizacion as its operator would, up to the docentes assigned.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field

import httpx

COLUMNAS_IE = ["COD_MOD", "ANEXO", "CEN_EDU", "D_NIV_MOD", "D_GESTION", "D_GES_DEP", "DAREACENSO", "D_COD_CAR",
               "CODOOII", "COD_DRE", "D_FORMA", "D_ESTADO", "D_DIST", "NLAT_IE", "NLONG_IE", "TALUMNO",
               "TDOCENTE", "SECCIONES_3A5", "RURALIDAD", "EIB_FORMA", "FRONTERA", "VRAEM", "HUALLAGA",
               "LENGUA_PELIGRO", "RED_EDUCATIVA", "ECE_NIVEL", "ECE_UGEL_INICIO_PROCESO", "ECE_DISTRITO_CRITICO",
               "PCT_NOMBRADOS", "SIAGIE", "NEXUS", "FFAA", "COAR", "AP_PREVIO", "AP_2016_2018", "AP_2019",
               "AULA_DIGITAL", "OTRO_PROGRAMA", "COMPROMISO_REGIONAL", "DIGEBR_CNEB", "CICLO_FI_2020",
               "DIFODS_SECUNDARIA", "ECE_PROMEDIO_HISTORICO", "ECE_4TO_RECIENTE"]
COLUMNAS_DOCENTE = ["DNI", "APELLIDOS", "NOMBRES", "COD_MOD", "ANEXO", "NIVEL", "COD_PLAZA", "CONDICION"]
COLUMNAS_ACOMPANANTE = ["DNI", "APELLIDOS", "NOMBRES", "COD_DRE", "CODOOII", "TIPO"]
APELLIDOS = ["Mamani", "Quispe", "Condori", "Huanca", "Flores", "Apaza", "Choque", "Ramos", "Coaquira", "Ticona",
             "Cruz", "Pari", "Calla", "Chambi", "Yupanqui", "Vilca", "Ccama", "Limachi", "Ñaupa", "Peña"]
NOMBRES = ["Rosa", "Juan", "María", "Luis", "Elena", "Víctor", "Nélida", "Óscar", "Yeni", "Efraín", "Zenón", "Marisol"]
NIVEL_TEXTO = {"inicial": "Inicial - Jardín", "primaria": "Primaria", "secundaria": "Secundaria"}
CARACTERISTICA = {"unidocente": "Unidocente", "multigrado": "Polidocente multigrado", "completo": "Polidocente completo"}


@dataclass
class Padron:
    ies: list[dict[str, str]] = field(default_factory=list)
    docentes: list[dict[str, str]] = field(default_factory=list)
    acompanantes: list[dict[str, str]] = field(default_factory=list)

    def csv(self, que: str, encoding: str = "utf-8", separador: str = ",") -> bytes:
        filas, columnas = {"ies": (self.ies, COLUMNAS_IE), "docentes": (self.docentes, COLUMNAS_DOCENTE),
                           "acompanantes": (self.acompanantes, COLUMNAS_ACOMPANANTE)}[que]
        salida = io.StringIO()
        escritor = csv.DictWriter(salida, fieldnames=columnas, delimiter=separador, lineterminator="\n")
        escritor.writeheader()
        escritor.writerows(filas)
        return salida.getvalue().encode(encoding)


def _sn(valor: bool) -> str:
    return "S" if valor else "N"


def escuela(cod_mod: str, *, nombre: str, nivel: str, caracteristica: str, dre: str, ugel: str,  # noqa: PLR0913
            area: str = "rural", alumnos: int = 40, docentes: int = 10, ruralidad: str = "2",
            eib: str = "No", gestion: str = "Pública de gestión directa", lat: float = -16.08,
            lon: float = -69.64, **extra: str) -> dict[str, str]:
    fila = {
        "COD_MOD": cod_mod, "ANEXO": "0", "CEN_EDU": nombre, "D_NIV_MOD": NIVEL_TEXTO[nivel],
        "D_GESTION": gestion, "D_GES_DEP": "Sector Educación", "DAREACENSO": "Rural" if area == "rural" else "Urbana",
        "D_COD_CAR": CARACTERISTICA[caracteristica], "CODOOII": ugel, "COD_DRE": dre, "D_FORMA": "Escolarizada",
        "D_ESTADO": "Activa", "D_DIST": "Ilave", "NLAT_IE": f"{lat:.5f}", "NLONG_IE": f"{lon:.5f}",
        "TALUMNO": str(alumnos), "TDOCENTE": str(docentes), "SECCIONES_3A5": "3" if nivel == "inicial" else "",
        "RURALIDAD": ruralidad if area == "rural" else "", "EIB_FORMA": eib, "FRONTERA": "N", "VRAEM": "N",
        "HUALLAGA": "N", "LENGUA_PELIGRO": "N", "RED_EDUCATIVA": "S", "ECE_NIVEL": "En proceso",
        "ECE_UGEL_INICIO_PROCESO": "S", "ECE_DISTRITO_CRITICO": "N", "PCT_NOMBRADOS": "55", "SIAGIE": "S",
        "NEXUS": "S", "FFAA": "N", "COAR": "N", "AP_PREVIO": "N", "AP_2016_2018": "N", "AP_2019": "N",
        "AULA_DIGITAL": "N", "OTRO_PROGRAMA": "N", "COMPROMISO_REGIONAL": "N", "DIGEBR_CNEB": "N",
        "CICLO_FI_2020": "N", "DIFODS_SECUNDARIA": "N", "ECE_PROMEDIO_HISTORICO": "En proceso",
        "ECE_4TO_RECIENTE": "En proceso",
    }
    fila.update(extra)
    return fila


def primarias_urbanas(docentes: dict[str, list[int]], acompanantes: dict[str, int], *, dre: str = "DRE-X",
                      primer_codigo: int, primer_dni: int) -> Padron:
    """Urban polidocente primaria schools of each UGEL with ``docentes[ugel]`` docentes each (codes from
    ``primer_codigo``), and ``acompanantes[ugel]`` acompañantes of that type: a world of caseloads."""
    p = Padron()
    dni = primer_dni
    for ugel, tamanos in docentes.items():
        for i, n in enumerate(tamanos):
            cod = f"{primer_codigo + len(p.ies):07d}"
            p.ies.append(escuela(cod, nombre=f"IE {ugel} {i}", nivel="primaria", caracteristica="completo",
                                 dre=dre, ugel=ugel, area="urbana", alumnos=300, docentes=max(n, 8)))
            for _ in range(n):
                dni += 1
                p.docentes.append({"DNI": str(dni), "APELLIDOS": "Quispe", "NOMBRES": "Ana", "COD_MOD": cod,
                                   "ANEXO": "0", "NIVEL": "primaria", "COD_PLAZA": "", "CONDICION": "Nombrado"})
    for ugel, cuantos in acompanantes.items():
        for _ in range(cuantos):
            dni += 1
            p.acompanantes.append({"DNI": str(dni), "APELLIDOS": "Mamani", "NOMBRES": "Luis", "COD_DRE": dre,
                                   "CODOOII": ugel, "TIPO": "polidocente_primaria"})
    return p


def _perfil(rng: random.Random) -> dict[str, object]:
    """A school of a random type; about two thirds meet their type's criteria."""
    tipo = rng.choice(["eib", "eib", "multigrado", "multigrado", "multigrado", "poli_ini", "poli_pri", "poli_sec"])
    cumple = rng.random() < 0.67
    if tipo == "eib":
        return {"nivel": rng.choice(["inicial", "primaria"]), "caracteristica": rng.choice(["unidocente", "multigrado"]),
                "eib": rng.choice(["Fortalecimiento", "Revitalización"]), "area": "rural" if cumple else "urbana",
                "ruralidad": "1", "docentes": rng.randint(1, 4), "alumnos": rng.randint(8, 60)}
    if tipo == "multigrado":
        return {"nivel": "primaria", "caracteristica": rng.choice(["unidocente", "multigrado"]),
                "ruralidad": "1" if cumple else rng.choice(["2", "3"]), "docentes": rng.randint(1, 5),
                "alumnos": rng.randint(9, 80) if cumple else rng.randint(3, 8)}
    nivel = {"poli_ini": "inicial", "poli_pri": "primaria", "poli_sec": "secundaria"}[tipo]
    return {"nivel": nivel, "caracteristica": "completo", "area": rng.choice(["rural", "urbana", "urbana"]),
            "ruralidad": rng.choice(["2", "3"]), "docentes": rng.randint(8, 30) if cumple else rng.randint(3, 7),
            "alumnos": rng.randint(120, 900)}


def generar(escuelas: int, *, ugeles: int = 8, seed: int = 7, docentes_por_escuela: float | None = None,
            acompanantes_por_ugel: int = 12) -> Padron:
    """``escuelas`` schools spread over ``ugeles`` UGELs of 2 DREs per 10 UGELs; each school's
    registered docentes follow its TDOCENTE unless ``docentes_por_escuela`` caps the mean."""
    rng = random.Random(seed)
    padron = Padron()
    dni = 40000000
    for u in range(ugeles):
        dre = f"DRE-{u // 5:02d}"
        ugel = f"UGEL-{u:03d}"
        lat0, lon0 = -9.0 - (u % 20) * 0.7, -75.0 + (u // 20) * 0.6
        for tipo in ("eib", "multigrado", "polidocente_inicial", "polidocente_primaria", "polidocente_secundaria"):
            for _ in range(acompanantes_por_ugel // 5 + (1 if tipo == "multigrado" else 0)):
                dni += 1
                padron.acompanantes.append({"DNI": str(dni), "APELLIDOS": f"{rng.choice(APELLIDOS)} {rng.choice(APELLIDOS)}",
                                            "NOMBRES": rng.choice(NOMBRES), "COD_DRE": dre, "CODOOII": ugel, "TIPO": tipo})
        for i in range(escuelas // ugeles + (1 if u < escuelas % ugeles else 0)):
            perfil = _perfil(rng)
            cod_mod = f"{1000000 + u * 10000 + i:07d}"
            fila = escuela(cod_mod, nombre=f"IE N° {70000 + u * 10000 + i}", dre=dre, ugel=ugel,
                           lat=lat0 + rng.uniform(-0.3, 0.3), lon=lon0 + rng.uniform(-0.3, 0.3), **perfil)
            padron.ies.append(fila)
            n = int(fila["TDOCENTE"])
            if docentes_por_escuela is not None:
                n = max(1, min(n, round(rng.expovariate(1 / docentes_por_escuela))))
            for _ in range(n):
                dni += 1
                padron.docentes.append({
                    "DNI": str(dni), "APELLIDOS": f"{rng.choice(APELLIDOS)} {rng.choice(APELLIDOS)}",
                    "NOMBRES": rng.choice(NOMBRES), "COD_MOD": cod_mod, "ANEXO": "0", "NIVEL": perfil["nivel"],
                    "COD_PLAZA": f"{rng.randint(10**9, 10**10 - 1)}E{rng.randint(1, 9)}",
                    "CONDICION": rng.choice(["Nombrado", "Contratado"]),
                })
    return padron


def ensuciar(padron: Padron, seed: int = 3) -> dict[str, list[int]]:
    """Put the usual faults in: wrong DNI, unknown level, duplicate código modular, blank
    required cells. Returns the data line numbers (header is line 1) of each fault."""
    rng = random.Random(seed)
    malas: dict[str, list[int]] = {"ies": [], "docentes": []}
    for k, i in enumerate(3 * j for j in rng.sample(range(1, len(padron.ies) // 3), 40)):
        fila = padron.ies[i]
        if k % 4 == 0:
            fila["D_NIV_MOD"] = "Básica Alternativa"
        elif k % 4 == 1:
            fila["COD_MOD"] = padron.ies[i - 1]["COD_MOD"]  # duplicate of the previous row
        elif k % 4 == 2:
            fila["CEN_EDU"] = ""
        else:
            fila["CODOOII"] = "   "
        malas["ies"].append(i + 2)
    for k, i in enumerate(rng.sample(range(len(padron.docentes)), 40)):
        padron.docentes[i]["DNI"] = ["1234567", "ABCDEFGH", "123456789", "00000000"][k % 4]
        malas["docentes"].append(i + 2)
    return malas


CSV = {"content-type": "text/csv"}


async def focalizar(focalizacion: httpx.AsyncClient, padron: Padron,
                    convocatoria: str = "2020-2022") -> tuple[int, int]:
    """Import the padrón's three files into focalizacion (no row refused), open the convocatoria under NT-026,
    target it and assign its docentes; returns the schools targeted and the docentes assigned."""
    for que in ("ies", "docentes", "acompanantes"):
        r = await focalizacion.post(f"/v1/padron/{que}", content=padron.csv(que), headers=CSV)
        assert r.status_code == 200 and r.json()["rechazadas"] == [], r.text
    desde, _, hasta = convocatoria.partition("-")
    r = await focalizacion.post("/v1/convocatorias", json={"codigo": convocatoria, "anio_inicio": int(desde),
                                                           "anio_fin": int(hasta), "reglas": "NT-026"})
    assert r.status_code == 201, r.text
    focalizadas = await focalizacion.post(f"/v1/convocatorias/{convocatoria}/focalizacion")
    assert focalizadas.status_code == 200, focalizadas.text
    asignados = await focalizacion.post(f"/v1/convocatorias/{convocatoria}/asignacion", json={})
    assert asignados.status_code == 200, asignados.text
    return focalizadas.json()["focalizadas"], asignados.json()["docentes_asignados"]
