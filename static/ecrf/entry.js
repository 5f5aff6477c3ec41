// Data-entry pages: items shown only when another item applies, and the CTCAE picker's keys.
(function () {
  "use strict";

  // An item that does not apply is hidden and disabled, so it is neither seen nor sent.
  function applyDependencies(form) {
    var readOnly = form.dataset.readOnly === "true";
    form.querySelectorAll("[data-shown-when]").forEach(function (item) {
      var box = form.querySelector('input[type=checkbox][name="' + item.dataset.shownWhen + '"]');
      if (!box) return;
      var show = box.checked === (item.dataset.shownIfTicked === "true");
      item.hidden = !show;
      if (!readOnly) {
        item.querySelectorAll("input, select, textarea").forEach(function (input) {
          input.disabled = !show;
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.crf-form").forEach(applyDependencies);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.classList.contains("crf-form")) applyDependencies(form);
  });

  // Once the form is being saved, a live preview still waiting to be sent is not sent.
  document.addEventListener("submit", function (event) {
    if (event.target.classList.contains("crf-form")) event.target.dataset.submitting = "true";
  });
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (form && form.dataset && form.dataset.submitting === "true") event.preventDefault();
  });

  // Enter in the term search picks nothing and must not submit the form.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches && target.matches("[data-no-submit]")) {
      event.preventDefault();
      var first = document.querySelector("#ctcae-results button");
      if (first) first.focus();
    }
  });

  // After a term is picked, the keyboard continues with its grades.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "aetoxgr-block") {
      var block = document.getElementById("aetoxgr-block");
      var grade = block && (block.querySelector("input:checked") || block.querySelector("input"));
      if (grade) grade.focus();
      var search = document.getElementById("ctcae-search");
      if (search) search.value = "";
    }
  });
})();
