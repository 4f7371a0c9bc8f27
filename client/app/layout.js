// @ts-check
// Stage geometry, pure: where each tile goes for the stage's size and each video's aspect ratio.
// Two shapes: a grid of equal tiles, and a focus view (one main tile, the rest in a strip).

/** @typedef {{ x: number, y: number, w: number, h: number }} Rect */

export const GAP = 10;

/**
 * The grid that shows the most video: for each column count, the cell size that fits the box, and the video
 * area every tile would show in it (a video keeps its aspect, so a cell of the wrong shape wastes area).
 * @param {number[]} aspects width/height of each tile's video
 * @param {number} width @param {number} height the box
 * @returns {{ cols: number, rows: number, rects: Rect[], area: number }}
 */
export function gridLayout(aspects, width, height) {
  const n = aspects.length;
  if (!n || width <= 0 || height <= 0) return { cols: 1, rows: 1, rects: aspects.map(() => ({ x: 0, y: 0, w: 0, h: 0 })), area: 0 };
  let best = { cols: 1, rows: n, cw: 0, ch: 0, area: -1 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cw = (width - GAP * (cols - 1)) / cols, ch = (height - GAP * (rows - 1)) / rows;
    if (cw <= 0 || ch <= 0) continue;
    let area = 0;
    for (const a of aspects) area += Math.min(cw, ch * a) * Math.min(ch, cw / a);
    if (area > best.area * 1.001) best = { cols, rows, cw, ch, area };
  }
  // Cells hug the typical video shape; a video of another shape letterboxes inside its tile.
  const a = median(aspects);
  const w = Math.min(best.cw, best.ch * a), h = Math.min(best.ch, best.cw / a);
  const top = (height - (best.rows * h + (best.rows - 1) * GAP)) / 2;
  /** @type {Rect[]} */
  const rects = [];
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / best.cols), col = i % best.cols;
    const inRow = Math.min(best.cols, n - row * best.cols);
    const left = (width - (inRow * w + (inRow - 1) * GAP)) / 2;
    rects.push({ x: left + col * (w + GAP), y: top + row * (h + GAP), w, h });
  }
  return { cols: best.cols, rows: best.rows, rects, area: best.area };
}

/**
 * One main tile (a screen share or a pinned person) filling most of the box, the others in a strip beside it
 * (landscape) or below it (portrait).
 * @param {number} width @param {number} height
 * @returns {{ main: Rect, strip: Rect, side: boolean, tile: { w: number, h: number }, capacity: number }}
 */
export function focusLayout(width, height) {
  const side = width >= height * 1.2;
  const thickness = side ? clamp(width * 0.18, 140, 260) : clamp(height * 0.18, 80, 160);
  const tile = side ? { w: thickness, h: thickness * 9 / 16 } : { w: thickness * 16 / 9, h: thickness };
  const along = side ? height : width;
  const capacity = Math.max(1, Math.floor((along + GAP) / ((side ? tile.h : tile.w) + GAP)));
  const main = side ? { x: 0, y: 0, w: width - thickness - GAP, h: height } : { x: 0, y: 0, w: width, h: height - thickness - GAP };
  const strip = side ? { x: width - thickness, y: 0, w: thickness, h: height } : { x: 0, y: height - thickness, w: width, h: thickness };
  return { main, strip, side, tile, capacity };
}

/**
 * Positions of `count` strip tiles, centred along the strip.
 * @param {{ strip: Rect, side: boolean, tile: { w: number, h: number } }} f @param {number} count
 * @returns {Rect[]}
 */
export function stripRects(f, count) {
  const step = (f.side ? f.tile.h : f.tile.w) + GAP;
  const used = count * step - GAP;
  const start = ((f.side ? f.strip.h : f.strip.w) - used) / 2;
  const rects = [];
  for (let i = 0; i < count; i++) {
    rects.push(f.side
      ? { x: f.strip.x, y: f.strip.y + Math.max(0, start) + i * step, w: f.tile.w, h: f.tile.h }
      : { x: f.strip.x + Math.max(0, start) + i * step, y: f.strip.y, w: f.tile.w, h: f.tile.h });
  }
  return rects;
}

/** @param {number[]} xs */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] || 16 / 9;
}

/** @param {number} v @param {number} lo @param {number} hi */
function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
