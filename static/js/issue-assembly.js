// Issue desk: drag and drop ordering inside a section, and one-shot forms.
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
  var dragged = null;

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
      var op = document.getElementById("drag-op");
      op.disabled = false;
      op.value = "reorder:" + list.dataset.section;
      document.getElementById("drag-order").value = ids.join(",");
      document.getElementById("drag-anchor").value = "section-" + list.dataset.section;
      form.submit();
    });
  });
})();
