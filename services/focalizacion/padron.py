"""Reading the ministry's files: the padrón of IIEE (ESCALE export plus the lists joined to
it by código modular), the docentes (NEXUS) and the acompañantes.

Each file is read row by row: a row either becomes a clean record or is rejected with its
line number and every reason, so one bad row never costs the rest of the file. Files come
in UTF-8 or Latin-1 (the padrón's own encoding), separated by comma, semicolon, tab or bar.
The accepted columns are the ``COLUMNAS_*`` tables below; ``python -m services.focalizacion.cli
columnas`` prints them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.focalizacion.celdas import (
    ValorInvalido, plano, anexo, area, caracteristica, codigo_modular, condicion, coordenada, dependencia,
    dni, ece_nivel, eib_forma, entero, estado, forma, gestion, nivel, plaza,
    porcentaje, ruralidad, si_no, territorio, texto, tipo_acompanante,
)
from services.focalizacion.valores import nombre_dre


@dataclass(frozen=True)
class Columna:
    nombre: str  # header in the file (case-insensitive)
    campo: str  # canonical attribute
    leer: Callable[[str], Any]
    requerida: bool
    descripcion: str
    alias: tuple[str, ...] = ()


@dataclass
class Rechazo:
    linea: int
    errores: list[tuple[str, str]]
    clave: str = ""

    def como_dict(self) -> dict[str, Any]:
        return {"linea": self.linea, "clave": self.clave,
                "errores": [{"campo": c, "motivo": m} for c, m in self.errores]}


@dataclass
class Lectura:
    validas: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    rechazadas: list[Rechazo] = field(default_factory=list)
    filas: int = 0


def _col(nombre: str, campo: str, leer: Callable[[str], Any], descripcion: str, *alias: str,
         requerida: bool = False) -> Columna:
    return Columna(nombre, campo, leer, requerida, descripcion, alias)


COLUMNAS_IE: tuple[Columna, ...] = (
    _col("COD_MOD", "codigo_modular", codigo_modular, "Código modular (7 dígitos).", requerida=True),
    _col("ANEXO", "anexo", anexo, "Anexo (0: sede principal).", requerida=True),
    _col("CEN_EDU", "nombre", texto, "Nombre de la IE.", requerida=True),
    _col("D_NIV_MOD", "nivel", nivel, "Nivel: Inicial (Jardín, Cuna-jardín), Primaria o Secundaria.", "NIVEL",
         requerida=True),
    _col("D_GESTION", "gestion", gestion, "Pública de gestión directa / Pública de gestión privada / Privada.",
         "GESTION", requerida=True),
    _col("DAREACENSO", "area", area, "Área: Urbana o Rural.", "AREA", requerida=True),
    _col("D_COD_CAR", "caracteristica", caracteristica,
         "Característica: Unidocente / Polidocente multigrado / Polidocente completo.", "CARACTERISTICA",
         requerida=True),
    _col("CODOOII", "ugel", territorio, "Código de la UGEL que supervisa la IE.", "UGEL", requerida=True),
    _col("COD_DRE", "dre", territorio, "Código de la DRE.", "DRE", requerida=True),
    _col("D_DREUGEL", "nombre_ugel", texto, "Nombre de la UGEL (o DRE) que supervisa la IE: 'UGEL El Collao'. "
         "Opcional: sin él, se muestra el código."),
    _col("D_REGION", "region", texto, "Región de la IE, el nombre de su DRE: 'Puno' (se muestra 'DRE Puno') o "
         "'DRE Puno'. Opcional: sin él, se muestra el código."),
    _col("D_GES_DEP", "dependencia", dependencia, "Dependencia: 'Sector Educación' u otro sector.", "DEPENDENCIA"),
    _col("D_FORMA", "forma", forma, "Escolarizada / No escolarizada.", "FORMA"),
    _col("D_ESTADO", "estado", estado, "Activa / Inactiva.", "ESTADO"),
    _col("CODGEO", "ubigeo", texto, "Ubigeo del distrito."),
    _col("D_DIST", "distrito", texto, "Distrito."),
    _col("CEN_POB", "centro_poblado", texto, "Centro poblado."),
    _col("NLAT_IE", "latitud", coordenada(90), "Latitud (grados decimales).", "LATITUD"),
    _col("NLONG_IE", "longitud", coordenada(180), "Longitud (grados decimales).", "LONGITUD"),
    _col("TALUMNO", "alumnos", entero, "Estudiantes matriculados en el nivel (SIAGIE).", "ALUMNOS"),
    _col("TDOCENTE", "docentes", entero, "Docentes del nivel.", "DOCENTES"),
    _col("TSECCION", "secciones", entero, "Secciones del nivel."),
    _col("SECCIONES_3A5", "secciones_3a5", entero, "Inicial: secciones de 3, 4 y 5 años."),
    _col("RURALIDAD", "ruralidad", ruralidad,
         "Grado de ruralidad 1, 2 o 3. Vacío en una IE urbana: no rural (0); vacío en una rural: sin dato."),
    _col("EIB_FORMA", "eib_forma", eib_forma,
         "Registro Nacional de IIEE EIB: Fortalecimiento / Revitalización / Urbano / No (no está en el registro)."),
    _col("FRONTERA", "frontera", si_no, "Área crítica de frontera (DS 05-2018-RE): S/N."),
    _col("VRAEM", "vraem", si_no, "Zona VRAEM: S/N."),
    _col("HUALLAGA", "huallaga", si_no, "Zona Huallaga: S/N."),
    _col("LENGUA_PELIGRO", "lengua_peligro", si_no, "UGEL con lenguas en peligro (DS 011-2018-MINEDU): S/N."),
    _col("RED_EDUCATIVA", "red_educativa", si_no, "Pertenece a una red educativa en funcionamiento: S/N."),
    _col("ECE_NIVEL", "ece_nivel", ece_nivel,
         "Medida promedio de la IE en la ECE: Previo / Inicio / En proceso / Satisfactorio (reglas NT-026@1)."),
    _col("ECE_PROMEDIO_HISTORICO", "ece_promedio_historico", ece_nivel,
         "Promedio histórico de la IE en la ECE (primaria 2012-2016; secundaria 2015, 2016 y 2018): "
         "Previo / Inicio / En proceso / Satisfactorio."),
    _col("ECE_4TO_RECIENTE", "ece_4to_reciente", ece_nivel,
         "Medida promedio de la IE en la ECE del año más reciente, 4.° de primaria, matemática: "
         "Previo / Inicio / En proceso / Satisfactorio."),
    _col("ECE_UGEL_INICIO_PROCESO", "ece_ugel_inicio_proceso", si_no, "La UGEL ubica a sus estudiantes en inicio y proceso (ECE): S/N."),
    _col("ECE_DISTRITO_CRITICO", "ece_distrito_critico", si_no,
         "Distrito con mayor % de estudiantes de 4.° en previo al inicio e inicio (ECE): S/N."),
    _col("PCT_NOMBRADOS", "pct_nombrados", porcentaje, "Porcentaje de docentes en plazas nombradas (NEXUS)."),
    _col("SIAGIE", "siagie", si_no, "Estudiantes registrados en SIAGIE: S/N."),
    _col("NEXUS", "nexus", si_no, "Profesores registrados en NEXUS: S/N."),
    _col("FFAA", "ffaa", si_no, "IE de las fuerzas armadas: S/N."),
    _col("COAR", "coar", si_no, "Colegio de Alto Rendimiento: S/N."),
    _col("AP_PREVIO", "ap_previo", si_no, "Recibió acompañamiento pedagógico en 2017-2019: S/N."),
    _col("AP_2016_2018", "ap_2016_2018", si_no, "Recibió acompañamiento pedagógico en 2016-2018: S/N."),
    _col("AP_2019", "ap_2019", si_no, "Integrada a una IE polidocente acompañada en 2019: S/N."),
    _col("AULA_DIGITAL", "aula_digital", si_no, "Recibe el proyecto aula digital rural: S/N."),
    _col("OTRO_PROGRAMA", "otro_programa", si_no,
         "Recibe otra intervención DIGEBR o programa DIFODS: S/N (reglas NT-026@1; desde @2, las tres columnas siguientes)."),
    _col("DIGEBR_CNEB", "digebr_cneb", si_no, "Ya tiene intervención de la DIGEBR en el marco del CNEB: S/N."),
    _col("CICLO_FI_2020", "ciclo_formacion_interna_2020", si_no,
         "Recibe el Ciclo de Formación Interna para Docentes 2020 de DIFODS: S/N."),
    _col("DIFODS_SECUNDARIA", "difods_secundaria", si_no,
         "Recibe el programa de formación docente en servicio para secundaria de DIFODS: S/N."),
    _col("COMPROMISO_REGIONAL", "compromiso_regional", si_no, "Comprendida en compromisos con el gobierno regional: S/N."),
    _col("CUNA", "cuna", si_no, "Inicial: tiene servicio de cuna (se deduce de 'Cuna-jardín' si falta)."),
)

PERSONA: tuple[Columna, ...] = (  # who a docente or an acompañante is: his personal data
    _col("DNI", "dni", dni, "DNI (8 dígitos).", "NUM_DOC", requerida=True),
    _col("APELLIDOS", "apellidos", texto, "Apellidos.", requerida=True),
    _col("NOMBRES", "nombres", texto, "Nombres.", requerida=True),
)

COLUMNAS_DOCENTE: tuple[Columna, ...] = (
    *PERSONA,
    _col("COD_MOD", "codigo_modular", codigo_modular, "Código modular de su IE (registrada antes).", requerida=True),
    _col("ANEXO", "anexo", anexo, "Anexo de su IE.", requerida=True),
    _col("NIVEL", "nivel", nivel, "Nivel en que enseña (debe ser el de la IE).", "D_NIV_MOD", requerida=True),
    _col("COD_PLAZA", "plaza", plaza, "Código de la plaza en NEXUS.", "PLAZA"),
    _col("CONDICION", "condicion", condicion, "Nombrado / Contratado.", "SITUACION"),
    _col("GRADO_SECCION", "grado_seccion", texto, "Grado (o edad en inicial) y sección a su cargo: '5 años A', "
         "'3.° B'. Opcional.", "SECCION"),
    _col("AREA_CURRICULAR", "area_curricular", texto, "Área curricular que enseña (secundaria): 'Matemática'. "
         "Opcional.", "AREA"),
)

COLUMNAS_ACOMPANANTE: tuple[Columna, ...] = (
    *PERSONA,
    _col("COD_DRE", "dre", territorio, "Código de la DRE.", "DRE", requerida=True),
    _col("CODOOII", "ugel", territorio, "Código de la UGEL donde trabaja.", "UGEL", requerida=True),
    _col("TIPO", "tipo", tipo_acompanante,
         "Tipo de IE que acompaña: eib, multigrado, polidocente_inicial, polidocente_primaria, polidocente_secundaria.",
         requerida=True),
)


def decodificar(contenido: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes, else Latin-1 (the padrón's DBF encoding)."""
    try:
        return contenido.decode("utf-8-sig")
    except UnicodeDecodeError:
        return contenido.decode("latin-1")


def _lector(texto_csv: str) -> csv.DictReader:
    primera = texto_csv.split("\n", 1)[0]
    separador = max(",;\t|", key=primera.count)
    lector = csv.DictReader(io.StringIO(texto_csv, newline=""), delimiter=separador)
    lector.fieldnames = [(n or "").strip().upper() for n in (lector.fieldnames or [])]
    return lector


class ArchivoInvalido(ValueError):
    """The file as a whole cannot be read (e.g. a required column is missing)."""


Completar = Callable[[dict[str, Any], dict[str, str]], dict[str, Any]]


def leer(contenido: bytes, columnas: tuple[Columna, ...], clave: Callable[[dict[str, Any]], str],
         completar: Completar | None = None) -> Lectura:
    lector = _lector(decodificar(contenido))
    ubicacion = _ubicar(columnas, lector.fieldnames)
    lectura = Lectura()
    vistas: dict[str, int] = {}
    for fila in lector:
        linea = lector.line_num
        if not any((v or "").strip() for k, v in fila.items() if isinstance(v, str)):
            continue  # blank line
        lectura.filas += 1
        datos, errores = _leer_fila(fila, columnas, ubicacion)
        llave = clave(datos) if not errores else ""
        if not errores and llave in vistas:
            errores.append(("clave", f"duplicado de la línea {vistas[llave]}"))
        if errores:
            lectura.rechazadas.append(Rechazo(linea, errores, llave or _clave_parcial(datos)))
            continue
        vistas[llave] = linea
        lectura.validas.append((linea, completar(datos, fila) if completar else datos))
    return lectura


def _ubicar(columnas: tuple[Columna, ...], encabezados: Any) -> dict[str, str]:
    presentes = {h for h in encabezados if h}
    ubicacion: dict[str, str] = {}
    faltan = []
    for col in columnas:
        nombre = next((n for n in (col.nombre, *col.alias) if n in presentes), None)
        if nombre:
            ubicacion[col.campo] = nombre
        elif col.requerida:
            faltan.append(col.nombre)
    if faltan:
        raise ArchivoInvalido(f"Faltan columnas obligatorias: {', '.join(faltan)}.")
    return ubicacion


def _leer_fila(fila: dict[str, str], columnas: tuple[Columna, ...],
               ubicacion: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    datos: dict[str, Any] = {}
    errores: list[tuple[str, str]] = []
    for col in columnas:
        crudo = (fila.get(ubicacion.get(col.campo, "")) or "").strip()
        if not crudo:
            if col.requerida:
                errores.append((col.nombre, "celda vacía en una columna obligatoria"))
            datos[col.campo] = None
            continue
        try:
            datos[col.campo] = col.leer(crudo)
        except ValorInvalido as exc:
            errores.append((col.nombre, f"{exc} (valor: {crudo!r})"))
    return datos, errores


def _clave_parcial(datos: dict[str, Any]) -> str:
    return str(datos.get("dni") or datos.get("codigo_modular") or "")


def clave_ie(datos: dict[str, Any]) -> str:
    return f"{datos['codigo_modular']}-{datos['anexo']}"


def clave_persona(datos: dict[str, Any]) -> str:
    return datos["dni"]


# The columns NT-026@2 reads (its three programme exclusions, the ECE historical average and the
# latest 4th-grade result) and the one of the earlier padrón each replaces.
COLUMNAS_V2 = {"DIGEBR_CNEB": ("digebr_cneb", "OTRO_PROGRAMA"),
               "CICLO_FI_2020": ("ciclo_formacion_interna_2020", "OTRO_PROGRAMA"),
               "DIFODS_SECUNDARIA": ("difods_secundaria", "OTRO_PROGRAMA"),
               "ECE_PROMEDIO_HISTORICO": ("ece_promedio_historico", "ECE_NIVEL"),
               "ECE_4TO_RECIENTE": ("ece_4to_reciente", "ECE_NIVEL")}
ANTERIOR = {"OTRO_PROGRAMA": "otro_programa", "ECE_NIVEL": "ece_nivel"}


def completar_ie(datos: dict[str, Any], fila: dict[str, str]) -> dict[str, Any]:
    """Attributes the padrón implies: urban schools have no rural gradient (0); the level
    description says whether an inicial school has cuna; and a padrón without the columns of
    NT-026@2 is read as before (``_como_antes``)."""
    _como_antes(datos, fila)
    if datos.get("ruralidad") is None and datos.get("area") == "urbana":
        datos["ruralidad"] = 0
    if datos.get("cuna") is None and datos.get("nivel") == "inicial":
        descripcion = plano(fila.get("D_NIV_MOD") or fila.get("NIVEL") or "")
        if "cuna" in descripcion:
            datos["cuna"] = True
        elif "jardin" in descripcion:
            datos["cuna"] = False
    return datos


def leer_padron(contenido: bytes) -> Lectura:
    return leer(contenido, COLUMNAS_IE, clave_ie, completar_ie)


def nombres_por_ugel(lectura: Lectura) -> dict[str, tuple[str, str | None, str | None]]:
    """Each UGEL's DRE and the names its rows give them (a DRE's from D_REGION, ``valores.nombre_dre``; a UGEL's,
    D_DREUGEL): the last ones, a row without a name keeping the one before; a UGEL named by neither is left out."""
    por_ugel: dict[str, list[Any]] = {}
    for _, d in lectura.validas:
        actual = por_ugel.setdefault(d["ugel"], [d["dre"], None, None])
        actual[:] = [d["dre"], d.get("region") or actual[1], d.get("nombre_ugel") or actual[2]]
    return {ugel: (dre, nombre_dre(region), nombre) for ugel, (dre, region, nombre) in por_ugel.items()
            if region or nombre}


def leer_docentes(contenido: bytes) -> Lectura:
    return leer(contenido, COLUMNAS_DOCENTE, clave_persona)


def leer_acompanantes(contenido: bytes) -> Lectura:
    return leer(contenido, COLUMNAS_ACOMPANANTE, clave_persona)


def columnas_markdown() -> str:
    partes = []
    for titulo, columnas in (("Padrón de IIEE", COLUMNAS_IE), ("Docentes", COLUMNAS_DOCENTE),
                             ("Acompañantes", COLUMNAS_ACOMPANANTE)):
        partes.append(f"## {titulo}\n\n| columna | otros nombres | obligatoria | contenido |\n|---|---|---|---|")
        for col in columnas:
            partes.append(f"| `{col.nombre}` | {', '.join(f'`{a}`' for a in col.alias)} | "
                          f"{'sí' if col.requerida else 'no'} | {col.descripcion} |")
        partes.append("")
    return "\n".join(partes)


def _como_antes(datos: dict[str, Any], fila: dict[str, str]) -> None:
    """A padrón in the earlier shape gives the attributes of NT-026@2 from the columns it had:
    OTRO_PROGRAMA = N says the school receives none of the three programmes (S, one of them without
    saying which: the three lack data, and the school stays out as before); ECE_NIVEL was the ECE
    measure both lines read. A column neither shape has is left out of the record, not blank: an
    exclusion line applies only when the padrón carries its data (``focalizar.decidir``)."""
    for columna, (campo, anterior) in COLUMNAS_V2.items():
        if columna in fila:
            continue
        if anterior not in fila:
            datos.pop(campo, None)
            continue
        valor = datos.get(ANTERIOR[anterior])
        datos[campo] = (False if valor is False else None) if anterior == "OTRO_PROGRAMA" else valor
