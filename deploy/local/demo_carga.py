"""The demo data of the embedded default, loaded through the services' public APIs as their users would.

The padrón of UGEL El Collao (DRE Puno) is imported, targeted and assigned; then the visits of 2020 to the
docentes of the seeds' two schools, what they left behind (observations, feedback, commitments), their formative
evaluation, and the 2024 internal plan of the IEI N°246 run by its directora. Every id is stable: loading again
records nothing new. ``CargaDemo.usuarios`` lists the demo users of every role for the local issuer's login page.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path

from shared.emisor import EmisorLocal

NS = uuid.UUID("6b0f2d1e-5d3a-4f7e-9a11-acb0a0000001")  # demo ids are stable: reloading is harmless
DEMO = Path(__file__).resolve().parent / "demo"
CONVOCATORIA = "2020-2022"

NIVELES = ("I", "II", "III", "IV")
EVIDENCIA = {"D1": "estudiantes que participan", "D2": "preguntas que piden explicar o justificar",
             "D3": "errores que el docente devuelve con una pregunta", "D4": "llamadas de atención con respeto",
             "D5": "normas recordadas sin interrumpir la sesión"}


# The IEI N°246 "Mi Segundo Hogar" runs its own 2024 plan (seed 002): its directora observes its 11 docentes
# (5 años A–D, 4 años A–D, 3 años A–C) in June, September and November, next to the external NT-026 programme.
IEI246 = "0236885-0"
DIRECTORA_246 = {"usuario": str(uuid.uuid5(NS, f"directivo/{IEI246}")), "rol": "directivo", "dre": "DRE-PUNO",
                 "ugel": "UGEL-EL-COLLAO", "ie": IEI246}
SECCIONES_246 = [f"{edad} años {letra}" for edad, letras in ((5, "ABCD"), (4, "ABCD"), (3, "ABC")) for letra in letras]


class CargaDemo:
    """Loads the demo data into the services at ``urls`` (each service's ``/v1`` address), with tokens of
    ``emisor``."""

    def __init__(self, emisor: EmisorLocal, urls: dict[str, str]) -> None:
        self.emisor = emisor
        self.focalizacion, self.agenda = urls["focalizacion"], urls["agenda"]
        self.evidencias, self.evaluacion = urls["evidencias"], urls["evaluacion"]

    def cargar(self) -> list[dict]:
        """Everything, in order, printing what each step recorded; returns the visits."""
        visits = self.cargar_visitas(self.cargar_padron())
        statuses = [self.call(f"{self.agenda}/visitas-realizadas", v)[0] for v in visits]
        print(f"Demo: {len(statuses)} visitas (UGEL El Collao), {statuses.count(201)} nuevas, "
              f"{statuses.count(200)} ya cargadas"
              + ("" if set(statuses) <= {200, 201} else f"; estados {set(statuses)}"))
        pasos = (("evidencias (observación, retroalimentación, compromiso y su verificación)", "as",
                  self.cargar_evidencias),
                 ("evaluación formativa (situación inicial, valoración y cierre de la etapa 1)", "as",
                  self.cargar_evaluacion),
                 ("plan interno 2024 de la IEI N°246 (plan, 33 visitas de su directora, observaciones, informe)", "os",
                  lambda _: self.cargar_plan_interno()))
        for que, fin, paso in pasos:
            estados = paso(visits)
            print(f"Demo: {que}: {estados.get('201', 0)} registrad{fin}, {estados.get('200', 0)} ya cargad{fin}"
                  + ("" if set(estados) <= {"200", "201"} else f"; estados {estados}"))
        return visits

    def call(self, url: str, body: dict | bytes | None = None, content_type: str = "application/json",
             como: dict | None = None) -> tuple[int, object]:
        """A request signed by the local issuer as the ``sistema`` account, or as ``como`` (``usuario``, ``rol``
        and the territory claims ``dre``, ``ugel``, ``ie``)."""
        data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
        quien = como or {"usuario": "carga-demo", "rol": "sistema"}
        token = self.emisor.token(quien["usuario"], quien["rol"],
                                  **{k: v for k, v in quien.items() if k not in ("usuario", "rol")})
        request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET", headers={
            "Content-Type": content_type, "Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def cargar_padron(self) -> list[dict]:
        """The padrón of UGEL El Collao (DRE Puno): import, target, assign. Returns the caseloads."""
        for que, archivo in (("ies", "padron"), ("docentes", "docentes"), ("acompanantes", "acompanantes")):
            csv = (DEMO / f"{archivo}-el-collao.csv").read_bytes()
            status, informe = self.call(f"{self.focalizacion}/padron/{que}", csv,
                                   "text/csv")
            if status != 200:
                raise RuntimeError(f"importar {que}: {status} {informe}")
            print(f"Demo: {que}: {informe['nuevas']} nuevas, {informe['sin_cambios']} sin cambios, "
                  f"{len(informe['rechazadas'])} rechazadas")
        self.call(f"{self.focalizacion}/convocatorias", {"codigo": CONVOCATORIA, "anio_inicio": 2020, "anio_fin": 2022,
                                               "reglas": "NT-026"})
        _, foco = self.call(f"{self.focalizacion}/convocatorias/{CONVOCATORIA}/focalizacion", {})
        _, asignacion = self.call(f"{self.focalizacion}/convocatorias/{CONVOCATORIA}/asignacion", {})
        print(f"Demo: convocatoria {CONVOCATORIA}: {foco['focalizadas']} IIEE focalizadas, {foco['excluidas']} "
              f"excluidas; {asignacion['docentes_asignados']} docentes asignados ahora, "
              f"{asignacion['docentes_sin_cubrir']} sin acompañante")
        _, carteras = self.call(f"{self.focalizacion}/convocatorias/{CONVOCATORIA}/carteras")
        return carteras

    def cargar_visitas(self, carteras: list[dict]) -> list[dict]:
        """Visits of 2020 to the assigned docentes of the two schools of the seeds, once agenda
        (fed by the stream) holds their plans. One acompañante's visits never share a day; the first
        lasts two days and the second one, which fits every polidocente mix of NT-026 §5.6.3 c and leaves
        each docente's year room for a one-day visit more (polidocente inicial admits two)."""
        escuelas = {"0236885-0": "0236885", "0573436-0": "0573436"}
        visits = []
        for cartera in carteras:
            huecos = {mes: _pares_de_dias(2020, mes) for mes in (4, 6)}
            for escuela in set(cartera["escuelas"]) & set(escuelas):
                for docente in cartera["docente_ids"][:6]:
                    _, asignacion = self.call(f"{self.focalizacion}/docentes/{docente}/asignacion")
                    otra = asignacion["asignaciones"][0]["codigo_modular"] != escuelas[escuela]
                    if otra or not self._con_plan(docente):
                        continue
                    for mes, libres in huecos.items():
                        inicio, fin = libres.pop(0)
                        visits.append({
                            "visita_id": str(uuid.uuid5(NS, f"visita/{docente}/{mes}")),
                            "docente_id": docente, "acompanante_id": cartera["acompanante_id"],
                            "fecha_inicio": inicio, "fecha_fin": fin if mes == 4 else inicio,
                            "acciones": ["observacion", "asesoria", "retroalimentacion"],
                        })
        return visits

    def cargar_evidencias(self, visits: list[dict]) -> dict[str, int]:
        """What the demo visits left behind: at each docente's first visit an observation on the
        classroom rubric, its feedback and a commitment on his weakest desempeño, verified at his
        next visit. Deterministic ids: running the demo again records nothing new."""
        estados: dict[str, int] = {}
        for docente, primera, segunda in _dos_primeras(visits):
            semilla = int(uuid.UUID(docente)) % 97
            niveles = {d: {"nivel": NIVELES[(semilla + i) % 3],
                           "evidencia": f"Se observaron {3 + (semilla + i) % 9} {texto}."}
                       for i, (d, texto) in enumerate(EVIDENCIA.items())}
            debil = min(niveles, key=lambda d: NIVELES.index(niveles[d]["nivel"]))
            aco = primera["acompanante_id"]
            compromiso = str(uuid.uuid5(NS, f"compromiso/{primera['visita_id']}"))
            pasos = [
                (f"visitas/{primera['visita_id']}/observaciones", {
                    "observacion_id": str(uuid.uuid5(NS, f"observacion/{primera['visita_id']}")), "acompanante_id": aco,
                    "niveles": niveles, "fortalezas": ["Trato cordial con los estudiantes"],
                    "aspectos_criticos": [f"{debil}: nivel {niveles[debil]['nivel']}"]}),
                (f"visitas/{primera['visita_id']}/retroalimentacion", {
                    "acompanante_id": aco, "aspectos_priorizados": [debil],
                    "dialogo_reflexivo": f"Revisamos con el docente la evidencia de {debil} y qué haría distinto.",
                    "modelamiento": [{"tipo": "ejemplo", "descripcion": "Ejemplo de preguntas abiertas"}]}),
                (f"visitas/{primera['visita_id']}/compromisos", {
                    "compromiso_id": compromiso, "acompanante_id": aco,
                    "item": debil, "fecha_limite": segunda["fecha_inicio"],
                    "descripcion": f"Mejorar {debil} en sus sesiones",
                    "verificacion": "Observación en la próxima visita"}),
                (f"compromisos/{compromiso}/verificacion", {
                    "visita_id": segunda["visita_id"], "acompanante_id": aco, "resultado": "parcialmente",
                    "evidencia": "Aplicó lo acordado en parte de la sesión."}),
            ]
            for ruta, cuerpo in pasos:
                status, _ = self._cuando_conste(f"{self.evidencias}/{ruta}", cuerpo)
                estados[str(status)] = estados.get(str(status), 0) + 1
        return estados

    def cargar_evaluacion(self, visits: list[dict]) -> dict[str, int]:
        """The formative evaluation of each observed docente: his initial situation from the first visit's
        observation (every competency of his school type), a valuation of C4 after the second visit and
        the close of etapa 1 (2020). Deterministic ids: running the demo again records nothing new."""
        estados: dict[str, int] = {}
        for docente, primera, segunda in _dos_primeras(visits):
            _, planes = self.call(f"{self.agenda}/docentes/{docente}/planes")
            tipo = planes[0]["tipo_ie"]
            competencias = ["C2", "C3", "C4", "C5", "C7" if tipo in ("eib", "multigrado") else "C6"]
            observacion = str(uuid.uuid5(NS, f"observacion/{primera['visita_id']}"))
            semilla = int(uuid.UUID(docente)) % 97
            inicial = {c: NIVELES[(semilla + i) % 3] for i, c in enumerate(competencias)}
            logrado = {c: NIVELES[min(3, NIVELES.index(n) + (semilla + i) % 2)]
                       for i, (c, n) in enumerate(inicial.items())}
            aco = primera["acompanante_id"]
            pasos = [
                (f"docentes/{docente}/situacion-inicial", {
                    "acompanante_id": aco, "fecha": primera["fecha_fin"],
                    "niveles": {c: {"nivel": n, "evidencias": [observacion], "sustento": "Visita diagnóstica."}
                                for c, n in inicial.items()}}),
                (f"docentes/{docente}/valoraciones", {
                    "valoracion_id": str(uuid.uuid5(NS, f"valoracion/{docente}/2020/C4")), "acompanante_id": aco,
                    "fecha": segunda["fecha_fin"], "competencia": "C4", "nivel": logrado["C4"],
                    "evidencias": [observacion], "sustento": "Avance observado en la segunda visita."}),
                (f"docentes/{docente}/cierres", {"acompanante_id": aco, "anio": 2020, "fecha": "2020-12-10",
                                                 "niveles": logrado}),
            ]
            for ruta, cuerpo in pasos:
                status, _ = self._cuando_conste(f"{self.evaluacion}/{ruta}", cuerpo)
                estados[str(status)] = estados.get(str(status), 0) + 1
        return estados

    def cargar_plan_interno(self) -> dict[str, int]:
        """The directora's 2024 plan, through the API as she would: elaborated, approved with its RD and
        socialized; then her three visits to each docente (one school day each, never two the same day), the
        observation of each June visit, and the December informe de ejecución. Stable ids: reloading is harmless."""
        directora = DIRECTORA_246
        docentes = self._docentes_de(IEI246, len(SECCIONES_246))
        if len(docentes) < len(SECCIONES_246):
            return {"sin_docentes": 1}
        estados: dict[str, int] = {}

        def contar(status: int) -> None:
            estados[str(status)] = estados.get(str(status), 0) + 1

        status, plan = self.call(f"{self.agenda}/instituciones/{IEI246}/planes-monitoreo", {
            "anio": 2024, "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO", "turno": "mañana",
            "director": "Doly Ramos Aruquipa", "responsables": ["Doly Ramos Aruquipa"], "protocolo": "PMA-IEI246@1",
            "docentes": [{"docente_id": d, "grado_seccion": s} for d, s in zip(docentes, SECCIONES_246)]},
            como=directora)
        contar(status)
        if status not in (200, 201):
            return estados
        pid = plan["plan_ie_id"]  # type: ignore[index]
        for paso, cuerpo in (("aprobacion", {"resolucion": "RD N° 012-2024-IEI246", "fecha": "2024-04-15"}),
                             ("socializacion", {"fecha": "2024-04-22", "medio": "Reunión de docentes"})):
            contar(self.call(f"{self.agenda}/planes-monitoreo/{pid}/{paso}", cuerpo, como=directora)[0])
        for mes in (6, 9, 11):
            dias = [d for d in (date(2024, mes, n) for n in range(3, 29)) if d.weekday() < 5]
            for docente, dia in zip(docentes, dias):
                visita = str(uuid.uuid5(NS, f"visita-interna/{docente}/{mes}"))
                contar(self.call(f"{self.agenda}/visitas-realizadas", {
                    "visita_id": visita, "docente_id": docente, "acompanante_id": directora["usuario"],
                    "fecha_inicio": dia.isoformat(), "fecha_fin": dia.isoformat(),
                    "acciones": ["observacion", "asesoria", "retroalimentacion"]}, como=directora)[0])
                if mes == 6:
                    semilla = int(uuid.UUID(docente)) % 97
                    ruta = f"{self.evidencias}/visitas/{visita}/observaciones"
                    contar(self._cuando_conste(ruta, como=directora, cuerpo={
                        "observacion_id": str(uuid.uuid5(NS, f"observacion/{visita}")),
                        "acompanante_id": directora["usuario"], "niveles": {
                            "D1": {"nivel": NIVELES[semilla % 3 + 1], "evidencia": f"{10 + semilla % 8} de 20 niños "
                                   "participan en la asamblea de inicio."},
                            "D4": {"nivel": NIVELES[(semilla + 1) % 3 + 1], "evidencia": "Trato cálido; llama a cada "
                                   "niño por su nombre."}},
                        "fortalezas": ["Organización del aula por sectores"],
                        "aspectos_criticos": ["Cierre de la actividad apresurado"]})[0])
        contar(self.call(f"{self.agenda}/planes-monitoreo/{pid}/ejecucion", {
            "fecha": "2024-12-13",
            "logros": "Las once aulas recibieron sus tres visitas de monitoreo y acompañamiento.",
            "dificultades": "Poco tiempo para la retroalimentación después de cada visita.",
            "recomendaciones": "Incorporar visitas entre pares en 2025."}, como=directora)[0])
        return estados

    def _docentes_de(self, ie: str, cuantos: int, timeout: float = 30.0) -> list[str]:
        """The docentes the padrón registers in the school, once agenda has learnt them from the stream."""
        deadline = time.monotonic() + timeout
        while True:
            status, docentes = self.call(f"{self.agenda}/instituciones/{ie}/docentes")
            ids = [d["docente_id"] for d in docentes] if status == 200 else []  # type: ignore[union-attr]
            if len(ids) >= cuantos or time.monotonic() > deadline:
                return ids[:cuantos]
            time.sleep(0.2)

    def _cuando_conste(self, url: str, cuerpo: dict, timeout: float = 30.0,
                       como: dict | None = None) -> tuple[int, object]:
        """POST, retrying while the service has not yet received what it rests on from the stream (409
        ``en_espera``; 422 where a rule reads what the stream has not brought yet)."""
        deadline = time.monotonic() + timeout
        while True:
            status, respuesta = self.call(url, cuerpo, como=como)
            espera = status == 409 and isinstance(respuesta, dict) and respuesta.get("codigo") == "en_espera"
            if not (espera or status == 422) or time.monotonic() > deadline:
                return status, respuesta
            time.sleep(0.2)

    def _con_plan(self, docente: str, timeout: float = 30.0) -> bool:
        """Wait until agenda received the docente's assignment over NATS and generated his plan."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, planes = self.call(f"{self.agenda}/docentes/{docente}/planes")
            if status == 200 and planes:
                return True
            time.sleep(0.2)
        return False


    def _persona(self, url: str) -> str | None:
        status, persona = self.call(url)
        if status != 200 or not isinstance(persona, dict):
            return None
        return f"{persona.get('nombres')} {persona.get('apellidos')}"

    def usuarios(self, visits: list[dict]) -> list[dict]:
        """The demo users of every role for the local issuer's login page: the acompañantes and docentes
        of the demo visits (their ids are the tokens' ``sub``), and one account per supervising role."""
        usuarios: list[dict] = []
        vistos: set[str] = set()
        for v in visits:
            for rol, clave, ruta in (("acompanante", "acompanante_id", "acompanantes"),
                                     ("docente", "docente_id", "docentes")):
                id_ = v[clave]
                if id_ in vistos or sum(u["rol"] == rol for u in usuarios) >= 4:
                    continue
                vistos.add(id_)
                nombre = self._persona(f"{self.focalizacion}/{ruta}/{id_}/persona")
                usuarios.append({"usuario": id_, "rol": rol, "nombre": nombre,
                                 "dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"})
        lugar = {"dre": "DRE-PUNO", "ugel": "UGEL-EL-COLLAO"}
        usuarios += [
            {"usuario": DIRECTORA_246["usuario"], "rol": "directivo", "nombre": "Directora de la IEI N°246", **lugar,
             "ie": "0236885-0", "ie_nombre": "IEI N°246 Mi Segundo Hogar"},
            {"usuario": "esp-ugel-el-collao", "rol": "especialista_ugel", "nombre": "Especialista de la UGEL El Collao",
             **lugar},
            {"usuario": "esp-dre-puno", "rol": "especialista_dre", "nombre": "Especialista de la DRE Puno",
             "dre": "DRE-PUNO"},
            {"usuario": "minedu-01", "rol": "minedu", "nombre": "Especialista del MINEDU"},
            {"usuario": "auditor-01", "rol": "auditor", "nombre": "Auditor"},
            {"usuario": "admin-01", "rol": "administrador", "nombre": "Administrador"},
        ]
        return usuarios


def _dos_primeras(visits: list[dict]) -> list[tuple[str, dict, dict]]:
    """(docente, first visit, second visit) of every docente the demo visited at least twice."""
    por_docente: dict[str, list[dict]] = {}
    for v in visits:
        por_docente.setdefault(v["docente_id"], []).append(v)
    return [(docente, *sorted(suyas, key=lambda v: v["fecha_inicio"])[:2])
            for docente, suyas in por_docente.items() if len(suyas) >= 2]


def _pares_de_dias(anio: int, mes: int) -> list[tuple[str, str]]:
    """Monday-Tuesday and Wednesday-Thursday pairs of a month."""
    pares = []
    for dia in range(1, 28):
        d = date(anio, mes, dia)
        if d.weekday() in (0, 2):
            pares.append((d.isoformat(), (d + timedelta(days=1)).isoformat()))
    return pares
