// @ts-check
import { IceWatch } from './iceWatch.js';

/**
 * How long each restart gets to bring both connections back before the next one, by attempt (backoff). The server
 * keeps answering its old ICE credentials for 10 s after a restart (docs/protocol.md, "ICE restart"), so a restart
 * that comes too soon does no harm; one that never comes leaves the call dead.
 */
const RETRY_AFTER_MS = [2000, 3000, 5000, 8000, 8000, 8000];
/** Attempts in a row (without both connections coming back in between) before giving up until the network changes. */
const MAX_ATTEMPTS = RETRY_AFTER_MS.length;

/**
 * ICE restarts of the two connections to Confer's SFU (RFC 8445 §9). When either connection's path is dead (see
 * IceWatch: `failed`, `disconnected` for a moment, or steady packets gone silent), both restart, since they share the
 * network: the publisher connection re-offers with new credentials (a `publisherOffer`), the subscriber connection
 * asks the server for a re-offer (`restartIce` → `subscriberOffer`). Until both are connected again, a new attempt
 * follows after RETRY_AFTER_MS (growing), at most MAX_ATTEMPTS in a row. After the signaling session was resumed
 * (the WebSocket may have died with the path) a connection that is not up restarts at once, with a fresh count.
 * @internal
 */
export class SfuRestarts {
  #publisher;
  #subscriber;
  #reoffer;
  #askReoffer;
  #dead;
  /** @type {Map<RTCPeerConnection, IceWatch>} */
  #watches = new Map();
  #attempts = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retry;
  #closed = false;
  /** ICE restarts done (both connections count as one). */
  count = 0;

  /**
   * @param {{ publisher: () => RTCPeerConnection | undefined, subscriber: () => RTCPeerConnection | undefined,
   *           reoffer: () => void, askReoffer: () => void, dead: () => void }} how `reoffer` sends the publisher
   *   connection's next offer (a publisherOffer, now or after the answer under way); `askReoffer` sends `restartIce`;
   *   `dead` is told first of each attempt (the signaling socket is checked: it may have died with the path)
   */
  constructor({ publisher, subscriber, reoffer, askReoffer, dead }) {
    this.#dead = dead;
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#reoffer = reoffer;
    this.#askReoffer = askReoffer;
  }

  /**
   * Starts watching a new connection.
   * @param {RTCPeerConnection} pc
   * @param {() => boolean} expecting whether packets should keep arriving on it (media, or RTCP for what we send)
   */
  watch(pc, expecting) {
    const watch = new IceWatch(pc, (why) => this.restart(why), expecting);
    this.#watches.set(pc, watch);
    const changed = () => {
      if (this.#closed || this.#watches.get(pc) !== watch) return;
      watch.stateChanged();
      if (this.#allUp()) this.#settled();
    };
    pc.addEventListener('iceconnectionstatechange', changed);
    pc.addEventListener('connectionstatechange', changed);
  }

  /**
   * A getStats report of one of the connections (the engine samples every 500 ms).
   * @param {RTCPeerConnection} pc
   * @param {RTCStatsReport} report
   */
  noteStats(pc, report) {
    this.#watches.get(pc)?.noteStats(report);
  }

  /**
   * Restarts ICE on both connections now, unless an attempt is already under way (its retry follows).
   * @param {string} why
   */
  restart(why) {
    if (this.#closed || this.#retry !== undefined) return;
    this.#attempt(why);
  }

  /** The signaling session was resumed: what went into the dead socket was lost, and the network may be back. */
  resumed() {
    if (this.#closed) return;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#attempts = 0;
    if (!this.#allUp()) this.#attempt('signaling resumed', false);
  }

  close() {
    this.#closed = true;
    clearTimeout(this.#retry);
    for (const w of this.#watches.values()) w.close();
    this.#watches.clear();
  }

  /** @param {string} why @param {boolean} [suspect] whether the signaling socket is suspect too (not a fresh one) */
  #attempt(why, suspect = true) {
    if (this.#attempts >= MAX_ATTEMPTS) return;
    const wait = RETRY_AFTER_MS[this.#attempts++];
    this.count++;
    console.debug(`confer: SFU path dead (${why}); ICE restart ${this.#attempts}/${MAX_ATTEMPTS}`);
    if (suspect) this.#dead();
    const pub = this.#publisher(), sub = this.#subscriber();
    if (pub?.remoteDescription) {
      pub.restartIce(); // the next offer has new credentials
      this.#reoffer();
    }
    // Before the first subscriber offer there is nothing to restart (and the server would refuse `restartIce`).
    if (sub?.remoteDescription) this.#askReoffer();
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#closed && !this.#allUp()) this.#attempt('still not connected');
    }, wait);
  }

  /** Both connections are up again: the next outage starts a fresh series of attempts. */
  #settled() {
    this.#attempts = 0;
    clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #allUp() {
    const pcs = [this.#publisher(), this.#subscriber()].filter((pc) => pc !== undefined);
    return pcs.length > 0 && pcs.every((pc) => pc.connectionState === 'connected'
      && (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') && !this.#watches.get(pc)?.silent);
  }
}
