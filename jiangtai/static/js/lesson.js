/* The cloud lesson's page (classrooms/lesson.html): count the view and the seconds watched.

   The first play opens a view at the beacon (for the branch link's member group and town);
   then the seconds actually played (not skipped by seeking) are sent every 15 seconds, and
   what is left when the player pauses, ends or the page is left. */
(function () {
  "use strict";
  var video = document.querySelector("video[data-beacon]");
  if (!video) return;
  var url = video.dataset.beacon, view = "", pending = 0, last = null, opening = null;

  function send(seconds, useBeacon) {
    var body = new FormData();
    body.append("seconds", String(seconds));
    if (view) body.append("view", view);
    else if (video.dataset.org) body.append("org", video.dataset.org);
    if (useBeacon && view && navigator.sendBeacon) { navigator.sendBeacon(url, body); return null; }
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.view) { view = String(data.view); video.dataset.view = view; } });
  }

  function flush(useBeacon) {
    var seconds = Math.min(120, Math.floor(pending));
    if (!view || seconds < 1) return;
    pending -= seconds;
    send(seconds, useBeacon);
  }

  video.addEventListener("play", function () {
    last = video.currentTime;
    if (!view && !opening) opening = send(0, false);
  });
  video.addEventListener("timeupdate", function () {
    if (last !== null && !video.paused) {
      var step = video.currentTime - last;
      if (step > 0 && step < 2) pending += step;  // a seek is not watching
    }
    last = video.currentTime;
    if (pending >= 15) flush(false);
  });
  video.addEventListener("seeking", function () { last = null; });
  video.addEventListener("seeked", function () { last = video.currentTime; });
  video.addEventListener("pause", function () { flush(false); });
  video.addEventListener("ended", function () { flush(false); });
  window.addEventListener("pagehide", function () { flush(true); });
})();
