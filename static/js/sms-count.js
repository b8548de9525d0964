// Live SMS length while a template is edited (the server shows the same count on preview).
// Counts the text as typed (placeholders unexpanded): a lower bound, refined by "Pratinjau".
(function () {
  "use strict";
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXT = "^{}\\[~]|€";
  function count(text) {
    var units = 0, gsm = true, i, c;
    for (i = 0; i < text.length; i++) {
      c = text.charAt(i);
      if (GSM.indexOf(c) >= 0) { units += 1; } else if (EXT.indexOf(c) >= 0) { units += 2; } else { gsm = false; }
    }
    if (!gsm) { units = text.length; }
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var segments = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    return units + " / " + segments + " SMS (" + (gsm ? "GSM-7" : "UCS-2") + ")";
  }
  var out = document.querySelector("[data-sms-count-for]");
  if (!out) { return; }
  var field = document.getElementById(out.getAttribute("data-sms-count-for"));
  if (!field) { return; }
  var live = document.createElement("span");
  live.setAttribute("aria-live", "polite");
  out.appendChild(document.createTextNode(" "));
  out.appendChild(live);
  function update() { live.textContent = "(" + count(field.value) + ")"; }
  field.addEventListener("input", update);
  update();
})();
