// @ts-check
/** TEMPORARY timing probe: pushes [epoch ms, label] into globalThis.__conferTrace when a page sets it. */
/** @param {string} label */
export function trace(label) {
  const t = /** @type {any} */ (globalThis).__conferTrace;
  if (t) t.push([performance.timeOrigin + performance.now(), label]);
}
