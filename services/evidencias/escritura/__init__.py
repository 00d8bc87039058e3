"""evidencias's write side, one module per sub-domain of the norm, composed by ``application.Evidencias``.

``base`` (the store, the key store and the aggregates every command reads: a docente, a visit, a GIA/RTC),
``instrumentos`` (publishing and choosing an instrument's version), ``visitas`` (an observation, its
corrections, the feedback, a training need), ``compromisos`` (taken, verified, due), ``actas`` (a GIA's or an
RTC's acta, the execution sessions and the self-evaluations) and ``adjuntos`` (attachments). Each command is
get → call → save (``ServiceApplication.modificar`` retries it when another writer saved first), taking one
of ``comandos`` when its input is more than two values.
"""
