// The modeller page: load a version's or draft's files, edit them with bpmn-js and the properties panel,
// save them as a draft (JSON POST with the CSRF header), download the file being edited.
(function () {
  'use strict';

  var root = document.getElementById('modeler');
  if (!root) { return; }
  var status = root.querySelector('.modeler-status');
  var tabs = root.querySelector('.file-tabs');
  var nameInput = root.querySelector('input[name=name]');
  var noteInput = root.querySelector('input[name=note]');

  function say(text, kind, links) {
    status.textContent = text;
    status.className = 'modeler-status ' + (kind || '');
    (links || []).forEach(function (link) {
      var a = document.createElement('a');
      a.href = link[1];
      a.textContent = link[0];
      status.appendChild(document.createTextNode(' '));
      status.appendChild(a);
    });
  }

  if (!window.HotlineModeler) {
    say('建模组件未能加载，请联系管理员执行 make setup 构建前端资源。', 'bad');
    return;
  }

  var modeler = window.HotlineModeler.createModeler(root.querySelector('.canvas'), root.querySelector('.props'));
  var state = { files: {}, order: [], current: null, broken: {}, dirty: false, draftId: root.dataset.draftId || null };

  // Fit the whole diagram, leaving room on the left for the palette that floats over the canvas.
  function fitBesidePalette(canvas) {
    canvas.zoom('fit-viewport');
    var box = canvas.viewbox();
    var left = 130;
    var top = 20;
    var scale = Math.min((box.outer.width - left - top) / box.inner.width,
      (box.outer.height - 2 * top) / box.inner.height, 1);
    canvas.viewbox({ x: box.inner.x - left / scale, y: box.inner.y - top / scale,
      width: box.outer.width / scale, height: box.outer.height / scale });
  }

  // A tab reads as the process's own Chinese name (bpmn:process name); the file name is its tooltip.
  function title(name) {
    var doc = new DOMParser().parseFromString(state.files[name] || '', 'application/xml');
    var names = [];
    Array.prototype.forEach.call(doc.getElementsByTagNameNS('http://www.omg.org/spec/BPMN/20100524/MODEL', 'process'),
      function (p) { if (p.getAttribute('name')) { names.push(p.getAttribute('name')); } });
    return names.length ? names.join('、') : name;
  }

  function renderTabs() {
    tabs.textContent = '';
    state.order.forEach(function (name) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = title(name);
      b.title = name;
      b.dataset.file = name;
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', String(name === state.current));
      b.className = name === state.current ? 'on' : '';
      b.addEventListener('click', function () { openFile(name); });
      tabs.appendChild(b);
    });
  }

  // Keep the edited XML of the open file; a file that failed to import is never overwritten.
  function keepCurrent() {
    if (!state.current || state.broken[state.current]) { return Promise.resolve(); }
    var name = state.current;
    return modeler.saveXML({ format: true }).then(function (r) { state.files[name] = r.xml; });
  }

  function openFile(name) {
    return keepCurrent().then(function () {
      state.current = name;
      renderTabs();
      return modeler.importXML(state.files[name]);
    }).then(function (result) {
      delete state.broken[name];
      fitBesidePalette(modeler.get('canvas'));
      var warnings = (result && result.warnings) || [];
      say(warnings.length ? '已打开“' + title(name) + '”，有 ' + warnings.length + ' 条导入警告（见浏览器控制台）'
        : '已打开“' + title(name) + '”', '');
      warnings.forEach(function (w) { console.warn(w.message); });
    }).catch(function (err) {
      state.broken[name] = true;
      say('无法显示“' + title(name) + '”（' + name + '）：' + err.message + '。可下载后修正，或在草稿中重新上传。', 'bad');
    });
  }

  function save(asNew) {
    var name = nameInput.value.trim();
    if (!name) {
      say('请填写草稿名称', 'bad');
      nameInput.focus();
      return;
    }
    keepCurrent().then(function () {
      return fetch(root.dataset.saveUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': root.dataset.csrf },
        body: JSON.stringify({ name: name, note: noteInput.value, files: state.files,
          draft_id: asNew ? null : state.draftId }),
      });
    }).then(function (resp) {
      var type = resp.headers.get('Content-Type') || '';
      if (type.indexOf('application/json') < 0) {
        throw new Error(resp.status === 413 ? '文件过大（每个文件不超过 2 MB）'
          : resp.status === 400 ? '页面已过期，请刷新后重试' : '服务器返回 ' + resp.status);
      }
      return resp.json().then(function (body) {
        if (!resp.ok) { throw new Error(body.error ? body.error.message : '保存失败'); }
        return body;
      });
    }).then(function (body) {
      state.draftId = String(body.id);
      root.dataset.draftId = state.draftId;
      state.dirty = false;
      say('已保存草稿「' + body.name + '」。', 'ok', [['校验', body.validate_url], ['试运行与部署', body.dry_run_url],
        ['草稿页', body.url]]);
    }).catch(function (err) {
      say('保存失败：' + err.message, 'bad');
    });
  }

  function download() {
    keepCurrent().then(function () {
      var blob = new Blob([state.files[state.current]], { type: 'application/xml' });
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = state.current;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    });
  }

  root.querySelectorAll('[data-action]').forEach(function (button) {
    button.addEventListener('click', function () {
      var action = button.dataset.action;
      if (action === 'save') { save(false); }
      if (action === 'save-new') { save(true); }
      if (action === 'download') { download(); }
    });
  });
  modeler.on('commandStack.changed', function () { state.dirty = true; });
  window.addEventListener('beforeunload', function (e) {
    if (state.dirty) { e.preventDefault(); e.returnValue = ''; }
  });

  say('正在加载流程图……', '');
  fetch(root.dataset.source, { credentials: 'same-origin' }).then(function (resp) {
    if (!resp.ok) { throw new Error('服务器返回 ' + resp.status); }
    return resp.json();
  }).then(function (data) {
    state.files = data.files;
    // The main diagram first, then the called processes.
    state.order = Object.keys(data.files).sort(function (a, b) {
      return (a === 'hotline.bpmn' ? -1 : b === 'hotline.bpmn' ? 1 : a.localeCompare(b));
    });
    root.dataset.loaded = 'true';
    return openFile(state.order[0]);
  }).then(function () {
    root.dataset.ready = 'true';
  }).catch(function (err) {
    say('加载失败：' + err.message, 'bad');
  });
}());
