/* Editor page: live word count (CJK-aware, like Word's 字数), draft autosave, unsaved-change warning. */
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form) return;
  var countEl = document.getElementById("word-count");
  var statusEl = document.getElementById("autosave-status");
  var autosaveUrl = form.getAttribute("data-autosave-url");
  var versionInput = form.querySelector("input[name=version]");
  var body = form.querySelector("textarea[name=body]");
  var dirty = false, saving = false, paused = false, submitting = false;
  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;

  function count(html) {
    var div = document.createElement("div");
    div.innerHTML = html;
    var text = div.textContent || "";
    var cjk = (text.match(CJK) || []).length;
    var words = (text.replace(CJK, " ").match(/[A-Za-z0-9]+(?:['.\-][A-Za-z0-9]+)*/g) || []).length;
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
  form.addEventListener("submit", function () { submitting = true; editorData(); });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });

  function autosave() {
    if (!autosaveUrl || !dirty || saving || paused) return;
    saving = true;
    editorData();
    var data = new FormData(form);
    dirty = false;
    setStatus("正在自动保存…");
    fetch(autosaveUrl, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.json().then(function (json) { return [response.status, json]; }); })
      .then(function (result) {
        var status = result[0], json = result[1];
        if (json.ok) {
          versionInput.value = json.version;
          if (countEl) countEl.textContent = json.words;
          setStatus("已自动保存（第" + json.version + "版，" + json.saved_at + "）");
        } else {
          dirty = true;
          if (status === 409) { paused = true; }
          setStatus(json.message + (status === 409 ? " 自动保存已暂停，请点击“保存”查看冲突。" : ""), true);
        }
      })
      .catch(function () { dirty = true; setStatus("自动保存失败（网络错误），将稍后重试。", true); })
      .finally(function () { saving = false; });
  }
  var seconds = parseInt(form.getAttribute("data-autosave-seconds"), 10) || 20;
  if (autosaveUrl) window.setInterval(autosave, seconds * 1000);
})();
