// Alerts on the staff page: a gentle sound that repeats (every data-sound-every seconds) while a call is
// unanswered, the favicon, and a browser notification per new call, so a minimised browser still alerts.
// Browsers refuse sound before a person has clicked: "Turn on sound alerts" stays until sound has played,
// and the choice is remembered in localStorage. window.roomHubAlerts counts what happened (tests read it).
(function () {
  "use strict";
  var board = document.getElementById("board");
  var audio = document.getElementById("alert-sound");
  var onButton = document.getElementById("sound-on");
  var offButton = document.getElementById("sound-off");
  var onState = document.getElementById("sound-state");
  var icon = document.getElementById("favicon");
  if (!board || !audio) { return; }
  var KEY = "roomHub.soundAlerts";
  var every = Math.max(2, Number(board.getAttribute("data-sound-every")) || 10) * 1000;
  var hook = window.roomHubAlerts = {plays: 0, played: [], notifications: [], blocked: 0, sounding: false};
  var wanted = storage("get") === "on";
  var playing = false;     // sound has really played since it was turned on
  var unanswered = [];
  var notified = {};
  var timer = null;

  function storage(op, value) {
    try {
      if (op === "get") { return window.localStorage.getItem(KEY); }
      if (value === null) { window.localStorage.removeItem(KEY); } else { window.localStorage.setItem(KEY, value); }
    } catch (e) { /* private mode: not remembered */ }
    return null;
  }

  function showControls() {
    onButton.hidden = wanted && playing;
    onState.hidden = !(wanted && playing);
  }

  // volume below 1: a preview (on the click) or an inaudible probe (on load) that only checks the browser
  // lets this page sound; neither counts as an alert.
  function play(volume) {
    if (!wanted) { return; }
    var alerting = volume === undefined;
    audio.volume = alerting ? 1 : volume;
    audio.currentTime = 0;
    var started = audio.play();
    var done = function () {
      playing = true;
      if (alerting) {
        hook.plays += 1;
        hook.played.push(Date.now());
      } else if (volume < 0.01) {
        audio.pause();
      }
      showControls();
    };
    if (started && started.then) {
      started.then(done, function () { playing = false; hook.blocked += 1; showControls(); });
    } else { done(); }
  }

  function sound(on) {
    if (on && timer === null) {
      play();
      timer = window.setInterval(function () { play(); }, every);
    } else if (!on && timer !== null) {
      window.clearInterval(timer);
      timer = null;
      audio.pause();
    }
    hook.sounding = timer !== null;
  }

  function notify(call) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      var words = window.roomHubWords || {};
      var title = (call.escalated ? words.still_nobody || "Still nobody on the way: {room}"
                                  : words.help_called || "Help called: {room}").replace("{room}", call.room);
      var body = (words.pressed_at || "Pressed at {time}. Nobody is on the way yet.").replace("{time}", call.raised_at);
      var n = new Notification(title, {body: body, tag: call.id, requireInteraction: true});
      n.onclick = function () { window.focus(); n.close(); };
      hook.notifications.push(call.id);
    } catch (e) { /* a browser that allows notifications only from a service worker */ }
  }

  function update(alert) {
    unanswered = alert.unanswered || [];
    for (var i = 0; i < unanswered.length; i++) {
      var key = unanswered[i].id + (unanswered[i].escalated ? "/escalated" : "");
      if (!notified[key]) { notified[key] = true; notify(unanswered[i]); }
    }
    if (icon) {
      icon.href = board.getAttribute(unanswered.length ? "data-icon-alert" : "data-icon");
    }
    sound(unanswered.length > 0);
  }

  onButton.addEventListener("click", function () {
    wanted = true;
    storage("set", "on");
    if ("Notification" in window && Notification.permission === "default") {
      try { Notification.requestPermission(); } catch (e) { /* old callback-only API */ }
    }
    // Playing here, inside the click, is what unlocks sound for the page; a quiet preview when no call waits.
    if (unanswered.length) { play(); } else { play(0.35); }
  });
  offButton.addEventListener("click", function () {
    wanted = false;
    playing = false;
    storage("set", null);
    sound(false);
    showControls();
  });
  document.addEventListener("board-updated", function (event) {
    if (event.detail && event.detail.alert) { update(event.detail.alert); }
  });
  showControls();
  if (wanted) { play(0.001); }   // remembered: the probe finds whether the browser still allows sound
})();
