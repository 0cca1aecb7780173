// A small force-directed layout: nodes repel (inverse square), links pull like springs, a weak
// pull toward the centre keeps islands on screen. O(n²) per tick, fine for the few hundred hosts
// a connections graph shows. Positions are written into the node objects (x, y, vx, vy).

export function createLayout(nodes, links, width, height) {
  const n = nodes.length;
  const cx = width / 2, cy = height / 2;
  const r0 = Math.min(width, height) / 3;
  nodes.forEach((d, i) => {
    if (d.x === undefined) {
      const a = (i / Math.max(1, n)) * Math.PI * 2 * 7.3; // spread on a spiral so nothing starts stacked
      const r = r0 * Math.sqrt((i + 0.5) / Math.max(1, n));
      d.x = cx + r * Math.cos(a); d.y = cy + r * Math.sin(a);
    }
    d.vx = 0; d.vy = 0;
  });
  const k = Math.sqrt((width * height) / Math.max(1, n)) * 0.6; // ideal spacing
  let alpha = 1;

  const far2 = (3 * k) * (3 * k); // beyond this, repulsion is negligible: skip it
  const pad = 30;

  function tick() {
    for (let i = 0; i < n; i++) {
      const a = nodes[i];
      for (let j = i + 1; j < n; j++) {
        const b = nodes[j];
        let dx = a.x - b.x, dy = a.y - b.y;
        let d2 = dx * dx + dy * dy;
        if (d2 > far2) continue;
        if (d2 < 0.01) { dx = Math.random() - 0.5; dy = Math.random() - 0.5; d2 = dx * dx + dy * dy; }
        const f = ((k * k) / d2) * 0.03 * alpha; // magnitude k²/d, along the unit vector
        a.vx += dx * f; a.vy += dy * f; b.vx -= dx * f; b.vy -= dy * f;
      }
    }
    for (const l of links) {
      const a = nodes[l.source], b = nodes[l.target];
      if (!a || !b) continue;
      const dx = b.x - a.x, dy = b.y - a.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 1;
      const f = ((d - k) / d) * 0.06 * alpha;
      a.vx += dx * f; a.vy += dy * f; b.vx -= dx * f; b.vy -= dy * f;
    }
    for (const d of nodes) {
      // Gravity keeps separate components close to the middle instead of pinned to the walls.
      d.vx += (cx - d.x) * 0.04 * alpha; d.vy += (cy - d.y) * 0.06 * alpha;
      if (d.fixed) { d.vx = 0; d.vy = 0; continue; }
      d.vx *= 0.6; d.vy *= 0.6;
      d.x = Math.min(width - pad, Math.max(pad, d.x + d.vx));
      d.y = Math.min(height - pad, Math.max(pad, d.y + d.vy));
    }
    alpha = Math.max(0.02, alpha * 0.985);
  }

  return {
    tick,
    run(ticks) { for (let i = 0; i < ticks; i++) tick(); },
    heat(a = 0.3) { alpha = Math.max(alpha, a); },
  };
}
