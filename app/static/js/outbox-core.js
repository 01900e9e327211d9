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
  var PARALLEL = 6;               // requests in flight at once (a browser's connections to one server)
  var MAX_ANSWERS = 200;          // the most answers one request may carry (PUT /api/responses)
  var BASE_DELAY_MS = 1000;
  var MAX_DELAY_MS = 20000;        // a tablet retries at least this often while a page is open
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

  // Queued saves of one person are sent together, as one request: their answers (the latest for each
  // statement), their profile and whether they submitted. Answers are stored once per person and statement
  // whatever happens, so sending a save twice, alone or merged with others, changes nothing.
  function batches(due) {
    var byToken = {};
    var order = [];
    due.forEach(function (entry) {
      if (!byToken[entry.token]) { byToken[entry.token] = []; order.push(entry.token); }
      byToken[entry.token].push(entry);
    });
    var out = [];
    order.forEach(function (token) {
      var batch = [];
      var items = {};
      var count = 0;
      byToken[token].forEach(function (entry) {
        var fresh = entry.body.answers.filter(function (a) { return !items[a.item]; }).length;
        if (batch.length && (count + fresh > MAX_ANSWERS || entry.pass !== batch[0].pass)) {
          out.push(batch); batch = []; items = {}; count = 0;
        }
        entry.body.answers.forEach(function (a) { if (!items[a.item]) { items[a.item] = true; count += 1; } });
        batch.push(entry);
      });
      if (batch.length) { out.push(batch); }
    });
    return out;
  }

  function merged(batch) {
    var answers = {};
    var body = { answers: [], submit: false };
    batch.forEach(function (entry) {
      entry.body.answers.forEach(function (a) { answers[a.item] = a; });
      if (entry.body.profile) { body.profile = Object.assign(body.profile || {}, entry.body.profile); }
      if (entry.body.submit) { body.submit = true; }
    });
    body.answers = Object.keys(answers).map(function (item) { return answers[item]; });
    return body;
  }

  // The batch's idempotency key: the entry's own, or one made from all of theirs (the same batch sent again
  // is the same request).
  function batchKey(batch) {
    if (batch.length === 1) { return Promise.resolve(batch[0].key); }
    var joined = new TextEncoder().encode(batch.map(function (e) { return e.key; }).join("|"));
    return root.crypto.subtle.digest("SHA-256", joined).then(function (digest) {
      var bytes = new Uint8Array(digest);
      var text = "";
      for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
      return "m-" + root.btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    });
  }

  function delAll(batch, outcome) {
    return Promise.all(batch.map(function (e) { return del(e.id); })).then(function () { return outcome; });
  }

  // Send one batch: "sent", "dropped-closed", "dropped-refused", or "retry".
  function send(batch, waiting) {
    var first = batch[0];
    return batchKey(batch).then(function (key) {
      var headers = {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + first.token,
        "Idempotency-Key": key,
        "Outbox-Waiting": String(Math.max(0, waiting))
      };
      if (first.pass) { headers["Join-Pass"] = first.pass; }
      return root.fetch("/api/responses", {
        method: "PUT", headers: headers, body: JSON.stringify(merged(batch)), credentials: "same-origin"
      });
    }).then(function (response) {
      if (response.ok) { return delAll(batch, "sent"); }
      if (response.status === 410 || response.headers.get("Outbox-Action") === "drop") {
        return delAll(batch, "dropped-closed");
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 408 &&
          response.status !== 429) {
        return delAll(batch, "dropped-refused");
      }
      return reschedule(batch);
    }, function () { return reschedule(batch); });
  }

  function reschedule(batch) {
    return Promise.all(batch.map(function (entry) {
      entry.tries += 1;
      entry.next = now() + delay(entry.tries);
      return set(entry.id, entry);
    })).then(function () { return "retry"; });
  }

  // Send what is due (everything, when `force`), a few requests at a time. Resolves to a summary (counted
  // in queued saves); never rejects.
  function drain(force) {
    if (draining) { return draining; }
    var summary = { sent: 0, closed: 0, refused: 0, expired: 0, waiting: 0, requests: 0 };
    draining = forgetOnServer().then(function () { return entries(); }).then(function (queued) {
      var stale = queued.filter(function (e) { return e.until && Date.parse(e.until) < now(); });
      summary.expired = stale.length;
      var due = batches(queued.filter(function (e) {
        return stale.indexOf(e) < 0 && (force || e.next <= now());
      }));
      var left = queued.length - stale.length;
      var stop = false;
      function worker() {
        if (stop || due.length === 0) { return Promise.resolve(); }
        var batch = due.shift();
        left -= batch.length;
        summary.requests += 1;
        return send(batch, left).then(function (outcome) {
          if (outcome === "sent") { summary.sent += batch.length; }
          else if (outcome === "dropped-closed") { summary.closed += batch.length; }
          else if (outcome === "dropped-refused") { summary.refused += batch.length; }
          else { left += batch.length; stop = true; }  // the network or the server is down: try later
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
