// @ts-check
import { Participant } from './Participant.js';
import { LocalTrack } from './Track.js';
import { LocalTrackPublication } from './TrackPublication.js';
import { ConferError, deviceError } from './ConferError.js';
import { TrackSource } from './events.js';
import { toPayload, toChannelMessage } from './data.js';

/**
 * What the Room lends the local participant. The participant captures devices and asks; the Room
 * changes the state (publications, mute, tracks), tells the media engine and the server, and emits.
 * @typedef {Object} LocalParticipantHost
 * @property {(fields: Record<string, unknown>) => Promise<any>} requestPublish sends publishTrack, resolves with TrackInfo
 * @property {(pubs: LocalTrackPublication[]) => void} published new publications: add, send, emit localTrackPublished
 * @property {(pub: LocalTrackPublication) => void} unpublished remove, stop, tell the server, emit localTrackUnpublished
 * @property {(pub: LocalTrackPublication, track: MediaStreamTrack | null) => Promise<void>} replaceTrack
 *   a new browser track for a publication (null: camera off), sent from now on
 * @property {(pub: LocalTrackPublication, muted: boolean) => void} setMuted mute or unmute: tell the server, emit
 * @property {(type: string, fields: Record<string, unknown>) => void} send a signaling frame
 * @property {(bytes: Uint8Array, reliable: boolean, identities: string[] | undefined) => { reached: number, rest: string[] }} sendData
 *   sends straight to the others (media engine); says who could not be reached that way
 * @property {() => boolean} connected
 */

/**
 * @typedef {Object} DeviceOptions
 * @property {string} [deviceId]
 * @property {MediaTrackConstraints} [constraints]
 */

const DEFAULT_VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
const DEFAULT_AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** Ourselves: publish camera, microphone and screen, send data and chat. */
export class LocalParticipant extends Participant {
  /** @type {LocalParticipantHost} */
  #host;

  /**
   * @param {any} info ParticipantInfo
   * @param {LocalParticipantHost} host the Room
   */
  constructor(info, host) {
    super(info);
    this.#host = host;
  }

  get isLocal() { return true; }

  /** @returns {Map<string, LocalTrackPublication>} */
  get trackPublications() { return /** @type {any} */ (super.trackPublications); }

  /**
   * @param {string} source
   * @returns {LocalTrackPublication | undefined}
   */
  getTrackPublication(source) { return /** @type {any} */ (super.getTrackPublication(source)); }

  /**
   * Turns on camera and microphone with one permission prompt and publishes both. When only one
   * of them can be had (no camera, camera denied) the other is still published and the promise
   * rejects with a ConferError saying what is missing, so the app can explain it.
   * @param {{ video?: DeviceOptions, audio?: DeviceOptions }} [options]
   */
  async enableCameraAndMicrophone(options = {}) {
    const video = videoConstraints(options.video);
    const audio = audioConstraints(options.audio);
    /** @type {MediaStream | undefined} */
    let stream;
    /** @type {unknown} */
    let firstError;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video, audio });
    } catch (e) {
      firstError = e;
    }
    if (stream) {
      // Both publish requests at once, and both tracks to the media engine together: one
      // negotiation carries camera and microphone.
      await this.#publishAll(stream.getTracks().map((t) => ({ mst: t, source: t.kind === 'video' ? TrackSource.Camera : TrackSource.Microphone })));
      return;
    }
    // One of the two failed; get what we can, one by one.
    const results = await Promise.allSettled([this.setMicrophoneEnabled(true, options.audio), this.setCameraEnabled(true, options.video)]);
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length === 2) throw deviceError(firstError);
    if (failed.length === 1) {
      const which = results[0].status === 'rejected' ? 'microphone' : 'camera';
      const err = /** @type {PromiseRejectedResult} */ (failed[0]).reason;
      throw new ConferError(err?.code ?? 'device_error', `Joined without ${which}: ${err?.message ?? err}`, { cause: err });
    }
  }

  /**
   * Turns the camera on (publishing it the first time) or off (the camera light goes off and
   * others see the track muted).
   * @param {boolean} enabled
   * @param {DeviceOptions} [options]
   */
  async setCameraEnabled(enabled, options) {
    const pub = this.getTrackPublication(TrackSource.Camera);
    if (!enabled) {
      if (!pub) return;
      pub.track.stop();
      await this.#host.replaceTrack(pub, null);
      this.#host.setMuted(pub, true);
      return;
    }
    const live = pub?.track.mediaStreamTrack?.readyState === 'live';
    if (pub && live && !options?.deviceId) { this.#host.setMuted(pub, false); return; }
    await this.#captureAndPublish(pub, 'video', videoConstraints(options), TrackSource.Camera);
  }

  /**
   * Unmutes (publishing the microphone the first time) or mutes the microphone.
   * @param {boolean} enabled
   * @param {DeviceOptions} [options]
   */
  async setMicrophoneEnabled(enabled, options) {
    const pub = this.getTrackPublication(TrackSource.Microphone);
    if (!enabled) {
      if (!pub) return;
      const mst = pub.track.mediaStreamTrack;
      if (mst) mst.enabled = false;
      this.#host.setMuted(pub, true);
      return;
    }
    const live = pub?.track.mediaStreamTrack?.readyState === 'live';
    if (pub && live && !options?.deviceId) {
      const mst = pub.track.mediaStreamTrack;
      if (mst) mst.enabled = true;
      this.#host.setMuted(pub, false);
      return;
    }
    await this.#captureAndPublish(pub, 'audio', audioConstraints(options), TrackSource.Microphone);
  }

  /**
   * Captures a fresh device track: swapped into the existing publication (unmuted), or published.
   * @param {LocalTrackPublication | undefined} pub
   * @param {'audio'|'video'} kind
   * @param {MediaTrackConstraints} constraints
   * @param {string} source
   */
  async #captureAndPublish(pub, kind, constraints, source) {
    const mst = await capture(kind, constraints);
    if (pub) {
      pub.track.stop();
      await this.#host.replaceTrack(pub, mst);
      this.#host.setMuted(pub, false);
    } else {
      await this.publishTrack(mst, { source });
    }
  }

  /**
   * Starts or stops sharing the screen (a window, a tab or the whole screen, as the person picks).
   * The share arrives at the others as a second video track (plus its audio when there is any).
   * @param {boolean} enabled
   * @param {DisplayMediaStreamOptions} [options]
   */
  async setScreenShareEnabled(enabled, options) {
    const pubs = [TrackSource.ScreenShare, TrackSource.ScreenShareAudio].map((s) => this.getTrackPublication(s)).filter((p) => !!p);
    if (!enabled) {
      for (const p of pubs) await this.unpublishTrack(/** @type {LocalTrackPublication} */ (p));
      return;
    }
    if (pubs.length) return;
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia(options ?? { video: { frameRate: { ideal: 15 } }, audio: false });
    } catch (e) {
      throw deviceError(e);
    }
    for (const t of stream.getTracks()) {
      const source = t.kind === 'video' ? TrackSource.ScreenShare : TrackSource.ScreenShareAudio;
      const pub = await this.publishTrack(t, { source });
      // The browser's own "Stop sharing" button ends the track.
      t.addEventListener('ended', () => { this.unpublishTrack(pub); });
    }
  }

  /**
   * Publishes any browser track (e.g. the one the pre-join preview already opened) to everyone.
   * @param {MediaStreamTrack} mediaStreamTrack
   * @param {{ source?: string, name?: string }} [options]
   * @returns {Promise<LocalTrackPublication>}
   */
  async publishTrack(mediaStreamTrack, options = {}) {
    if (!(mediaStreamTrack instanceof MediaStreamTrack)) throw new ConferError('invalid_argument', 'publishTrack needs a MediaStreamTrack.');
    const [pub] = await this.#publishAll([{ mst: mediaStreamTrack, source: options.source, name: options.name }]);
    return pub;
  }

  /**
   * Asks the server for every track at once, then hands them to the Room (and its media engine) in
   * one go (one negotiation). Rejects with the first refusal after publishing the others.
   * @param {{ mst: MediaStreamTrack, source?: string, name?: string }[]} items
   */
  async #publishAll(items) {
    const prepared = items.map(({ mst, source, name }) => {
      const kind = /** @type {'audio'|'video'} */ (mst.kind);
      return { mst, kind, source: source ?? (kind === 'video' ? TrackSource.Camera : TrackSource.Microphone), name, stream: new MediaStream([mst]) };
    });
    const results = await Promise.allSettled(prepared.map(({ mst, kind, source, name, stream }) => {
      const settings = mst.getSettings();
      return this.#host.requestPublish({
        cid: stream.id, kind, source, muted: !mst.enabled,
        ...(name ? { name } : {}),
        ...(kind === 'video' && settings.width ? { width: settings.width, height: settings.height } : {}),
      });
    }));
    const pubs = prepared.flatMap(({ mst, kind, source, stream }, i) => {
      const r = results[i];
      return r.status === 'fulfilled' ? [new LocalTrackPublication(r.value, new LocalTrack(mst, kind, source), stream)] : [];
    });
    this.#host.published(pubs);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw /** @type {PromiseRejectedResult} */ (failed).reason;
    return pubs;
  }

  /**
   * Stops publishing a track and stops capturing it.
   * @param {LocalTrackPublication} pub
   */
  async unpublishTrack(pub) {
    if (this._publication(pub.trackSid) !== pub) return;
    this.#host.unpublished(pub);
  }

  /**
   * Sends bytes (or a string) to everyone else, or to the identities given. Goes straight to each
   * person over the peer connection's data channel: the reliable ordered one, or with
   * `reliable: false` the one that never retransmits (late is worse than lost). To anyone whose
   * channel is not open yet (still connecting) it goes through the signaling server instead.
   * Either way the receiver gets `dataReceived` once.
   * @param {Uint8Array | string} data
   * @param {{ destinationIdentities?: string[], reliable?: boolean, topic?: string }} [options]
   */
  async publishData(data, options = {}) {
    this.#requireConnected();
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const reliable = options.reliable ?? true;
    const wanted = options.destinationIdentities?.length ? options.destinationIdentities : undefined;
    const { reached, rest } = this.#host.sendData(toChannelMessage(options.topic, bytes), reliable, wanted);
    // Nobody reached and no list given: let the server send it to everyone (also to those we have
    // not heard of yet); otherwise only to those the channels missed.
    const destinations = wanted === undefined && reached === 0 ? undefined : rest;
    if (destinations?.length === 0) return;
    const { payload, encoding } = toPayload(data);
    this.#host.send('data', {
      payload, encoding,
      ...(options.topic ? { topic: options.topic } : {}),
      ...(destinations ? { destinationIdentities: destinations } : {}),
      reliable,
    });
  }

  /**
   * Sends a chat message to the room. Everyone, us included, receives it as `chatMessage`.
   * @param {string} text
   */
  async sendChatMessage(text) {
    this.#requireConnected();
    if (typeof text !== 'string' || !text.trim()) throw new ConferError('invalid_argument', 'A chat message needs some text.');
    if (text.length > 4000) throw new ConferError('invalid_argument', 'A chat message is at most 4 000 characters.');
    this.#host.send('chat', { text });
  }

  #requireConnected() {
    if (!this.#host.connected()) throw new ConferError('not_connected', 'Not connected to a room.');
  }
}

/** @param {DeviceOptions} [o] */
function videoConstraints(o) {
  return { ...DEFAULT_VIDEO, ...(o?.constraints ?? {}), ...(o?.deviceId ? { deviceId: { exact: o.deviceId } } : {}) };
}
/** @param {DeviceOptions} [o] */
function audioConstraints(o) {
  return { ...DEFAULT_AUDIO, ...(o?.constraints ?? {}), ...(o?.deviceId ? { deviceId: { exact: o.deviceId } } : {}) };
}

/**
 * @param {'audio' | 'video'} kind
 * @param {MediaTrackConstraints} constraints
 */
async function capture(kind, constraints) {
  try {
    const s = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
    return s.getTracks()[0];
  } catch (e) {
    throw deviceError(e);
  }
}
