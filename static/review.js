// Keyboard for the review queue: j/k move, a approve, 1-6 reason, r reject, x select, o open, u undo, ? help.
// Holds: moving through the queue holds nothing; choosing a reason or typing a note holds the item, and moving on,
// deciding or leaving the page lets it go. After a decision the next item keeps the keyboard position.
// The queue counts in the tabs update every 20 seconds without a reload.
(function () {
  "use strict";
  const queue = document.getElementById("queue");
  if (!queue) return;
  const items = Array.from(queue.querySelectorAll(".review-item:not(.held)"));
  const help = document.getElementById("keys-help");
  const csrf = document.querySelector("#bulk-form input[name=csrf_token]").value;
  let current = -1;
  let held = null;  // the item this page holds, if any

  function urlFor(template, item) { return template.replace("/0/", "/" + item.dataset.id + "/"); }

  function hold(item) {
    if (held === item) return;
    release();
    held = item;
    fetch(urlFor(queue.dataset.holdUrl, item), { method: "POST", headers: { "X-CSRFToken": csrf } }).catch(function () {});
  }

  function release(beacon) {
    if (!held) return;
    const url = urlFor(queue.dataset.releaseUrl, held);
    held = null;
    if (beacon) {
      const body = new FormData();
      body.append("csrf_token", csrf);
      navigator.sendBeacon(url, body);
    } else {
      fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf } }).catch(function () {});
    }
  }

  function select(index, scroll) {
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    if (items[current]) items[current].classList.remove("current");
    if (held && held !== items[index]) release();
    current = index;
    const item = items[current];
    item.classList.add("current");
    item.focus({ preventScroll: true });
    if (scroll !== false) item.scrollIntoView({ block: "nearest" });
  }

  function say(item, message) {
    let note = item.querySelector(".key-message");
    if (!note) {
      note = document.createElement("p");
      note.className = "key-message error";
      note.setAttribute("role", "alert");
      item.querySelector("form.decide").before(note);
    }
    note.textContent = message;
  }

  // Where to come back after a decision: this page, at the item after the decided one (it leaves the queue).
  function keepPosition(form) {
    const index = items.indexOf(form.closest(".review-item"));
    const next = items[index + 1] || items[index - 1];
    const back = form.querySelector("input[name=next]");
    back.value = back.value.split("#")[0] + (next ? "#r" + next.dataset.id : "");
    held = null;  // the decision clears the hold on the server
  }

  function decide(action) {
    const item = items[current];
    if (!item) return;
    const form = item.querySelector("form.decide");
    if (action === "reject" && !form.reason.value) {
      say(item, "Press 1-6 to choose a reason, then r to reject.");
      return;
    }
    form.requestSubmit(form.querySelector("button[value=" + action + "]"));
  }

  items.forEach(function (item, index) {
    const form = item.querySelector("form.decide");
    form.addEventListener("submit", function () { keepPosition(form); });
    // Working on an item with the mouse or Tab: it becomes current, and typing a note or choosing a reason holds it.
    item.addEventListener("focusin", function () { if (current !== index) select(index, false); });
    form.note.addEventListener("input", function () { hold(item); });
    form.reason.addEventListener("change", function () { hold(item); });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select") && event.key !== "Escape") return;
    const item = items[current];
    const key = event.key;
    if (key === "?") { help.open ? help.close() : help.showModal(); }
    else if (key === "Escape" && help.open) { help.close(); }
    else if (key === "Escape" && event.target.closest("input, textarea, select")) { event.target.blur(); if (item) item.focus(); }
    else if (key === "j") { select(current + 1); }
    else if (key === "k") { select(current - 1); }
    else if (key === "a") { decide("approve"); }
    else if (key === "r") { decide("reject"); }
    else if (/^[1-6]$/.test(key) && item) {
      const reason = item.querySelector("select.reason");
      reason.selectedIndex = Number(key);
      hold(item);
      say(item, "Reason: " + reason.options[reason.selectedIndex].text.replace(/^\d · /, "") + ". Press r to reject.");
    }
    else if (key === "x" && item) { const box = item.querySelector("input[type=checkbox]"); box.checked = !box.checked; }
    else if (key === "o" && item) { window.location = item.querySelector("a.open").href; }
    else if (key === "u") { const undo = document.getElementById("undo-form"); if (undo) undo.requestSubmit(); }
    else { return; }
    event.preventDefault();
  });

  window.addEventListener("pagehide", function () { release(true); });

  const tabs = document.getElementById("queue-tabs");
  const live = document.getElementById("counts-live");
  function refreshCounts() {
    fetch(tabs.dataset.countsUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (!counts) return;
        let changed = false;
        tabs.querySelectorAll(".count[data-queue]").forEach(function (badge) {
          const value = String(counts[badge.dataset.queue]);
          if (badge.textContent !== value) { badge.textContent = value; changed = true; }
        });
        if (changed && live) live.textContent = "Counts updated " + new Date().toLocaleTimeString("en-GB") + ".";
      })
      .catch(function () {});
  }
  setInterval(refreshCounts, Number(tabs.dataset.refreshMs || 20000));

  const start = window.location.hash ? items.findIndex(function (item) { return "#r" + item.dataset.id === window.location.hash; }) : -1;
  select(start >= 0 ? start : 0);
})();
