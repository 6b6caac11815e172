// pypins' badge builder: progressive enhancement of a page that is complete without it.
// Fills in this page's address when the operator set no public URL, re-points every
// badge and snippet in place when the style changes, and adds the copy buttons.
(() => {
  "use strict";
  const results = document.getElementById("badges");
  const announcer = document.getElementById("announcer");
  const select = document.getElementById("style");
  if (!results || !select) {
    return;
  }
  const base = results.dataset.base || window.location.origin;

  const badgeUrl = (path, style) => (style === "flat" ? path : `${path}?style=${encodeURIComponent(style)}`);

  const announce = (text) => {
    if (!announcer) {
      return;
    }
    announcer.textContent = "";
    // A fresh text node after a tick makes screen readers announce a repeated message.
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  };

  const repoint = (style) => {
    for (const card of results.querySelectorAll(".card[data-path]")) {
      const url = badgeUrl(card.dataset.path, style);
      const image = card.querySelector("img");
      if (image) {
        image.setAttribute("src", url);
      }
      for (const field of card.querySelectorAll("textarea[data-url]")) {
        const next = base + url;
        field.value = field.value.split(field.dataset.url).join(next);
        field.dataset.url = next;
      }
    }
  };

  if (!results.dataset.base) {
    const note = document.getElementById("base-note");
    if (note) {
      note.textContent = "";
      const code = document.createElement("code");
      code.textContent = base;
      note.append("The snippets use this page's address, ", code, ".");
    }
  }
  // Also when the browser restored another style into the form (back, forward, reload).
  repoint(select.value);

  select.addEventListener("change", () => {
    repoint(select.value);
    const query = new URLSearchParams(window.location.search);
    query.set("style", select.value);
    window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
    announce(`Badges and snippets now use the ${select.value} style.`);
  });

  const fallbackCopy = (field) => {
    field.focus();
    field.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
    return copied;
  };

  const copy = async (button) => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) {
      return;
    }
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      } catch {
        copied = false;
      }
    }
    if (!copied) {
      copied = fallbackCopy(field);
      button.focus();
    }
    const label = button.querySelector(".copy-label");
    if (copied) {
      button.classList.add("copied");
      if (label) {
        label.textContent = "Copied";
      }
      window.setTimeout(() => {
        button.classList.remove("copied");
        if (label) {
          label.textContent = "Copy";
        }
      }, 2000);
      announce(`Copied the ${button.dataset.what}.`);
    } else {
      field.focus();
      field.select();
      announce("Copying is not available here: the snippet is selected, press Ctrl+C to copy it.");
    }
  };

  for (const button of results.querySelectorAll("button.copy[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      copy(button);
    });
  }
})();
