"""The texts the offline JavaScript shows, by key (rendered in every page as ``#mensajes-js``).

The JavaScript has no Spanish literal of its own: it looks each text up here by its key. Each value
is a source text of the message catalog (translated per language like any other). A key the
JavaScript needs is added here.
"""

from __future__ import annotations


def _(texto: str) -> str:  # marks the text for extraction; translated when the page is rendered
    return texto


MENSAJES: dict[str, str] = {
    "estado.pendiente": _("pendiente"),
    "estado.enviando": _("enviando"),
    "estado.registrado": _("registrado"),
    "estado.ya_registrado": _("ya registrado"),
    "estado.rechazado": _("rechazado"),
    "estado.en_espera": _("en espera"),
    "estado.requiere_sesion": _("requiere iniciar sesión"),
    "red.sin_conexion": _("Sin conexión: lo que registre se guarda en este teléfono y se enviará después."),
    "red.con_conexion": _("Con conexión."),
    "cola.guardado": _("Guardado en este teléfono; se enviará cuando haya conexión."),
    "cola.sincronizando": _("Enviando lo pendiente…"),
    "cola.sincronizado": _("Todo lo pendiente se envió."),
    "preparar.listo": _("Listo para trabajar sin conexión."),
    "preparar.fallo": _("No se pudo preparar todo; vuelva a intentarlo con conexión."),
    "salir.pendientes": _("Tiene registros sin enviar. Si sale, se borrarán de este teléfono. ¿Salir de todos modos?"),
}

# The outbox list, photos, storage and preparation.
MENSAJES.update({
    "tipo.visita_realizada": _("Visita realizada"),
    "tipo.observacion": _("Observación"),
    "tipo.retroalimentacion": _("Retroalimentación"),
    "tipo.compromiso": _("Compromiso"),
    "tipo.verificacion": _("Verificación de un compromiso"),
    "tipo.necesidad": _("Necesidad formativa"),
    "tipo.acta": _("Acta"),
    "tipo.gia_completado": _("Grupo de interaprendizaje realizado"),
    "tipo.rtc_realizada": _("Reunión de trabajo colegiado realizada"),
    "tipo.taller_realizado": _("Taller realizado"),
    "tipo.programar_gia": _("Grupo de interaprendizaje programado"),
    "tipo.programar_rtc": _("Reunión de trabajo colegiado programada"),
    "tipo.programar_taller": _("Taller programado"),
    "tipo.cierre_etapa": _("Cierre de la etapa"),
    "tipo.valoracion": _("Valoración"),
    "tipo.situacion_inicial": _("Situación inicial"),
    "tipo.encuesta": _("Encuesta"),
    "tipo.adjunto": _("Foto"),
    "cola.no_guardado": _("No se pudo guardar en este teléfono. Inténtelo otra vez."),
    "cola.sin_espacio": _("No queda espacio en este teléfono. Envíe o exporte sus pendientes para liberar espacio."),
    "cola.por_enviar": _("Pendientes de envío: {n}."),
    "cola.guardado_el": _("guardado el {fecha}"),
    "cola.motivo": _("Motivo: {motivo}"),
    "cola.corregir": _("Corregir"),
    "cola.descartar": _("Descartar"),
    "cola.confirmar_descartar": _("¿Descartar este registro? No se enviará."),
    "cola.descartado": _("Registro descartado."),
    "cola.iniciar_sesion": _("Iniciar sesión para enviarlo"),
    "cola.resumen": _("Sin enviar: {n} de {total} registros guardados en este teléfono."),
    "cola.vacia": _("No hay registros guardados en este teléfono."),
    "cola.exportar": _("Exportar lo pendiente a un archivo"),
    "cola.exportado": _("Registros exportados a un archivo: {n}."),
    "red.pagina_no_guardada": _("Esa página no está guardada en este teléfono. Prepárela con conexión desde "
                                "«Preparar sin conexión»."),
    "almacen.uso": _("Usado: {usado} MB de {cuota} MB disponibles."),
    "almacen.persistente": _("El navegador conservará estos datos."),
    "almacen.no_persistente": _("El navegador podría borrar estos datos si le falta espacio: envíe lo pendiente pronto."),
    "almacen.items": _("Registros sin enviar: {n}. Fotos guardadas: {fotos}."),
    "almacen.no_disponible": _("Este navegador no informa cuánto espacio usa."),
    "preparar.en_curso": _("Guardando las páginas para usarlas sin conexión…"),
    "preparar.progreso": _("Páginas guardadas: {n} de {total}."),
    "preparar.guardadas": _("Páginas guardadas: {n} (actualizado el {fecha})."),
    "borrador.recuperado": _("Se recuperó lo que había escrito en este teléfono y aún no guardó."),
    "preparar.detalle": _("Páginas guardadas: {n}; sin guardar: {fallos}."),
})

# A file uploaded with its progress (the padrón).
MENSAJES.update({
    "subida.enviando": _("Enviando el archivo: {pct} %."),
    "subida.leyendo": _("Archivo enviado; revisando sus filas…"),
    "subida.registrando": _("Filas registradas: {n} de {total}."),
    "subida.fallo": _("Se cortó la conexión antes de terminar. Las filas ya registradas quedan; vuelva a subir el "
                      "archivo (lo ya registrado no se repite)."),
})
