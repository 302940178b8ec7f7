/* Editor page: live word count (CJK-aware, like Word's 字数), draft autosave, unsaved-change warning. */
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form) return;
  var countEl = document.getElementById("word-count");
  var statusEl = document.getElementById("autosave-status");
  var autosaveUrl = form.getAttribute("data-autosave-url");
  var body = form.querySelector("textarea[name=body]");
  var dirty = false, saving = false, paused = false, submitting = false;
  var pendingSubmit = null;  // a form submitted while an autosave was in flight
  // Mirrors editorial.sanitize.count_words, so the live count does not jump after a save:
  // one per CJK character, one per run of other letters/digits (any script, e.g. full-width
  // digits), blocks and line breaks separate words.
  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2fa1f}\u{30000}-\u{3134f}]/gu;
  var WORD = /[\p{L}\p{N}]+(?:['\u2019.\-][\p{L}\p{N}]+)*/gu;
  var BLOCK_END = /<\/(?:p|div|h[1-6]|blockquote|ul|ol|li|table|thead|tbody|tr|th|td|figure|figcaption)>|<(?:br|hr)\b[^>]*>/gi;

  function count(html) {
    var div = document.createElement("div");
    div.innerHTML = html.replace(BLOCK_END, "$& ");
    var text = div.textContent || "";
    var cjk = (text.match(CJK) || []).length;
    var words = (text.replace(CJK, " ").match(WORD) || []).length;
    return cjk + words;
  }
  function editorData() {
    var editor = body && window.editors && window.editors[body.id];
    if (editor) body.value = editor.getData();
    return body ? body.value : "";
  }
  function changed() {
    dirty = true;
    if (countEl) countEl.textContent = count(editorData());
  }
  function setStatus(text, isError) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.classList.toggle("error", !!isError);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  if (body && window.ckeditorRegisterCallback) {
    window.ckeditorRegisterCallback(body.id, function (editor) {
      editor.model.document.on("change:data", changed);
    });
  }
  // Every form on the page that carries the article's version (the editor, the Word import)
  // must send the version the last autosave produced, or the server sees the user's own
  // autosave as someone else's change and reports a conflict.
  function setVersion(version) {
    document.querySelectorAll("form input[name=version]").forEach(function (input) { input.value = version; });
  }
  // Listened to on the document: the 校对 panel's forms are redrawn by each autosave.
  document.addEventListener("submit", function (event) {
    var each = event.target;
    if (!each.querySelector || !each.querySelector("input[name=version]")) return;
    (function () {
      if (saving) {
        // Wait for the autosave's answer (and its new version), then submit again.
        event.preventDefault();
        pendingSubmit = { form: each, submitter: event.submitter || null };
        setStatus("正在等待自动保存完成…");
        return;
      }
      // The page is leaving with this version: an autosave sent now would reach the server
      // first and make the form's version stale (a conflict with oneself), so none is sent.
      paused = true;
      // Leaving through the Word import or a 校对 fix still warns about unsaved text in the editor.
      if (each === form) { submitting = true; editorData(); }
    })();
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });

  // The new-article page: the first autosave creates the draft (once there is a title or body).
  var creating = form.getAttribute("data-autosave-new") === "1";
  function hasContent() {
    var title = form.querySelector("input[name=title]");
    return (title && title.value.trim() !== "") || count(editorData()) > 0;
  }
  // The draft exists now: the page goes on as its editor without reloading (the cursor stays
  // where the editor is typing); saving and autosaving address the article from here on.
  function becomeEditPage(json) {
    creating = false;
    autosaveUrl = json.autosave_url;
    form.setAttribute("data-autosave-url", autosaveUrl);
    form.removeAttribute("data-autosave-new");
    form.setAttribute("action", json.edit_url);
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", json.edit_url);
  }

  function autosave() {
    if (!autosaveUrl || !dirty || saving || paused) return;
    if (creating && !hasContent()) return;
    saving = true;
    editorData();
    var data = new FormData(form);
    dirty = false;
    setStatus("正在自动保存…");
    fetch(autosaveUrl, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if ((response.headers.get("Content-Type") || "").indexOf("application/json") === -1) {
          return [response.status, { ok: false, message: failure(response) }];
        }
        return response.json().then(function (json) { return [response.status, json]; });
      })
      .then(function (result) {
        var status = result[0], json = result[1];
        if (json.ok) {
          if (json.created) becomeEditPage(json);
          setVersion(json.version);
          if (countEl) countEl.textContent = json.words;
          if (json.checks) renderChecks(json.checks);
          if (json.proofreading) renderProofreading(json.proofreading);
          setStatus("已自动保存（第" + json.version + "版，" + json.saved_at + "）");
        } else {
          dirty = true;
          if (status === 409) { paused = true; }
          setStatus(json.message + (status === 409 ? " 自动保存已暂停，请点击“保存”查看冲突。" : ""), true);
        }
      })
      .catch(function () { dirty = true; setStatus("自动保存失败（网络错误），将稍后重试。", true); })
      .finally(function () {
        saving = false;
        if (pendingSubmit) {
          var next = pendingSubmit;
          pendingSubmit = null;
          if (next.submitter) next.form.requestSubmit(next.submitter); else next.form.requestSubmit();
        }
      });
  }
  // The checklist before submit (templates/desk/_checklist.html), as the autosave saw the draft.
  function renderChecks(checks) {
    var list = document.querySelector("#checklist .checks");
    if (!list) return;
    var marks = { met: "✓", missing: "✗", warning: "!" };
    list.textContent = "";
    checks.forEach(function (check) {
      var item = document.createElement("li");
      item.className = "check check-" + check.state;
      item.setAttribute("data-check", check.key);
      [["check-mark", marks[check.state]], ["check-label", check.label], ["check-state", check.state_label]]
        .forEach(function (part) {
          var span = document.createElement("span");
          span.className = part[0];
          span.textContent = part[1];
          if (part[0] === "check-mark") span.setAttribute("aria-hidden", "true");
          item.appendChild(span);
        });
      if (check.level === "warn") {
        var level = document.createElement("span");
        level.className = "check-level";
        level.textContent = "仅提醒";
        item.appendChild(level);
      }
      if (check.details.length) {
        var details = document.createElement("ul");
        details.className = "check-details";
        check.details.forEach(function (text) {
          var li = document.createElement("li");
          li.textContent = text;
          details.appendChild(li);
        });
        item.appendChild(details);
      }
      list.appendChild(item);
    });
  }
  // 校对: the panel as the server drew it for the text just saved (templates/desk/_proofreading.html).
  function renderProofreading(html) {
    var panel = document.getElementById("proofreading");
    if (!panel) return;
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("#proofreading");
    if (fresh) panel.replaceWith(fresh);
  }
  // The paragraphs of CKEditor's model, as editorial.proofreading.paragraphs() counts them:
  // blocks that hold text, blank ones left out; a line break or an inline object is one character.
  function editorBlocks(editor) {
    var model = editor.model, blocks = [];
    var walker = model.createRangeIn(model.document.getRoot()).getWalker({ ignoreElementEnd: true });
    for (var step = walker.next(); !step.done; step = walker.next()) {
      var item = step.value.item;
      if (item.is("element") && model.schema.isBlock(item) && model.schema.checkChild(item, "$text")) {
        var text = "";
        for (var child of item.getChildren()) {
          text += typeof child.data === "string" ? child.data : "\u2028".repeat(child.offsetSize || 1);
        }
        if (text.trim()) blocks.push({ element: item, text: text });
      }
    }
    return blocks;
  }
  // Select the finding's place in the editor and scroll to it: at its paragraph and offset if the
  // text is still there, else wherever its text with the same surroundings (or alone) is.
  function showPlace(item) {
    var found = item.getAttribute("data-text"), before = item.getAttribute("data-before") || "";
    var after = item.getAttribute("data-after") || "";
    if (item.getAttribute("data-field") === "title") return showTitlePlace(item, found, before);
    var editor = body && window.editors && window.editors[body.id];
    if (!editor) return false;
    var index = parseInt(item.getAttribute("data-paragraph"), 10), offset = parseInt(item.getAttribute("data-offset"), 10);
    var blocks = editorBlocks(editor), target = null, start = -1;
    if (blocks[index] && blocks[index].text.substr(offset, found.length) === found) {
      target = blocks[index]; start = offset;
    } else {
      [before + found + after, found].some(function (needle) {
        return blocks.some(function (block) {
          var at = block.text.indexOf(needle);
          if (at === -1) return false;
          target = block; start = needle === found ? at : at + before.length;
          return true;
        });
      });
    }
    if (!target) return false;
    editor.model.change(function (writer) {
      writer.setSelection(writer.createRange(
        writer.createPositionAt(target.element, start),
        writer.createPositionAt(target.element, start + found.length)));
    });
    editor.editing.view.focus();
    editor.editing.view.scrollToTheSelection();
    return true;
  }
  // A finding in the title: select it in the title field (at its offset, else where its text is).
  function showTitlePlace(item, found, before) {
    var input = form.querySelector("input[name=title]");
    if (!input) return false;
    var offset = parseInt(item.getAttribute("data-offset"), 10), start = -1;
    if (input.value.substr(offset, found.length) === found) start = offset;
    else if (input.value.indexOf(before + found) !== -1) start = input.value.indexOf(before + found) + before.length;
    else start = input.value.indexOf(found);
    if (start === -1) return false;
    input.focus();
    input.setSelectionRange(start, start + found.length);
    input.scrollIntoView({ block: "center" });
    return true;
  }
  document.addEventListener("click", function (event) {
    var place = event.target.closest && event.target.closest(".proof-place");
    if (!place) return;
    var item = place.closest(".proof");
    if (!showPlace(item)) {
      var where = item.getAttribute("data-field") === "title" ? "标题" : "正文";
      place.setAttribute("title", where + "中已找不到这处文字（可能已修改），保存后校对结果会更新。");
    }
  });
  // An answer that is not the autosave's JSON: the login expired (redirect to the login
  // page), the form's security token expired, or the server failed.
  function failure(response) {
    if (response.redirected && response.url.indexOf("/accounts/login/") !== -1) {
      return "未自动保存：登录已过期。请在新窗口重新登录，再回到本页点击“保存”（本页内容仍在）。";
    }
    if (response.status === 403) return "未自动保存：页面已过期或没有权限。请复制正文留底，再刷新页面。";
    if (response.status === 400 || response.status === 413) return "未自动保存：内容过大或格式无效。";
    return "未自动保存：服务器出错（" + response.status + "），将稍后重试。";
  }
  var seconds = parseInt(form.getAttribute("data-autosave-seconds"), 10) || 20;
  if (autosaveUrl) window.setInterval(autosave, seconds * 1000);
})();

/* New article: the section list offers the chosen publication's sections only (the server renders
   the initial publication's; the map of every publication's sections is in #section-options). */
(function () {
  "use strict";
  var data = document.getElementById("section-options");
  var publication = document.getElementById("id_publication");
  var section = document.getElementById("id_section");
  if (!data || !publication || !section || publication.tagName !== "SELECT") return;
  var options = JSON.parse(data.textContent);
  publication.addEventListener("change", function () {
    var keep = section.value;
    var placeholder = section.options.length && section.options[0].value === "" ? section.options[0].text : "请选择栏目";
    while (section.options.length) section.remove(0);
    section.add(new Option(placeholder, ""));
    (options[publication.value] || []).forEach(function (pair) {
      section.add(new Option(pair[1], String(pair[0]), false, String(pair[0]) === keep));
    });
  });
})();
