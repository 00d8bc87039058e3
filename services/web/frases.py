"""Facts as Spanish sentences with names, dates and schools — never an id or a dict.

"Visita realizada a María Quispe en la IEI N°246 por Rosa Mamani el 12/04/2021." The names are those
the caller may see (asked to focalizacion for this request); a person the caller may not see is named
by his role ("un docente"), never by an id.
"""

from __future__ import annotations

from typing import Any

from services.web.i18n import _, fecha

TIPOS = {"visita": _("Visita"), "gia": _("GIA"), "rtc": _("RTC"), "taller": _("Taller")}
ESTADOS = {"programada": _("programada"), "realizada": _("realizada"), "cancelada": _("cancelada"),
           "reprogramada": _("reprogramada")}
ESTADOS_MASCULINO = {"programada": _("programado"), "realizada": _("realizado"), "cancelada": _("cancelado"),
                     "reprogramada": _("reprogramado")}  # "un GIA", "un taller"
RESULTADOS = {"cumplido": _("cumplido"), "parcialmente": _("cumplido en parte"), "no_cumplido": _("no cumplido")}
COMPROMISO = {"pendiente": _("pendiente"), "verificado": _("verificado"), "vencido": _("vencido")}
COMPETENCIAS = {
    "C2": _("C2: Planifica la enseñanza de forma colegiada"),
    "C3": _("C3: Crea un clima propicio para el aprendizaje"),
    "C4": _("C4: Conduce el proceso de enseñanza"),
    "C5": _("C5: Evalúa permanentemente el aprendizaje"),
    "C6": _("C6: Participa en la gestión de la escuela"),
    "C7": _("C7: Establece relaciones con las familias y la comunidad"),
}


def nombre(persona: dict[str, Any] | None) -> str:
    if not persona:
        return ""
    return " ".join(str(p) for p in (persona.get("nombres"), persona.get("apellidos")) if p)


def nivel(valor: str | None) -> str:
    return _("nivel {nivel}").format(nivel=valor) if valor else _("sin nivel")


def periodo(inicio: str, fin: str) -> str:
    if not fin or fin == inicio:
        return _("el {fecha}").format(fecha=fecha(inicio))
    return _("del {inicio} al {fin}").format(inicio=fecha(inicio), fin=fecha(fin))


def actividad(a: dict[str, Any], docentes: dict[str, str], escuelas: dict[str, str]) -> dict[str, Any]:
    """An activity of the agenda with its sentence ("Visita realizada a … en … el …")."""
    datos = a.get("datos", {})
    escuela = escuelas.get(str(a.get("ie")), _("una IE que ya no está en su cartera"))
    quienes = [docentes.get(d, _("un docente que ya no está en su cartera")) for d in datos.get("docentes", [])]
    cuando = periodo(a["fecha_inicio"], a.get("fecha_fin") or a["fecha_inicio"])
    tipo = TIPOS.get(a["tipo"], a["tipo"])
    estado = (ESTADOS_MASCULINO if a["tipo"] in ("gia", "taller") else ESTADOS).get(a["estado"], a["estado"])
    if a["tipo"] == "visita":
        frase = _("{tipo} {estado} a {docente} en la {escuela}, {cuando}.").format(
            tipo=tipo, estado=estado, docente=", ".join(quienes), escuela=escuela, cuando=cuando)
    elif a["tipo"] == "taller":
        frase = _("{tipo} {estado} en {sede}, {cuando}.").format(tipo=tipo, estado=estado, sede=datos.get("sede", ""),
                                                                  cuando=cuando)
    else:
        frase = _("{tipo} {estado} en la {escuela}, {cuando}, de {inicio} a {fin}.").format(
            tipo=tipo, estado=estado, escuela=escuela, cuando=cuando, inicio=datos.get("hora_inicio", ""),
            fin=datos.get("hora_fin", ""))
    primero = datos.get("docentes", [None])[0] if datos.get("docentes") else None
    return {**a, "frase": frase, "docente_id": primero, "escuela": escuela}


def compromiso(c: dict[str, Any], titulos: dict[str, str]) -> dict[str, Any]:
    desempeno = titulos.get(c.get("item", ""), c.get("item", ""))
    plantilla = _("Asumido en la visita {cuando}: «{que}» ({item}: {desempeno}). Fecha límite: {limite}.")
    if not c.get("descripcion"):  # not at hand: no empty quotes
        plantilla = _("Asumido en la visita {cuando} ({item}: {desempeno}). Fecha límite: {limite}.")
    frase = plantilla.format(
        cuando=periodo(c.get("fecha_visita", ""), c.get("fecha_visita_fin", "")), que=c.get("descripcion", ""),
        item=c.get("item", ""), desempeno=desempeno, limite=fecha(c.get("fecha_limite")))
    verificado = c.get("verificado")
    verificacion = ""
    if verificado:
        verificacion = _("Verificado el {fecha}: {resultado}. {evidencia}").format(
            fecha=fecha(verificado.get("fecha")), resultado=RESULTADOS.get(verificado.get("resultado"), ""),
            evidencia=verificado.get("evidencia", ""))
    return {**c, "frase": frase, "estado_texto": COMPROMISO.get(c.get("estado", ""), c.get("estado", "")),
            "verificacion": verificacion}


EVENTOS = {
    "DocenteAsignado": _("Se le asignó acompañante{asignado}."),
    "DocenteReasignado": _("Se le asignó otro acompañante{asignado}."),
    "DocenteRetirado": _("Se le retiró del acompañamiento."),
    "PlanAnualGenerado": _("Se generó su plan anual {anio} de acompañamiento."),
    "PlanAnualReasignado": _("Su plan anual {anio} pasó a otro acompañante{asignado}."),
    "PlanAnualCerrado": _("Se cerró su plan anual {anio}."),
    "VisitaProgramada": _("Se programó una visita{quien} {cuando}."),
    "VisitaReprogramada": _("Se reprogramó una visita{quien} {cuando}."),
    "VisitaCancelada": _("Se canceló una visita{quien}."),
    "VisitaRealizada": _("Visita realizada{escuela}{quien} {cuando}."),
    "GIACompletado": _("Participó en un GIA{escuela} {cuando}."),
    "RTCRealizada": _("Participó en una RTC{escuela} {cuando}."),
    "TallerRealizado": _("Participó en un taller {cuando}."),
    "GIAProgramado": _("Se programó un GIA{escuela} {cuando}."),
    "GIAReprogramado": _("Se reprogramó un GIA{escuela} {cuando}."),
    "GIACancelado": _("Se canceló un GIA{escuela}."),
    "RTCProgramada": _("Se programó una RTC{escuela} {cuando}."),
    "RTCReprogramada": _("Se reprogramó una RTC{escuela} {cuando}."),
    "RTCCancelada": _("Se canceló una RTC{escuela}."),
    "TallerProgramado": _("Se programó un taller {cuando}."),
    "TallerReprogramado": _("Se reprogramó un taller {cuando}."),
    "TallerCancelado": _("Se canceló un taller."),
    "ActaGIARegistrada": _("Se registró el acta de un GIA{escuela}{quien} {cuando}."),
    "ActaRTCRegistrada": _("Se registró el acta de una RTC{escuela}{quien} {cuando}."),
    "CursoVirtualCompletado": _("Completó el curso virtual «{curso}» {cuando}."),
    "ObservacionRegistrada": _("Observación de su clase registrada{quien}."),
    "ObservacionCorregida": _("Se corrigió una observación de su clase{quien}."),
    "RetroalimentacionBrindada": _("Recibió retroalimentación{quien}."),
    "CompromisoAsumido": _("Asumió un compromiso{quien}: «{descripcion}»."),
    "CompromisoVerificado": _("Se verificó un compromiso{quien}: {resultado}."),
    "CompromisoVencido": _("Un compromiso venció sin verificarse."),
    "NecesidadFormativaRegistrada": _("Se registró una necesidad formativa{quien}{en_competencia}."),
    "EvidenciaAdjuntada": _("Se adjuntó una foto o documento a una visita{quien}."),
    "SituacionInicialRegistrada": _("Se registró su situación inicial{quien}."),
    "NivelCompetenciaValorado": _("Se valoró su competencia «{competencia}»{quien}: {nivel}."),
    "EtapaCerrada": _("Se cerró la etapa {anio} con sus niveles logrados{quien}."),
    "EncuestaSatisfaccionRespondida": _("Respondió la encuesta de satisfacción {anio}."),
    "DatosPersonalesCancelados": _("Sus datos personales se cancelaron a su pedido."),
    "DocenteRegistradoEnIE": _("El padrón lo registró como docente{escuela}."),
    "LecturaAuditada": _("Un auditor consultó su información."),
    "VisitaEntreParesRealizada": _(
        "Visita entre pares: {visitante} observó la clase de {visitado} {cuando}."),
}
# A peer visit is filed under both docentes: each reads it from his side.
ENTRE_PARES_VISITANTE = _("Visita entre pares: observó la clase de {visitado} {cuando}.")
ENTRE_PARES_VISITADO = _("Visita entre pares: {visitante} observó su clase {cuando}.")
# Since their v2 the facts carry no free text about him (docs/datos-personales.md): a commitment is told by
# its competence and due date, not by what it says.
COMPROMISO_SIN_TEXTO = _("Asumió un compromiso{quien}{en_competencia}{limite}.")
EN_COMPETENCIA = _(" en la competencia «{competencia}»")
LIMITE = _(", con fecha límite el {fecha}")


def hecho(h: dict[str, Any], personas: dict[str, str], escuelas: dict[str, str], docente_id: str = "") -> str:
    """One fact of the docente's history (``docente_id``, whose it is) as a sentence (what, where, by whom,
    when)."""
    c = h.get("contenido", {})
    autor = personas.get(str(c.get("acompanante_id") or c.get("a_acompanante_id") or ""))
    if h.get("evento") == "ObservacionCorregida" and c.get("autor_id"):  # who corrected (a specialist: his role)
        autor = personas.get(str(c["autor_id"])) or ROLES.get(str(c.get("autor_rol")))
    quien = _(" por {nombre}").format(nombre=autor) if autor else ""
    asignado = _(": {nombre}").format(nombre=autor) if autor else ""
    clave = f"{c.get('codigo_modular')}-{c.get('anexo')}"
    escuela = _(" en la {escuela}").format(escuela=escuelas[clave]) if clave in escuelas else ""
    inicio = c.get("fecha_inicio") or c.get("fecha") or h.get("ocurrido") or ""
    cuando = periodo(inicio, c.get("fecha_fin") or inicio) if inicio else ""
    # a fact without its sentence yet is told without its technical name
    plantilla = EVENTOS.get(h.get("evento", ""), _("Se registró un hecho de su acompañamiento."))
    if h.get("evento") == "CompromisoAsumido" and not c.get("descripcion"):
        plantilla = COMPROMISO_SIN_TEXTO
    visitante, visitado = str(c.get("docente_visitante_id", "")), str(c.get("docente_visitado_id", ""))
    if h.get("evento") == "VisitaEntreParesRealizada" and docente_id in (visitante, visitado):
        plantilla = ENTRE_PARES_VISITANTE if docente_id == visitante else ENTRE_PARES_VISITADO
    colega = _("un colega de su IE")
    competencia = COMPETENCIAS.get(c.get("competencia") or "", c.get("competencia") or "")  # its name, as pages say it
    frase = plantilla.format(quien=quien, asignado=asignado, escuela=escuela, cuando=cuando, anio=c.get("anio", ""),
                             descripcion=c.get("descripcion", ""), competencia=competencia,
                             en_competencia=EN_COMPETENCIA.format(competencia=competencia) if competencia else "",
                             limite=LIMITE.format(fecha=fecha(c["fecha_limite"])) if c.get("fecha_limite") else "",
                             nivel=nivel(c.get("nivel")), resultado=RESULTADOS.get(c.get("resultado", ""), ""),
                             curso=c.get("curso", ""), visitante=personas.get(visitante, colega),
                             visitado=personas.get(visitado, colega))
    registrado = _("Registrado el {fecha}.").format(fecha=fecha(h.get("registrado_en")))
    return f"{frase} {registrado}"


COMPONENTES = {"visitas": _("Visitas"), "dias_visita": _("Días de visita"), "gia": _("GIA"), "rtc": _("RTC"),
               "talleres": _("Talleres"), "dias_taller": _("Días de taller")}
PREGUNTAS = {
    "pertinencia": _("¿El acompañamiento respondió a sus necesidades en el aula?"),
    "calidad_formacion": _("¿Qué tan buena fue la formación que recibió?"),
    "calidad_recursos": _("¿Qué tan buenos fueron los materiales y recursos?"),
    "utilidad_recursos": _("¿Qué tan útiles le fueron esos recursos?"),
}


ROLES = {"acompanante": _("un acompañante"), "directivo": _("el directivo de su IE"), "docente": _("usted"),
         "especialista_ugel": _("un especialista de la UGEL"), "especialista_dre": _("un especialista de la DRE"),
         "minedu": _("un especialista del MINEDU"), "auditor": _("un auditor"), "administrador": _("un administrador"),
         "sistema": _("un proceso del sistema")}


SERVICIOS = {"focalizacion": _("Focalización"), "agenda": _("Agenda"), "evidencias": _("Evidencias"),
             "evaluacion": _("Evaluación")}
# What an auditor's read in a service (``LecturaAuditada``) was, by the last part of its route
LECTURAS = {
    "persona": _("sus datos personales"), "asignacion": _("su asignación de acompañante"),
    "compromisos": _("sus compromisos"), "cumplimiento": _("el cumplimiento de su plan"),
    "historia": _("su historia"), "observaciones": _("las observaciones de su clase"),
    "planes": _("sus planes de acompañamiento"), "preparacion": _("lo preparado para visitarlo"),
    "progreso": _("su progreso"), "valoraciones": _("las valoraciones de sus competencias"),
    "visitas": _("sus visitas"), "accesos": _("quién leyó sus datos"),
    "planificador.pdf": _("su planificador del plan de monitoreo de la IE"),
}


def lectura(ruta: str) -> str:
    """What a read was, from its route ("GET /v1/docentes/{docente_id}/observaciones")."""
    ultimo = ruta.rsplit("/", 1)[-1].replace(".{formato}", "")
    return LECTURAS.get(ultimo, _("datos en los que usted figura"))


def acceso(a: dict[str, Any], personas: dict[str, str]) -> str:
    """Who read the docente's data, what, when and why (Ley 29733): by name when the docente may know it
    (his own coach), else by role — never by an account id. A read of his history carries its reason; an
    auditor's read in a service (its ``consulta`` names the service and the route) carries none."""
    quien = personas.get(str(a.get("usuario")), ROLES.get(str(a.get("rol")), _("otra persona")))
    quien = quien[:1].upper() + quien[1:]
    cuando = fecha(a.get("en") or a.get("registrado_en"))
    consulta = a.get("consulta") or {}
    if consulta.get("ruta"):
        servicio = consulta.get("servicio", "")
        return _("{quien} consultó {que} en {servicio} el {fecha}.").format(
            quien=quien, que=lectura(str(consulta["ruta"])), servicio=SERVICIOS.get(servicio, servicio),
            fecha=cuando)
    return _("{quien} leyó su historia el {fecha}. Motivo: {motivo}").format(
        quien=quien, fecha=cuando, motivo=a.get("motivo") or _("no indicado"))
