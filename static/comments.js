// The reader's thread: a character counter on every comment box, "Read more" on long comments, and the rejection
// notice brought into view and focused (it is also announced: role=alert). The embed's frame calls
// window.moderationThread.enhance(root) again each time it swaps in a new stream.
(function () {
  "use strict";

  function counter(box) {
    const max = Number(box.dataset.maxChars);
    const note = document.getElementById(box.getAttribute("aria-describedby"));
    if (!note) return;
    function update() {
      const used = box.value.length;
      const over = used - max;
      note.textContent = over > 0
        ? used.toLocaleString("en") + " characters: " + over.toLocaleString("en") + " over the limit of " + max.toLocaleString("en") + ". Shorten it before sending."
        : used.toLocaleString("en") + " / " + max.toLocaleString("en") + " characters";
      note.classList.toggle("error", over > 0);
      box.setCustomValidity(over > 0 ? "Comments can be at most 5,000 characters." : "");
    }
    box.addEventListener("input", update);
    if (box.value) update();
  }
  function readMore(button) {
    const text = document.getElementById(button.getAttribute("aria-controls"));
    function show(expanded) {
      text.classList.toggle("collapsed", !expanded);
      button.setAttribute("aria-expanded", String(expanded));
      button.textContent = expanded ? "Show less" : "Read more";
    }
    button.hidden = false;
    show(false);
    button.addEventListener("click", function () { show(text.classList.contains("collapsed")); });
  }

  function enhance(root) {
    root.querySelectorAll("textarea[data-max-chars]").forEach(counter);
    root.querySelectorAll("button.read-more").forEach(readMore);
    const rejection = root.querySelector("#rejection");
    if (rejection) {
      rejection.scrollIntoView({ block: "start" });
      rejection.focus({ preventScroll: true });
    }
  }
  window.moderationThread = { enhance: enhance };
  enhance(document);
})();
