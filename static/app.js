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
