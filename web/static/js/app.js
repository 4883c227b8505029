/* Peer Practice: small enhancements on top of htmx. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function isComposer(el) {
    return el && el.matches && el.matches("textarea[data-composer]");
  }

  function updateCounter(textarea) {
    var form = textarea.form;
    var counter = form && form.querySelector("[data-counter]");
    if (!counter) return;
    var count = counter.querySelector("[data-count]");
    var length = textarea.value.length;
    var max = textarea.maxLength;
    if (count) count.textContent = String(length);
    counter.classList.toggle("near-limit", max > 0 && length >= max * 0.9);
  }

  // Live character counter.
  document.addEventListener("input", function (event) {
    if (isComposer(event.target)) updateCounter(event.target);
  });

  // Enter sends, Shift+Enter makes a new line (not while an IME is composing).
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!isComposer(target) || event.key !== "Enter") return;
    if (event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    if (target.form) target.form.requestSubmit();
  });

  function scrollIntoView(el, block) {
    if (el) el.scrollIntoView({ block: block || "end", behavior: reduceMotion ? "auto" : "smooth" });
  }

  // After a message is accepted: empty the box, keep focus there, fold older coaching away.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!elt || elt.id !== "composer" || !xhr || xhr.status >= 300) return;
    var textarea = elt.querySelector("textarea");
    if (textarea) {
      textarea.value = "";
      updateCounter(textarea);
      textarea.focus({ preventScroll: true });
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "transcript") return;
    var open = target.querySelectorAll("details.coaching[open]");
    for (var i = 0; i < open.length - 1; i++) open[i].removeAttribute("open");
    scrollIntoView(target.lastElementChild, "end");
  });

  // Keep a streaming reply in view while it is written, unless the reader scrolled away.
  document.addEventListener("htmx:sseMessage", function (event) {
    var bubble = event.target && event.target.closest && event.target.closest(".turn-peer");
    if (!bubble) return;
    var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 240;
    if (nearBottom) bubble.scrollIntoView({ block: "end" });
  });

  // Supervisor replay: j / k move to the next / previous turn.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key !== "j" && event.key !== "k") return;
    var active = document.activeElement;
    if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
    var steps = Array.prototype.slice.call(document.querySelectorAll(".replay-step"));
    if (!steps.length) return;
    var current = steps.indexOf(active && active.closest ? active.closest(".replay-step") : null);
    var next = event.key === "j" ? Math.min(current + 1, steps.length - 1) : Math.max(current - 1, 0);
    event.preventDefault();
    steps[next].focus();
    history.replaceState(null, "", "#" + steps[next].id);
  });
})();
