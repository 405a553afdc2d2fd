// The staff page keeps itself up to date: every second it asks the hub for the board and swaps it in.
// Buttons post with fetch and refresh at once; without JavaScript the same forms post and redirect.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var live = document.getElementById("live");
  var liveText = document.getElementById("live-text");
  if (!board) { return; }
  var src = board.getAttribute("data-src");
  var baseTitle = document.title.replace(/^Help called · /, "");
  var busy = false;
  var failures = 0;

  function typing() {
    var el = document.activeElement;
    if (el && board.contains(el) && el.tagName === "INPUT") { return true; }
    var inputs = board.querySelectorAll("input.name");
    for (var i = 0; i < inputs.length; i++) { if (inputs[i].value) { return true; } }
    return false;
  }

  function setLive(ok) {
    live.classList.toggle("offline", !ok);
    liveText.textContent = ok ? "Live" : "Reconnecting to the hub…";
  }

  function refresh(force) {
    if (busy || (!force && typing())) { return; }
    busy = true;
    fetch(src, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); throw new Error("logged out"); }
        if (!r.ok) { throw new Error("status " + r.status); }
        return r.json();
      })
      .then(function (data) {
        failures = 0;
        setLive(true);
        if (board.innerHTML !== data.html) { board.innerHTML = data.html; }
        document.title = (data.open_calls ? "Help called · " : "") + baseTitle;
      })
      .catch(function () { failures += 1; if (failures > 2) { setLive(false); } })
      .then(function () { busy = false; });
  }

  board.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"X-Requested-With": "fetch", "Accept": "application/json"}})
      .then(function (r) { return r.json().catch(function () { return {}; }); })
      .then(function (data) { if (data && data.message) { window.alert(data.message); } })
      .catch(function () { window.alert("The hub did not answer. Please try again."); })
      .then(function () { busy = false; refresh(true); });
  });

  window.setInterval(function () { refresh(false); }, 1000);
})();
