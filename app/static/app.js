// Clientele's own script: small, no inline code (the CSP allows none).
(function () {
  "use strict";

  // Lets CSS hide what only matters without JavaScript (e.g. "Save labels").
  document.documentElement.classList.add("js");

  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.classList.add("toast--visible");
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.classList.remove("toast--visible"); }, 4000);
  }

  // "Copy email" and any other [data-copy] button.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () { toast("Copied " + text); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { toast("Could not copy"); });
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (e) { toast("Could not copy"); }
      document.body.removeChild(area);
    }
  });

  // Tabs: arrow keys move between them, as in the WAI-ARIA tabs pattern.
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest('[role="tab"]');
    if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
    var tabs = Array.prototype.slice.call(tab.parentNode.querySelectorAll('[role="tab"]'));
    var step = event.key === "ArrowRight" ? 1 : -1;
    var next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    next.focus();
    next.click();
    event.preventDefault();
  });

  // After a tab switch, keep keyboard focus on the selected tab.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "profile-tab") {
      var selected = document.querySelector('#profile-tab [role="tab"][aria-selected="true"]');
      var active = document.activeElement;
      if (selected && (!active || active === document.body || active.getAttribute("role") === "tab")) {
        selected.focus();
      }
      var invalid = document.querySelector('#profile-tab [aria-invalid="true"]');
      if (invalid) invalid.focus();
    }
    if (event.detail.target && event.detail.target.id === "client-form") {
      var firstInvalid = document.querySelector('#client-form [aria-invalid="true"]');
      if (firstInvalid) firstInvalid.focus();
    }
  });

  // Row menus are popovers: the browser opens and closes them, even on rows htmx adds
  // later. This keeps each button's aria-expanded true (toggle does not bubble, so the
  // one listener catches it while capturing) and closes a menu once Tab has left it.
  document.addEventListener("toggle", function (event) {
    var button = event.target.id && document.querySelector('[aria-controls="' + event.target.id + '"][aria-expanded]');
    if (button) button.setAttribute("aria-expanded", event.newState === "open");
  }, true);
  document.addEventListener("focusin", function (event) {
    var button = document.querySelector('[popovertarget][aria-expanded="true"]');
    var menu = button && document.getElementById(button.getAttribute("popovertarget"));
    if (menu && event.target !== button && !menu.contains(event.target)) menu.hidePopover();
  });

  // Errors htmx does not swap (403, 404, 500, network) still tell the person something.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var messages = {
      400: "That request was not understood. Reload the page and try again.",
      403: "Your role does not allow this.",
      404: "That record no longer exists.",
      413: "That is too large to send. Shorten it and try again.",
      429: "Too many attempts. Wait a moment and try again.",
    };
    toast(messages[status] || "Something went wrong. Please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("No connection to Clientele. Check the network and try again.");
  });
})();
