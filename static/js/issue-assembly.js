// Issue desk: drag and drop ordering of sections and of the articles inside a section, the
// place kept after each change, and one-shot forms.
// Without JavaScript everything works through the ↑/↓ buttons; the server decides in any case.
(function () {
  "use strict";

  // A form with data-confirm (发布本期, 撤回) asks first; the server refuses it without the
  // explicit confirm field this sets, so nothing is published by a stray click or request.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) return;
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
      var field = form.querySelector("input[name=confirm]");
      if (field) field.value = "yes";
    });
  });

  // A form marked .once is submitted once: a double click does not send a second request.
  document.querySelectorAll("form.once").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      // Disable after the browser has taken the clicked button's name/value into the request.
      setTimeout(function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });

  var form = document.getElementById("assembly-form");
  if (!form) return;
  var dragged = null, draggedSection = null;

  // After ▲▼, 加入本期, 设为焦点…, the page comes back at the row acted on (the server's
  // redirect carries its #anchor): the same button, or else the row, gets the focus, so the
  // keyboard and the eye stay where they were.
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    try {
      if (button && button.name === "op") window.sessionStorage.setItem("asm-op", button.value);
      else window.sessionStorage.removeItem("asm-op");
    } catch (e) { /* storage refused: the anchor alone still scrolls */ }
  });
  function restorePlace() {
    var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    var op = null;
    try { op = window.sessionStorage.getItem("asm-op"); window.sessionStorage.removeItem("asm-op"); } catch (e) { /* none */ }
    if (!target || !form.contains(target)) return;
    var button = op ? form.querySelector("button[name=op][value='" + op.replace(/[^\w:]/g, "") + "']") : null;
    var focus = button && !button.disabled && target.contains(button) ? button : target;
    if (focus === target && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    focus.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  }
  // After the browser's own scroll to the #anchor, which comes once the page has loaded.
  if (document.readyState === "complete") restorePlace();
  else window.addEventListener("load", function () { window.setTimeout(restorePlace, 0); });

  function submitOp(op, order, anchor) {
    var field = document.getElementById("drag-op");
    field.disabled = false;
    field.value = op;
    document.getElementById("drag-order").value = order;
    document.getElementById("drag-anchor").value = anchor;
    form.submit();
  }

  // Sections are dragged by their heading, like articles by their row.
  var sections = form.querySelector(".assembly-sections");
  if (sections) {
    sections.addEventListener("dragstart", function (event) {
      var header = event.target.closest && event.target.closest(".asm-section > header");
      if (!header || event.target !== header) return;
      draggedSection = header.parentNode;
      draggedSection.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", "section-" + draggedSection.dataset.section);
    });
    sections.addEventListener("dragend", function () {
      if (draggedSection) draggedSection.classList.remove("dragging");
      draggedSection = null;
    });
    sections.addEventListener("dragover", function (event) {
      if (!draggedSection) return;
      event.preventDefault();
      var over = event.target.closest && event.target.closest(".asm-section");
      if (!over || over === draggedSection) return;
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      sections.insertBefore(draggedSection, after ? over.nextSibling : over);
    });
    sections.addEventListener("drop", function (event) {
      if (!draggedSection) return;
      event.preventDefault();
      var ids = Array.prototype.map.call(sections.querySelectorAll(".asm-section"), function (section) {
        return section.dataset.section;
      });
      submitOp("section_order", ids.join(","), "section-" + draggedSection.dataset.section);
    });
  }

  form.querySelectorAll(".asm-list").forEach(function (list) {
    list.addEventListener("dragstart", function (event) {
      var item = event.target.closest(".asm-item");
      if (!item) return;
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.article);
    });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
    });
    list.addEventListener("dragover", function (event) {
      // Only inside the dragged article's own section; other sections use the "移至" select.
      if (!dragged || dragged.parentNode !== list) return;
      event.preventDefault();
      var over = event.target.closest(".asm-item");
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) {
      if (!dragged || dragged.parentNode !== list) return;
      event.preventDefault();
      var ids = Array.prototype.map.call(list.querySelectorAll(".asm-item"), function (li) {
        return li.dataset.article;
      });
      submitOp("reorder:" + list.dataset.section, ids.join(","), "article-" + dragged.dataset.article);
    });
  });
})();
