// @ts-check
// The stage: one tile per camera (or avatar) and one per screen share, keyed `identity/camera` and
// `identity/screen`. Without a share or a pin, an even grid sized for the most video (layout.js); a screen
// share or a pinned tile takes the main stage with the others in a strip. Tiles beyond a page are paged and
// hold no <video>, so nothing off screen is rendered (and an adaptive stream may stop sending it).
import { initials } from './names.js';
import { gridLayout, focusLayout, stripRects } from './layout.js';

/** @typedef {import('/sdk/confer.js').Participant} Participant */
/** @typedef {{ key: string, kind: 'camera' | 'screen', p: Participant, tile: HTMLElement }} Entry */

const MIC_OFF = '<svg class="off" viewBox="0 0 24 24" aria-hidden="true"><rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/><path class="slash" d="M4 3l17 18"/></svg>';
const BARS = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 9v6M10 5v14M14 8v8M18 11v2"/></svg>';
const PIN = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9 3h6l-1 6 4 4H6l4-4zM12 13v8"/></svg>';
const FULL = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/></svg>';

export class Tiles {
  /** @type {Map<string, Entry>} */
  #entries = new Map();
  /** Camera keys in display order (the local one first). */
  /** @type {string[]} */
  #order = [];
  /** @type {Set<string>} */
  #visible = new Set();
  #perPage = 16;
  /** Identities with a raised hand, first raised first. @type {string[]} */
  #hands = [];
  #grid;
  /** The key on the main stage by this viewer's choice, or null. */
  /** @type {string | null} */
  pinned = null;
  page = 0;
  /** Called when the pin changes (the people list shows it). */
  onChange = () => {};

  /** @param {HTMLElement} grid */
  constructor(grid) {
    this.#grid = grid;
    new ResizeObserver(() => this.#layout()).observe(grid);
    const $ = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));
    $('page-prev').onclick = () => { this.page = Math.max(0, this.page - 1); this.#layout(); };
    $('page-next').onclick = () => { this.page++; this.#layout(); };
  }

  /**
   * Creates or refreshes the camera tile of a participant.
   * @param {Participant} p
   */
  upsert(p) {
    const key = `${p.identity}/camera`;
    let e = this.#entries.get(key);
    if (!e) {
      e = this.#create(key, 'camera', p);
      e.tile.className = 'tile' + (p.isLocal ? ' local' : '');
      e.tile.dataset.testid = 'tile';
      if (p.isLocal) this.#order.unshift(key); else this.#order.push(key);
    }
    e.p = p;
    const name = p.isLocal ? `${p.name} (you)` : p.name;
    /** @type {HTMLElement} */ (e.tile.querySelector('.name')).textContent = name;
    /** @type {HTMLElement} */ (e.tile.querySelector('.avatar span')).textContent = initials(p.name);
    this.#named(e, p.isLocal ? 'yourself' : p.name);
    /** @type {HTMLElement} */ (e.tile.querySelector('.muted-mic')).hidden = p.isMicrophoneEnabled;
    e.tile.dataset.micMuted = String(!p.isMicrophoneEnabled);
    this.#hand(e);
    this.#layout();
  }

  /**
   * Shows or removes a participant's screen share.
   * @param {Participant} p
   */
  screen(p) {
    const key = `${p.identity}/screen`;
    const pub = p.getTrackPublication('screen_share');
    let e = this.#entries.get(key);
    if (!pub?.track) {
      if (e) this.#drop(key);
      this.#layout();
      return;
    }
    if (!e) {
      e = this.#create(key, 'screen', p);
      e.tile.className = 'tile screen';
      e.tile.dataset.testid = 'screen-tile';
      /** @type {HTMLElement} */ (e.tile.querySelector('.name')).textContent = p.isLocal ? 'You are presenting' : `${p.name} is presenting`;
      this.#named(e, p.isLocal ? 'your screen' : `${p.name}'s screen`);
    }
    e.p = p;
    this.#layout();
  }

  /** @param {Participant} p */
  remove(p) {
    for (const key of [`${p.identity}/camera`, `${p.identity}/screen`]) this.#drop(key);
    this.#layout();
  }

  /** @param {Set<string>} speaking identities */
  speakers(speaking) {
    let moved = false;
    for (const [key, e] of this.#entries) {
      const on = e.kind === 'camera' && speaking.has(e.p.identity) && e.p.isMicrophoneEnabled;
      e.tile.classList.toggle('speaking', on);
      /** @type {HTMLElement} */ (e.tile.querySelector('.speaking-icon')).hidden = !on;
      // In a room larger than the page, someone who starts talking comes onto the page.
      if (on && !this.#visible.has(key)) {
        this.#order.splice(this.#order.indexOf(key), 1);
        this.#order.splice(Math.min(this.#order.length, this.page * this.#perPage), 0, key);
        moved = true;
      }
    }
    if (moved) this.#layout();
  }

  /** Raised hands, in the order raised. @param {string[]} identities */
  hands(identities) {
    this.#hands = identities;
    for (const e of this.#entries.values()) this.#hand(e);
  }

  /** @param {Entry} e */
  #hand(e) {
    if (e.kind !== 'camera') return;
    const i = this.#hands.indexOf(e.p.identity);
    const hand = /** @type {HTMLElement} */ (e.tile.querySelector('.hand'));
    hand.hidden = i < 0;
    hand.textContent = i < 0 ? '' : `✋ ${i + 1}`;
    hand.setAttribute('aria-label', i < 0 ? '' : `Hand raised, number ${i + 1}`);
    e.tile.dataset.hand = i < 0 ? '' : String(i + 1);
  }

  /** An emoji floating over someone's tile for a few seconds. @param {string} identity @param {string} emoji */
  react(identity, emoji) {
    const box = this.#entries.get(`${identity}/camera`)?.tile.querySelector('.reactions');
    if (!box) return;
    const span = document.createElement('span');
    span.className = 'reaction';
    span.textContent = emoji;
    box.append(span);
    setTimeout(() => span.remove(), 4000);
  }

  /** @param {string | null} key */
  pin(key) {
    this.pinned = key && this.#entries.has(key) ? key : null;
    this.page = 0;
    this.#layout();
    this.onChange();
  }

  /** @param {string} identity @param {string} text */
  quality(identity, text) {
    const q = /** @type {HTMLElement | null} */ (this.#entries.get(`${identity}/camera`)?.tile.querySelector('.quality'));
    if (q) { q.textContent = text; q.hidden = !text; }
  }

  clear() {
    for (const key of [...this.#entries.keys()]) this.#drop(key);
    this.#visible.clear();
  }

  /** Lays the tiles out again (after the page was resized by something the observer does not see). */
  refresh() { this.#layout(); }

  /** @param {string} key @param {'camera' | 'screen'} kind @param {Participant} p @returns {Entry} */
  #create(key, kind, p) {
    const tile = document.createElement('div');
    tile.dataset.identity = p.identity;
    tile.dataset.key = key;
    tile.innerHTML = '<div class="avatar"><span></span></div>'
      + `<div class="label"><span class="speaking-icon" role="img" aria-label="Speaking" hidden>${BARS}</span>`
      + `<span class="muted-mic" role="img" aria-label="Microphone off" hidden>${MIC_OFF}</span><span class="name"></span></div>`
      + '<span class="hand" hidden></span><span class="quality" hidden></span><div class="reactions" aria-live="polite"></div>'
      + `<div class="tile-actions"><button class="pin">${PIN}</button><button class="full">${FULL}</button></div>`;
    if (kind === 'screen') tile.querySelector('.avatar')?.remove();
    const pinButton = /** @type {HTMLButtonElement} */ (tile.querySelector('.pin'));
    pinButton.onclick = () => this.pin(this.pinned === key ? null : key);
    const full = /** @type {HTMLButtonElement} */ (tile.querySelector('.full'));
    full.onclick = () => {
      if (document.fullscreenElement === tile) document.exitFullscreen().catch(() => {});
      else tile.requestFullscreen?.().catch(() => {});
    };
    const e = { key, kind, p, tile };
    this.#entries.set(key, e);
    this.#grid.append(tile);
    return e;
  }

  /** @param {Entry} e @param {string} who */
  #named(e, who) {
    const pin = /** @type {HTMLElement} */ (e.tile.querySelector('.pin'));
    const pinned = this.pinned === e.key;
    pin.setAttribute('aria-label', `${pinned ? 'Unpin' : 'Pin'} ${who}`);
    pin.title = pinned ? 'Unpin' : 'Pin to the stage';
    pin.setAttribute('aria-pressed', String(pinned));
    const full = /** @type {HTMLElement} */ (e.tile.querySelector('.full'));
    full.setAttribute('aria-label', `Full screen: ${who}`);
    full.title = 'Full screen';
  }

  /** @param {string} key */
  #drop(key) {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#detach(e);
    e.tile.remove();
    this.#entries.delete(key);
    const i = this.#order.indexOf(key);
    if (i >= 0) this.#order.splice(i, 1);
    if (this.pinned === key) { this.pinned = null; this.onChange(); }
  }

  /** @param {Entry} e */
  #aspect(e) {
    const v = e.tile.querySelector('video');
    return v && v.videoWidth > 0 && v.videoHeight > 0 ? v.videoWidth / v.videoHeight : 16 / 9;
  }

  #layout() {
    const width = this.#grid.clientWidth, height = this.#grid.clientHeight;
    const screens = [...this.#entries.values()].filter((e) => e.kind === 'screen').map((e) => e.key);
    const main = this.pinned && this.#entries.has(this.pinned) ? this.pinned : screens[0] ?? null;
    const rest = [...screens, ...this.#order].filter((k) => k !== main && this.#entries.has(k));
    const focus = main ? focusLayout(width, height) : null;
    this.#perPage = focus ? focus.capacity : width < 600 ? 6 : 16;
    const pages = Math.max(1, Math.ceil(rest.length / this.#perPage));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    const shown = rest.slice(this.page * this.#perPage, (this.page + 1) * this.#perPage);
    /** @type {Map<string, import('./layout.js').Rect>} */
    const at = new Map();
    if (focus && main) {
      at.set(main, focus.main);
      stripRects(focus, shown.length).forEach((r, i) => at.set(shown[i], r));
    } else {
      const g = gridLayout(shown.map((k) => this.#aspect(/** @type {Entry} */ (this.#entries.get(k)))), width, height);
      g.rects.forEach((r, i) => at.set(shown[i], r));
    }
    this.#visible = new Set(at.keys());
    for (const e of this.#entries.values()) {
      const r = at.get(e.key);
      e.tile.hidden = !r;
      e.tile.classList.toggle('main', e.key === main);
      e.tile.classList.toggle('pinned', e.key === this.pinned);
      if (r) Object.assign(e.tile.style, { left: `${r.x}px`, top: `${r.y}px`, width: `${r.w}px`, height: `${r.h}px` });
      this.#named(e, e.kind === 'screen' ? (e.p.isLocal ? 'your screen' : `${e.p.name}'s screen`) : e.p.isLocal ? 'yourself' : e.p.name);
      this.#syncVideo(e, !!r);
    }
    this.#grid.dataset.mode = main ? 'focus' : 'grid';
    const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
    $('pager').hidden = pages <= 1;
    $('page-label').textContent = `${this.page + 1} / ${pages}`;
    $('page-prev').disabled = this.page === 0;
    $('page-next').disabled = this.page >= pages - 1;
  }

  /** A <video> only while the tile is on screen and has live video. @param {Entry} e @param {boolean} visible */
  #syncVideo(e, visible) {
    const pub = e.p.getTrackPublication(e.kind === 'camera' ? 'camera' : 'screen_share');
    const track = pub?.track;
    const mst = track?.mediaStreamTrack ?? null;
    const on = !!mst && (e.kind === 'screen' || !pub?.isMuted);
    let video = e.tile.querySelector('video');
    if (visible && on && track) {
      if (!video || !video.srcObject || /** @type {MediaStream} */ (video.srcObject).getVideoTracks()[0] !== mst) {
        this.#detach(e);
        video = /** @type {HTMLVideoElement} */ (track.attach());
        video.addEventListener('resize', () => this.#layout());
        e.tile.prepend(video);
      }
      if (video.paused) video.play().catch(() => {});
    } else if (video) {
      this.#detach(e);
    }
    if (e.kind === 'camera') {
      /** @type {HTMLElement} */ (e.tile.querySelector('.avatar')).hidden = on && visible;
      e.tile.dataset.camOn = String(on);
    }
  }

  /** @param {Entry} e */
  #detach(e) {
    for (const v of e.tile.querySelectorAll('video')) {
      for (const pub of e.p.trackPublications.values()) { try { pub.track?.detach(v); } catch { /* not this track's */ } }
      v.srcObject = null;
      v.remove();
    }
  }
}
