// @ts-check
import { VisibleSizes } from './visibleSizes.js';
import { SfuHints } from './sfuHints.js';
import { receivesMedia } from './iceWatch.js';
import { SfuRestarts } from './sfuRestarts.js';
import { sfuIceServers } from './sfuIceServers.js';
import { sampleSfu } from './sfuSample.js';

/** @typedef {import('./MediaEngine.js').MediaEngine} MediaEngine */
/** @typedef {import('./MediaEngine.js').EngineHost} EngineHost */
/** @typedef {import('./MediaEngine.js').EngineInit} EngineInit */
/** @typedef {import('./MediaEngine.js').LocalMedia} LocalMedia */

const STATS_INTERVAL_MS = 500;
/** Camera simulcast (docs/protocol.md, "Through Confer's SFU"): quarter, half and full resolution. */
const CAMERA_LAYERS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/**
 * Media through Confer's SFU (protocol 2): one publisher connection that offers our tracks to the
 * server (cameras as three simulcast layers) and one subscriber connection that answers the
 * server's offers of everyone else's tracks. No connection goes to another browser. Knows
 * participants only by sid and reports to the Room through its EngineHost (engine/MediaEngine.js).
 *
 * The server is ICE-lite with its candidates in its SDP: no `candidate` frames either way. A dead path restarts
 * ICE on both connections (sfuRestarts.js), also after the signaling session was resumed.
 * @implements {MediaEngine}
 */
export class SfuEngine {
  /** @type {EngineHost | undefined} */
  #host;
  /** @type {RTCIceServer[]} */
  #iceServers = [];
  /** @type {RTCConfiguration} */
  #rtcConfig = {};
  #receive = true;
  #stopped = true;
  /** @type {RTCPeerConnection | undefined} */
  #pub;
  /** @type {RTCPeerConnection | undefined} */
  #sub;
  /** @type {Map<string, { media: LocalMedia, transceiver: RTCRtpTransceiver }>} by track sid */
  #published = new Map();
  /** True while a publisher offer waits for its answer; `#again` asks for one more after it. */
  #negotiating = false;
  #again = false;
  /** @type {Map<string, { participantSid: string, trackSid: string }>} by subscriber mid */
  #mids = new Map();
  /** @type {Set<string>} sids of the people here */
  #people = new Set();
  /** @type {Promise<void>} subscriber offers are applied one at a time, in order */
  #subChain = Promise.resolve();
  /** @type {any} the newest subscriber offer: the server waits for the answer to that one only (a newer replaces an older) */
  #newestOffer = null;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer;
  /** @type {Map<string, { stats?: any, totals?: any, energy?: { energy: number, duration: number } }>} by sid; '' is our microphone */
  #samples = new Map();
  /** @type {VisibleSizes} */
  #sizes = new VisibleSizes((trackSid, width, height) => this.#send('updateSubscription', { trackSid, subscribed: true, width, height }));
  #hints = new SfuHints(); // speakers and dynacast, as the server says them
  /** The last publisherOffer sent: sent again after a resume while it waits for its answer (the socket may have eaten it). */
  #lastOffer = '';
  #ice = this.#restarter();
  counters = { publisherOffers: 0, subscriberOffers: 0, errors: 0 };

  /**
   * @param {EngineHost} host
   * @param {EngineInit} init
   */
  start(host, init) {
    this.#host = host;
    this.#rtcConfig = init.rtcConfig ?? {};
    this.#stopped = false;
    this.#init(init);
    this.#timer = setInterval(() => { this.#sample().catch(() => {}); }, STATS_INTERVAL_MS);
  }

  /** @param {EngineInit} init */
  restart(init) {
    this.#closeConnections();
    this.#published.clear();
    this.#samples.clear();
    this.#hints.clear();
    this.#init(init);
  }

  /**
   * The signaling session was resumed: both connections are untouched (the server kept them), but a path that died
   * with the socket restarts ICE.
   * @param {RTCIceServer[] | undefined} iceServers
   */
  resume(iceServers) {
    if (iceServers) this.#iceServers = iceServers;
    if (this.#stopped) return; // below: an offer still waiting for its answer went into the dead socket
    if (this.#pub?.signalingState === 'have-local-offer' && this.#lastOffer) this.#send('publisherOffer', { sdp: this.#lastOffer });
    this.#ice.resumed();
  }

  close() {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#closeConnections();
    this.#sizes.clear();
  }

  /** @param {string} sid */
  participantJoined(sid) {
    this.#people.add(sid);
    const state = this.#sub?.connectionState;
    if (state && state !== 'new') this.#host?.connectionStateChanged(sid, state);
  }

  /** @param {string} sid */
  participantLeft(sid) {
    this.#people.delete(sid);
    this.#samples.delete(sid);
  }

  /** The SFU sends no `offer`, `answer` or `candidate` frames: protocol 2 has its own (see `serverFrame`). */
  signal() {}

  /**
   * A protocol-2 frame from the server: `publisherAnswer`, `subscriberOffer`, `speakersChanged` or `publishedLayers`.
   * @param {any} frame
   */
  serverFrame(frame) {
    if (this.#stopped) return;
    if (frame.type === 'speakersChanged') this.#hints.speakers(frame);
    else if (frame.type === 'publishedLayers') this.#hints.layers(frame, (sid) => this.#published.get(sid)?.transceiver.sender);
    else if (frame.type === 'publisherAnswer') this.#onPublisherAnswer(frame.sdp).catch((e) => this.#warn('publisher answer', e));
    else if (frame.type === 'subscriberOffer') {
      this.#newestOffer = frame;
      this.#subChain = this.#subChain.then(() => this.#onSubscriberOffer(frame)).catch((e) => this.#warn('subscriber offer', e));
    }
  }

  /** @param {LocalMedia} media */
  publicationAdded(media) {
    if (this.#published.has(media.trackSid)) return;
    const pc = this.#publisher();
    const camera = media.kind === 'video' && media.source === 'camera';
    const transceiver = pc.addTransceiver(media.track ?? media.kind, {
      direction: 'sendonly', streams: [media.stream],
      ...(camera ? { sendEncodings: CAMERA_LAYERS.map((l) => ({ ...l })) } : {}),
    });
    this.#published.set(media.trackSid, { media: { ...media }, transceiver });
    this.#negotiate();
  }

  /** @param {string} trackSid */
  publicationRemoved(trackSid) {
    const mine = this.#published.get(trackSid);
    if (!mine) return;
    this.#published.delete(trackSid);
    this.#hints.forget(trackSid);
    mine.transceiver.sender.replaceTrack(null).catch(() => {});
    mine.transceiver.direction = 'inactive';
    this.#negotiate();
  }

  /** @param {string} trackSid @param {MediaStreamTrack | null} track */
  async publicationReplaced(trackSid, track) {
    const mine = this.#published.get(trackSid);
    if (!mine) return;
    mine.media.track = track;
    await mine.transceiver.sender.replaceTrack(track);
  }

  /**
   * A muted track travels as it is (disabled, or none while the camera is off).
   * @param {string} trackSid
   * @param {boolean} muted
   */
  publicationMuted(trackSid, muted) {
    const mine = this.#published.get(trackSid);
    if (mine) mine.media.muted = muted;
  }

  /** No data channel to the SFU: the Room sends data through the signaling server. */
  sendData() { return false; }

  /**
   * The app shows one of their videos in these elements: the server is told the size (adaptive stream).
   * @param {string} trackSid
   * @param {HTMLMediaElement[]} elements
   */
  videoElements(trackSid, elements) {
    this.#sizes.watch(trackSid, elements);
  }

  /** The subscriber connection carries everything from everyone: its statistics. @param {string} sid */
  async getStats(sid) {
    return this.#people.has(sid) && this.#sub ? this.#sub.getStats() : null;
  }

  /** Both connections, and which mid carries whose track. */
  describe() {
    /** @param {RTCPeerConnection | undefined} pc */
    const show = (pc) => pc && ({
      pc: pc.connectionState, ice: pc.iceConnectionState, sig: pc.signalingState,
      transceivers: pc.getTransceivers().map((t) => `${t.mid}:${t.direction}/${t.currentDirection}`),
    });
    /** @type {Record<string, unknown>} */
    const out = { topology: 'sfu', publisher: show(this.#pub), subscriber: show(this.#sub), iceRestarts: this.#ice.count,
      counters: { ...this.counters, layerUpdates: this.#hints.layerUpdates }, layers: this.#hints.describe() };
    for (const sid of this.#people) {
      out[sid] = { topology: 'sfu', pc: this.#sub?.connectionState ?? 'new',
        mids: [...this.#mids].filter(([, v]) => v.participantSid === sid).map(([mid, v]) => `${mid}:${v.trackSid}`) };
    }
    return out;
  }

  /** @param {EngineInit} init */
  #init(init) {
    this.#iceServers = init.iceServers;
    this.#receive = init.canSubscribe !== false;
  }

  /** @param {string} type @param {Record<string, unknown>} fields */
  #send(type, fields) {
    if (!this.#stopped) this.#host?.sendSignal(/** @type {any} */ (type), fields);
  }

  /** @param {string} what @param {unknown} e */
  #warn(what, e) {
    this.counters.errors++;
    if (!this.#stopped) console.warn(`confer: SFU ${what} failed`, e);
  }

  #closeConnections() {
    this.#ice.close();
    this.#ice = this.#restarter();
    this.#lastOffer = '';
    this.#pub?.close();
    this.#sub?.close();
    this.#pub = this.#sub = undefined;
    this.#mids.clear();
    this.#negotiating = this.#again = false;
    this.#subChain = Promise.resolve();
    this.#newestOffer = null;
  }

  /** @returns {RTCConfiguration} */
  #config() {
    const extra = this.#rtcConfig;
    return { bundlePolicy: 'max-bundle', ...extra, iceServers: extra.iceServers ?? sfuIceServers(this.#iceServers) };
  }

  #publisher() {
    if (this.#pub) return this.#pub;
    const pc = this.#pub = new RTCPeerConnection(this.#config());
    this.#ice.watch(pc, () => this.#published.size > 0); // what we send brings RTCP back
    return pc;
  }

  /** ICE restarts of both connections (sfuRestarts.js): a re-offer with new credentials, and a server re-offer. */
  #restarter() {
    return new SfuRestarts({ publisher: () => this.#pub, subscriber: () => this.#sub,
      reoffer: () => this.#negotiate(), askReoffer: () => this.#send('restartIce', {}), dead: () => this.#host?.pathDead?.() });
  }

  /** Offers the publisher connection's tracks once; asked again while an offer is out, it offers once more after its answer. */
  #negotiate() {
    if (this.#negotiating) { this.#again = true; return; }
    this.#negotiating = true;
    this.#again = false;
    const pc = this.#publisher();
    (async () => {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      let sdp = pc.localDescription?.sdp ?? '';
      // msid stream id = the track's sid, as the server announces it (docs/protocol.md).
      for (const { media } of this.#published.values()) sdp = sdp.split(media.stream.id).join(media.trackSid);
      this.counters.publisherOffers++;
      this.#lastOffer = sdp;
      this.#send('publisherOffer', { sdp });
    })().catch((e) => { this.#negotiating = false; this.#warn('publisher offer', e); });
  }

  /** @param {string} sdp */
  async #onPublisherAnswer(sdp) {
    const pc = this.#pub;
    if (!pc || pc.signalingState !== 'have-local-offer') return;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    this.#negotiating = false;
    if (this.#again) this.#negotiate();
  }

  /** @param {any} frame subscriberOffer */
  async #onSubscriberOffer(frame) {
    if (this.#stopped) return;
    let pc = this.#sub;
    if (!pc) {
      pc = this.#sub = new RTCPeerConnection(this.#config());
      const sub = pc;
      sub.addEventListener('track', (ev) => this.#onTrack(sub, ev));
      this.#ice.watch(sub, () => receivesMedia(sub));
      sub.addEventListener('connectionstatechange', () => {
        if (sub !== this.#sub) return;
        for (const sid of this.#people) this.#host?.connectionStateChanged(sid, sub.connectionState);
      });
    }
    this.counters.subscriberOffers++;
    /** @type {Map<string, { participantSid: string, trackSid: string }>} */
    const mids = new Map();
    for (const t of frame.tracks ?? []) mids.set(String(t.mid), { participantSid: t.participantSid, trackSid: t.trackSid });
    const before = new Map(this.#mids);
    this.#mids = mids;
    await pc.setRemoteDescription({ type: 'offer', sdp: frame.sdp });
    if (!this.#receive) for (const t of pc.getTransceivers()) if (t.direction !== 'stopped') t.direction = 'inactive';
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (pc !== this.#sub) return;
    // A newer offer came while this one was applied: the server waits for the answer to that one, which follows.
    if (frame === this.#newestOffer) this.#send('subscriberAnswer', { sdp: pc.localDescription?.sdp ?? answer.sdp });
    // Tracks no longer offered ended; those whose mid now carries another track did too.
    for (const [mid, was] of before) {
      const now = mids.get(mid);
      if (!now || now.trackSid !== was.trackSid) {
        this.#sizes.watch(was.trackSid, []);
        this.#host?.trackEnded(was.participantSid, was.trackSid);
      }
    }
    // A recycled mid fires no new `track` event: report what it carries now.
    for (const t of pc.getTransceivers()) {
      const now = t.mid !== null ? mids.get(t.mid) : undefined;
      const was = t.mid !== null ? before.get(t.mid) : undefined;
      if (now && was && now.trackSid !== was.trackSid && t.receiver.track) this.#host?.trackArrived(now.participantSid, now.trackSid, t.receiver.track, t.receiver);
    }
  }

  /**
   * @param {RTCPeerConnection} pc
   * @param {RTCTrackEvent} ev
   */
  #onTrack(pc, ev) {
    if (pc !== this.#sub) return;
    const mid = ev.transceiver.mid;
    const who = mid !== null ? this.#mids.get(mid) : undefined;
    if (who) this.#host?.trackArrived(who.participantSid, who.trackSid, ev.track, ev.receiver);
  }

  /** A statistics round (sfuSample.js): read after the awaits, so a restart or a new offer meanwhile is seen. */
  async #sample() {
    const sample = await sampleSfu({
      sub: this.#sub, pub: this.#pub, mids: () => this.#mids, people: this.#people, samples: this.#samples,
      level: (sid, level) => this.#hints.level(sid, level), noteStats: (pc, report) => this.#ice.noteStats(pc, report),
      stopped: () => this.#stopped,
    });
    if (sample) this.#host?.sampled(sample);
  }
}
