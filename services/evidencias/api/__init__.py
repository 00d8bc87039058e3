"""evidencias's HTTP API, version 1: one module per use case, each with its module-level ``router``.

``instrumentos`` (the instruments, their versions and their blank forms), ``visitas`` (a visit's observation,
its corrections and feedback, and a docente's observations over time and training needs), ``compromisos``
(commitments taken in a visit, verified in a later one, due), ``actas`` (a GIA's or an RTC's acta and its
printout), ``ejecucion`` (an acompañante's execution sessions and self-evaluations), ``adjuntos`` (the files a
visit or a GIA/RTC keeps, never public) and ``lote`` (a device's offline queue). ``main.py`` includes them;
what a route uses it declares in its signature (``dependencias``), read from ``request.app.state``. The
commands that a single route and the offline queue both apply, with their input models, are in ``registro``.

What a visit leaves behind concerns one docente and may show minors: who may read it is decided before any
route runs, by the route policy (``acceso.REGLAS``), and attachments are served with
``Cache-Control: private, no-store``.
"""
