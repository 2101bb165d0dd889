"""The inline script and style that lay out the maps' labels in the browser (no network).

:data:`LABELS_JS` defines ``window.trafficprevLabels(map, roads, options)``; :data:`LABELS_CSS`
styles what it draws. Both are fixed text of ours: no record text is ever part of them (road
names arrive as JSON data and are written with ``textContent``), and neither holds a Jinja
delimiter (branca compiles element output as template source; a test checks this).

What the script does, on every ``moveend`` / ``zoomend`` / ``resize`` and when a layer is
switched on or off:

* **site labels** (``.tp-site-label`` inside the ``.tp-site`` marker icons): a greedy
  collision pass in screen pixels, in the order of the sites' ranks. Each label tries
  positions on rings of growing radius around its site (right, left, below, above first,
  then 16 directions) and takes the first that lies inside the map, clear of every other
  placed label, of every site's dot and facing arrow, and of the fixed boxes (title,
  legend, site list) and Leaflet's controls. A label away from its site gets a leader line.
* **road-name labels** from the zoom level ``options.minZoom``: candidate points along the
  roads (computed in Python, :func:`~trafficprev.maps._labels.road_label_data`), each with
  the road's direction; in priority order a label is drawn, rotated along its road, when its
  rotated rectangle is inside the map, overlaps no placed label (separating-axis test), no
  site label, dot or box, and is at least ``options.repeatPx`` from a label of the same name.
  Only while the basemap layer is on.
* **legend rows** (``[data-tp-layer]``) are shown only while their layer is on the map.
"""

from __future__ import annotations

__all__ = ["LABELS_CSS", "LABELS_JS"]

LABELS_CSS = """
.tp-site { overflow: visible; }
.tp-site-label {
  position: absolute; left: 10px; top: -9px; white-space: nowrap; padding: 0 4px;
  font: bold 12px/16px sans-serif; color: #ffffff; border-radius: 8px;
  border: 1px solid #222222; cursor: pointer;
}
.tp-leader { position: absolute; left: 0; top: 0; overflow: visible; pointer-events: none; }
.tp-mark { position: absolute; left: -16px; top: -16px; overflow: visible; }
.tp-road-label {
  position: absolute; left: 0; top: 0; white-space: nowrap; pointer-events: none;
  font: 12px/16px sans-serif; color: #303030; transform-origin: 50% 50%;
  text-shadow: -1px -1px 0 #ffffff, 1px -1px 0 #ffffff, -1px 1px 0 #ffffff,
    1px 1px 0 #ffffff, 0 0 3px #ffffff;
}
.leaflet-zoom-anim .tp-road-labels { visibility: hidden; }
.tp-measure { position: absolute; visibility: hidden; left: -9999px; top: -9999px; }
.tp-swatch {
  display: inline-block; width: 16px; height: 10px; margin-right: 6px; vertical-align: middle;
  box-sizing: border-box;
}
.tp-swatch-line { height: 4px; margin-top: 3px; margin-bottom: 3px; }
.tp-swatch-thin { height: 2px; margin-top: 4px; margin-bottom: 4px; }
.tp-swatch-dot { width: 10px; border-radius: 50%; margin-left: 3px; margin-right: 9px; }
.tp-swatch-ring {
  width: 12px; height: 12px; border-radius: 50%; border: 3px solid;
  background: transparent !important; margin-left: 2px; margin-right: 8px;
}
.tp-swatch-area { opacity: 0.6; border: 1px solid; }
.tp-panel table { border-collapse: collapse; font-size: 12px; }
.tp-panel th, .tp-panel td {
  border-bottom: 1px solid #dddddd; padding: 1px 3px; text-align: left; vertical-align: top;
  white-space: nowrap;
}
.tp-panel td.tp-wrap { white-space: normal; }
.tp-panel .tp-id { font-weight: bold; white-space: nowrap; color: #ffffff; border-radius: 8px; }
.tp-panel.tp-collapsed .tp-panel-body { display: none; }
.tp-panel-toggle { float: right; margin-left: 8px; font-size: 11px; cursor: pointer; }
"""

LABELS_JS = r"""
(function () {
  "use strict";
  var DEG = Math.PI / 180;

  function hitRect(a, b, pad) {
    return a.x0 < b.x1 + pad && b.x0 < a.x1 + pad && a.y0 < b.y1 + pad && b.y0 < a.y1 + pad;
  }
  function inside(r, w, h, m) {
    return r.x0 >= m && r.y0 >= m && r.x1 <= w - m && r.y1 <= h - m;
  }
  function quad(cx, cy, w, h, deg) {
    var c = Math.cos(deg * DEG), s = Math.sin(deg * DEG), out = [];
    var xs = [-w / 2, w / 2, w / 2, -w / 2], ys = [-h / 2, -h / 2, h / 2, h / 2];
    for (var i = 0; i < 4; i++) {
      out.push([cx + c * xs[i] - s * ys[i], cy + s * xs[i] + c * ys[i]]);
    }
    return out;
  }
  function rectQuad(r) {
    return [[r.x0, r.y0], [r.x1, r.y0], [r.x1, r.y1], [r.x0, r.y1]];
  }
  function aabb(q) {
    var r = {x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity};
    for (var i = 0; i < q.length; i++) {
      r.x0 = Math.min(r.x0, q[i][0]); r.x1 = Math.max(r.x1, q[i][0]);
      r.y0 = Math.min(r.y0, q[i][1]); r.y1 = Math.max(r.y1, q[i][1]);
    }
    return r;
  }
  function span(q, ax, ay) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < q.length; i++) {
      var v = q[i][0] * ax + q[i][1] * ay;
      lo = Math.min(lo, v); hi = Math.max(hi, v);
    }
    return [lo, hi];
  }
  function hitQuad(p, q, pad) {
    var polys = [p, q];
    for (var k = 0; k < 2; k++) {
      var poly = polys[k];
      for (var i = 0; i < poly.length; i++) {
        var a = poly[i], b = poly[(i + 1) % poly.length];
        var ax = a[1] - b[1], ay = b[0] - a[0], len = Math.sqrt(ax * ax + ay * ay) || 1;
        ax /= len; ay /= len;
        var s1 = span(p, ax, ay), s2 = span(q, ax, ay);
        if (s1[1] + pad <= s2[0] || s2[1] + pad <= s1[0]) { return false; }
      }
    }
    return true;
  }
  function shown(el) {
    if (!el.getClientRects().length) { return false; }
    var style = window.getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  }
  function relRect(el, box) {
    var r = el.getBoundingClientRect();
    return {x0: r.left - box.left, y0: r.top - box.top, x1: r.right - box.left,
            y1: r.bottom - box.top};
  }

  function Labels(map, roads, options) {
    this.map = map;
    this.roads = {names: roads[0], points: roads[1], scale: roads[2]};
    this.options = {minZoom: options[0], repeatPx: options[1], roadLayer: options[2]};
    this.widths = {};
    this.timer = null;
    this.pane = map.createPane("tpRoadLabels");
    this.pane.className += " tp-road-labels";
    this.pane.style.zIndex = 450;
    this.pane.style.pointerEvents = "none";
    this.measure = document.createElement("div");
    this.measure.className = "tp-road-label tp-measure";
    map.getContainer().appendChild(this.measure);
    var self = this;
    map.on("moveend zoomend resize overlayadd overlayremove", function () { self.schedule(); });
    var toggles = document.querySelectorAll(".tp-panel-toggle");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].addEventListener("click", function (event) {
        var panel = event.target.closest(".tp-panel");
        panel.classList.toggle("tp-collapsed");
        event.target.textContent = panel.classList.contains("tp-collapsed") ? "展开" : "收起";
        self.schedule();
      });
    }
    // fonts, the fixed boxes and the viewport may settle after the map's script: lay out
    // again then, and whenever a box or the map changes its size (a font arriving late widens
    // the legend under a label; a viewport that shrinks moves the legend up over one)
    if (window.ResizeObserver) {
      var watch = new window.ResizeObserver(function () { self.schedule(); });
      var fixed = document.querySelectorAll(".tp-box, .leaflet-control");
      for (var b = 0; b < fixed.length; b++) { watch.observe(fixed[b]); }
      // the map's own size: a viewport that settles late moves the boxes anchored to its
      // bottom, which changes no box's size
      watch.observe(map.getContainer());
    }
    window.addEventListener("load", function () { self.schedule(); });
    window.addEventListener("resize", function () { self.schedule(); });
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(function () { self.schedule(); });
    }
    this.schedule();
  }

  Labels.prototype.schedule = function () {
    var self = this;
    if (this.timer !== null) { window.clearTimeout(this.timer); }
    this.timer = window.setTimeout(function () { self.timer = null; self.run(); }, 0);
  };

  Labels.prototype.run = function () {
    this.legend();
    var box = this.map.getContainer().getBoundingClientRect();
    var blocked = this.obstacles(box);
    var sites = this.sites(box, blocked);
    this.roadLabels(box, blocked.concat(sites));
  };

  Labels.prototype.legend = function () {
    var rows = document.querySelectorAll("[data-tp-layer]");
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i].getAttribute("data-tp-layer");
      var layer = name ? window[name] : null;
      rows[i].style.display = !layer || this.map.hasLayer(layer) ? "" : "none";
    }
  };

  Labels.prototype.obstacles = function (box) {
    var out = [], els = document.querySelectorAll(".tp-box, .leaflet-control");
    for (var i = 0; i < els.length; i++) {
      if (shown(els[i])) { out.push(relRect(els[i], box)); }
    }
    return out;
  };

  Labels.prototype.sites = function (box, blocked) {
    var icons = this.map.getContainer().querySelectorAll(".tp-site");
    var items = [], marks = [];
    for (var i = 0; i < icons.length; i++) {
      var label = icons[i].querySelector(".tp-site-label");
      if (!label) { continue; }
      var r = icons[i].getBoundingClientRect();
      var it = {icon: icons[i], label: label, x: r.left - box.left, y: r.top - box.top,
                w: label.offsetWidth, h: label.offsetHeight,
                rank: Number(label.getAttribute("data-tp-rank") || 0),
                line: icons[i].querySelector(".tp-leader line")};
      items.push(it);
      var m = {x0: it.x - 8, y0: it.y - 8, x1: it.x + 8, y1: it.y + 8};
      var mark = icons[i].querySelector("[data-tp-facing]");
      var facing = mark ? mark.getAttribute("data-tp-facing") : "";
      if (facing !== "") {
        var tx = it.x + 16 * Math.sin(Number(facing) * DEG);
        var ty = it.y - 16 * Math.cos(Number(facing) * DEG);
        m = {x0: Math.min(m.x0, tx - 5), y0: Math.min(m.y0, ty - 5),
             x1: Math.max(m.x1, tx + 5), y1: Math.max(m.y1, ty + 5)};
      }
      marks.push(m);
    }
    items.sort(function (a, b) { return a.rank - b.rank; });
    var w = box.width, h = box.height, placed = [];
    for (var j = 0; j < items.length; j++) {
      var item = items[j];
      if (item.x < 0 || item.y < 0 || item.x > w || item.y > h) {
        item.label.style.visibility = "hidden";
        if (item.line) { item.line.setAttribute("x2", 0); item.line.setAttribute("y2", 0); }
        continue;
      }
      var best = this.spot(item, w, h, placed, marks, blocked);
      var rect = best.rect;
      item.label.style.visibility = "";
      item.label.style.left = (rect.x0 - item.x) + "px";
      item.label.style.top = (rect.y0 - item.y) + "px";
      item.label.setAttribute("data-tp-placed", best.free ? "free" : "forced");
      if (item.line) {
        var nx = Math.max(rect.x0, Math.min(item.x, rect.x1)) - item.x;
        var ny = Math.max(rect.y0, Math.min(item.y, rect.y1)) - item.y;
        var far = Math.sqrt(nx * nx + ny * ny) > 11;
        item.line.setAttribute("x2", far ? nx : 0);
        item.line.setAttribute("y2", far ? ny : 0);
      }
      placed.push(rect);
    }
    return placed.concat(marks);
  };

  Labels.prototype.spot = function (item, w, h, placed, marks, blocked) {
    var first = null;
    for (var ring = 0; ring < 48; ring++) {
      var radius = 9 + ring * 7, n = ring < 2 ? 8 : 16;
      for (var k = 0; k < n; k++) {
        var order = [0, 4, 2, 6, 1, 3, 5, 7];
        var a = (n === 8 ? order[k] * 45 : k * 22.5) * DEG;
        var cx = item.x + Math.cos(a) * (radius + item.w / 2);
        var cy = item.y + Math.sin(a) * (radius + item.h / 2);
        var r = {x0: cx - item.w / 2, y0: cy - item.h / 2, x1: cx + item.w / 2,
                 y1: cy + item.h / 2};
        if (first === null) { first = r; }
        if (!inside(r, w, h, 2) || this.clash(r, placed, 3) || this.clash(r, marks, 1) ||
            this.clash(r, blocked, 3)) { continue; }
        return {rect: r, free: true};
      }
    }
    return {rect: first, free: false};
  };

  Labels.prototype.clash = function (r, rects, pad) {
    for (var i = 0; i < rects.length; i++) {
      if (hitRect(r, rects[i], pad)) { return true; }
    }
    return false;
  };

  Labels.prototype.width = function (index) {
    if (!(index in this.widths)) {
      this.measure.textContent = this.roads.names[index];
      this.widths[index] = this.measure.offsetWidth + 2;
    }
    return this.widths[index];
  };

  Labels.prototype.roadLabels = function (box, blocked) {
    var pane = this.pane;
    while (pane.firstChild) { pane.removeChild(pane.firstChild); }
    var map = this.map, opts = this.options, roads = this.roads;
    var base = opts.roadLayer ? window[opts.roadLayer] : null;
    if (map.getZoom() < opts.minZoom || (base && !map.hasLayer(base))) { return; }
    var w = box.width, h = box.height, placed = [], byName = {};
    var blockedQuads = [];
    for (var b = 0; b < blocked.length; b++) { blockedQuads.push(rectQuad(blocked[b])); }
    var pts = roads.points, scale = roads.scale;
    for (var i = 0; i < pts.length; i++) {
      var lat = pts[i][0] / scale, lon = pts[i][1] / scale, angle = pts[i][2];
      var index = pts[i][3];
      var p = map.latLngToContainerPoint([lat, lon]);
      if (p.x < -50 || p.y < -50 || p.x > w + 50 || p.y > h + 50) { continue; }
      var q = quad(p.x, p.y, this.width(index), 16, angle);
      if (!inside(aabb(q), w, h, 2)) { continue; }
      var near = false, same = byName[index] || [];
      for (var s = 0; s < same.length && !near; s++) {
        var dx = same[s][0] - p.x, dy = same[s][1] - p.y;
        near = dx * dx + dy * dy < opts.repeatPx * opts.repeatPx;
      }
      if (near) { continue; }
      var clash = false;
      for (var u = 0; u < placed.length && !clash; u++) { clash = hitQuad(q, placed[u], 2); }
      for (var v = 0; v < blockedQuads.length && !clash; v++) {
        clash = hitQuad(q, blockedQuads[v], 2);
      }
      if (clash) { continue; }
      placed.push(q);
      same.push([p.x, p.y]);
      byName[index] = same;
      var lp = map.latLngToLayerPoint([lat, lon]);
      var el = document.createElement("div");
      el.className = "tp-road-label";
      el.textContent = roads.names[index];
      el.setAttribute("data-tp-angle", angle);
      el.style.transform = "translate(" + lp.x + "px," + lp.y + "px) translate(-50%,-50%) " +
        "rotate(" + angle + "deg)";
      pane.appendChild(el);
    }
  };

  window.trafficprevLabels = function (map, roads, options) {
    return new Labels(map, roads, options);
  };
})();
"""
