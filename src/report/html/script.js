// doublet HTML report: keyboard steps between findings and the kind filter.
// Without it the page still works: findings are plain sections with links.
(function () {
  "use strict";
  var root = document.documentElement;
  root.className += " js";
  var all = Array.prototype.slice.call(document.querySelectorAll(".finding"));
  function shown() {
    return all.filter(function (f) { return !f.hidden; });
  }
  // The finding the reader is at: the focused one, else the last one whose top has scrolled past.
  function current(list) {
    var active = document.activeElement;
    var at = active && active.closest ? active.closest(".finding") : null;
    if (at && list.indexOf(at) !== -1) return list.indexOf(at);
    var i = -1;
    list.forEach(function (f, k) { if (f.getBoundingClientRect().top <= 1) i = k; });
    return i;
  }
  function go(step) {
    var list = shown();
    if (!list.length) return;
    var i = Math.max(0, Math.min(list.length - 1, current(list) + step));
    list[i].focus();
    list[i].scrollIntoView({ block: "start" });
    if (history.replaceState) history.replaceState(null, "", "#" + list[i].id);
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (e.key === "j" || e.key === "n") { go(1); e.preventDefault(); }
    else if (e.key === "k" || e.key === "p") { go(-1); e.preventDefault(); }
  });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-kind]"), function (b) {
    b.addEventListener("click", function () {
      var on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      all.forEach(function (f) {
        if (f.getAttribute("data-kind") === b.getAttribute("data-kind")) f.hidden = !on;
      });
    });
  });
})();
