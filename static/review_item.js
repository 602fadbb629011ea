// One item open: keep holding it while the page is open (renewed every minute), and let go on leaving the page.
(function () {
  "use strict";
  const item = document.getElementById("item");
  if (!item || item.dataset.mine !== "1") return;
  const csrf = item.querySelector("input[name=csrf_token]").value;
  function post(url) {
    return fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" }).catch(function () {});
  }
  const renew = setInterval(function () { if (!document.hidden) post(item.dataset.holdUrl); }, 60000);
  let deciding = false;
  item.querySelector("form.decide").addEventListener("submit", function () { deciding = true; });
  window.addEventListener("pagehide", function () {
    clearInterval(renew);
    if (deciding) return;  // the decision clears the hold itself
    const body = new FormData();
    body.append("csrf_token", csrf);
    navigator.sendBeacon(item.dataset.releaseUrl, body);
  });
})();
