"""agenda's HTTP API, version 1: one module per use case, each with its module-level ``router``.

``planes`` (the templates, the yearly plans and the school's directivo), ``plan_ie`` (the school's own plan,
internal modality), ``documentos`` (that plan's PDFs), ``programacion`` (scheduling an acompañante's
activities and reading his agenda), ``realizacion`` (recording what took place), ``lote`` (a device's offline
queue) and ``cumplimiento`` (the fulfilment of the protocol). ``main.py`` includes them; what a route uses it
declares in its signature (``dependencias``), read from ``request.app.state``. ``actividades`` holds the
activities' bodies and the operations that both the single routes and the offline queue apply.
"""
