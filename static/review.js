// Keyboard for the review queue: j/k move, a approve, 1-6 reason, r reject, x select, o open, u undo, ? help.
(function () {
  "use strict";
  const queue = document.getElementById("queue");
  if (!queue) return;
  const items = Array.from(queue.querySelectorAll(".review-item:not(.held)"));
  const help = document.getElementById("keys-help");
  const csrf = document.querySelector("#bulk-form input[name=csrf_token]").value;
  let current = -1;

  function hold(item) {
    const url = queue.dataset.holdUrl.replace("/0/", "/" + item.dataset.id + "/");
    fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf } }).catch(function () {});
  }

  function select(index) {
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    if (items[current]) items[current].classList.remove("current");
    current = index;
    const item = items[current];
    item.classList.add("current");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
    hold(item);
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

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select") && event.key !== "Escape") return;
    const item = items[current];
    const key = event.key;
    if (key === "?") { help.open ? help.close() : help.showModal(); }
    else if (key === "Escape" && help.open) { help.close(); }
    else if (key === "j") { select(current + 1); }
    else if (key === "k") { select(current - 1); }
    else if (key === "a") { decide("approve"); }
    else if (key === "r") { decide("reject"); }
    else if (/^[1-6]$/.test(key) && item) {
      const reason = item.querySelector("select.reason");
      reason.selectedIndex = Number(key);
      say(item, "Reason: " + reason.options[reason.selectedIndex].text.replace(/^\d · /, "") + ". Press r to reject.");
    }
    else if (key === "x" && item) { const box = item.querySelector("input[type=checkbox]"); box.checked = !box.checked; }
    else if (key === "o" && item) { window.location = item.querySelector("a.open").href; }
    else if (key === "u") { const undo = document.getElementById("undo-form"); if (undo) undo.requestSubmit(); }
    else { return; }
    event.preventDefault();
  });

  select(0);
})();
