// @ts-check
/** A size change is told to the server once it has held this long (a window being dragged sends one). */
const DEBOUNCE_MS = 300;

/**
 * Adaptive stream: the size at which the app shows each remote video, in device pixels — the
 * largest of the elements it is attached to, 0×0 when none is on screen (hidden, off screen,
 * detached). Watches the elements with ResizeObserver and IntersectionObserver and calls
 * `report(trackSid, width, height)` after a change has settled.
 */
export class VisibleSizes {
  #report;
  /** @type {Map<string, { elements: HTMLMediaElement[], sent: string, timer?: ReturnType<typeof setTimeout> }>} by track sid */
  #tracks = new Map();
  /** @type {WeakMap<Element, boolean>} elements seen intersecting the viewport */
  #onScreen = new WeakMap();
  /** @type {ResizeObserver | undefined} */
  #resize;
  /** @type {IntersectionObserver | undefined} */
  #intersect;

  /** @param {(trackSid: string, width: number, height: number) => void} report */
  constructor(report) {
    this.#report = report;
  }

  /**
   * The elements a video is shown in now (none: stop watching it; nothing more is told).
   * @param {string} trackSid
   * @param {HTMLMediaElement[]} elements
   */
  watch(trackSid, elements) {
    const entry = this.#tracks.get(trackSid);
    for (const el of entry?.elements ?? []) if (!elements.includes(el)) { this.#resize?.unobserve(el); this.#intersect?.unobserve(el); }
    if (!elements.length) {
      if (entry) { clearTimeout(entry.timer); this.#tracks.delete(trackSid); }
      return;
    }
    this.#resize ??= new ResizeObserver(() => this.#changed());
    this.#intersect ??= new IntersectionObserver((entries) => {
      for (const e of entries) this.#onScreen.set(e.target, e.isIntersecting);
      this.#changed();
    });
    for (const el of elements) if (!entry?.elements.includes(el)) { this.#resize.observe(el); this.#intersect.observe(el); }
    this.#tracks.set(trackSid, { elements: [...elements], sent: entry?.sent ?? '', timer: entry?.timer });
    this.#changed();
  }

  clear() {
    for (const entry of this.#tracks.values()) clearTimeout(entry.timer);
    this.#tracks.clear();
    this.#resize?.disconnect();
    this.#intersect?.disconnect();
    this.#resize = this.#intersect = undefined;
  }

  /** Every watched video: schedules a report for those whose size changed. */
  #changed() {
    for (const [trackSid, entry] of this.#tracks) {
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        if (this.#tracks.get(trackSid) !== entry) return;
        const { width, height } = this.#measure(entry.elements);
        const key = `${width}x${height}`;
        if (key === entry.sent) return;
        entry.sent = key;
        this.#report(trackSid, width, height);
      }, DEBOUNCE_MS);
    }
  }

  /** @param {HTMLMediaElement[]} elements */
  #measure(elements) {
    const scale = globalThis.devicePixelRatio || 1;
    let width = 0, height = 0;
    for (const el of elements) {
      if (!el.isConnected || this.#onScreen.get(el) === false) continue;
      const r = el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) continue;
      width = Math.max(width, Math.round(r.width * scale));
      height = Math.max(height, Math.round(r.height * scale));
    }
    return { width, height };
  }
}
