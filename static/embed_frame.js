/* Inside the embed's iframe: keeps the reader's token in memory (no cookie, no storage), sends it as
   Authorization: Bearer with every request, swaps in the stream the server renders, and tells the page its height. */
(function () {
  "use strict";
  var root = document.getElementById("embed");
  var stream = document.getElementById("stream");
  var parentOrigin = root.dataset.parentOrigin;
  var token = null;

  function tellHeight() {
    if (window.parent !== window) {
      window.parent.postMessage({ type: "moderation:resize", height: document.documentElement.scrollHeight },
        parentOrigin);
    }
  }
  function headers() {
    var h = { "X-Requested-With": "moderation-embed" };
    if (token) { h.Authorization = "Bearer " + token; }
    return h;
  }
  function show(response) {
    return response.text().then(function (html) {
      stream.innerHTML = html;  /* rendered and escaped by the server; the CSP allows no inline script */
      if (window.moderationThread) { window.moderationThread.enhance(stream); }  /* counters, read more */
      tellHeight();
    });
  }
  function load(url) { return fetch(url || root.dataset.streamUrl, { headers: headers() }).then(show); }

  function exchange(url, body, isJson) {
    var options = { method: "POST", headers: headers(), body: body };
    if (isJson) { options.headers["Content-Type"] = "application/json"; }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) { throw new Error(answer.error || "Could not sign in."); }
        token = answer.token;
        return load();
      });
    });
  }
  function signInWithSso(jwt) {
    return exchange(root.dataset.ssoUrl, JSON.stringify({ site: root.dataset.site, token: jwt }), true)
      .catch(function (error) { showError(error.message); });
  }
  function showError(message, form) {
    var place = (form || stream).querySelector("[data-login-error]");
    if (place) { place.textContent = message; place.hidden = false; tellHeight(); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-login") || form.hasAttribute("data-register")) {
      event.preventDefault();
      var body = new FormData(form);
      body.append("site", root.dataset.site);
      var url = form.hasAttribute("data-register") ? root.dataset.registerUrl : root.dataset.loginUrl;
      exchange(url, body, false).catch(function (error) { showError(error.message, form); });
    } else if (form.hasAttribute("data-embed")) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, { method: "POST", headers: headers(), body: new FormData(form) }).then(show)
        .catch(function () { if (button) { button.disabled = false; } });
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-load]");
    if (link) { event.preventDefault(); load(link.href); return; }
    if (event.target.closest("[data-sign-out]")) { token = null; load(); }
  });
  document.addEventListener("toggle", tellHeight, true);
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin || !event.data) { return; }
    if (event.data.type === "moderation:sso" && typeof event.data.token === "string") { signInWithSso(event.data.token); }
    if (event.data.type === "moderation:sign-out") { token = null; load(); }
  });
  if (window.ResizeObserver) { new ResizeObserver(tellHeight).observe(document.body); }

  var fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("sso")) {
    history.replaceState(null, "", location.pathname + location.search);  /* the token leaves the address */
    signInWithSso(fragment.get("sso"));
  }
  tellHeight();
})();
