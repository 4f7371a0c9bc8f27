// @ts-check

/**
 * How long a `disconnected` ICE state may last before we restart ICE. Chromium says `disconnected` after
 * about 2.5 s without an answer to its checks, so the restart starts some 3.5 s into an outage: its new
 * candidates (a new address, another interface) are ready when the network is back, and the old pair
 * still carries the media if it comes back first.
 */
const DISCONNECTED_RESTART_MS = 1000;
/**
 * How long a connected path that should carry packets to us may bring nothing (no byte on the selected
 * candidate pair) before we restart ICE. Audio alone sends some 50 packets a second, so this is a dead
 * path, not a quiet one; Chromium itself keeps such a path `connected` for 5 s and more.
 */
const SILENCE_RESTART_MS = 2000;
/** Growth at most this far apart counts as a steady flow (the engines sample every 500 ms). */
const STEADY_GAP_MS = 1200;
/**
 * Growth at this many samples in a row counts as a steady flow too, however far apart the samples came: a page starved
 * of CPU samples late, and consent checks alone (seconds apart) never grow three samples running.
 */
const STEADY_STREAK = 3;
/** After a restart for silence, the next one waits at least this long (the first must have its chance). */
const SILENCE_RESTART_GAP_MS = 8000;

/**
 * Watches one RTCPeerConnection for a dead path and asks for an ICE restart (RFC 8445 §9) when it finds one:
 * ICE `failed`, `disconnected` for DISCONNECTED_RESTART_MS, or — sampled from getStats by the engine — a selected
 * candidate pair that was bringing bytes steadily and went silent for SILENCE_RESTART_MS while packets should
 * arrive. How to restart is the owner's business (PeerConnection.js restarts a browser-to-browser connection;
 * SfuEngine.js re-offers its publisher connection and asks the server to re-offer its subscriber connection).
 * @internal
 */
export class IceWatch {
  #pc;
  #restart;
  #expecting;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer;
  #closed = false;
  /** Bytes received on the selected pair at the last stats sample, and when they last grew (performance.now()). */
  #heard = { bytes: -1, at: 0, gap: Infinity, streak: 0, running: false, restartedAt: -Infinity };

  /**
   * @param {RTCPeerConnection} pc
   * @param {(why: string) => void} restart called when the path is dead
   * @param {() => boolean} expecting whether packets should keep arriving on this connection now
   */
  constructor(pc, restart, expecting) {
    this.#pc = pc;
    this.#restart = restart;
    this.#expecting = expecting;
  }

  /** The connection's ICE or connection state changed: `failed` restarts at once, `disconnected` after a moment. */
  stateChanged() {
    if (this.#closed) return;
    const pc = this.#pc;
    clearTimeout(this.#timer);
    if (pc.iceConnectionState === 'failed' || pc.connectionState === 'failed') {
      this.#restart('failed');
    } else if (pc.iceConnectionState === 'disconnected') {
      this.#timer = setTimeout(() => {
        if (!this.#closed && pc.iceConnectionState === 'disconnected') this.#restart('disconnected');
      }, DISCONNECTED_RESTART_MS);
    }
  }

  /**
   * Looks at a getStats report of the connection: when the selected pair has brought no byte for SILENCE_RESTART_MS
   * although packets should arrive, the path is dead (a link down, an address gone) and ICE restarts at once, before
   * Chromium says `disconnected`. If the old path comes back first, it carries the media meanwhile.
   * @param {RTCStatsReport} report
   */
  noteStats(report) {
    if (this.#closed) return;
    let bytes = -1;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) {
        const pair = report.get(s.selectedCandidatePairId);
        if (pair) bytes = Math.max(bytes, pair.bytesReceived ?? 0);
      }
    });
    const now = performance.now();
    const heard = this.#heard;
    if (bytes < 0 || bytes !== heard.bytes) {
      heard.gap = bytes >= 0 && heard.bytes >= 0 ? now - heard.at : Infinity;
      heard.streak = bytes < 0 || heard.bytes < 0 ? 0 : heard.running ? heard.streak + 1 : 1;
      heard.running = true;
      heard.bytes = bytes;
      heard.at = now;
      return;
    }
    // Only a flow that was steady (bytes at every sample) and stopped: an idle path hears consent checks alone, seconds apart.
    heard.running = false; // a sample without growth ends the run
    if (!this.#steady()) return;
    if (now - heard.at < SILENCE_RESTART_MS || now - heard.restartedAt < SILENCE_RESTART_GAP_MS) return;
    if (!this.#expecting() || this.#pc.signalingState !== 'stable') return; // a negotiation under way brings new ICE anyway
    heard.restartedAt = now;
    this.#restart(`nothing received for ${Math.round(now - heard.at)} ms`);
  }

  /** True while a flow that was steady has brought nothing for SILENCE_RESTART_MS (as of the last sample). */
  get silent() {
    const heard = this.#heard;
    return heard.bytes >= 0 && this.#steady() && performance.now() - heard.at >= SILENCE_RESTART_MS && this.#expecting();
  }

  /** Whether the flow was steady up to its last growth: growth close together, or at several samples in a row. */
  #steady() {
    return this.#heard.gap <= STEADY_GAP_MS || this.#heard.streak >= STEADY_STREAK;
  }

  close() {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}

/**
 * True when the connection has a transceiver that receives (media should arrive).
 * @param {RTCPeerConnection} pc
 */
export function receivesMedia(pc) {
  return pc.getTransceivers().some((t) => t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv');
}
