// The service worker of OCW Rainbow's respondent pages (issue 15). Served at /sw.js by
// app/routes/pages/offline.py, which puts the list of shell files to keep in self.RAINBOW_PRECACHE first.
// - The shell (styles, scripts, face images) is precached by Workbox (from npm, served from static/vendor).
// - /join and /respond pages come from the network as ever; when it fails (or is too slow), the blank copy
//   the tablet kept when it joined (outbox.js) is shown instead, and a person who joined offline, whom the
//   server does not know yet, answers on those copies.
// - Nothing else is cached here: staff pages and the API always go to the network, and a copy is kept only
//   when the server marked it cacheable (never "no-store").
// - Background Sync sends the outbox (outbox-core.js) where the browser has it.
/* global workbox, RainbowOutbox */
importScripts(
  "/static/vendor/workbox-core.prod.js",
  "/static/vendor/workbox-routing.prod.js",
  "/static/vendor/workbox-strategies.prod.js",
  "/static/vendor/workbox-precaching.prod.js",
  "/static/vendor/workbox-cacheable-response.prod.js",
  "/static/vendor/idb-keyval.js",
  "/static/js/outbox-core.js"
);

var COPIES = "rainbow-session";
var NETWORK_WAIT_MS = 4000;

self.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute(self.RAINBOW_PRECACHE || [], { ignoreURLParametersMatching: [/.*/] });

function isRespondentPage(url) {
  return url.origin === self.location.origin &&
    (url.pathname === "/join" || url.pathname === "/respond" || url.pathname.indexOf("/respond/") === 0);
}

function keptCopy(url) {
  return caches.open(COPIES).then(function (cache) {
    return cache.match(url.pathname, { ignoreSearch: true, ignoreVary: true });
  });
}

function network(request, url) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () {
      keptCopy(url).then(function (copy) { if (copy) { resolve(copy); } });
    }, NETWORK_WAIT_MS);
    fetch(request).then(function (response) { clearTimeout(timer); resolve(response); },
                        function (error) { clearTimeout(timer); reject(error); });
  });
}

function respondentPage(options) {
  var request = options.request;
  var url = options.url;
  return RainbowOutbox.get("current").then(function (current) {
    if (current && current.offline && url.pathname !== "/join") {
      // Someone who joined offline: the server does not know them until their answers arrive.
      return keptCopy(url).then(function (copy) { return copy || network(request, url); });
    }
    // A hand-on made offline: the server forgets that person's cookie before any page is asked for.
    return RainbowOutbox.forgetOnServer().then(function () { return network(request, url); });
  }).catch(function () {
    return keptCopy(url).then(function (copy) { return copy || Response.error(); });
  });
}

workbox.routing.registerRoute(function (options) {
  return options.request.mode === "navigate" && options.request.method === "GET" && isRespondentPage(options.url);
}, respondentPage);

self.addEventListener("sync", function (event) {
  if (event.tag !== "rainbow-outbox") { return; }
  event.waitUntil(RainbowOutbox.drain(true).then(function (summary) {
    if (summary.waiting > 0) { throw new Error("answers still waiting"); }  // the browser tries again later
  }));
});
