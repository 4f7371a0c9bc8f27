// @ts-check
/**
 * The SDK's one event mechanism: an EventTarget whose listeners receive the event's arguments
 * directly (`room.on('trackSubscribed', (track, publication, participant) => …)`).
 */
export class Emitter extends EventTarget {
  /** @type {Map<Function, Map<string, EventListener>>} */
  #wrappers = new Map();

  /**
   * @param {string} name
   * @param {(...args: any[]) => void} fn
   * @returns {this}
   */
  on(name, fn) {
    let byName = this.#wrappers.get(fn);
    if (!byName) this.#wrappers.set(fn, byName = new Map());
    if (byName.has(name)) return this;
    /** @type {EventListener} */
    const wrapper = (ev) => fn(...(/** @type {CustomEvent} */ (ev).detail));
    byName.set(name, wrapper);
    this.addEventListener(name, wrapper);
    return this;
  }

  /**
   * @param {string} name
   * @param {(...args: any[]) => void} fn
   * @returns {this}
   */
  off(name, fn) {
    const byName = this.#wrappers.get(fn);
    const wrapper = byName?.get(name);
    if (wrapper) {
      this.removeEventListener(name, wrapper);
      byName?.delete(name);
    }
    return this;
  }

  /**
   * @param {string} name
   * @param {(...args: any[]) => void} fn
   * @returns {this}
   */
  once(name, fn) {
    const once = (/** @type {any[]} */ ...args) => { this.off(name, once); fn(...args); };
    return this.on(name, once);
  }

  /**
   * Calls every listener for `name` with `args`. A listener that throws is reported and does not
   * stop the others.
   * @param {string} name
   * @param {...any} args
   */
  emit(name, ...args) {
    this.dispatchEvent(new CustomEvent(name, { detail: args }));
  }
}
