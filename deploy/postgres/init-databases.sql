-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d).
-- One database per service; each service creates its own schema and tables in it.
CREATE DATABASE acompana_focalizacion;
CREATE DATABASE acompana_agenda;
CREATE DATABASE acompana_evidencias;
CREATE DATABASE acompana_evaluacion;
-- The web application's sessions (services/web/sesiones.py): tokens kept on the server.
CREATE DATABASE acompana_web;
-- The keys of personal data (shared/cifrado.py), apart from the event stores: erasing a key is
-- final only if no backup of the store brings it back, so they are backed up on their own terms.
CREATE DATABASE acompana_focalizacion_claves;
CREATE DATABASE acompana_agenda_claves;
CREATE DATABASE acompana_evidencias_claves;
