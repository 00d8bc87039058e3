"""A docente's history told as an auditor reads it: each fact a Spanish sentence with who, where and when.

The facts carry ids, never names (names live in focalizacion's padrón, personal data under Ley 29733).
Whoever asks for the printed history may hand the names he may see (``personas``: id → name; ``escuelas``:
``codigo_modular-anexo`` → name); a person without one is named by his part in the story ("su
acompañante", "un especialista de la UGEL") and a school by its código modular, never by an id or a dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")
SERVICIOS = {"focalizacion": "Focalización", "agenda": "Agenda", "evidencias": "Evidencias",
             "evaluacion": "Evaluación"}
ROLES = {"acompanante": "un acompañante", "directivo": "el directivo de su IE", "docente": "un docente",
         "especialista_ugel": "un especialista de la UGEL", "especialista_dre": "un especialista de la DRE",
         "minedu": "un especialista del MINEDU", "auditor": "un auditor", "administrador": "un administrador",
         "sistema": "el sistema, por sí solo"}
COMPETENCIAS = {"C2": "C2 (planifica la enseñanza)", "C3": "C3 (clima para el aprendizaje)",
                "C4": "C4 (conduce la enseñanza)", "C5": "C5 (evalúa el aprendizaje)",
                "C6": "C6 (gestión de la escuela)", "C7": "C7 (familias y comunidad)"}
RESULTADOS = {"cumplido": "cumplido", "parcialmente": "cumplido en parte", "no_cumplido": "no cumplido"}
PERIODOS = {"anual": "anual", "semestre_1": "del primer semestre", "semestre_2": "del segundo semestre"}
# an activity of the agenda: its words, and the ending of its participles (una visita programada, un GIA …)
ACTIVIDADES = {"Visita": ("una visita", "a"), "GIA": ("un GIA", "o"), "RTC": ("una RTC", "a"),
               "Taller": ("un taller", "o")}
ACCIONES = {"Programad": "programó", "Reprogramad": "reprogramó", "Cancelad": "canceló"}


def fecha(valor: Any) -> str:
    """A date (or the date of a moment, in Lima) as ``dd/mm/aaaa``; empty when there is none."""
    if not valor:
        return ""
    if isinstance(valor, str):
        try:
            valor = datetime.fromisoformat(valor) if "T" in valor else date.fromisoformat(valor[:10])
        except ValueError:
            return valor
    if isinstance(valor, datetime):
        valor = valor.astimezone(LIMA) if valor.tzinfo else valor
        return f"{valor:%d/%m/%Y %H:%M}"
    return f"{valor:%d/%m/%Y}"


class Relato:
    """The sentences of one docente's history, with the names the reader may see."""

    def __init__(self, docente_id: str, personas: Mapping[str, str] | None = None,
                 escuelas: Mapping[str, str] | None = None) -> None:
        self.docente_id = docente_id
        self.personas = dict(personas or {})
        self.escuelas = dict(escuelas or {})

    def persona(self, id_: Any, si_no: str) -> str:
        return self.personas.get(str(id_), si_no) if id_ else si_no

    def escuela(self, c: Mapping[str, Any]) -> str:
        if not c.get("codigo_modular"):
            return "su IE"
        clave = f"{c['codigo_modular']}-{c.get('anexo') or 0}"
        return self.escuelas.get(clave) or f"la IE de código modular {clave}"

    def autor(self, h: Mapping[str, Any]) -> str:
        """Who recorded the fact: his name, himself, or his role."""
        usuario, rol = str(h.get("usuario") or ""), str(h.get("rol") or "sistema")
        if usuario and usuario == self.docente_id:
            return "el propio docente"
        return self.personas.get(usuario) or ROLES.get(rol, "otra persona")

    def frase(self, h: Mapping[str, Any], c: Mapping[str, Any]) -> str:
        """One fact as a sentence; a fact without its own sentence is told without its technical name."""
        evento = str(h.get("evento", ""))
        acompanante = self.persona(c.get("acompanante_id"), "su acompañante")
        cuando = _cuando(c)
        for tipo, (palabras, fin) in ACTIVIDADES.items():
            for raiz, verbo in ACCIONES.items():
                if evento == f"{tipo}{raiz}{fin}":
                    motivo = f" Motivo: {c['motivo']}." if c.get("motivo") else ""
                    return f"Se {verbo} {palabras} en {self.escuela(c)}{cuando}, a cargo de {acompanante}.{motivo}"
        servicio = SERVICIOS.get(str(h.get("servicio", "")), "el sistema")
        return self._propia(evento, c, acompanante, cuando) or f"Se registró un hecho de su acompañamiento en {servicio}."

    def _propia(self, evento: str, c: Mapping[str, Any], acompanante: str,  # noqa: C901, PLR0911, PLR0912
                cuando: str) -> str | None:
        """The sentence of a fact of its own kind (one branch per kind of fact), or None."""
        escuela = self.escuela(c)
        motivo = f" Motivo: {c['motivo']}." if c.get("motivo") else ""
        if evento == "DocenteAsignado":
            return f"Se le asignó como acompañante a {acompanante} ({escuela}, convocatoria {c.get('convocatoria')})."
        if evento in ("DocenteReasignado", "PlanAnualReasignado"):
            de = self.persona(c.get("de_acompanante_id"), "su acompañante anterior")
            a = self.persona(c.get("a_acompanante_id"), "otro acompañante")
            que = f"Su plan anual {c['anio']}" if evento == "PlanAnualReasignado" else "Su acompañamiento"
            return f"{que} pasó de {de} a {a}.{motivo}"
        if evento == "DocenteRetirado":
            return f"Se le retiró del acompañamiento de {acompanante}.{motivo}"
        if evento == "DocenteRegistradoEnIE":
            return f"El padrón lo registró como docente de {escuela} (nivel {c.get('nivel')})."
        if evento == "PlanAnualGenerado":
            return (f"Se generó su plan anual {c.get('anio')} (etapa {c.get('etapa')}, modalidad "
                    f"{c.get('modalidad')}) en {escuela}, con {acompanante}.")
        if evento == "PlanAnualCerrado":
            return f"Se cerró su plan anual {c.get('anio')}.{motivo}"
        if evento == "VisitaRealizada":
            return f"{_m(acompanante)} lo visitó en {escuela}{cuando}."
        if evento in ("ActaGIARegistrada", "ActaRTCRegistrada"):
            que = "un GIA" if evento == "ActaGIARegistrada" else "una RTC"
            return f"Se registró el acta de {que} en {escuela}{cuando}, a cargo de {acompanante}.{motivo}"
        if evento == "CursoVirtualCompletado":
            return f"Completó el curso virtual «{c.get('curso')}» ({c.get('horas')} horas){cuando}."
        if evento == "ObservacionRegistrada":
            return f"{_m(acompanante)} registró la observación de su clase{cuando} en {escuela}."
        if evento == "ObservacionCorregida":
            autor = self.persona(c.get("autor_id"), ROLES.get(str(c.get("autor_rol")), acompanante))
            return f"Se corrigió la observación de su clase{cuando}, por {autor}.{motivo}"
        if evento == "RetroalimentacionBrindada":
            return f"Recibió retroalimentación de {acompanante}{cuando}."
        if evento == "CompromisoAsumido":
            que = f": «{c['descripcion']}»" if c.get("descripcion") else ""
            return (f"Asumió un compromiso{cuando} (desempeño {c.get('item')}){que}; fecha límite: "
                    f"{fecha(c.get('fecha_limite'))}.")
        if evento == "CompromisoVerificado":
            return (f"{_m(acompanante)} verificó un compromiso{cuando}: "
                    f"{RESULTADOS.get(str(c.get('resultado')), 'sin resultado')}.")
        if evento == "CompromisoVencido":
            return f"Un compromiso con fecha límite el {fecha(c.get('fecha_limite'))} venció sin verificarse."
        if evento == "NecesidadFormativaRegistrada":
            return (f"{_m(acompanante)} registró una necesidad formativa en "
                    f"{COMPETENCIAS.get(str(c.get('competencia')), 'una competencia')}.")
        if evento == "EvidenciaAdjuntada":
            que = f" ({c['descripcion']})" if c.get("descripcion") else ""
            return f"Se adjuntó una foto o documento{que} a su acompañamiento."
        if evento == "SituacionInicialRegistrada":
            return f"Se registró su situación inicial{cuando}: {_niveles(c.get('niveles'))}."
        if evento == "NivelCompetenciaValorado":
            return (f"{_m(acompanante)} valoró su competencia "
                    f"{COMPETENCIAS.get(str(c.get('competencia')), c.get('competencia'))} en el nivel {c.get('nivel')}"
                    f"{cuando}.")
        if evento == "EtapaCerrada":
            correccion = " (corrección)" if c.get("correccion") else ""
            return (f"Se cerró la etapa {c.get('etapa')} ({c.get('anio')}){correccion}{cuando}, con los niveles "
                    f"logrados {_niveles(c.get('niveles'))}.{motivo}")
        if evento == "EncuestaSatisfaccionRespondida":
            return f"Respondió la encuesta de satisfacción {PERIODOS.get(str(c.get('periodo')), '')} {c.get('anio')}."
        if evento == "DatosPersonalesCancelados":
            return "Sus datos personales se cancelaron a su pedido."
        if evento == "LecturaAuditada":
            return f"{_m(ROLES.get(str(c.get('rol')), 'alguien'))} consultó su información."
        if evento == "VisitaEntreParesRealizada":
            colega = "un colega de su IE"
            visitante = str(c.get("docente_visitante_id"))
            visitado = str(c.get("docente_visitado_id"))
            if self.docente_id == visitante:
                return f"Visita entre pares en {escuela}{cuando}: observó la clase de {self.persona(visitado, colega)}."
            return f"Visita entre pares en {escuela}{cuando}: {self.persona(visitante, colega)} observó su clase."
        return None


def _m(texto: str) -> str:
    """The sentence's first word with its capital."""
    return texto[:1].upper() + texto[1:]


def _cuando(c: Mapping[str, Any]) -> str:
    inicio = c.get("fecha_inicio") or c.get("fecha")
    fin = c.get("fecha_fin")
    if not inicio:
        return ""
    if fin and fin != inicio:
        return f" del {fecha(inicio)} al {fecha(fin)}"
    return f" el {fecha(inicio)}"


def _niveles(niveles: Any) -> str:
    """``{"C2": "II"}`` or ``{"C2": {"nivel": "II", …}}`` as «C2 (…): nivel II; …»."""
    if not isinstance(niveles, Mapping) or not niveles:
        return "sin niveles"
    partes = []
    for comp, n in niveles.items():
        nivel = n.get("nivel") if isinstance(n, Mapping) else n
        partes.append(f"{COMPETENCIAS.get(str(comp), comp)}: nivel {nivel}")
    return "; ".join(partes)
