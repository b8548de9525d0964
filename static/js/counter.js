// The counter's scan box, everywhere: a barcode scanner "types" the receipt number and Enter.
// When the focus is on a button or link (the card page puts it on the first identity check),
// the scanned characters would be lost and its Enter would press that button; so the first
// printable key moves the focus into the scan box, which then receives the whole scan.
// Without JavaScript the pages work the same; the clerk clicks into the box first.
(function () {
  "use strict";
  var box = document.querySelector("[data-scan-box]");
  if (!box) {
    return;
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1 || event.key === " ") {
      return;
    }
    if (target === box || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) || target.isContentEditable) {
      return;
    }
    box.value = "";
    box.focus();
  });
})();
