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

  var canvas = modeler.get('canvas');
  var zoomLabel = root.querySelector('.zoom-level');
  // A task label is 12 px at 100 %: below this zoom it is too small to read, so the diagram opens at least here
  // and the owner scrolls (or uses the minimap) rather than squinting at the whole diagram.
  var READABLE = 0.9;
  var LEFT = 70;  // room for the palette floating over the canvas

  function showZoom() { zoomLabel.textContent = '缩放 ' + Math.round(canvas.zoom() * 100) + '%'; }

  // Fit the diagram's width beside the palette, never below the readable zoom; start at its top left.
  function fitWidth() {
    canvas.zoom('fit-viewport');
    var box = canvas.viewbox();
    var scale = Math.min(Math.max((box.outer.width - LEFT - 20) / box.inner.width, READABLE), 1.2);
    canvas.viewbox({ x: box.inner.x - LEFT / scale, y: box.inner.y - 20 / scale,
      width: box.outer.width / scale, height: box.outer.height / scale });
    showZoom();
  }

  // A tab reads as the process's own Chinese name (bpmn:process name); the file name is its tooltip.
  function title(name) {
    var doc = new DOMParser().parseFromString(state.files[name] || '', 'application/xml');
    var names = [];
    Array.prototype.forEach.call(doc.getElementsByTagNameNS('http://www.omg.org/spec/BPMN/20100524/MODEL', 'process'),
      function (p) { if (p.getAttribute('name')) { names.push(p.getAttribute('name')); } });
    return names.length ? names.join('、') : name;
  }

  function fitAll() {
    canvas.zoom('fit-viewport', 'auto');
    showZoom();
  }

  root.querySelectorAll('[data-zoom]').forEach(function (button) {
    button.addEventListener('click', function () {
      var how = button.dataset.zoom;
      if (how === 'in') { canvas.zoom(Math.min(canvas.zoom() * 1.25, 4)); }
      if (how === 'out') { canvas.zoom(Math.max(canvas.zoom() / 1.25, 0.2)); }
      if (how === 'width') { fitWidth(); }
      if (how === 'all') { fitAll(); }
      showZoom();
    });
  });
  modeler.on('canvas.viewbox.changed', showZoom);

  // The palette labels its entries for screen readers only: show the same Chinese text as a tooltip on hover.
  function paletteTooltips() {
    root.querySelectorAll('.djs-palette .entry[aria-label]').forEach(function (entry) {
      entry.title = entry.getAttribute('aria-label');
    });
  }
  modeler.on('palette.changed', paletteTooltips);

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
      lintButton(true);
      fitWidth();
      paletteTooltips();
      try { modeler.get('minimap').open(); } catch (e) { /* no minimap: the page still works */ }
      scheduleCheck(0);
      var warnings = (result && result.warnings) || [];
      say(warnings.length ? '已打开“' + title(name) + '”，有 ' + warnings.length + ' 条导入警告（见浏览器控制台）'
        : '已打开“' + title(name) + '”', '');
      warnings.forEach(function (w) { console.warn(w.message); });
    }).catch(function (err) {
      state.broken[name] = true;
      // The canvas is empty: its lint button would read 校验通过 for a file nobody could check.
      lintButton(false);
      scheduleCheck(0);  // the server's check still reports the file's error below the canvas
      console.warn(err.message);
      var which = title(name) === name ? '流程图文件 ' + name : '“' + title(name) + '”（' + name + '）';
      say('无法显示' + which + '：文件不是格式正确的 BPMN 流程图，建模器无法读取。可下载后修正，或在草稿中重新上传。',
        'bad');
    });
  }

  // The linting plugin's button on the canvas, shown only while the open file could be read.
  function lintButton(show) {
    var button = root.querySelector('.bjsl-button');
    if (button) { button.style.display = show ? '' : 'none'; }
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
  modeler.on('commandStack.changed', function () { state.dirty = true; scheduleCheck(700); });

  // -- the server's check: lint markers on the canvas and the variables for the condition builder --------------
  var lintSummary = root.querySelector('.lint-summary');
  var checkTimer = null;
  var checkSeq = 0;
  var scopes = {};

  function scheduleCheck(delay) {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(runCheck, delay);
  }

  function runCheck() {
    var seq = ++checkSeq;
    keepCurrent().then(function () {
      return fetch(root.dataset.checkUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': root.dataset.csrf },
        body: JSON.stringify({ files: state.files }),
      });
    }).then(function (resp) { return resp.json(); }).then(function (body) {
      if (seq !== checkSeq) { return; }
      if (body.error) {
        lintSummary.textContent = '无法校验：' + body.error.message;
        return;
      }
      scopes = body.scopes || {};
      window.HotlineModeler.setProblems(body.problems);
      var linting = modeler.get('linting');
      if (!linting.isActive()) { linting.toggle(true); }
      linting.update();
      var warnings = body.problems.length - body.errors;
      var where = state.broken[state.current] ? '（当前文件无法显示，错误详见草稿的校验页）'
        : '（标记在图中对应元素上，点标记查看）';
      lintSummary.textContent = body.errors ? ('校验：' + body.errors + ' 个错误' + (warnings ? '，' + warnings + ' 条提醒' : '') +
        where) : (warnings ? '校验：没有错误，' + warnings + ' 条提醒' : '校验：没有发现问题');
      lintSummary.className = 'lint-summary' + (body.errors ? ' bad' : ' ok');
      root.dataset.checked = String(seq);
      refreshBuilder();
    }).catch(function (err) {
      lintSummary.textContent = '无法校验：' + err.message;
    });
  }

  // -- condition builder: pick a variable in scope, compare, write the Python expression -----------------------
  var builder = root.querySelector('.cond-builder');
  var cbVar = builder.querySelector('[name=cb-var]');
  var cbOp = builder.querySelector('[name=cb-op]');
  var cbValue = builder.querySelector('[name=cb-value]');
  var cbText = builder.querySelector('[name=cb-text]');
  var cbAnd = builder.querySelector('[name=cb-and]');
  var cbPreview = builder.querySelector('.cb-preview');
  var TYPE_LABELS = { 'enum': '选项', 'boolean': '是/否', 'long': '整数', 'number': '数字', 'string': '文本',
    'date': '日期', 'unit': '单位', 'units': '单位列表', 'list': '列表' };
  var OPS = {
    'enum': [['==', '等于'], ['!=', '不等于']],
    'boolean': [['true', '为“是”'], ['false', '为“否”']],
    'long': [['==', '等于'], ['!=', '不等于'], ['>', '大于'], ['>=', '大于或等于'], ['<', '小于'], ['<=', '小于或等于']],
    'unit': [['set', '已指定'], ['unset', '未指定']],
    'units': [['any', '至少有一个'], ['none', '一个也没有']],
    'string': [['==', '等于'], ['!=', '不等于'], ['set', '已填写'], ['unset', '未填写']],
  };
  OPS.number = OPS['long'];
  OPS.list = OPS.units;
  OPS.date = OPS.string;
  var current = null;

  function selectedFlow() {
    var selected = modeler.get('selection').get();
    var el = selected.length === 1 ? selected[0] : null;
    if (el && el.type === 'label') { el = el.labelTarget; }  // a flow's name selects the flow
    if (!el || el.type !== 'bpmn:SequenceFlow' || !el.source) { return null; }
    return /Gateway$/.test(el.source.type) ? el : null;
  }

  function option(select, value, label) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  function variable() { return (scopes[current.id] || [])[Number(cbVar.value)] || null; }

  function fillOps() {
    var v = variable();
    cbOp.textContent = '';
    cbValue.textContent = '';
    if (!v) { return; }
    (OPS[v.type] || OPS.string).forEach(function (op) { option(cbOp, op[0], op[1]); });
    (v.values || []).forEach(function (pair) { option(cbValue, JSON.stringify(pair[0]), pair[1] + '（' + pair[0] + '）'); });
    preview();
  }

  function expression() {
    var v = variable();
    if (!v) { return ''; }
    var op = cbOp.value;
    var name = v.name;
    if (op === 'true' || op === 'set') { return name; }
    if (op === 'false' || op === 'unset') { return 'not ' + name; }
    if (op === 'any') { return 'len(' + name + ') > 0'; }
    if (op === 'none') { return 'len(' + name + ') == 0'; }
    var value = v.values && v.values.length ? cbValue.value
      : (v.type === 'long' || v.type === 'number') ? String(Number(cbText.value) || 0) : JSON.stringify(cbText.value);
    return name + ' ' + op + ' ' + value;
  }

  function preview() {
    var v = variable();
    var needsValue = v && ['==', '!=', '>', '>=', '<', '<='].indexOf(cbOp.value) >= 0;
    var choose = needsValue && v.values && v.values.length;
    builder.querySelector('.cb-value-label').hidden = !needsValue;
    cbValue.hidden = !choose;
    cbText.hidden = !needsValue || choose;
    cbPreview.textContent = expression();
  }

  function refreshBuilder() {
    current = selectedFlow();
    builder.hidden = !current;
    if (!current) { return; }
    var vars = scopes[current.id];
    var name = current.businessObject.name ? '「' + current.businessObject.name + '」' : '这条连线';
    var gw = current.source.businessObject.name ? '「' + current.source.businessObject.name + '」' : '网关';
    builder.querySelector('.cb-where').textContent = gw + ' → ' + name + '：选择变量和比较方式，写入这条连线的条件。';
    cbVar.textContent = '';
    if (!vars) {
      option(cbVar, '', '（正在校验，稍候……）');
      return;
    }
    vars.forEach(function (v, i) {
      option(cbVar, String(i), v.label + '（' + v.name + '，' + (TYPE_LABELS[v.type] || v.type) + '）');
    });
    fillOps();
  }

  cbVar.addEventListener('change', fillOps);
  cbOp.addEventListener('change', preview);
  cbValue.addEventListener('change', preview);
  cbText.addEventListener('input', preview);
  builder.querySelector('[data-cb=write]').addEventListener('click', function () {
    var expr = expression();
    if (!current || !expr) { return; }
    var old = current.businessObject.conditionExpression;
    if (cbAnd.checked && old && old.body) { expr = '(' + old.body + ') and ' + expr; }
    var body = modeler.get('moddle').create('bpmn:FormalExpression', { body: expr });
    modeler.get('modeling').updateProperties(current, { conditionExpression: body });
    say('已写入条件：' + expr, 'ok');
  });
  builder.querySelector('[data-cb=default]').addEventListener('click', function () {
    if (!current) { return; }
    var modeling = modeler.get('modeling');
    modeling.updateProperties(current, { conditionExpression: undefined });
    modeling.updateProperties(current.source, { 'default': current.businessObject });
    say('已设为默认流：其他条件都不成立时走这条连线', 'ok');
  });
  modeler.on('selection.changed', refreshBuilder);
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
