// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Sort selects and cart quantities submit their form on change, so the
  // "Apply"/"Update" buttons are only needed without JavaScript.
  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    field.addEventListener("change", function () {
      if (field.form && field.checkValidity()) field.form.requestSubmit();
    });
  });
})();
