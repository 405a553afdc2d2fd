// The staff page keeps itself up to date: every second it asks the hub for the board and swaps it in,
// keeping any name typed (and the focus) in the call it was typed for.
// Buttons post with fetch and refresh at once; without JavaScript the same forms post and redirect.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var live = document.getElementById("live");
  var liveText = document.getElementById("live-text");
  if (!board) { return; }
  var src = board.getAttribute("data-src");
  var words = window.roomHubWords = pageWords();
  var calledTitle = (board.getAttribute("data-help-called") || "Help called") + " · ";
  var baseTitle = document.title.indexOf(calledTitle) === 0 ? document.title.slice(calledTitle.length) : document.title;
  var busy = false;
  var failures = 0;

  // The page's own words come translated from the server (a JSON blob in the page): English if it is missing.
  function pageWords() {
    var english = {live: "Live", reconnecting: "Reconnecting to the hub…",
                   no_answer: "The hub did not answer. Please try again.", help_called: "Help called: {room}",
                   still_nobody: "Still nobody on the way: {room}",
                   pressed_at: "Pressed at {time}. Nobody is on the way yet."};
    var blob = document.getElementById("page-words");
    var given = {};
    try { given = blob ? JSON.parse(blob.textContent) : {}; } catch (e) { given = {}; }
    for (var key in english) {
      if (Object.prototype.hasOwnProperty.call(english, key) && typeof given[key] !== "string") { given[key] = english[key]; }
    }
    return given;
  }

  // What the person has typed into the board's name fields, by call, so a refresh never loses it.
  function typed() {
    var state = {values: {}, focus: null};
    var inputs = board.querySelectorAll("[data-call] input[name]:not([type=hidden])");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var key = input.closest("[data-call]").getAttribute("data-call") + "\n" + input.name;
      if (input.value) { state.values[key] = input.value; }
      if (input === document.activeElement) {
        state.focus = {key: key, start: input.selectionStart, end: input.selectionEnd};
      }
    }
    return state;
  }

  function restore(state) {
    var inputs = board.querySelectorAll("[data-call] input[name]:not([type=hidden])");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var key = input.closest("[data-call]").getAttribute("data-call") + "\n" + input.name;
      if (Object.prototype.hasOwnProperty.call(state.values, key)) { input.value = state.values[key]; }
      if (state.focus && state.focus.key === key) {
        input.focus();
        try { input.setSelectionRange(state.focus.start, state.focus.end); } catch (e) { /* not a text input */ }
      }
    }
  }

  function setLive(ok) {
    live.classList.toggle("offline", !ok);
    liveText.textContent = ok ? words.live : words.reconnecting;
  }

  function refresh() {
    if (busy) { return; }
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
        if (board.innerHTML !== data.html) {
          var state = typed();
          board.innerHTML = data.html;
          restore(state);
        }
        document.title = (data.open_calls ? calledTitle : "") + baseTitle;
        document.dispatchEvent(new CustomEvent("board-updated", {detail: data}));
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
      .catch(function () { window.alert(words.no_answer); })
      .then(function () { busy = false; refresh(); });
  });

  window.setInterval(refresh, 1000);
})();
