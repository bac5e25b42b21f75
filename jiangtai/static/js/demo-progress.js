/* While `make run` loads the demo county: asks /demo/progress every two seconds, shows the
   percent in the banner (demo/templates/demo/progress_banner.html) and reloads the page once
   the demo is ready. Without JavaScript the banner shows the percent of the page's load. */
(function () {
  "use strict";

  var banner = document.querySelector("[data-demo-progress]");
  if (!banner || !window.fetch) return;
  var percent = banner.querySelector("[data-demo-percent]");

  function ask() {
    fetch(banner.getAttribute("data-demo-progress"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.state === "ready") { window.location.reload(); return; }
        if (state.state === "failed") { window.location.reload(); return; }
        if (percent) percent.textContent = state.percent;
        window.setTimeout(ask, 2000);
      })
      .catch(function () { window.setTimeout(ask, 4000); });
  }
  window.setTimeout(ask, 2000);
})();
