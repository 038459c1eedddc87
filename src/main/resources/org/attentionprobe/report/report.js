/* attention-probe HTML report. Draws everything from the JSON in #report-data: no requests, no libraries. */
(function () {
  'use strict';
  var body = document.body;
  var problems = [];
  var blocked = 0;

  function showProblems() {
    body.setAttribute('data-errors', String(problems.length - blocked));
    body.setAttribute('data-violations', String(blocked));
    var box = document.getElementById('problems');
    if (box) {
      box.textContent = problems.join('\n');
      box.hidden = problems.length === 0;
    }
  }
  window.addEventListener('error', function (e) {
    problems.push('script error: ' + e.message);
    showProblems();
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    blocked++;
    problems.push('blocked by the content security policy: ' + e.violatedDirective + ' ' + e.blockedURI);
    showProblems();
  });

  /* el('div', {className: 'x', textContent: 'y'}, [children]) */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    var key;
    for (key in props || {}) {
      if (Object.prototype.hasOwnProperty.call(props, key)) {
        node[key] = props[key];
      }
    }
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function fmt(v) {
    if (v === 0) { return '0'; }
    var a = Math.abs(v);
    return a >= 0.01 && a < 1000 ? v.toFixed(4) : v.toExponential(2);
  }

  /* Captum-style shading: green for positive, red for negative, white near 0; a in [-1, 1]. */
  function shade(a) {
    a = Math.max(-1, Math.min(1, a));
    return a >= 0 ? 'hsl(120, 75%, ' + (100 - 50 * a) + '%)' : 'hsl(0, 75%, ' + (100 + 50 * a) + '%)';
  }

  /* Sequential colour map for attention weights, t in [0, 1]: dark violet, blue, teal, green, yellow. */
  var STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function ramp(t) {
    t = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    var i = Math.min(STOPS.length - 2, Math.floor(t));
    var f = t - i;
    var c = [0, 1, 2].map(function (j) { return Math.round(STOPS[i][j] + f * (STOPS[i + 1][j] - STOPS[i][j])); });
    return 'rgb(' + c.join(',') + ')';
  }

  function maxOf(values) {
    var m = 0;
    for (var i = 0; i < values.length; i++) { m = Math.max(m, Math.abs(values[i])); }
    return m;
  }

  /* ---------- prediction ---------- */
  function prediction(r) {
    var rows = r.classes.map(function (name, c) {
      var tags = [];
      if (c === r.predicted) { tags.push(el('span', {className: 'tag predicted', textContent: 'predicted'})); }
      if (c === r.explained) { tags.push(el('span', {className: 'tag', textContent: 'explained'})); }
      if (c === r.label) { tags.push(el('span', {className: 'tag', textContent: 'true label'})); }
      return el('tr', {}, [
        el('td', {textContent: name}),
        el('td', {}, [el('span', {className: 'bar', style: 'width:' + Math.round(200 * r.probabilities[c]) + 'px'})]),
        el('td', {textContent: r.probabilities[c].toFixed(4)}),
        el('td', {}, tags)
      ]);
    });
    var parts = [
      el('p', {className: 'verdict'}, ['Predicted: ', el('strong', {className: 'predicted-class', textContent: r.classes[r.predicted]}),
        ' (probability ' + r.probabilities[r.predicted].toFixed(4) + ')' +
        (r.label >= 0 ? '; true label: ' + r.classes[r.label] : '')]),
      el('table', {className: 'prediction'}, rows)
    ];
    if (r.explained >= 0) {
      parts.push(el('p', {className: 'note', textContent: 'The scores explain F = the probability of "' + r.classes[r.explained] +
        '" = ' + r.probabilities[r.explained].toFixed(4) + '.'}));
    }
    (r.notes || []).forEach(function (n) { parts.push(el('p', {className: 'note', textContent: n})); });
    parts.push(el('p', {className: 'note', textContent: r.words.length + ' real tokens of ' + r.length +
      ' positions are shown' + (r.words.length < r.length ? '; padding is left out of the display (the scores are computed over all positions)' : '') + '.'}));
    return el('div', {}, parts);
  }

  /* ---------- tokens shaded by each method ---------- */
  function attributions(r) {
    if (!r.methods.length) { return el('div'); }
    var scale = el('select', {}, [
      el('option', {value: 'max', textContent: 'largest |score| of the shown tokens (captum)'}),
      el('option', {value: 'range', textContent: 'range: smallest to largest score'})
    ]);
    var list = el('div');
    function draw() {
      list.textContent = '';
      r.methods.forEach(function (m) {
        var lo = Math.min.apply(null, m.values);
        var hi = Math.max.apply(null, m.values);
        var max = maxOf(m.values);
        var useRange = scale.value === 'range' && !m.signed && hi > lo;
        var p = el('p', {className: 'tokens'});
        r.words.forEach(function (w, i) {
          var v = m.values[i];
          var a = useRange ? (v - lo) / (hi - lo) : (max > 0 ? v / max : 0);
          p.appendChild(el('span', {className: 'tok', textContent: w, style: 'background:' + shade(a),
            title: w + ' (position ' + r.positions[i] + '): ' + fmt(v)}));
          p.appendChild(document.createTextNode(' '));
        });
        var order = m.values.map(function (v, i) { return i; })
          .sort(function (a, b) { return m.values[b] - m.values[a]; }).slice(0, 8);
        list.appendChild(el('div', {className: 'method'}, [
          el('h3', {textContent: m.name}),
          el('div', {className: 'description', textContent: m.description}),
          p,
          el('div', {className: 'top', textContent: 'top: ' + order.map(function (i) {
            return r.words[i] + ' ' + fmt(m.values[i]);
          }).join(', ')})
        ]));
      });
    }
    scale.addEventListener('change', draw);
    draw();
    return el('div', {}, [
      el('h3', {textContent: 'Token attributions'}),
      el('div', {className: 'legend'}, ['negative', el('span', {className: 'ramp'}), 'positive',
        el('span', {textContent: '— each method scaled by '}), scale]),
      list
    ]);
  }

  /* ---------- attention: head view and heatmaps ---------- */
  function headWeights(block, head, n) {
    if (head >= 0) { return block.weights[head]; }
    var mean = new Array(n * n).fill(0);
    block.weights.forEach(function (w) {
      for (var i = 0; i < w.length; i++) { mean[i] += w[i] / block.heads; }
    });
    return mean;
  }

  /* The n keys query q weighs most, strongest first. */
  function strongest(w, q, n, count) {
    var keys = [];
    for (var k = 0; k < n; k++) { keys.push(k); }
    keys.sort(function (a, b) { return w[q * n + b] - w[q * n + a]; });
    return keys.slice(0, count);
  }

  function attention(r) {
    var n = r.words.length;
    if (!r.blocks.length) { return el('div'); }
    var blockSelect = el('select', {className: 'block-select'}, r.blocks.map(function (b, i) {
      return el('option', {value: String(i), textContent: 'block ' + i + ' (' + b.heads + ' heads)'});
    }));
    var headSelect = el('select', {className: 'head-select'});
    var ROW = 18;
    var TOP = 3;
    var WIDTH = 240;
    var left = el('div', {className: 'col left'});
    var right = el('div', {className: 'col right'});
    var canvas = el('canvas', {width: WIDTH, height: Math.max(1, n * ROW)});
    var readout = el('div', {className: 'readout'});
    var heatmaps = el('div', {className: 'heatmaps'});
    var state = {query: -1, key: -1};

    function fillHeads() {
      var b = r.blocks[+blockSelect.value];
      headSelect.textContent = '';
      headSelect.appendChild(el('option', {value: '-1', textContent: 'mean of heads'}));
      for (var h = 0; h < b.heads; h++) { headSelect.appendChild(el('option', {value: String(h), textContent: 'head ' + h})); }
    }

    function hiddenShare(b, head, q) {
      if (head >= 0) { return b.hidden[head][q]; }
      var s = 0;
      for (var h = 0; h < b.heads; h++) { s += b.hidden[h][q] / b.heads; }
      return s;
    }

    function drawHeadView() {
      var b = r.blocks[+blockSelect.value];
      var head = +headSelect.value;
      var w = headWeights(b, head, n);
      var ctx = canvas.getContext('2d');
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      var max = 0;
      var q;
      var k;
      for (q = 0; q < n; q++) {
        for (k = 0; k < n; k++) {
          var inSelection = (state.query < 0 && state.key < 0) || q === state.query || k === state.key;
          if (inSelection) { max = Math.max(max, w[q * n + k]); }
        }
      }
      var overview = state.query < 0 && state.key < 0;
      ctx.lineWidth = overview ? 1 : 1.6;
      function line(q, k) {
        var alpha = max > 0 ? w[q * n + k] / max : 0;
        if (alpha < 0.02) { return; }
        ctx.strokeStyle = 'rgba(31, 95, 153, ' + alpha.toFixed(3) + ')';
        ctx.beginPath();
        ctx.moveTo(0, q * ROW + ROW / 2);
        ctx.lineTo(WIDTH, k * ROW + ROW / 2);
        ctx.stroke();
      }
      for (q = 0; q < n; q++) {
        if (overview) {
          strongest(w, q, n, TOP).forEach(function (key) { line(q, key); });
          continue;
        }
        for (k = 0; k < n; k++) {
          if ((state.query < 0 || q === state.query) && (state.key < 0 || k === state.key)) { line(q, k); }
        }
      }
      Array.prototype.forEach.call(left.children, function (d, i) {
        d.classList.toggle('selected', i === state.query);
        d.style.background = state.key >= 0 && max > 0 ? 'rgba(31, 95, 153, ' + (0.5 * w[i * n + state.key] / max).toFixed(3) + ')' : '';
      });
      Array.prototype.forEach.call(right.children, function (d, i) {
        d.classList.toggle('selected', i === state.key);
        d.style.background = state.query >= 0 && max > 0 ? 'rgba(31, 95, 153, ' + (0.5 * w[state.query * n + i] / max).toFixed(3) + ')' : '';
      });
      if (state.query >= 0) {
        readout.textContent = '"' + r.words[state.query] + '" (position ' + r.positions[state.query] + ') attends; its weight on padding, not shown: ' +
          fmt(hiddenShare(b, head, state.query)) + '. Darker = more.';
      } else if (state.key >= 0) {
        readout.textContent = 'Tokens attending to "' + r.words[state.key] + '" (position ' + r.positions[state.key] + '). Darker = more.';
      } else {
        readout.textContent = 'Each token\'s ' + TOP + ' strongest links (opacity relative to the largest weight). Click a token on the left to see all of where it attends, on the right to see who attends to it.';
      }
    }

    function drawHeatmaps() {
      var b = r.blocks[+blockSelect.value];
      heatmaps.textContent = '';
      var cell = Math.max(1, Math.floor(300 / Math.max(1, n)));
      var heads = [-1];
      for (var h = 0; h < b.heads; h++) { heads.push(h); }
      heads.forEach(function (head) {
        var w = headWeights(b, head, n);
        var max = maxOf(w);
        var c = el('canvas', {width: n * cell, height: n * cell, className: 'heatmap'});
        var ctx = c.getContext('2d');
        for (var q = 0; q < n; q++) {
          for (var k = 0; k < n; k++) {
            ctx.fillStyle = ramp(max > 0 ? w[q * n + k] / max : 0);
            ctx.fillRect(k * cell, q * cell, cell, cell);
          }
        }
        var info = el('div', {className: 'readout'});
        c.addEventListener('mousemove', function (e) {
          var rect = c.getBoundingClientRect();
          var k = Math.floor((e.clientX - rect.left) / rect.width * n);
          var q = Math.floor((e.clientY - rect.top) / rect.height * n);
          if (q >= 0 && q < n && k >= 0 && k < n) {
            info.textContent = r.words[q] + ' \u2192 ' + r.words[k] + ': ' + fmt(w[q * n + k]);
          }
        });
        c.addEventListener('click', function (e) {
          var rect = c.getBoundingClientRect();
          state.query = Math.floor((e.clientY - rect.top) / rect.height * n);
          state.key = -1;
          drawHeadView();
        });
        heatmaps.appendChild(el('figure', {}, [c, el('figcaption', {textContent: (head < 0 ? 'mean of heads' : 'head ' + head) +
          ': rows = query, columns = key; brightest = ' + fmt(max)}), info]));
      });
    }

    r.words.forEach(function (word, i) {
      left.appendChild(el('div', {textContent: word, title: 'position ' + r.positions[i]}));
      right.appendChild(el('div', {textContent: word, title: 'position ' + r.positions[i]}));
    });
    left.addEventListener('click', function (e) {
      var i = Array.prototype.indexOf.call(left.children, e.target);
      if (i < 0) { return; }
      state.query = state.query === i ? -1 : i;
      state.key = -1;
      drawHeadView();
    });
    right.addEventListener('click', function (e) {
      var i = Array.prototype.indexOf.call(right.children, e.target);
      if (i < 0) { return; }
      state.key = state.key === i ? -1 : i;
      state.query = -1;
      drawHeadView();
    });
    blockSelect.addEventListener('change', function () { fillHeads(); drawHeadView(); drawHeatmaps(); });
    headSelect.addEventListener('change', drawHeadView);
    fillHeads();
    drawHeadView();
    drawHeatmaps();
    return el('div', {}, [
      el('h3', {textContent: 'Attention'}),
      el('div', {className: 'controls'}, [el('label', {}, ['Block ', blockSelect]), el('label', {}, ['Head ', headSelect])]),
      readout,
      el('div', {className: 'headview'}, [left, canvas, right]),
      el('h3', {textContent: 'Heatmaps (shown tokens)'}),
      heatmaps
    ]);
  }

  function review(r, index) {
    return el('section', {className: 'review', id: 'review-' + index}, [
      el('h2', {textContent: r.title}),
      prediction(r),
      attributions(r),
      attention(r)
    ]);
  }

  function render(data) {
    var header = el('header', {}, [el('h1', {textContent: data.title})]);
    data.about.forEach(function (line) { header.appendChild(el('p', {textContent: line})); });
    var main = el('main');
    var sections = data.reviews.map(review);
    if (sections.length > 1) {
      var select = el('select', {className: 'review-select'}, data.reviews.map(function (r, i) {
        return el('option', {value: String(i), textContent: r.title + ': ' + r.classes[r.predicted]});
      }));
      select.addEventListener('change', function () {
        sections.forEach(function (s, i) { s.hidden = i !== +select.value; });
      });
      header.appendChild(el('p', {}, [el('label', {}, ['Sequence ', select])]));
    }
    sections.forEach(function (s, i) { s.hidden = i !== 0; main.appendChild(s); });
    header.appendChild(el('div', {id: 'problems', className: 'problems', hidden: true}));
    body.appendChild(header);
    body.appendChild(main);
  }

  try {
    render(JSON.parse(document.getElementById('report-data').textContent));
  } catch (e) {
    problems.push('script error: ' + (e && e.message ? e.message : String(e)));
    if (!document.getElementById('problems')) {
      body.appendChild(el('div', {id: 'problems', className: 'problems'}));
    }
  }
  showProblems();
  body.setAttribute('data-status', problems.length - blocked ? 'error' : 'ok');
}());
