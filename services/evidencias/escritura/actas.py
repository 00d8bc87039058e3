"""A GIA's or an RTC's acta (NT-026 §5.2.7, §5.3), checked against what agenda reported of the meeting and its
checklist, and corrected with a reason; and the acompañante's own record of Chile's guide: the execution
sessions with a school's management team and his self-evaluations."""

from __future__ import annotations

from services.evidencias import comandos as c
from services.evidencias import domainmodel as dm
from services.evidencias.escritura.base import Invalida
from services.evidencias.escritura.instrumentos import Instrumentos, respuestas
from services.evidencias.registros import Autoevaluacion, Sesion
from services.evidencias.valores import Acta


class Actas(Instrumentos):
    def registrar_acta(self, cmd: c.RegistrarActa) -> bool:
        return self.modificar(lambda: self._reunion_de(cmd.actividad_id, cmd.autor_id),
                              lambda reunion: reunion.registrar_acta(self._acta(reunion, cmd)))

    def corregir_acta(self, cmd: c.CorregirActa) -> bool:
        return self.modificar(lambda: self._reunion_de(cmd.actividad_id, cmd.autor_id),
                              lambda reunion: reunion.corregir_acta(self._acta(reunion, cmd), cmd.motivo))

    def _acta(self, reunion: dm.Reunion, cmd: c.RegistrarActa) -> Acta:
        r = reunion.reunion
        participantes = set(r.docentes)
        ajenos = [d for d, estado in cmd.asistencia.items() if estado == "presente" and d not in participantes]
        if ajenos:
            raise Invalida(f"Figuran como presentes docentes que no participaron según lo registrado en agenda: "
                           f"{', '.join(ajenos)}.")
        faltan = participantes - set(cmd.asistencia)
        if faltan:
            raise Invalida(f"Falta la asistencia de participantes registrados en agenda: {', '.join(sorted(faltan))}.")
        inst = self.instrumento_para(cmd.instrumento or f"LC-{r.tipo.upper()}", cmd.version,
                                     reunion.fecha, r.tipo)
        return Acta(asistencia=dict(cmd.asistencia), duracion_horas=cmd.duracion_horas or r.horas,
                    acuerdos=list(cmd.acuerdos), nudos_criticos=list(cmd.nudos_criticos), instrumento=inst.codigo,
                    version=inst.version, lista_cotejo=respuestas(inst, dict(cmd.lista_cotejo)), autor_id=cmd.autor_id)

    def registrar_sesion(self, cmd: c.RegistrarSesion) -> bool:
        territorio = self.proyecciones.territorio(cmd.acompanante_id, cmd.fecha.year, (cmd.codigo_modular, cmd.anexo))
        if territorio is None:
            raise Invalida(f"El acompañante no tiene docentes a cargo en la IE {cmd.codigo_modular}-{cmd.anexo} en "
                           f"{cmd.fecha.year}.")
        sesion = Sesion.de({**cmd.datos(), "sesion_id": cmd.sesion_id, "acompanante_id": cmd.acompanante_id,
                            "dre": territorio[0], "ugel": territorio[1]})
        return self.crear_una_vez(dm.SesionEjecucion(id=dm.sesion_id(cmd.sesion_id), sesion=sesion),
                                  lambda previa: previa.sesion == sesion,
                                  f"La sesión {cmd.sesion_id} ya se registró con otro contenido.")

    def registrar_autoevaluacion(self, cmd: c.RegistrarAutoevaluacion) -> bool:
        inst = self.instrumento_para(cmd.instrumento or "AUTOEVAL-ACOMP", cmd.version, cmd.fecha, "acompanante")
        dre, ugel = self.proyecciones.territorio(cmd.acompanante_id, cmd.fecha.year) or ("", "")
        datos = Autoevaluacion.de({
            **cmd.datos(), "autoevaluacion_id": cmd.autoevaluacion_id, "acompanante_id": cmd.acompanante_id,
            "instrumento": inst.codigo, "version": inst.version, "respuestas": respuestas(inst, dict(cmd.respuestas)),
            "dre": dre, "ugel": ugel})
        return self.crear_una_vez(dm.Autoevaluacion(id=dm.autoevaluacion_id(cmd.autoevaluacion_id),
                                                    autoevaluacion=datos),
                                  lambda previa: previa.autoevaluacion == datos,
                                  f"La autoevaluación {cmd.autoevaluacion_id} ya se registró con otro contenido.")
