/* The trainee's rating page (evaluation/trainee.html), kept small for a weak village signal.

   - Each score is chosen on a slider that has no name; the slider fills the hidden field the
     form sends, so a tap on submit without sliding sends no score and is refused here (and,
     without this script, by the server).
   - A submission that cannot reach the server (no signal) is kept in localStorage and sent
     by itself when the phone is back online. It carries the form's random key, so a retry of
     a submission the server did store is recognised as the same record, never a second. */
(function () {
  "use strict";
  var STORE = "jt-pending:" + location.pathname;

  function main() { return document.querySelector("main"); }

  document.addEventListener("input", function (event) {
    var slider = event.target;
    var box = slider.closest && slider.closest("[data-score]");
    if (!box || slider.type !== "range") return;
    box.querySelector("input[type=hidden]").value = slider.value;
    box.querySelector("output").textContent = slider.value;
    box.querySelector(".error").hidden = true;
    box.classList.remove("has-error");
    slider.classList.remove("unset");
  });

  function unchosen(form) {
    var missing = [];
    form.querySelectorAll("[data-score]").forEach(function (box) {
      if (box.querySelector("input[type=hidden]").value === "") {
        box.querySelector(".error").hidden = false;
        box.classList.add("has-error");
        missing.push(box);
      }
    });
    return missing;
  }

  function showPending() {
    var form = document.querySelector("[data-trainee-form]");
    var pending = document.getElementById("pending");
    if (form) form.hidden = true;
    if (pending) pending.hidden = false;
  }

  function showAnswer(html) {
    var answer = new DOMParser().parseFromString(html, "text/html").querySelector("main");
    if (answer) main().innerHTML = answer.innerHTML;
  }

  function send(saved) {
    return fetch(saved.url, {
      method: "POST",
      body: new URLSearchParams(saved.fields),
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      return response.text().then(function (html) {
        localStorage.removeItem(STORE); // the server has it (or has told what is wrong)
        showAnswer(html);
      });
    });
  }

  function sendPending() {
    var saved = JSON.parse(localStorage.getItem(STORE) || "null");
    if (!saved) return;
    showPending();
    if (navigator.onLine !== false) send(saved).catch(function () { /* still offline */ });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-trainee-form]")) return;
    event.preventDefault();
    var missing = unchosen(form);
    if (missing.length) {
      missing[0].querySelector("input[type=range]").focus();
      return;
    }
    var saved = { url: location.href, fields: Array.from(new FormData(form).entries()) };
    localStorage.setItem(STORE, JSON.stringify(saved));
    if (navigator.onLine === false) return showPending();
    form.querySelector("button").disabled = true;
    send(saved).catch(showPending);
  });

  window.addEventListener("online", sendPending);
  sendPending();
})();
