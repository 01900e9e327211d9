// Respondent pages that keep working when the Wi-Fi drops (issue 15), as an enhancement: without
// JavaScript every page works as before, online. With it:
// - joining online keeps the session on the tablet: its join pass and a blank copy of every page of the
//   questionnaire (Cache Storage), so the next person can join and answer while offline;
// - every answer goes into the outbox (outbox-core.js) before it is sent, and is sent again until the server
//   acknowledges it; a status line says what happened, in plain words for children;
// - "Finish and hand on" forgets the person at once, even offline: their token stays only in their queued
//   answers, which nothing on screen can show or change.
(function () {
  "use strict";
  var outbox = window.RainbowOutbox;
  if (!outbox || !window.indexedDB || !window.fetch) { return; }
  var COPIES = "rainbow-session";
  var SEND_WAIT_MS = 3000;
  var KEEP_WAIT_MS = 10000;
  var child = !!document.querySelector(".respond-child");
  var statusLine = null;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* online only */ });
  }

  // --- what the person is told --------------------------------------------------------------------------

  function status(text, urgent) {
    if (!statusLine) {
      statusLine = document.createElement("p");
      statusLine.id = "outbox-status";
      statusLine.className = "outbox-status";
      statusLine.setAttribute("role", urgent ? "alert" : "status");
      var main = document.getElementById("main") || document.body;
      main.insertBefore(statusLine, main.firstChild);
    }
    if (urgent) { statusLine.setAttribute("role", "alert"); statusLine.classList.add("outbox-alert"); }
    statusLine.textContent = text;
  }

  function waitingText(count) {
    return child
      ? "Saved on this tablet. It will be sent when the internet is back (" + count + " waiting)."
      : "Saved on this tablet, will send when connected (" + count + " waiting).";
  }

  function thanksText(count) {
    return child
      ? "Your answers are safe on this tablet. They will be sent by themselves when the internet is back. " +
        "You can give the tablet to the next person."
      : "Your answers are saved on this tablet and will be sent by themselves when it reconnects (" + count +
        " waiting). It is fine to hand the tablet on now.";
  }

  function showSummary(summary, justSaved) {
    if (summary.waiting > 0 && window.location.pathname === "/respond/thanks") {
      status(thanksText(summary.waiting));
      return;
    }
    if (summary.waiting > 0) { status(waitingText(summary.waiting)); return; }
    if (justSaved) { status("Saved"); return; }
    if (summary.sent > 0) { status(child ? "Sent! Your answers have arrived." : "Sent"); }
  }

  function showNotice() {
    return outbox.get("notice").then(function (notice) {
      if (!notice) { return; }
      var parts = [];
      if (notice.closed) {
        parts.push(child
          ? "The group finished before this tablet got back online, so " + notice.closed +
            " answers could not be sent. Please tell the grown-up."
          : "The session was closed before this tablet reconnected: " + notice.closed +
            " saved answers could not be sent and have been removed from this tablet.");
      }
      if (notice.expired) {
        parts.push(notice.expired + " answers were kept longer than the session lasts, so they have been " +
          "removed from this tablet without being sent.");
      }
      if (notice.refused) {
        parts.push(notice.refused + " answers were refused by the server and removed from this tablet.");
      }
      if (notice.full) {
        parts.push(child
          ? "This tablet is full, so your last answer was not saved. Please tell the grown-up."
          : "This tablet's outbox is full (it holds at most " + outbox.MAX_ENTRIES + " answers): your last " +
            "answer was not saved. Reconnect the tablet to the internet so it can send what it holds.");
      }
      if (parts.length) { status(parts.join(" "), true); }
      return outbox.del("notice");
    });
  }

  function sync(force, justSaved) {
    return outbox.drain(force).then(function (summary) {
      showSummary(summary, justSaved);
      if (summary.waiting > 0 && "serviceWorker" in navigator) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync) { return reg.sync.register("rainbow-outbox"); }
        }).catch(function () { /* no Background Sync: the timer and the online event do it */ });
      }
      return showNotice().then(function () { return summary; });
    });
  }

  // --- keeping the session on the tablet ------------------------------------------------------------------

  function pagesOf(tablet) {
    var urls = ["/join", "/respond", "/respond/about-you", "/respond/review", "/respond/thanks"];
    for (var step = 1; step <= tablet.steps; step++) { urls.push("/respond/questions/" + step); }
    return urls;
  }

  function keepCopies(tablet) {
    if (!window.caches) { return Promise.resolve(); }
    return caches.open(COPIES).then(function (cache) {
      return Promise.all(pagesOf(tablet).map(function (url) {
        return fetch(url, { headers: { "Join-Pass": tablet.pass }, credentials: "same-origin" })
          .then(function (response) {
            var rule = response.headers.get("Cache-Control") || "";
            if (response.ok && !response.redirected && rule.indexOf("no-store") < 0) {
              return cache.put(url, response);
            }
          });
      }));
    }).catch(function () { /* kept next time */ });
  }

  function normalCode(code) { return (code || "").toUpperCase().replace(/[^A-Z0-9]/g, ""); }

  function joinOnline(code, csrf) {
    return fetch("/api/join", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ code: code }),
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (problem) { throw { detail: problem.detail, status: response.status }; });
      }
      return Promise.all([response.json(), fetch("/api/framework").then(function (r) { return r.json(); })]);
    }).then(function (both) {
      var joined = both[0];
      var isChild = joined.session.viewpoint === "child";
      var tablet = {
        session_id: joined.session.id,
        code: normalCode(code),
        pass: joined.offline_pass,
        until: joined.offline_until,
        child: isChild,
        items: joined.items.map(function (item) { return item.code; }),
        steps: isChild ? joined.items.length : joined.session.arcs.length,
        scale: both[1].scale
      };
      return outbox.set("tablet", tablet)
        .then(function () { return outbox.set("current", { token: joined.token, answers: {}, profile: {} }); })
        .then(function () { return withTimeout(keepCopies(tablet), KEEP_WAIT_MS); });
    });
  }

  function joinOffline(code) {
    return outbox.get("tablet").then(function (tablet) {
      if (!tablet || tablet.code !== normalCode(code) || Date.parse(tablet.until) < Date.now()) {
        throw { detail: "This tablet is not connected to the internet. To join while offline, the tablet " +
          "must have joined this session once while it was online. Ask your facilitator." };
      }
      // A participant token made here (256 random bits); the join pass admits it when the tablet reconnects.
      return outbox.set("current", { token: outbox.randomToken(32), answers: {}, profile: {}, offline: true });
    });
  }

  function showJoinError(form, detail) {
    var field = form.querySelector(".join-field");
    var message = form.querySelector("#error-code");
    if (!message) {
      message = document.createElement("p");
      message.className = "error-message";
      message.id = "error-code";
      message.setAttribute("role", "alert");
      field.insertBefore(message, field.querySelector("input"));
    }
    message.textContent = detail;
    field.classList.add("field-error");
    var input = form.querySelector("input[name=code]");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "error-code");
    input.focus();
  }

  function onJoin(event, form) {
    var code = form.querySelector("input[name=code]").value;
    if (!code.trim()) { return; }  // the server says what is missing
    event.preventDefault();
    var csrf = form.querySelector("input[name=csrf_token]").value;
    joinOnline(code, csrf).catch(function (problem) {
      if (problem && problem.status) { throw problem; }
      return joinOffline(code);  // no network: join offline if this tablet holds the session
    }).then(function () {
      window.location.assign("/respond");
    }, function (problem) {
      form.dataset.sent = "";
      showJoinError(form, (problem && problem.detail) || "That did not work. Try again.");
    });
  }

  // --- answering ------------------------------------------------------------------------------------------

  function value(form, name) {
    var field = form.querySelector("[name='" + name + "']:checked") || form.querySelector("textarea[name='" + name + "'], select[name='" + name + "']");
    return field ? field.value.trim() : "";
  }

  function rating(text) { return /^[1-5]$/.test(text) ? parseInt(text, 10) : text; }

  // The answers a question page's form gives, as the API takes them, or null for a form we leave alone.
  function answersOf(form, submitter, tablet, step) {
    var answers = [];
    if (tablet.child) {
      var chosen = submitter && submitter.name === "rating" ? submitter.value : "";
      var comment = value(form, "comment");
      if (chosen && chosen !== "skip") {
        answers.push({ item: tablet.items[step - 1], rating: rating(chosen), comment: comment || null });
      } else if (comment) { return null; }
      return answers;
    }
    var blankWithComment = false;
    form.querySelectorAll("textarea[name^='comment-']").forEach(function (area) {
      var code = area.name.slice("comment-".length);
      var given = value(form, "rating-" + code);
      var words = area.value.trim();
      if (given) { answers.push({ item: code, rating: rating(given), comment: words || null }); }
      else if (words) { blankWithComment = true; }
    });
    form.querySelectorAll("input[type=radio][name^='rating-']:checked").forEach(function (input) {
      var code = input.name.slice("rating-".length);
      if (!answers.some(function (a) { return a.item === code; })) {
        answers.push({ item: code, rating: rating(input.value), comment: null });
      }
    });
    return blankWithComment ? null : answers;
  }

  function profileOf(form, tablet) {
    var profile = {};
    var fields = tablet.child ? ["age_band"] : ["sector", "role_level"];
    fields.forEach(function (name) { var given = value(form, name); if (given) { profile[name] = given; } });
    if (tablet.child) {
      var box = form.querySelector("input[name=assisted]");
      if (box && box.checked) { profile.assisted = true; }
    }
    return profile;
  }

  function nextPage(action, submitter, tablet) {
    var match = /^\/respond\/questions\/(\d+)$/.exec(action);
    if (match) {
      var step = parseInt(match[1], 10);
      if (submitter && submitter.name === "go" && submitter.value === "back") {
        return step <= 1 ? "/respond/about-you" : "/respond/questions/" + (step - 1);
      }
      return step >= tablet.steps ? "/respond/review" : "/respond/questions/" + (step + 1);
    }
    if (action === "/respond/about-you") { return "/respond/questions/1"; }
    if (action === "/respond/submit") { return "/respond/thanks"; }
    return null;
  }

  function bodyOf(form, action, submitter, tablet) {
    var match = /^\/respond\/questions\/(\d+)$/.exec(action);
    if (match) {
      var answers = answersOf(form, submitter, tablet, parseInt(match[1], 10));
      return answers === null ? null : { answers: answers, submit: false };
    }
    if (action === "/respond/about-you") { return { answers: [], profile: profileOf(form, tablet), submit: false }; }
    if (action === "/respond/submit") { return { answers: [], submit: true }; }
    return null;
  }

  function remember(current, body) {
    body.answers.forEach(function (answer) {
      current.answers[answer.item] = { value: String(answer.rating), comment: answer.comment || "" };
    });
    if (body.profile) { current.profile = body.profile; }
    if (body.submit) { current.submitted = true; }
    return outbox.set("current", current);
  }

  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise(function (resolve) { setTimeout(resolve, ms); })]);
  }

  function onAnswer(event, form, current, tablet) {
    var action = new URL(form.action, window.location.href).pathname;
    var body = bodyOf(form, action, event.submitter, tablet);
    var next = nextPage(action, event.submitter, tablet);
    if (body === null || next === null) {
      if (!navigator.onLine) { event.preventDefault(); }  // offline, a form we cannot queue stays put
      return;
    }
    event.preventDefault();
    remember(current, body).then(function () {
      return outbox.enqueue(current.token, tablet, body);
    }).then(function (entry) {
      if (entry === null) {
        return outbox.set("notice", { full: 1 }).then(function () { form.dataset.sent = ""; return showNotice(); });
      }
      return withTimeout(sync(true, true), SEND_WAIT_MS).then(function () {
        window.sessionStorage.setItem("rainbow-saved", "1");  // the next page says "Saved"
        window.location.assign(next);
      });
    });
  }

  // --- handing on -----------------------------------------------------------------------------------------

  function handOn() {
    return Promise.all([outbox.get("current"), outbox.get("tablet")]).then(function (both) {
      var current = both[0];
      var tablet = both[1];
      var forgotten = current ? outbox.set("forget", current.token) : Promise.resolve();
      return forgotten.then(function () { return outbox.del("current"); }).then(function () {
        return withTimeout(outbox.drain(true), SEND_WAIT_MS);
      }).then(function () {
        window.location.replace(tablet && tablet.code ? "/join?code=" + encodeURIComponent(tablet.code) : "/join");
      });
    });
  }
  window.RainbowHandOn = handOn;

  // --- showing what was given on this tablet, on pages kept for offline -----------------------------------

  function wordsFor(saved, tablet) {
    if (saved.value === "dk") { return child ? "I don\u2019t know" : "Don\u2019t know"; }
    if (saved.value === "na") { return "Not applicable"; }
    var point = (tablet.scale || []).filter(function (p) { return String(p.value) === saved.value; })[0];
    if (!point) { return saved.value; }
    return child ? point.child_label : point.value + " " + point.label;
  }

  function showGiven(current, tablet) {
    Object.keys(current.answers).forEach(function (code) {
      var saved = current.answers[code];
      var review = document.getElementById("review-" + code);
      if (review) {
        var words = review.querySelector(".review-answer");
        if (words) { words.textContent = wordsFor(saved, tablet); }
        if (saved.comment && !review.querySelector(".review-comment")) {
          var said = document.createElement("p");
          said.className = "review-comment";
          said.textContent = "\u201c" + saved.comment + "\u201d";
          review.insertBefore(said, review.querySelector(".change-link"));
        }
        return;
      }
      var radio = document.querySelector("input[name='rating-" + code + "'][value='" + saved.value + "']");
      if (radio) { radio.checked = true; }
      var area = document.querySelector("textarea[name='comment-" + code + "']");
      if (area && saved.comment) { area.value = saved.comment; }
    });
    var lede = document.querySelector(".lede");
    if (window.location.pathname === "/respond/review" && lede) {
      var given = tablet.items.filter(function (code) { return current.answers[code]; }).length;
      lede.innerHTML = lede.innerHTML.replace(/\d+ of \d+/, given + " of " + tablet.items.length);
    }
    var match = /^\/respond\/questions\/(\d+)$/.exec(window.location.pathname);
    if (tablet.child && match) {
      var saved = current.answers[tablet.items[parseInt(match[1], 10) - 1]];
      if (saved) {
        var face = document.querySelector("button[name=rating][value='" + saved.value + "']");
        if (face) { face.classList.add("is-chosen"); face.setAttribute("aria-pressed", "true"); }
        var comment = document.querySelector("textarea[name=comment]");
        if (comment && saved.comment) { comment.value = saved.comment; }
      }
    }
  }

  // --- wiring ---------------------------------------------------------------------------------------------

  // The join page kept for offline has no code in it: take it from the address, as the server would.
  var codeField = document.querySelector(".join-form input[name=code]");
  var codeGiven = new URLSearchParams(window.location.search).get("code");
  if (codeField && !codeField.value && codeGiven) { codeField.value = codeGiven.trim().toUpperCase().slice(0, 40); }

  Promise.all([outbox.get("current"), outbox.get("tablet")]).then(function (both) {
    var current = both[0];
    var tablet = both[1];
    var copy = document.querySelector("[data-offline-copy]");
    if (copy && !current) { window.location.replace("/join"); return; }
    // A page the server rendered shows the answers it has; a kept copy shows none, so fill in this person's.
    if (copy && current && tablet) { showGiven(current, tablet); }
    document.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      var form = event.target;
      var action = new URL(form.action, window.location.href).pathname;
      if (action === "/respond/finish" && (current || !navigator.onLine)) {
        event.preventDefault();
        handOn();
        return;
      }
      if (action === "/join") { onJoin(event, form); return; }
      if (current && tablet && action.indexOf("/respond/") === 0) { onAnswer(event, form, current, tablet); }
    });
    var justSaved = window.sessionStorage.getItem("rainbow-saved") === "1";
    window.sessionStorage.removeItem("rainbow-saved");
    sync(navigator.onLine, justSaved);
  });
  window.addEventListener("online", function () { sync(true, false); });
  window.setInterval(function () { if (navigator.onLine) { sync(false, false); } }, 5000);
})();
