/* Acompaña: la cola sin conexión del acompañante (IndexedDB), su envío, las fotos y el service worker.
   Sin dependencias ni compilación. El núcleo (base de datos y envío) corre también dentro del service
   worker (sw.js lo importa) para Background Sync; la parte de la página solo corre donde hay document.
   Ningún texto visible vive aquí: todos vienen del JSON #mensajes-js que la página trae del catálogo. */
(function (G) {
  'use strict';

  var BASE = 'acompana';
  var CERROJO = 'acompana-cola';
  var CACHE_PAGINAS = 'acompana-paginas';
  var CACHE_ESTATICO = 'acompana-estatico';
  var ETIQUETA_SYNC = 'acompana-cola';
  var ENVIADOS = ['registrado', 'ya_registrado'];
  var ESPERA_MAXIMA_MS = 30000;
  var CONSERVAR_ENVIADOS_MS = 7 * 24 * 3600 * 1000;

  /* ---------- IndexedDB: una envoltura mínima con promesas ---------- */
  var conexion = null;
  var detenido = false;

  function abrir() {
    if (detenido) return Promise.reject(new Error('detenido'));
    if (!conexion) {
      conexion = new Promise(function (ok, mal) {
        var r = indexedDB.open(BASE, 2);
        r.onupgradeneeded = function (ev) { migrar(r.result, r.transaction, ev.oldVersion); };
        r.onsuccess = function () {
          var db = r.result;
          db.onversionchange = function () { db.close(); conexion = null; detenido = true; };
          ok(db);
        };
        r.onerror = function () { conexion = null; mal(r.error); };
      });
    }
    return conexion;
  }

  /* Cada registro se guarda bajo "tipo:id": el id es la clave de idempotencia del servicio, y dos comandos
     distintos pueden llevar el mismo (la retroalimentación de una visita lleva el id de la visita). */
  function claveDe(item) { return item.tipo + ':' + item.id; }

  function migrar(db, tx, desde) {
    var anteriores = null;
    if (desde === 1) {
      anteriores = tx.objectStore('cola').getAll();
      anteriores.onsuccess = function () {
        db.deleteObjectStore('cola');
        var cola = db.createObjectStore('cola', { keyPath: 'clave' });
        cola.createIndex('usuario', 'usuario');
        anteriores.result.forEach(function (item) { item.clave = claveDe(item); cola.put(item); });
      };
      return;
    }
    var cola = db.createObjectStore('cola', { keyPath: 'clave' });
    cola.createIndex('usuario', 'usuario');
    db.createObjectStore('meta');
  }

  function transaccion(almacen, modo, trabajo) {
    return abrir().then(function (db) {
      return new Promise(function (ok, mal) {
        var t = db.transaction(almacen, modo);
        var resultado;
        var r = trabajo(t.objectStore(almacen));
        if (r) r.onsuccess = function () { resultado = r.result; };
        t.oncomplete = function () { ok(resultado); };
        t.onerror = t.onabort = function () { mal(t.error); };
      });
    });
  }

  function guardarItem(item) {
    item.clave = claveDe(item);
    return transaccion('cola', 'readwrite', function (s) { return s.put(item); });
  }
  function leerItem(clave) { return transaccion('cola', 'readonly', function (s) { return s.get(clave); }); }
  function borrarItem(clave) { return transaccion('cola', 'readwrite', function (s) { return s.delete(clave); }); }
  function todosLosItems() { return transaccion('cola', 'readonly', function (s) { return s.getAll(); }); }
  function itemsDe(usuario) {
    return transaccion('cola', 'readonly', function (s) { return s.index('usuario').getAll(usuario); })
      .then(function (lista) { return lista.sort(function (a, b) { return a.creado - b.creado; }); });
  }
  function leerMeta(clave) { return transaccion('meta', 'readonly', function (s) { return s.get(clave); }); }
  function guardarMeta(clave, valor) { return transaccion('meta', 'readwrite', function (s) { return s.put(valor, clave); }); }

  function noEnviado(item) { return ENVIADOS.indexOf(item.estado) < 0; }

  function cambiar(item, cambios) {
    return leerItem(claveDe(item)).then(function (actual) {
      if (!actual) return null; // descartado mientras se enviaba
      Object.keys(cambios).forEach(function (k) { actual[k] = cambios[k]; });
      actual.actualizado = Date.now();
      if (actual.estado in { registrado: 1, ya_registrado: 1 }) actual.blob = null; // la foto ya está en el servidor
      return guardarItem(actual).then(function () { avisarCambio(); return actual; });
    });
  }

  function nuevoId() {
    if (G.crypto && G.crypto.randomUUID) return G.crypto.randomUUID();
    var b = G.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  var canal = typeof BroadcastChannel === 'function' ? new BroadcastChannel('acompana') : null;
  var oyentes = [];
  var avisoProgramado = null;
  function avisarOyentes() {
    if (avisoProgramado) return;
    avisoProgramado = setTimeout(function () { avisoProgramado = null; oyentes.forEach(function (f) { f(); }); }, 50);
  }
  function avisarCambio() {
    if (canal) canal.postMessage('cambio');
    avisarOyentes();
  }
  if (canal) canal.onmessage = avisarOyentes;

  /* ---------- Envío: uno por vez, en orden, un solo envío entre pestañas (Web Locks) ---------- */
  function esperaTras(intentos) { return Math.min(ESPERA_MAXIMA_MS, 1000 * Math.pow(2, Math.min(intentos, 5))); }

  function sesion() {
    return fetch('/sesion', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (r.status === 401) return { activa: false };
        if (!r.ok) throw new Error('sesion ' + r.status);
        return r.json();
      });
  }

  function respuesta(r) {
    var tipo = r.headers.get('content-type') || '';
    var cuerpo = tipo.indexOf('json') >= 0 ? r.json().catch(function () { return {}; }) : Promise.resolve({});
    return cuerpo.then(function (c) {
      if (r.status === 401 || c.estado === 'requiere_sesion') return { estado: 'requiere_sesion' };
      if (r.ok && ENVIADOS.indexOf(c.estado) >= 0) return { estado: c.estado, motivo: '', campo: '', mensaje: c.mensaje || '' };
      if (r.status === 409 || c.estado === 'en_espera') return { estado: 'en_espera', motivo: c.motivo || '' };
      if (c.estado === 'rechazado' || (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429)) {
        return { estado: 'rechazado', motivo: c.motivo || '', campo: c.campo || '' };
      }
      return null; // 5xx, 408, 429, una redirección: se reintenta más tarde
    });
  }

  function enviar(item, token) {
    var opciones = { method: 'POST', credentials: 'same-origin', redirect: 'manual', headers: { 'X-CSRF-Token': token || '', Accept: 'application/json' } };
    var url;
    if (item.tipo === 'adjunto') {
      var f = new FormData();
      f.append('id', item.id);
      f.append('visita_id', item.visita_id);
      f.append('sha256', item.sha256);
      f.append('archivo', item.blob, item.nombre);
      opciones.body = f;
      url = '/cola/adjuntos';
    } else {
      opciones.headers['Content-Type'] = 'application/json';
      opciones.body = JSON.stringify({ id: item.id, datos: item.datos });
      url = '/cola/' + encodeURIComponent(item.tipo);
    }
    return fetch(url, opciones).then(respuesta, function () { return null; });
  }

  function reintento(item, estado) {
    var intentos = (item.intentos || 0) + 1;
    return { estado: estado, intentos: intentos, proximo: Date.now() + esperaTras(intentos) };
  }

  function usuarioDePagina() {
    return G.document && G.document.body ? G.document.body.getAttribute('data-usuario') || '' : '';
  }

  function tokenDePagina() {
    var m = G.document && G.document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }

  function debeIntentarse(item, ahora, forzar) {
    if (!noEnviado(item) || item.estado === 'rechazado') return false;
    return forzar || item.estado === 'enviando' || !((item.proximo || 0) > ahora);
  }

  /* Un ítem que se encuentra "enviando" al empezar (o marcado sinRespuesta) salió de este teléfono y su
     respuesta no llegó: la página se cerró con la petición en curso. Si el servicio ahora contesta "ya
     registrado", lo registró aquel envío: queda "registrado". */
  function enviarEnOrden(candidatos, token) {
    return candidatos.reduce(function (cadena, item) {
      return cadena.then(function (seguir) {
        if (!seguir) return false;
        var cortado = item.estado === 'enviando' || !!item.sinRespuesta;
        return cambiar(item, { estado: 'enviando', sinRespuesta: cortado }).then(function (actual) {
          if (!actual) return true;
          return enviar(actual, token).then(function (r) {
            if (!r) return cambiar(actual, reintento(actual, 'pendiente')).then(function () { return false; });
            if (r.estado === 'en_espera') {
              var espera = reintento(actual, 'en_espera');
              espera.motivo = r.motivo;
              return cambiar(actual, espera).then(function () { return true; });
            }
            if (r.estado === 'requiere_sesion') return cambiar(actual, reintento(actual, 'requiere_sesion')).then(function () { return false; });
            r.intentos = (actual.intentos || 0) + 1;
            if (r.estado === 'ya_registrado' && cortado) r.estado = 'registrado';
            if (ENVIADOS.indexOf(r.estado) >= 0) r.sinRespuesta = false;
            return cambiar(actual, r).then(function () { return true; });
          });
        });
      });
    }, Promise.resolve(true));
  }

  /* Envía, en el orden en que se guardaron, los ítems del usuario de la sesión a los que les toca.
     forzar: sin esperar el plazo de los reintentos. Sin nada que enviar no hace ninguna petición. */
  function vaciarCola(forzar) {
    var usuario = usuarioDePagina();
    return (usuario ? itemsDe(usuario) : todosLosItems()).then(function (lista) {
      var ahora = Date.now();
      var candidatos = lista.filter(function (i) { return debeIntentarse(i, ahora, forzar); });
      if (!candidatos.length) return null;
      return sesion().then(function (s) {
        var quien = usuario || s.usuario;
        var activa = !!(s.activa && quien && (!s.usuario || s.usuario === quien));
        candidatos = candidatos.filter(function (i) { return i.usuario === quien; });
        if (!activa) {
          return Promise.all(candidatos.map(function (i) { return cambiar(i, reintento(i, 'requiere_sesion')); }));
        }
        return enviarEnOrden(candidatos, s.csrf || tokenDePagina());
      }, function () {
        // Sin servidor: lo que estaba "enviando" (una pestaña cerrada a medias) vuelve a "pendiente",
        // recordando que aquel envío quedó sin respuesta.
        return Promise.all(candidatos.map(function (i) {
          var cambios = reintento(i, i.estado === 'enviando' ? 'pendiente' : i.estado);
          if (i.estado === 'enviando') cambios.sinRespuesta = true;
          return cambiar(i, cambios);
        }));
      });
    });
  }

  function sincronizar(forzar) {
    if (detenido) return Promise.resolve('detenido');
    if (G.navigator.locks && G.navigator.locks.request) {
      return G.navigator.locks.request(CERROJO, { ifAvailable: !forzar }, function (cerrojo) {
        return cerrojo ? vaciarCola(forzar).then(function () { return 'hecho'; }) : 'ocupado';
      });
    }
    return vaciarCola(forzar).then(function () { return 'hecho'; });
  }

  function limpiarEnviados() {
    var limite = Date.now() - CONSERVAR_ENVIADOS_MS;
    return todosLosItems().then(function (lista) {
      return Promise.all(lista.filter(function (i) { return !noEnviado(i) && i.actualizado < limite; })
        .map(function (i) { return borrarItem(i.clave); }));
    });
  }

  function borrarTodo() {
    detenido = true;
    var pasos = [];
    if (conexion) pasos.push(conexion.then(function (db) { db.close(); }, function () {}));
    return Promise.all(pasos).then(function () {
      conexion = null;
      var borrarBase = new Promise(function (ok) {
        var r = indexedDB.deleteDatabase(BASE);
        r.onsuccess = r.onerror = r.onblocked = function () { ok(); };
      });
      var borrarCaches = G.caches ? G.caches.keys().then(function (ks) {
        return Promise.all(ks.filter(function (k) { return k.indexOf('acompana-') === 0; })
          .map(function (k) { return G.caches.delete(k); }));
      }) : null;
      borrarBorradores();
      var quitarSw = G.navigator.serviceWorker && G.document ? G.navigator.serviceWorker.getRegistrations().then(function (rs) {
        return Promise.all(rs.map(function (r) { return r.unregister(); }));
      }) : null;
      return Promise.all([borrarBase, borrarCaches, quitarSw]);
    });
  }

  /* Los borradores de la visita (lo escrito en un paso y aún no guardado en la cola) viven en localStorage, que
     se escribe al instante, también mientras la página se cierra. Salir los borra con todo lo demás. */
  var PREFIJO_BORRADOR = 'acompana-borrador:';
  function borrarBorradores() {
    var almacen = G.localStorage;
    if (!almacen) return;
    Object.keys(almacen).forEach(function (k) { if (k.indexOf(PREFIJO_BORRADOR) === 0) almacen.removeItem(k); });
  }

  var nucleo = {
    sincronizar: sincronizar, borrarTodo: borrarTodo, todosLosItems: todosLosItems, itemsDe: itemsDe, guardarItem: guardarItem,
    CACHE_PAGINAS: CACHE_PAGINAS, CACHE_ESTATICO: CACHE_ESTATICO, ETIQUETA_SYNC: ETIQUETA_SYNC,
  };
  G.Acompana = nucleo;
  if (!G.document) return; // dentro del service worker: solo el núcleo

  /* ================= La página ================= */
  var doc = G.document;
  var mensajes = {};
  try { mensajes = JSON.parse((doc.getElementById('mensajes-js') || {}).textContent || '{}'); } catch (e) { mensajes = {}; }

  function t(clave, datos) {
    var texto = Object.prototype.hasOwnProperty.call(mensajes, clave) ? mensajes[clave] : clave;
    return String(texto).replace(/\{(\w+)\}/g, function (m, k) { return datos && k in datos ? datos[k] : m; });
  }

  function el(etiqueta, atributos, hijos) {
    var n = doc.createElement(etiqueta);
    Object.keys(atributos || {}).forEach(function (k) {
      if (k === 'texto') n.textContent = atributos[k]; else n.setAttribute(k, atributos[k]);
    });
    (hijos || []).forEach(function (h) { if (h) n.appendChild(h); });
    return n;
  }

  var fechaHora = new Intl.DateTimeFormat('es-PE', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  var numero = new Intl.NumberFormat('es-PE', { maximumFractionDigits: 1 });

  /* #estado-red (role=status) lleva dos partes: el resumen de la cola y el último aviso. */
  function parteDeEstado(clase) {
    var zona = doc.getElementById('estado-red');
    if (!zona) return null;
    var parte = zona.querySelector('.' + clase);
    if (!parte) { parte = el('span', { class: clase }); zona.appendChild(parte); zona.appendChild(doc.createTextNode(' ')); }
    return parte;
  }

  function anunciar(texto) {
    var parte = parteDeEstado('aviso');
    if (parte) parte.textContent = texto;
  }

  function textoEstado(item) { return t('estado.' + item.estado); }

  /* ---------- Guardar un formulario data-cola en la cola ---------- */
  function datosDe(form) {
    var datos = {};
    new FormData(form).forEach(function (valor, nombre) {
      if (nombre === 'id' || /^csrf/.test(nombre) || typeof valor !== 'string') return;
      if (nombre in datos) datos[nombre] = [].concat(datos[nombre], valor); else datos[nombre] = valor;
    });
    return datos;
  }

  function hexDe(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }

  /* Una foto de 12 megapíxeles queda en ~300 KB: lado mayor 1600 px y JPEG, bajando calidad y tamaño si hace falta. */
  function comprimir(archivo) {
    return G.createImageBitmap(archivo).then(function (imagen) {
      var intentos = [[1600, 0.72], [1600, 0.55], [1280, 0.5], [1024, 0.45], [800, 0.4]];
      function probar(i) {
        var lado = intentos[i][0], calidad = intentos[i][1];
        var escala = Math.min(1, lado / Math.max(imagen.width, imagen.height));
        var w = Math.round(imagen.width * escala), h = Math.round(imagen.height * escala);
        var lienzo, promesa;
        if (typeof OffscreenCanvas === 'function') {
          lienzo = new OffscreenCanvas(w, h);
          lienzo.getContext('2d').drawImage(imagen, 0, 0, w, h);
          promesa = lienzo.convertToBlob({ type: 'image/jpeg', quality: calidad });
        } else {
          lienzo = el('canvas', { width: w, height: h });
          lienzo.getContext('2d').drawImage(imagen, 0, 0, w, h);
          promesa = new Promise(function (ok) { lienzo.toBlob(ok, 'image/jpeg', calidad); });
        }
        return promesa.then(function (blob) {
          if (blob.size <= 300 * 1024 || i === intentos.length - 1) { imagen.close(); return blob; }
          return probar(i + 1);
        });
      }
      return probar(0);
    });
  }

  function itemDeFoto(archivo, visitaId, usuario) {
    return comprimir(archivo).then(function (blob) {
      return blob.arrayBuffer().then(function (b) { return G.crypto.subtle.digest('SHA-256', b); }).then(function (h) {
        return {
          id: nuevoId(), usuario: usuario, tipo: 'adjunto', datos: {}, visita_id: visitaId, sha256: hexDe(h),
          blob: blob, nombre: (archivo.name || 'foto').replace(/\.[^.]*$/, '') + '.jpg', pagina: G.location.pathname,
          estado: 'pendiente', motivo: '', campo: '', intentos: 0, proximo: 0, creado: Date.now(), actualizado: Date.now(),
        };
      });
    });
  }

  function fotosDe(form, usuario) {
    var entradas = Array.prototype.slice.call(form.querySelectorAll('input[type="file"][data-foto-de]'));
    var trabajos = [];
    entradas.forEach(function (entrada) {
      Array.prototype.forEach.call(entrada.files || [], function (archivo) {
        trabajos.push(itemDeFoto(archivo, entrada.getAttribute('data-foto-de'), usuario));
      });
    });
    return Promise.all(trabajos);
  }

  function mostrarEnFormulario(form, items) {
    var lista = form.querySelector('.cola-estados');
    if (!lista) { lista = el('ul', { class: 'cola-estados' }); form.appendChild(lista); }
    items.forEach(function (item) {
      lista.appendChild(el('li', { 'data-clave': item.clave, 'data-estado': item.estado }, [
        el('span', { texto: t('tipo.' + item.tipo) + ': ' }), el('span', { class: 'estado', texto: textoEstado(item) }),
      ]));
    });
  }

  function refrescarFormularios() {
    var filas = doc.querySelectorAll('.cola-estados li[data-clave]');
    Array.prototype.forEach.call(filas, function (fila) {
      leerItem(fila.getAttribute('data-clave')).then(function (item) {
        if (!item) return;
        fila.setAttribute('data-estado', item.estado);
        var motivo = item.motivo ? ' — ' + item.motivo : '';
        fila.querySelector('.estado').textContent = textoEstado(item) + motivo;
      });
    });
  }

  function alGuardar(ev) {
    var form = ev.target;
    var usuario = usuarioDePagina();
    var tipo = form.getAttribute('data-cola');
    if (!usuario || (!tipo && !form.querySelector('input[type="file"][data-foto-de]'))) return;
    ev.preventDefault();
    var inicio = G.performance.now();
    var campoId = form.querySelector('input[name="id"]');
    var corrige = form.getAttribute('data-corrige');
    var items = [];
    if (tipo) {
      items.push({
        id: (campoId && campoId.value) || nuevoId(), usuario: usuario, tipo: tipo, datos: datosDe(form),
        pagina: G.location.pathname + G.location.search, estado: 'pendiente', motivo: '', campo: '',
        intentos: 0, proximo: 0, creado: Date.now(), actualizado: Date.now(),
      });
    }
    var boton = ev.submitter;
    if (boton) boton.disabled = true;
    form.setAttribute('aria-busy', 'true');
    // Primero el registro (lo que se mide: menos de 300 ms), después las fotos, que se comprimen aparte.
    var guardados = [];
    function guardarEnOrden(lista) {
      return lista.reduce(function (p, item) {
        return p.then(function () { return guardarItem(item).then(function () { guardados.push(item); }); });
      }, Promise.resolve());
    }
    guardarEnOrden(items)
      .then(function () {
        G.performance.measure('acompana-guardar', { start: inicio });
        return fotosDe(form, usuario);
      }).then(function (fotos) {
        return guardarEnOrden(fotos);
      }).then(function () {
        form.removeAttribute('data-corrige');
        // el registro corregido reemplaza al rechazado (si lleva la misma clave, ya lo sobrescribió)
        if (corrige && guardados.every(function (i) { return i.clave !== corrige; })) return borrarItem(corrige);
      }).then(function () {
        mostrarEnFormulario(form, guardados);
        anunciar(t('cola.guardado', { n: guardados.length }));
        form.reset();
        if (form.hasAttribute('data-borrador')) borrarBorrador(form);
        if (campoId) { campoId.value = nuevoId(); campoId.defaultValue = campoId.value; }
        avisarCambio();
        registrarSync();
        sincronizarYMostrar(false);
        var siguiente = form.getAttribute('data-siguiente');
        if (siguiente) G.location.assign(siguiente);
      }).catch(function (e) {
        mostrarEnFormulario(form, guardados);
        anunciar(e && e.name === 'QuotaExceededError' ? t('cola.sin_espacio') : t('cola.no_guardado'));
      }).then(function () {
        form.removeAttribute('aria-busy');
        if (boton) boton.disabled = false;
      });
  }

  /* ---------- Borradores: cada paso de la visita (form[data-borrador]) guarda lo escrito en el teléfono ---------- */
  function claveBorrador(form) { return PREFIJO_BORRADOR + usuarioDePagina() + ':' + form.getAttribute('data-borrador'); }

  function camposDeBorrador(form) {
    return Array.prototype.filter.call(form.elements, function (c) {
      return c.name && c.name !== 'csrf' && ['hidden', 'file', 'submit', 'button'].indexOf(c.type) < 0;
    });
  }

  function nombreDeCampo(c) { return c.id || c.name + '=' + c.value; }

  function cambiado(c) {
    if (c.type === 'checkbox' || c.type === 'radio') return c.checked !== c.defaultChecked;
    if (c.tagName === 'SELECT') {
      var porDefecto = Array.prototype.findIndex.call(c.options, function (o) { return o.defaultSelected; });
      return c.selectedIndex !== (porDefecto < 0 ? 0 : porDefecto); // sin "selected", la primera opción
    }
    return c.value !== c.defaultValue;
  }

  function guardarBorrador(form) {
    if (detenido) return; // al salir ya se borró todo: la página que se cierra no vuelve a escribir
    var valores = {};
    var escrito = false;
    camposDeBorrador(form).forEach(function (c) {
      valores[nombreDeCampo(c)] = c.type === 'checkbox' || c.type === 'radio' ? c.checked : c.value;
      escrito = escrito || cambiado(c);
    });
    try {
      if (escrito) G.localStorage.setItem(claveBorrador(form), JSON.stringify(valores));
      else G.localStorage.removeItem(claveBorrador(form));
    } catch (e) { /* sin espacio o sin localStorage: el formulario sigue funcionando */ }
  }

  function borrarBorrador(form) {
    try { G.localStorage.removeItem(claveBorrador(form)); } catch (e) { /* nada que borrar */ }
  }

  function recuperarBorradores() {
    var recuperados = 0;
    Array.prototype.forEach.call(doc.querySelectorAll('form[data-borrador]'), function (form) {
      var valores = null;
      try { valores = JSON.parse(G.localStorage.getItem(claveBorrador(form)) || 'null'); } catch (e) { valores = null; }
      if (!valores) return;
      camposDeBorrador(form).forEach(function (c) {
        var v = valores[nombreDeCampo(c)];
        if (v === undefined) return;
        if (c.type === 'checkbox' || c.type === 'radio') c.checked = !!v; else c.value = v;
      });
      form.setAttribute('data-borrador-recuperado', '');
      recuperados += 1;
    });
    if (recuperados) anunciar(t('borrador.recuperado'));
  }

  function alEscribir(ev) {
    var form = ev.target && ev.target.form;
    if (form && form.hasAttribute('data-borrador')) guardarBorrador(form);
  }

  /* ---------- Estado en la cabecera, sincronizar ---------- */
  function contarNoEnviados(lista) { return lista.filter(noEnviado).length; }

  /* Solo una página que puede dejar algo en la cola (las del acompañante y el docente, o un formulario
     data-cola) dice que todo se envió; en las demás el resumen calla mientras no haya nada por enviar. */
  function conBandeja() {
    return doc.body.hasAttribute('data-bandeja') || !!doc.querySelector('form[data-cola]');
  }

  function mostrarResumen() {
    return itemsDe(usuarioDePagina()).then(function (lista) {
      var n = contarNoEnviados(lista);
      var red = G.navigator.onLine ? '' : t('red.sin_conexion') + ' ';
      doc.documentElement.setAttribute('data-no-enviados', String(n));
      var texto = (red + (n ? t('cola.por_enviar', { n: n }) : conBandeja() ? t('cola.sincronizado') : '')).trim();
      var parte = parteDeEstado('resumen');
      if (parte && parte.textContent !== texto) parte.textContent = texto;
    }).catch(function () {});
  }

  var enCurso = null;
  function sincronizarYMostrar(forzar) {
    if (!usuarioDePagina() || detenido) return Promise.resolve();
    if (enCurso && !forzar) return enCurso;
    enCurso = sincronizar(forzar).catch(function () {}).then(function () {
      enCurso = null;
      return refrescar();
    });
    return enCurso;
  }

  function registrarSync() {
    if (!G.navigator.serviceWorker) return;
    G.navigator.serviceWorker.ready.then(function (r) {
      if (r.sync) return r.sync.register(ETIQUETA_SYNC);
    }).catch(function () {});
  }

  /* ---------- /pendientes ---------- */
  function contenedor(id) {
    var c = doc.querySelector('[data-' + id + ']') || doc.getElementById(id);
    if (!c) { c = el('section', { id: id }); (doc.getElementById('contenido') || doc.body).appendChild(c); }
    return c;
  }

  function filaPendiente(item) {
    var fecha = el('span', { class: 'fecha', texto: t('cola.guardado_el', { fecha: fechaHora.format(new Date(item.creado)) }) });
    var partes = [
      el('strong', { texto: t('tipo.' + item.tipo) }), doc.createTextNode(' '), fecha,
      el('p', { class: 'estado', texto: textoEstado(item) }),
    ];
    if (item.motivo && item.estado !== 'registrado' && item.estado !== 'ya_registrado') {
      partes.push(el('p', { class: 'motivo', texto: t('cola.motivo', { motivo: item.motivo }) }));
    }
    if (item.estado === 'rechazado') {
      partes.push(el('div', { class: 'acciones' }, [
        item.tipo === 'adjunto' ? null : el('button', { type: 'button', 'data-corregir': item.clave, texto: t('cola.corregir') }),
        el('button', { type: 'button', 'data-descartar': item.clave, texto: t('cola.descartar') }),
      ]));
    }
    if (item.estado === 'requiere_sesion') {
      partes.push(el('a', { href: '/entrar?siguiente=/pendientes', texto: t('cola.iniciar_sesion') }));
    }
    return el('li', { class: 'item-cola', 'data-clave': item.clave, 'data-tipo': item.tipo, 'data-estado': item.estado }, partes);
  }

  var firmaPendientes = '';
  function mostrarPendientes() {
    var c = contenedor('pendientes');
    return itemsDe(usuarioDePagina()).then(function (lista) {
      // Solo se vuelve a dibujar si algo cambió, y el foco vuelve al mismo botón (quien usa teclado no lo pierde).
      var firma = JSON.stringify(lista.map(function (i) { return [i.clave, i.estado, i.motivo]; }));
      if (firma === firmaPendientes) return;
      firmaPendientes = firma;
      var foco = doc.activeElement && c.contains(doc.activeElement) ? doc.activeElement : null;
      var selectorFoco = foco && ['data-corregir', 'data-descartar', 'data-exportar'].reduce(function (s, a) {
        return s || (foco.hasAttribute(a) ? '[' + a + '="' + foco.getAttribute(a) + '"]' : null);
      }, null);
      var hijos = [];
      var params = new URLSearchParams(G.location.search);
      if (params.get('sin_copia')) hijos.push(el('p', { class: 'aviso', texto: t('red.pagina_no_guardada') }));
      hijos.push(el('p', { texto: lista.length ? t('cola.resumen', { n: contarNoEnviados(lista), total: lista.length }) : t('cola.vacia') }));
      if (lista.length) hijos.push(el('ul', { class: 'lista-cola' }, lista.slice().reverse().map(filaPendiente)));
      hijos.push(el('button', { type: 'button', 'data-exportar': '', texto: t('cola.exportar') }));
      c.replaceChildren.apply(c, hijos);
      var nuevo = selectorFoco && c.querySelector(selectorFoco);
      if (nuevo) nuevo.focus();
    });
  }

  function descartar(id) {
    if (!G.confirm(t('cola.confirmar_descartar'))) return;
    borrarItem(id).then(function () { avisarCambio(); anunciar(t('cola.descartado')); });
  }

  function corregir(id) {
    leerItem(id).then(function (item) {
      if (!item) return;
      G.sessionStorage.setItem('acompana-corregir', id);
      G.location.assign(item.pagina || '/');
    });
  }

  function prepararCorreccion() {
    var id = G.sessionStorage.getItem('acompana-corregir');
    if (!id) return;
    G.sessionStorage.removeItem('acompana-corregir');
    leerItem(id).then(function (item) {
      var form = item && doc.querySelector('form[data-cola="' + item.tipo + '"]');
      if (!form) return;
      form.setAttribute('data-corrige', item.clave);
      Object.keys(item.datos || {}).forEach(function (nombre) {
        var valores = [].concat(item.datos[nombre]);
        Array.prototype.forEach.call(form.querySelectorAll('[name="' + nombre + '"]'), function (campo) {
          if (campo.type === 'checkbox' || campo.type === 'radio') campo.checked = valores.indexOf(campo.value) >= 0;
          else if (campo.type !== 'file') campo.value = valores[0]; // también los ocultos: el registro manda
        });
      });
      var aviso = el('p', { class: 'motivo', id: 'motivo-correccion', texto: t('cola.motivo', { motivo: item.motivo }) });
      form.insertBefore(aviso, form.firstChild);
      var campo = item.campo && form.querySelector('[name="' + item.campo + '"]');
      if (campo) { campo.setAttribute('aria-describedby', 'motivo-correccion'); campo.setAttribute('aria-invalid', 'true'); campo.focus(); }
      else aviso.setAttribute('tabindex', '-1'), aviso.focus();
    });
  }

  function comoDataUrl(blob) {
    return new Promise(function (ok) {
      var lector = new FileReader();
      lector.onload = function () { ok(lector.result); };
      lector.readAsDataURL(blob);
    });
  }

  function exportar() {
    todosLosItems().then(function (lista) {
      var pendientes = lista.filter(noEnviado);
      return Promise.all(pendientes.map(function (i) {
        var copia = Object.assign({}, i);
        if (!i.blob) return copia;
        return comoDataUrl(i.blob).then(function (u) { copia.blob = u; return copia; });
      }));
    }).then(function (items) {
      var archivo = new Blob([JSON.stringify({ exportado: new Date().toISOString(), items: items }, null, 1)], { type: 'application/json' });
      var url = URL.createObjectURL(archivo);
      var a = el('a', { href: url, download: 'acompana-pendientes-' + new Date().toISOString().slice(0, 10) + '.json' });
      doc.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      anunciar(t('cola.exportado', { n: items.length }));
    });
  }

  /* ---------- /almacenamiento ---------- */
  function mostrarAlmacenamiento() {
    var c = contenedor('almacenamiento');
    var mb = function (b) { return numero.format((b || 0) / 1048576); };
    var s = G.navigator.storage;
    if (!s || !s.estimate) { c.replaceChildren(el('p', { texto: t('almacen.no_disponible') })); return Promise.resolve(); }
    var persistir = s.persist ? s.persist().catch(function () { return false; }) : Promise.resolve(false);
    return Promise.all([s.estimate(), persistir, todosLosItems()]).then(function (r) {
      var fotos = r[2].filter(function (i) { return i.blob; }).length;
      c.replaceChildren(
        el('p', { 'data-uso': String(r[0].usage || 0), texto: t('almacen.uso', { usado: mb(r[0].usage), cuota: mb(r[0].quota) }) }),
        el('p', { 'data-persistente': String(!!r[1]), texto: r[1] ? t('almacen.persistente') : t('almacen.no_persistente') }),
        el('p', { texto: t('almacen.items', { n: contarNoEnviados(r[2]), fotos: fotos }) })
      );
    });
  }

  /* ---------- Preparar sin conexión ---------- */
  function recursosDe(html) {
    var urls = [];
    html.replace(/(?:href|src)="(\/static\/[^"]+)"/g, function (m, u) { urls.push(u.replace(/&amp;/g, '&')); });
    return urls;
  }

  function guardarPagina(cachePaginas, cacheEstatico, url) {
    return fetch(url, { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      if (!r.ok || r.redirected) throw new Error(url);
      return r.clone().text().then(function (html) {
        return Promise.all([cachePaginas.put(url, r)].concat(recursosDe(html).map(function (u) {
          return cacheEstatico.match(u).then(function (ya) { return ya || cacheEstatico.add(u); });
        })));
      });
    });
  }

  function preparar(boton) {
    boton.disabled = true;
    boton.setAttribute('aria-busy', 'true');
    anunciar(t('preparar.en_curso'));
    var fallos = 0;
    fetch('/sin-conexion/paquete', { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      if (!r.ok || r.redirected) throw new Error('paquete');
      return r.json();
    }).then(function (paquete) {
      var urls = ['/pendientes', '/almacenamiento', G.location.pathname].concat(paquete.urls || [])
        .filter(function (u, i, todas) { return todas.indexOf(u) === i; });
      return Promise.all([G.caches.open(CACHE_PAGINAS), G.caches.open(CACHE_ESTATICO)]).then(function (cs) {
        var hechas = 0;
        var cadena = Promise.resolve();
        urls.forEach(function (u) {
          cadena = cadena.then(function () {
            return guardarPagina(cs[0], cs[1], u).then(function () {
              hechas += 1;
              anunciar(t('preparar.progreso', { n: hechas, total: urls.length }));
            }, function () { fallos += 1; });
          });
        });
        return cadena.then(function () {
          return guardarMeta('paquete', { actualizado: paquete.actualizado, urls: urls, guardado: Date.now() });
        }).then(function () {
          var fecha = paquete.actualizado ? fechaHora.format(new Date(paquete.actualizado)) : '';
          doc.documentElement.setAttribute('data-preparado', fallos ? 'incompleto' : 'si');
          anunciar(fallos ? t('preparar.fallo') + ' ' + t('preparar.detalle', { n: hechas, fallos: fallos }) : t('preparar.listo') + ' ' + t('preparar.guardadas', { n: hechas, fecha: fecha }));
        });
      });
    }).catch(function (e) {
      doc.documentElement.setAttribute('data-preparado', 'error');
      anunciar(e && e.name === 'QuotaExceededError' ? t('cola.sin_espacio') : t('preparar.fallo'));
    }).then(function () { boton.disabled = false; boton.removeAttribute('aria-busy'); });
  }

  /* ---------- Salir ---------- */
  function alSalir(ev) {
    var form = ev.target;
    if (form.getAttribute('data-confirmado')) return;
    ev.preventDefault();
    todosLosItems().catch(function () { return []; }).then(function (lista) {
      var n = contarNoEnviados(lista);
      if (n && !G.confirm(t('salir.pendientes', { n: n }))) return;
      // El servidor además responde Clear-Site-Data: aunque el borrado aquí fallara, el navegador queda limpio.
      return borrarTodo().catch(function () {}).then(function () {
        form.setAttribute('data-confirmado', '1');
        form.submit();
      });
    });
  }

  /* ---------- Subir un archivo con su avance (el padrón) ----------
     XMLHttpRequest da el avance del envío del archivo y deja leer las líneas JSON que el servidor escribe
     mientras registra las filas; la última trae el resultado ya hecho (el formulario otra vez, con el informe
     o el motivo junto al campo) y reemplaza la sección data-avance. Sin este script el formulario se envía
     como siempre y la página muestra el mismo resultado. */
  function alSubirConAvance(ev) {
    var form = ev.target;
    ev.preventDefault();
    var zona = doc.getElementById(form.getAttribute('data-avance'));
    var barra = form.querySelector('progress');
    var texto = form.querySelector('[data-avance-texto]');
    var boton = form.querySelector('button[type="submit"]');
    var xhr = new XMLHttpRequest();
    var leido = 0;
    var terminado = false;
    function mostrar(valor, maximo, mensaje) {
      barra.hidden = false;
      if (maximo) { barra.max = maximo; barra.value = valor; } else barra.removeAttribute('value');
      texto.textContent = mensaje;
    }
    function leerLineas() {
      var nuevo = xhr.responseText.slice(leido);
      var fin = nuevo.lastIndexOf('\n');
      if (fin < 0) return;
      leido += fin + 1;
      nuevo.slice(0, fin).split('\n').forEach(function (linea) {
        if (!linea || terminado) return;
        var dato;
        try { dato = JSON.parse(linea); } catch (e) { return; }
        if (dato.html !== undefined) {
          terminado = true;
          zona.outerHTML = dato.html;
          var seccion = doc.getElementById(form.getAttribute("data-avance"));
          var foco = seccion && (seccion.querySelector('[aria-invalid="true"]') || seccion.querySelector("h2"));
          if (foco) { if (!foco.hasAttribute('tabindex') && foco.tagName === 'H2') foco.setAttribute('tabindex', '-1'); foco.focus(); }
        } else {
          mostrar(dato.procesadas, dato.total, t('subida.registrando', { n: numero.format(dato.procesadas), total: numero.format(dato.total) }));
        }
      });
    }
    function fallo() {
      if (terminado) return;
      if (boton) boton.disabled = false;
      mostrar(0, 0, t('subida.fallo'));
      barra.hidden = true;
    }
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) mostrar(e.loaded, e.total, t('subida.enviando', { pct: Math.round(100 * e.loaded / e.total) }));
    };
    xhr.upload.onload = function () { mostrar(0, 0, t('subida.leyendo')); };
    xhr.onprogress = leerLineas;
    xhr.onload = function () { leerLineas(); fallo(); };
    xhr.onerror = fallo;
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'application/x-ndjson');
    if (boton) boton.disabled = true;
    xhr.send(new FormData(form));
  }

  /* ---------- Arranque ---------- */
  function refrescar() {
    refrescarFormularios();
    var p = [mostrarResumen()];
    if (G.location.pathname === '/pendientes') p.push(mostrarPendientes());
    return Promise.all(p).catch(function () {});
  }

  function alClic(ev) {
    var b = ev.target.closest && ev.target.closest('button');
    if (!b) return;
    if (b.hasAttribute('data-sincronizar')) { ev.preventDefault(); anunciar(t('cola.sincronizando')); sincronizarYMostrar(true); }
    else if (b.hasAttribute('data-preparar')) { ev.preventDefault(); preparar(b); }
    else if (b.hasAttribute('data-exportar')) exportar();
    else if (b.hasAttribute('data-descartar')) descartar(b.getAttribute('data-descartar'));
    else if (b.hasAttribute('data-corregir')) corregir(b.getAttribute('data-corregir'));
  }

  /* Los ids "nuevos" (data-id-nuevo: una observación, un compromiso, una reunión...) los hace este teléfono al
     abrir la página: una copia guardada para usar sin conexión no repite el id de cuando se guardó, y dos
     registros hechos desde ella no se confunden. El id de la visita de la página no cambia: lo nombran todos
     sus formularios (la realización, y la observación, la retroalimentación, los compromisos y las fotos de
     esa visita), así que es el que puso el servidor. */
  function idsNuevos() {
    Array.prototype.forEach.call(doc.querySelectorAll('input[name="id"][data-id-nuevo]'), function (campo) {
      campo.value = nuevoId();
    });
  }

  function iniciar() {
    idsNuevos();
    doc.addEventListener('submit', function (ev) {
      if (ev.target.matches('form[data-salir]')) alSalir(ev);
      else if (ev.target.matches('form[data-avance]')) alSubirConAvance(ev);
      else alGuardar(ev);
    });
    doc.addEventListener('click', alClic);
    if (!usuarioDePagina()) return; // sin sesión (p. ej. la página de entrada): ni base de datos ni service worker
    doc.addEventListener('input', alEscribir);
    doc.addEventListener('change', alEscribir);
    G.addEventListener('pagehide', function () {
      Array.prototype.forEach.call(doc.querySelectorAll('form[data-borrador]'), guardarBorrador);
    });
    recuperarBorradores();
    oyentes.push(function () { if (!detenido) refrescar(); });
    G.addEventListener('online', function () { sincronizarYMostrar(true); });
    G.addEventListener('offline', mostrarResumen);
    if (G.location.pathname === '/almacenamiento') mostrarAlmacenamiento().catch(function () {});
    prepararCorreccion();
    refrescar();
    sincronizarYMostrar(true);
    limpiarEnviados().catch(function () {});
    G.setInterval(function () { if (!doc.hidden) sincronizarYMostrar(false); }, 10000);
    // Desde aquí la página se puede usar: los formularios van a la cola (las pruebas miden hasta esta marca).
    G.performance.mark('acompana-listo');
    doc.documentElement.setAttribute('data-listo', '');
    if (G.navigator.serviceWorker) {
      G.addEventListener('load', function () {
        G.navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () {});
      });
    }
  }

  iniciar();
})(self);
