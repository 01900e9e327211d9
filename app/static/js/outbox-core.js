// The tablet's outbox (issue 15), shared by the pages (outbox.js) and the service worker (sw.js, for
// Background Sync). No DOM here. Everything lives in one IndexedDB store (idb-keyval, from npm):
//   "tablet"   the session this tablet joined online: its id, code, join pass, when the pass expires,
//              its statements and pages. Nothing about a person.
//   "current"  the person using the tablet now: their participant token and the answers they gave on it,
//              so offline pages can show them. Cleared by "Finish and hand on".
//   "forget"   set when a hand-on happened offline: the server must still forget the last person's cookie.
//   "notice"   what the next page must tell the person (answers dropped), once.
//   "e:..."    one queued answer save each: its idempotency key, token, join pass and body. It leaves only
//              when the server has acknowledged it (2xx), or has said it never will (410 closed, other 4xx).
// A token kept in an entry is an outbox-only credential: no page reads it back.
(function (root) {
  "use strict";
  var kv = root.idbKeyval;
  var store = kv.createStore("rainbow-offline", "kv");
  var MAX_ENTRIES = 1000;         // at the cap, new answers are not queued and the page says so
  var MAX_BYTES = 2 * 1024 * 1024;
  var PARALLEL = 8;               // sends in flight at once: the server commits them together
  var BASE_DELAY_MS = 1000;
  var MAX_DELAY_MS = 60000;
  var draining = null;

  function now() { return Date.now(); }

  function randomToken(bytes) {
    var data = new Uint8Array(bytes || 32);
    root.crypto.getRandomValues(data);
    var text = "";
    for (var i = 0; i < data.length; i++) { text += String.fromCharCode(data[i]); }
    return root.btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function get(key) { return kv.get(key, store); }
  function set(key, value) { return kv.set(key, value, store); }
  function del(key) { return kv.del(key, store); }

  function entries() {
    return kv.entries(store).then(function (pairs) {
      return pairs
        .filter(function (pair) { return typeof pair[0] === "string" && pair[0].indexOf("e:") === 0; })
        .map(function (pair) { return pair[1]; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }

  function size(entry) { return JSON.stringify(entry).length; }

  // Queue one save. Resolves to the entry, or to null when the outbox is full (nothing is queued then).
  function enqueue(token, tablet, body) {
    return entries().then(function (queued) {
      var entry = {
        id: "e:" + String(now()).padStart(15, "0") + ":" + randomToken(9),
        key: randomToken(18),
        token: token,
        pass: tablet ? tablet.pass : null,
        until: tablet ? tablet.until : null,
        body: body,
        created: now(),
        tries: 0,
        next: 0
      };
      var bytes = queued.reduce(function (sum, e) { return sum + size(e); }, size(entry));
      if (queued.length >= MAX_ENTRIES || bytes > MAX_BYTES) { return null; }
      return set(entry.id, entry).then(function () { return entry; });
    });
  }

  function delay(tries) {
    // Exponential backoff with full jitter: a room of tablets coming back does not retry in step.
    var ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * Math.pow(2, tries));
    return Math.floor(Math.random() * ceiling) + 250;
  }

  function addNotice(kind, count) {
    return get("notice").then(function (notice) {
      notice = notice || {};
      notice[kind] = (notice[kind] || 0) + count;
      return set("notice", notice);
    });
  }

  // The server forgets the last person's cookie (a hand-on made offline). The Authorization header makes
  // this a request no other site could make, so it needs no CSRF token.
  function forgetOnServer() {
    return get("forget").then(function (token) {
      if (!token) { return true; }
      return root.fetch("/respond/finish", {
        method: "POST",
        headers: { "Authorization": "Bearer " + token, "Outbox": "keep" },
        credentials: "same-origin",
        redirect: "manual"
      }).then(function () { return del("forget").then(function () { return true; }); },
              function () { return false; });
    });
  }

  // Send one entry: "sent", "dropped-closed", "dropped-refused", or "retry".
  function send(entry, waiting) {
    var headers = {
      "Content-Type": "application/json",
      "Authorization": "Bearer " + entry.token,
      "Idempotency-Key": entry.key,
      "Outbox-Waiting": String(Math.max(0, waiting))
    };
    if (entry.pass) { headers["Join-Pass"] = entry.pass; }
    return root.fetch("/api/responses", {
      method: "PUT", headers: headers, body: JSON.stringify(entry.body), credentials: "same-origin"
    }).then(function (response) {
      if (response.ok) { return del(entry.id).then(function () { return "sent"; }); }
      if (response.status === 410 || response.headers.get("Outbox-Action") === "drop") {
        return del(entry.id).then(function () { return "dropped-closed"; });
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 408 &&
          response.status !== 429) {
        return del(entry.id).then(function () { return "dropped-refused"; });
      }
      return reschedule(entry);
    }, function () { return reschedule(entry); });
  }

  function reschedule(entry) {
    entry.tries += 1;
    entry.next = now() + delay(entry.tries);
    return set(entry.id, entry).then(function () { return "retry"; });
  }

  // Send what is due (everything, when `force`), a few at a time. Resolves to a summary; never rejects.
  function drain(force) {
    if (draining) { return draining; }
    var summary = { sent: 0, closed: 0, refused: 0, expired: 0, waiting: 0 };
    draining = forgetOnServer().then(function () { return entries(); }).then(function (queued) {
      var stale = queued.filter(function (e) { return e.until && Date.parse(e.until) < now(); });
      summary.expired = stale.length;
      var due = queued.filter(function (e) {
        return stale.indexOf(e) < 0 && (force || e.next <= now());
      });
      var left = queued.length - stale.length;
      var stop = false;
      function worker() {
        if (stop || due.length === 0) { return Promise.resolve(); }
        var entry = due.shift();
        left -= 1;
        return send(entry, left).then(function (outcome) {
          if (outcome === "sent") { summary.sent += 1; }
          else if (outcome === "dropped-closed") { summary.closed += 1; }
          else if (outcome === "dropped-refused") { summary.refused += 1; }
          else { left += 1; stop = true; }  // the network or the server is down: try later
          return worker();
        });
      }
      var workers = [];
      for (var i = 0; i < PARALLEL; i++) { workers.push(worker()); }
      return Promise.all(stale.map(function (e) { return del(e.id); })).then(function () {
        return Promise.all(workers);
      });
    }).then(function () {
      var notes = [];
      if (summary.closed) { notes.push(addNotice("closed", summary.closed)); }
      if (summary.refused) { notes.push(addNotice("refused", summary.refused)); }
      if (summary.expired) { notes.push(addNotice("expired", summary.expired)); }
      return Promise.all(notes);
    }).then(function () { return entries(); }).then(function (queued) {
      summary.waiting = queued.length;
      return summary;
    }, function () { return summary; }).then(function (result) {
      draining = null;
      return result;
    });
    return draining;
  }

  root.RainbowOutbox = {
    get: get, set: set, del: del, entries: entries, enqueue: enqueue, drain: drain,
    forgetOnServer: forgetOnServer,
    randomToken: randomToken, MAX_ENTRIES: MAX_ENTRIES, MAX_BYTES: MAX_BYTES
  };
})(self);
