// Read-only diagrams on version and diff pages; data-marks names elements to highlight per marker class.
(function () {
  'use strict';

  if (!window.HotlineViewer) { return; }
  var BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

  document.querySelectorAll('.bpmn-view').forEach(function (root) {
    var viewer = window.HotlineViewer.createViewer(root.querySelector('.viewer-canvas'));
    var tabs = root.querySelector('.file-tabs');
    var marks = JSON.parse(root.dataset.marks || '{}');
    var files = {};
    var order = [];
    var zoomBar = null;
    var note = document.createElement('p');
    note.className = 'muted missing-shapes';
    tabs.insertAdjacentElement('afterend', note);

    // An element can exist in the XML without a shape (e.g. a file written by hand): say so instead of hiding it.
    function elsewhere(id, shown) {
      return order.some(function (other) { return other !== shown && files[other].indexOf('id="' + id + '"') >= 0; });
    }

    // A tab reads as the process's own Chinese name (bpmn:process name), the file name only as its tooltip.
    function title(name) {
      var doc = new DOMParser().parseFromString(files[name], 'application/xml');
      var names = [];
      Array.prototype.forEach.call(doc.getElementsByTagNameNS(BPMN, 'process'), function (p) {
        if (p.getAttribute('name')) { names.push(p.getAttribute('name')); }
      });
      return names.length ? names.join('、') : name;
    }

    function show(name) {
      tabs.querySelectorAll('button').forEach(function (b) { b.className = b.dataset.file === name ? 'on' : ''; });
      viewer.importXML(files[name]).then(function () {
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');
        var missing = [];
        Object.keys(marks).forEach(function (marker) {
          (marks[marker] || []).forEach(function (id) {
            if (registry.get(id)) {
              canvas.addMarker(id, marker);
            } else if (!elsewhere(id, name)) {
              missing.push(id);
            }
          });
        });
        note.textContent = missing.length ? '以下环节在流程图中没有图形（缺少图形信息，不影响运行）：' + missing.join('、') : '';
        var current = (marks['hl-current'] || []).map(function (id) { return registry.get(id); })
          .filter(function (el) { return el && !el.waypoints; });
        // On a phone the whole diagram fitted to the width has labels a few pixels tall: show where the ticket
        // waits at a readable scale instead, with buttons to switch between that and the whole diagram.
        var narrow = root.clientWidth < 640;
        function toCurrent() {
          canvas.zoom(1);
          var el = current[0];
          var box = canvas.viewbox();
          canvas.viewbox({x: el.x + el.width / 2 - box.width / 2, y: el.y + el.height / 2 - box.height / 2,
                          width: box.width, height: box.height});
        }
        if (current.length && !zoomBar) {
          zoomBar = document.createElement('p');
          zoomBar.className = 'zoom-bar';
          [['current', '看当前环节'], ['fit', '看全图']].forEach(function (pair) {
            var b = document.createElement('button');
            b.type = 'button';
            b.dataset.zoom = pair[0];
            b.textContent = pair[1];
            b.addEventListener('click', function () { if (pair[0] === 'fit') { canvas.zoom('fit-viewport'); } else { toCurrent(); } });
            zoomBar.appendChild(b);
          });
          root.querySelector('.viewer-canvas').insertAdjacentElement('beforebegin', zoomBar);
        }
        if (zoomBar) { zoomBar.hidden = !current.length; }
        if (narrow && current.length) { toCurrent(); } else { canvas.zoom('fit-viewport'); }
        root.dataset.ready = 'true';
      }).catch(function (err) {
        note.textContent = '无法显示“' + title(name) + '”：' + err.message;
      });
    }

    fetch(root.dataset.source, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (data) {
      files = data.files;
      if (data.marks) { marks = data.marks; }  // a ticket's diagram: where it waits and where it has been
      order = Object.keys(files).sort(function (a, b) {
        return (a === 'hotline.bpmn' ? -1 : b === 'hotline.bpmn' ? 1 : a.localeCompare(b));
      });
      order.forEach(function (name) {
        var b = document.createElement('button');
        b.type = 'button';
        b.textContent = title(name);
        b.title = name;
        b.dataset.file = name;
        b.addEventListener('click', function () { show(name); });
        tabs.appendChild(b);
      });
      show(order[0]);
    });
  });
}());
