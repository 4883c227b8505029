/* Peer Practice: small enhancements on top of htmx. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The printable report's Print button.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

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

  // Enter sends, Shift+Enter makes a new line (not while an IME is composing). On touch screens,
  // whose keyboards have no easy Shift+Enter, Enter stays a new line and the Send button sends.
  var touchOnly = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (touchOnly || !isComposer(target) || event.key !== "Enter") return;
    if (event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    if (target.form) target.form.requestSubmit();
  });

  // Remember what was sent, so only that text is cleared once it is accepted (not what was typed since).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || elt.id !== "composer") return;
    var textarea = elt.querySelector("textarea");
    if (textarea) elt.setAttribute("data-sent", textarea.value);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!elt || elt.id !== "composer" || !xhr || xhr.status >= 300 || !elt.isConnected) return;
    var textarea = elt.querySelector("textarea");
    if (!textarea) return;
    if (textarea.value === elt.getAttribute("data-sent")) textarea.value = "";
    var error = elt.querySelector("#composer-error");
    if (error) error.remove();
    textarea.removeAttribute("aria-invalid");
    textarea.setAttribute("aria-describedby", "composer-hint");
    updateCounter(textarea);
    textarea.focus({ preventScroll: true });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "transcript") return;
    var open = target.querySelectorAll("details.coaching[open]");
    for (var i = 0; i < open.length - 1; i++) open[i].removeAttribute("open");
    var exchange = target.lastElementChild;
    if (exchange) exchange.scrollIntoView({ block: "start" });
  });

  // Keep a reply that is being written clear of the message box, if the reader is looking at it.
  document.addEventListener("htmx:sseMessage", function (event) {
    var bubble = event.target && event.target.closest && event.target.closest(".message-peer");
    if (!bubble) return;
    var composer = document.getElementById("composer");
    var limit = composer ? composer.getBoundingClientRect().top - 12 : window.innerHeight;
    var box = bubble.getBoundingClientRect();
    if (box.top < limit && box.bottom > limit) window.scrollBy(0, box.bottom - limit);
  });

  // The peer took its words back (the LLM peer broke a rule and rewrote its reply): show the new text.
  // The data is HTML-escaped by the server.
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    if (!event.detail || event.detail.type !== "replace") return;
    event.preventDefault();
    var bubble = event.target.closest && event.target.closest(".message-peer");
    var text = bubble && bubble.querySelector(".text");
    if (text) text.innerHTML = event.detail.data;
  });

  // A reply that is done (or cut off) is no longer busy: screen readers may read it whole now.
  document.addEventListener("htmx:sseClose", function (event) {
    if (event.target && event.target.removeAttribute) event.target.removeAttribute("aria-busy");
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

  // Review form: the level picker names the levels of the chosen dimension (from the rubric's
  // anchors), moves to that dimension's current level, and shows the full anchor of the chosen level.
  function reviewLevels(dimension) {
    var holder = dimension.closest("[data-level-labels]");
    try {
      var labels = JSON.parse((holder && holder.getAttribute("data-level-labels")) || "{}");
      return labels[dimension.value] || [];
    } catch (error) {
      return [];
    }
  }

  function syncReviewForm(form, dimensionChanged) {
    var dimension = form.querySelector("[data-review-dimension]");
    var level = form.querySelector("[data-review-level]");
    var anchor = form.querySelector("[data-review-anchor]");
    if (!dimension || !level) return;
    var levels = reviewLevels(dimension);
    for (var i = 0; i < level.options.length && i < levels.length; i++) {
      level.options[i].textContent = i + " · " + levels[i][0];
      level.options[i].title = levels[i][1];
    }
    var current = dimension.options[dimension.selectedIndex].getAttribute("data-current");
    if (dimensionChanged && current !== null) level.value = current;
    if (anchor && levels[level.selectedIndex]) anchor.textContent = levels[level.selectedIndex][1];
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target && target.closest ? target.closest("[data-review-form]") : null;
    if (form) syncReviewForm(form, target.hasAttribute("data-review-dimension"));
  });

  // After "back" or a reload the browser may restore other choices than the page was drawn with.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("[data-review-form]");
    for (var i = 0; i < forms.length; i++) syncReviewForm(forms[i], false);
  });
})();
