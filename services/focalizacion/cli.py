"""focalizacion from the command line, on the same store as the service (its environment):

    python -m services.focalizacion.cli importar ies padron.csv
    python -m services.focalizacion.cli convocatoria 2020-2022 --desde 2020 --hasta 2022 --reglas NT-026
    python -m services.focalizacion.cli focalizar 2020-2022
    python -m services.focalizacion.cli asignar 2020-2022 [--ugel CODIGO]
    python -m services.focalizacion.cli columnas

Exit status: 0 done; 1 refused (the message says why); 3 imported with rejected rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from services.focalizacion import padron
from services.focalizacion.application import Focalizacion
from services.focalizacion.comandos import AbrirConvocatoria
from services.focalizacion.config import FocalizacionSettings
from services.focalizacion.reglas import ConjuntoReglas
from shared.eventstore import DomainError

RECHAZOS_MOSTRADOS = 50


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="focalizacion", description="Padrón, focalización y carteras (NT-026).")
    sub = p.add_subparsers(dest="orden", required=True)
    imp = sub.add_parser("importar", help="Importar un archivo CSV")
    imp.add_argument("que", choices=("ies", "docentes", "acompanantes"))
    imp.add_argument("archivo", type=Path)
    imp.add_argument("--informe", type=Path, help="Guardar el informe completo (JSON)")
    reg = sub.add_parser("reglas", help="Publicar un conjunto de reglas (JSON)")
    reg.add_argument("archivo", type=Path)
    conv = sub.add_parser("convocatoria", help="Abrir una convocatoria")
    conv.add_argument("codigo")
    conv.add_argument("--desde", type=int, required=True)
    conv.add_argument("--hasta", type=int, required=True)
    conv.add_argument("--reglas", default="NT-026")
    foc = sub.add_parser("focalizar", help="Ejecutar la focalización de una convocatoria")
    foc.add_argument("convocatoria")
    asg = sub.add_parser("asignar", help="Asignar docentes a acompañantes")
    asg.add_argument("convocatoria")
    asg.add_argument("--ugel")
    asg.add_argument("--anio", type=int)
    sub.add_parser("columnas", help="Columnas aceptadas en cada archivo (Markdown)")
    return p


def _importar(app: Focalizacion, que: str, archivo: Path, informe_en: Path | None) -> int:
    contenido = archivo.read_bytes()
    filas = max(contenido.count(b"\n") - 1, 1)
    comando = {"ies": app.importar_ies, "docentes": app.importar_docentes,
               "acompanantes": app.importar_acompanantes}[que]
    with tqdm(total=filas, desc=f"Importando {que}", unit=" filas", file=sys.stderr) as barra:
        informe = comando(contenido, barra.update)
    print(f"{archivo.name}: {informe['filas']} filas; {informe['nuevas']} nuevas, {informe['actualizadas']} "
          f"actualizadas, {informe['sin_cambios']} sin cambios, {len(informe['rechazadas'])} rechazadas.")
    for r in informe["rechazadas"][:RECHAZOS_MOSTRADOS]:
        motivos = "; ".join(f"{e['campo']}: {e['motivo']}" for e in r["errores"])
        print(f"  línea {r['linea']}: {motivos}")
    if len(informe["rechazadas"]) > RECHAZOS_MOSTRADOS:
        print(f"  ... y {len(informe['rechazadas']) - RECHAZOS_MOSTRADOS} más (use --informe).")
    if informe_en:
        informe_en.write_text(json.dumps(informe, ensure_ascii=False, indent=1), "utf-8")
    return 3 if informe["rechazadas"] else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.orden == "columnas":
        print(padron.columnas_markdown())
        return 0
    app = Focalizacion(FocalizacionSettings())
    try:
        app.publicar_reglas_incluidas()
        if args.orden == "importar":
            return _importar(app, args.que, args.archivo, args.informe)
        if args.orden == "reglas":
            reglas = ConjuntoReglas.model_validate_json(args.archivo.read_bytes())
            nuevo = app.publicar_reglas(reglas)
            print(f"Reglas {reglas.clave} {'publicadas' if nuevo else 'ya estaban publicadas'}.")
        elif args.orden == "convocatoria":
            nuevo = app.abrir_convocatoria(AbrirConvocatoria(args.codigo, args.desde, args.hasta, args.reglas))
            print(f"Convocatoria {args.codigo} {'abierta' if nuevo else 'ya estaba abierta'}.")
        elif args.orden == "focalizar":
            with tqdm(desc="Registrando decisiones", unit=" IE", file=sys.stderr) as barra:
                r = app.ejecutar_focalizacion(args.convocatoria, barra.update)
            print(f"{r['evaluadas']} IIEE evaluadas con {r['reglas']}: {r['focalizadas']} focalizadas, "
                  f"{r['excluidas']} excluidas; {r['cambios']} decisiones nuevas o cambiadas.")
        elif args.orden == "asignar":
            with tqdm(desc="Asignando por UGEL", unit=" UGEL", file=sys.stderr) as barra:
                r = app.asignar_carteras(args.convocatoria, args.ugel, args.anio, barra.update)
            print(f"{r['docentes_asignados']} docentes asignados en {r['ugeles']} UGEL; "
                  f"{r['acompanantes_incorporados']} acompañantes incorporados; "
                  f"{len(r['escuelas_sin_cubrir'])} IIEE sin cubrir ({r['docentes_sin_cubrir']} docentes).")
            for s in r["escuelas_sin_cubrir"][:RECHAZOS_MOSTRADOS]:
                print(f"  sin cubrir: {s['ugel']} {s['codigo_modular']}-{s['anexo']} ({s['tipo']}, "
                      f"prioridad {s['orden']}): {s['docentes_sin_acompanante']} docentes")
        return 0
    except (DomainError, padron.ArchivoInvalido, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())
