// Threshold what-if: on every change, ask the server to replay recent verdicts and show the counts.
(function () {
  "use strict";
  var form = document.getElementById("thresholds");
  if (!form) { return; }
  var url = form.getAttribute("data-what-if-url");
  var error = document.getElementById("what-if-error");
  var pending = null;
  function refresh() {
    var params = new URLSearchParams();
    form.querySelectorAll("input[type=number]").forEach(function (input) { params.append(input.name, input.value); });
    fetch(url + "?" + params.toString(), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (counts) {
        error.textContent = counts.error || "";
        if (counts.error) { return; }
        document.querySelectorAll("#what-if [data-count]").forEach(function (node) {
          node.textContent = counts[node.getAttribute("data-count")];
        });
      });
  }
  form.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(refresh, 150);
  });
})();
