/* Jiangtai: the little behaviour the pages need, attached by markup instead of inline
   scripts, so that the Content-Security-Policy can forbid inline scripts everywhere.
   Listeners sit on the document, so content htmx swaps in works the same way.

   - <input type="range" id="X"> with an <output id="X-out">: the output shows the value.
   - any element with data-action="print": prints the page. */
(function () {
  "use strict";

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=range]") || !input.id) return;
    var output = document.getElementById(input.id + "-out");
    if (output) output.textContent = input.value;
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-action=print]");
    if (!target) return;
    event.preventDefault();
    window.print();
  });
})();
