// Switchboard's only script of its own: Copy buttons for listener URLs.
// A Copy button names the field it copies (data-copy-target). Buttons start hidden, since they
// need this script; it shows them on load and after every htmx swap.
(function () {
  "use strict";

  function announce(text) {
    var flash = document.getElementById("flash");
    if (flash) {
      flash.textContent = text;
    }
  }

  function revealCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = false;
    });
  }

  // The Clipboard API needs a secure origin (https or localhost); elsewhere, select and copy.
  async function writeToClipboard(field) {
    try {
      await navigator.clipboard.writeText(field.value);
      return true;
    } catch (error) {
      field.focus();
      field.select();
      return document.execCommand("copy");
    }
  }

  async function copy(button) {
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field) {
      return;
    }
    if (await writeToClipboard(field)) {
      button.textContent = "Copied";
      announce("The listener URL is copied.");
      window.setTimeout(function () {
        button.textContent = "Copy";
      }, 2000);
    } else {
      field.select();
      announce("Copying is blocked here: the URL is selected, copy it with Ctrl+C.");
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) {
      copy(button);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    revealCopyButtons(document);
  });
  document.addEventListener("htmx:load", function (event) {
    revealCopyButtons(event.detail.elt);
  });
})();

// The mapping builder: which row a click in the sample fills.
// Clicking or typing in a row's inputs makes that row the one being edited: the hidden "active"
// input names it, and the server binds the next picked value to it. Focus the server gave an
// input after a change (autofocus, marked data-autofocused) does not count: a value picked with
// no row chosen adds a new row, and the next pick must add another rather than overwrite it.
(function () {
  "use strict";

  var ROW = ".rule-row, .condition-row";

  function choose(input) {
    var form = input.form;
    var active = form && form.querySelector("#active-input");
    var row = input.closest(ROW);
    if (!active) {
      return;
    }
    active.value = row ? input.name : "";
    form.querySelectorAll(ROW).forEach(function (other) {
      other.classList.toggle("picking", other === row);
    });
  }

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (!input.closest || !input.closest("#action-form") || !input.name) {
      return;
    }
    if (input.hasAttribute("data-autofocused")) {
      input.removeAttribute("data-autofocused");
      return;
    }
    choose(input);
  });
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#action-form") && event.target.name) {
      choose(event.target);
    }
  });
})();

// Buttons that undo work ask first (data-confirm holds the question).
document.addEventListener("submit", function (event) {
  "use strict";
  var button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// A request htmx sent that failed says so, instead of leaving the page as it was without a word.
(function () {
  "use strict";

  function report(text) {
    var flash = document.getElementById("flash");
    if (flash) {
      flash.textContent = text;
      flash.classList.add("failed");
    }
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    report(
      status === 403
        ? "This page has expired: reload it, then try again."
        : "That did not work (the server answered " + status + "). Nothing was changed; try again."
    );
  });
  document.addEventListener("htmx:sendError", function () {
    report("Switchboard cannot be reached: check the connection, then try again.");
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var flash = document.getElementById("flash");
    if (flash && flash.classList.contains("failed")) {
      flash.textContent = "";
      flash.classList.remove("failed");
    }
  });
})();
