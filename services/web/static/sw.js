/* Acompaña: service worker. Guarda la base de la aplicación, sirve las páginas guardadas sin conexión
   (primero la red con un plazo corto, luego la copia) y los archivos estáticos desde la caché.
   El envío de la cola es el de app.js (importado aquí) para Background Sync, donde el navegador lo tiene. */
/* global Acompana */
'use strict';
importScripts('/static/app.js');

var PAGINAS = Acompana.CACHE_PAGINAS;
var ESTATICO = Acompana.CACHE_ESTATICO;
var BASE_DE_LA_APP = ['/pendientes', '/almacenamiento'];
var PLAZO_RED_MS = 3000;
var NO_SE_GUARDAN = /^\/(entrar|salir|sesion|cola|sin-conexion|auth|oidc|sw\.js|static)(\/|$|\?)/;

function recursosDe(html) {
  var urls = [];
  html.replace(/(?:href|src)="(\/static\/[^"]+)"/g, function (m, u) { urls.push(u.replace(/&amp;/g, '&')); });
  return urls;
}

function guardable(respuesta) {
  return respuesta && respuesta.ok && !respuesta.redirected && respuesta.type === 'basic' &&
    (respuesta.headers.get('content-type') || '').indexOf('text/html') === 0;
}

/* La base: las páginas de la cola y del almacenamiento, con su CSS y su JS. Sin sesión no hay nada que guardar. */
function guardarBase() {
  return Promise.all([caches.open(PAGINAS), caches.open(ESTATICO)]).then(function (cs) {
    return Promise.all(BASE_DE_LA_APP.map(function (url) {
      return fetch(url, { credentials: 'same-origin' }).then(function (r) {
        if (!guardable(r)) return null;
        return r.clone().text().then(function (html) {
          return Promise.all([cs[0].put(url, r)].concat(recursosDe(html).map(function (u) { return cs[1].add(u); })));
        });
      }).catch(function () { return null; });
    }));
  });
}

self.addEventListener('install', function (ev) {
  ev.waitUntil(guardarBase().then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (ev) {
  ev.waitUntil(self.clients.claim());
});

function conPlazo(promesa, ms) {
  return new Promise(function (ok, mal) {
    var reloj = setTimeout(function () { mal(new Error('plazo')); }, ms);
    promesa.then(function (v) { clearTimeout(reloj); ok(v); }, function (e) { clearTimeout(reloj); mal(e); });
  });
}

function copiaDe(request) {
  return caches.open(PAGINAS).then(function (c) {
    return c.match(request.url, { ignoreVary: true }).then(function (r) {
      return r || c.match(request.url, { ignoreSearch: true, ignoreVary: true });
    });
  });
}

/* Sin red y sin copia de esa página: la lista de pendientes, que dice que esa página no se guardó. */
function sinCopia(request) {
  var destino = '/pendientes?sin_copia=' + encodeURIComponent(new URL(request.url).pathname);
  return caches.open(PAGINAS).then(function (c) { return c.match('/pendientes', { ignoreVary: true }); }).then(function (r) {
    return r ? Response.redirect(destino, 303) : Response.error();
  });
}

function pagina(ev) {
  var request = ev.request;
  if (self.navigator.onLine === false) {
    // Sin red según el teléfono: la copia de inmediato; sin copia, la red dirá que no (y luego sinCopia).
    return copiaDe(request).then(function (copia) {
      return copia || fetch(request).catch(function () { return sinCopia(request); });
    });
  }
  var guardar = !NO_SE_GUARDAN.test(new URL(request.url).pathname);
  var red = fetch(request).then(function (r) {
    if (guardar && guardable(r)) {
      var copia = r.clone();
      ev.waitUntil(caches.open(PAGINAS).then(function (c) { return c.put(request.url, copia); }));
    }
    return r;
  });
  return conPlazo(red, PLAZO_RED_MS).catch(function () {
    return copiaDe(request).then(function (copia) {
      if (copia) { red.catch(function () {}); return copia; }
      return red.catch(function () { return sinCopia(request); });
    });
  });
}

function estatico(request) {
  return caches.open(ESTATICO).then(function (c) {
    return c.match(request).then(function (r) {
      return r || fetch(request).then(function (nueva) {
        if (nueva.ok) c.put(request, nueva.clone());
        return nueva;
      });
    });
  });
}

self.addEventListener('fetch', function (ev) {
  var request = ev.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') ev.respondWith(pagina(ev));
  else if (url.pathname.indexOf('/static/') === 0) ev.respondWith(estatico(request));
});

self.addEventListener('sync', function (ev) {
  if (ev.tag === Acompana.ETIQUETA_SYNC) ev.waitUntil(Acompana.sincronizar(false));
});
