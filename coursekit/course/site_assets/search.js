// coursekit site search: runs in the browser on the prebuilt index (search-index.js).
// Matching follows coursekit.lookup in small: case/width folded, punctuation ignored, every word of the
// query in any order (a Chinese run as characters, a wrong character allowed in runs of four or more),
// a typo or two in long words against the index's vocabulary, and a glossary concept's other names (either language) for a query that names the concept.
(function () {
  "use strict";
  var D = window.COURSEKIT_INDEX;
  var box = document.getElementById("ck-query");
  var list = document.getElementById("ck-results");
  var status = document.getElementById("ck-status");
  if (!D || !box || !list) { return; }
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var PUNCT = /[\s\-\u2010-\u2014_\/·・、，,.;；:：()（）\[\]【】{}「」『』《》<>"'`’‘“”!！?？|。~^*$#]+/g;
  var WEIGHT = { concept: 1.0, session: 0.95, section: 0.9, said: 0.8 };
  var LABEL = { concept: "concept 概念", session: "session 课次", section: "section 章节", said: "said ▶ 讲到" };

  function norm(s) { return (s || "").normalize("NFKC").toLowerCase().replace(PUNCT, " ").trim(); }
  function tokens(n) { return n.match(/[\u3400-\u9fff\uf900-\ufaff]+|[^\s\u3400-\u9fff\uf900-\ufaff]+/g) || []; }

  var entries = D.entries.map(function (e, i) {
    var n = norm(e.t + " " + (e.x || ""));
    return { e: e, i: i, n: " " + n + " ", c: n.replace(/ /g, "") };
  });
  var concepts = D.concepts.map(function (c) {
    return { c: c, terms: c.terms.map(norm).filter(function (t) { return t.length >= 2; }) };
  });

  // edit distance with adjacent transpositions, or k + 1 once it exceeds k
  function edits(a, b, k) {
    if (Math.abs(a.length - b.length) > k) { return k + 1; }
    var prev2 = null, prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) { prev.push(j); }
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) { v = Math.min(v, prev2[j - 2] + 1); }
        cur.push(v);
        if (v < best) { best = v; }
      }
      if (best > k) { return k + 1; }
      prev2 = prev; prev = cur;
    }
    return prev[b.length];
  }

  // does some window of text differ from tok in at most k characters?
  function hamming(tok, text, k) {
    for (var s = 0; s + tok.length <= text.length; s++) {
      var d = 0;
      for (var j = 0; j < tok.length && d <= k; j++) { if (tok[j] !== text[s + j]) { d++; } }
      if (d <= k) { return true; }
    }
    return false;
  }

  // one query word: the entries holding it (exactly: 1, at a word start or inside Chinese text: 0.95,
  // with a typo: 0.8)
  function matchToken(tok) {
    var found = new Map();
    if (CJK.test(tok)) {
      if (tok.length < 2) { return found; }
      // a wrong character (an input method's homophone: 泄露 for 泄漏) in runs of four or more
      var k = tok.length < 4 ? 0 : tok.length < 8 ? 1 : 2;
      entries.forEach(function (x) {
        if (x.c.indexOf(tok) >= 0) { found.set(x.i, 1); }
        else if (k && hamming(tok, x.c, k)) { found.set(x.i, 0.8); }
      });
      return found;
    }
    var short = tok.length <= 3;
    entries.forEach(function (x) {
      if (x.n.indexOf(" " + tok + " ") >= 0) { found.set(x.i, 1); }
      else if (!short && x.n.indexOf(" " + tok) >= 0) { found.set(x.i, 0.95); }
    });
    if (tok.length >= 5) {
      var k = tok.length >= 9 ? 2 : 1;
      D.vocab.forEach(function (w) {
        if (w !== tok && w.indexOf(tok) < 0 && edits(tok, w, k) <= k) {
          entries.forEach(function (x) {
            if (!found.has(x.i) && x.n.indexOf(" " + w + " ") >= 0) { found.set(x.i, 0.8); }
          });
        }
      });
    }
    return found;
  }

  function matchQuery(q) {
    var toks = tokens(q);
    if (!toks.length) { return new Map(); }
    var maps = toks.map(matchToken);
    var out = new Map();
    maps[0].forEach(function (v, i) {
      var total = 0, ok = true;
      for (var t = 0; t < maps.length; t++) {
        if (!maps[t].has(i)) { ok = false; break; }
        total += maps[t].get(i);
      }
      if (ok) { out.set(i, total / maps.length); }
    });
    return out;
  }

  // glossary concepts the query names (a term contains the query, or the query is a term)
  function namedConcepts(q) {
    var c = q.replace(/ /g, "");
    if (c.length < (CJK.test(c) ? 2 : 3)) { return []; }
    return concepts.filter(function (k) {
      return k.terms.some(function (t) {
        return CJK.test(c) ? t.replace(/ /g, "").indexOf(c) >= 0 : (" " + t).indexOf(" " + q) >= 0;
      });
    });
  }

  function search(raw) {
    var q = norm(raw);
    var scores = new Map();
    function add(i, s) { if (s > (scores.get(i) || 0)) { scores.set(i, s); } }
    matchQuery(q).forEach(function (quality, i) { add(i, quality * WEIGHT[entries[i].e.k]); });
    namedConcepts(q).forEach(function (k) {
      k.terms.forEach(function (t) {
        var phrase = " " + t + " ", compact = t.replace(/ /g, "");
        entries.forEach(function (x) {
          var hit = CJK.test(compact) ? x.c.indexOf(compact) >= 0 : x.n.indexOf(phrase) >= 0;
          if (hit) { add(x.i, 0.85 * WEIGHT[x.e.k]); }
        });
      });
    });
    var ranked = Array.from(scores.entries()).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    return ranked.slice(0, 40).map(function (r) { return { e: entries[r[0]].e, score: r[1] }; });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (a) { node.setAttribute(a, attrs[a]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function render(results, raw) {
    list.innerHTML = "";
    status.textContent = raw ? results.length + " result" + (results.length === 1 ? "" : "s") + " for “" + raw + "”" : "";
    results.forEach(function (r) {
      var e = r.e;
      var li = el("li", { "class": "ck-result ck-result-" + e.k });
      li.appendChild(el("span", { "class": "ck-kind ck-kind-" + e.k }, LABEL[e.k]));
      li.appendChild(el("span", { "class": "ck-title" }, e.k === "said" ? "“" + e.t + "”" : e.t));
      var where = el("div", { "class": "ck-where" });
      if (e.s) { where.appendChild(el("span", { "class": "ck-session" }, e.s + " " + (D.sessions[e.s] || "") + "  ")); }
      if (e.u) { where.appendChild(el("a", { "class": "ck-section", href: e.u }, e.sec ? "§ " + e.sec : { concept: "glossary", session: "schedule", section: "§ open", said: "lecture" }[e.k])); }
      if (e.v) { where.appendChild(el("a", { "class": "ck-time", href: e.v, target: "_blank" }, "▶ " + e.ts)); }
      else if (e.ts) { where.appendChild(el("span", { "class": "ck-time" }, "▶ " + e.ts + " (recording not online yet)")); }
      li.appendChild(where);
      list.appendChild(li);
    });
  }

  var timer = null;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { render(box.value.trim() ? search(box.value) : [], box.value.trim()); }, 120);
  });
  window.coursekitSearch = search;
}());
