// The grid: one tile per camera (or avatar) and one per screen share, with name, mute
// indicator and active-speaker highlight. Tiles are keyed `identity/camera` and `identity/screen`.
import { initials } from './names.js';

export class Tiles {
  /** @type {Map<string, HTMLElement>} */
  #tiles = new Map();
  #grid;

  /** @param {HTMLElement} grid */
  constructor(grid) { this.#grid = grid; }

  /**
   * Creates or refreshes the camera tile of a participant.
   * @param {import('/sdk/confer.js').Participant} p
   */
  upsert(p) {
    const key = `${p.identity}/camera`;
    let tile = this.#tiles.get(key);
    if (!tile) {
      tile = document.createElement('div');
      tile.className = 'tile' + (p.isLocal ? ' local' : '');
      tile.dataset.identity = p.identity;
      tile.dataset.testid = 'tile';
      tile.innerHTML = '<div class="avatar"><span></span></div><div class="label"><span class="muted-mic" title="Microphone off" hidden><svg class="off" viewBox="0 0 24 24" aria-hidden="true"><rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/><path class="slash" d="M4 3l17 18"/></svg></span><span class="name"></span></div><span class="quality" hidden></span>';
      this.#tiles.set(key, tile);
      if (p.isLocal) this.#grid.prepend(tile); else this.#grid.append(tile);
    }
    const name = p.isLocal ? `${p.name} (you)` : p.name;
    /** @type {HTMLElement} */ (tile.querySelector('.name')).textContent = name;
    /** @type {HTMLElement} */ (tile.querySelector('.avatar span')).textContent = initials(p.name);
    const cam = p.getTrackPublication('camera');
    const videoOn = !!cam && !cam.isMuted && !!cam.track?.mediaStreamTrack;
    let video = tile.querySelector('video');
    if (videoOn && cam?.track) {
      if (!video || video.srcObject === null || /** @type {MediaStream} */ (video.srcObject).getVideoTracks()[0] !== cam.track.mediaStreamTrack) {
        video?.remove();
        video = /** @type {HTMLVideoElement} */ (cam.track.attach());
        tile.prepend(video);
      }
      if (video.paused) video.play().catch(() => {});
    } else if (video) {
      cam?.track?.detach(video);
      video.remove();
    }
    /** @type {HTMLElement} */ (tile.querySelector('.avatar')).hidden = videoOn;
    /** @type {HTMLElement} */ (tile.querySelector('.muted-mic')).hidden = p.isMicrophoneEnabled;
    tile.dataset.micMuted = String(!p.isMicrophoneEnabled);
    tile.dataset.camOn = String(videoOn);
    this.#layout();
  }

  /**
   * Shows or removes a participant's screen share.
   * @param {import('/sdk/confer.js').Participant} p
   */
  screen(p) {
    const key = `${p.identity}/screen`;
    const pub = p.getTrackPublication('screen_share');
    let tile = this.#tiles.get(key);
    if (!pub?.track) {
      if (tile) { tile.querySelectorAll('video').forEach((v) => v.remove()); tile.remove(); this.#tiles.delete(key); this.#layout(); }
      return;
    }
    if (!tile) {
      tile = document.createElement('div');
      tile.className = 'tile screen';
      tile.dataset.identity = p.identity;
      tile.dataset.testid = 'screen-tile';
      tile.innerHTML = '<div class="label"><span class="name"></span></div>';
      /** @type {HTMLElement} */ (tile.querySelector('.name')).textContent = p.isLocal ? 'You are presenting' : `${p.name} is presenting`;
      this.#tiles.set(key, tile);
      this.#grid.prepend(tile);
      tile.prepend(pub.track.attach());
    }
    this.#layout();
  }

  /** @param {import('/sdk/confer.js').Participant} p */
  remove(p) {
    for (const key of [`${p.identity}/camera`, `${p.identity}/screen`]) {
      const tile = this.#tiles.get(key);
      tile?.querySelectorAll('video').forEach((v) => { v.srcObject = null; });
      tile?.remove();
      this.#tiles.delete(key);
    }
    this.#layout();
  }

  /** @param {Set<string>} speaking identities */
  speakers(speaking) {
    for (const [key, tile] of this.#tiles) tile.classList.toggle('speaking', key.endsWith('/camera') && speaking.has(tile.dataset.identity ?? ''));
  }

  /** @param {string} identity @param {string} text */
  quality(identity, text) {
    const q = /** @type {HTMLElement | null} */ (this.#tiles.get(`${identity}/camera`)?.querySelector('.quality'));
    if (q) { q.textContent = text; q.hidden = !text; }
  }

  clear() {
    for (const tile of this.#tiles.values()) tile.remove();
    this.#tiles.clear();
  }

  /** Columns for a roughly square grid; a screen share spans the full first row. */
  #layout() {
    const n = this.#tiles.size;
    const wide = this.#grid.clientWidth >= this.#grid.clientHeight;
    const cols = n <= 1 ? 1 : n === 2 ? (wide ? 2 : 1) : Math.ceil(Math.sqrt(n));
    this.#grid.style.setProperty('--cols', String(cols));
    this.#grid.style.setProperty('--screen-span', String(cols));
  }
}
