// @ts-check
import { Emitter } from './Emitter.js';
import { ConferError } from './ConferError.js';

/** Close codes after which the session may be resumed (docs/protocol.md, "Close codes"). */
const RESUMABLE = new Set([1006, 4010, 4011]);
/** The server no longer has our session (docs/protocol.md): join afresh. */
const SESSION_GONE = 4008;
/** The server is going away and wants us back, on it once it has restarted or elsewhere (docs/protocol.md, "reconnect"). */
const RESTART = new Set([1001, 1012]);
/** Refusals that mean "not now": a server draining (1013), restarting (1012) or not reachable yet (1006). */
const TRY_LATER = new Set([1006, 1012, 1013]);
/** How long we keep trying to resume; the server's grace period is 20 s by default. */
const RESUME_WINDOW_MS = 18000;
/** How long we keep trying to join again after a restart or a lost session: a restart may take a drain and a start. */
const REJOIN_WINDOW_MS = 5 * 60 * 1000;
/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 2500;
/**
 * How long one attempt to reconnect may take to bring the server's first frame (`resumed` or `join`) before it is
 * given up and tried again. A connection attempt made while the network was changing can hang for a minute (its
 * first packets went nowhere), or open from an address that is gone the moment after and then hear nothing.
 */
const REOPEN_TIMEOUT_MS = 3000;
/**
 * After we send a frame, the server must have said something (anything: the ping we send with it is
 * answered) within this long, or the socket is taken as dead and resumed. A socket whose network went away
 * under it (an address change, a link down) stays "open" until the ping timeout otherwise, and what we send
 * into it is lost: an ICE restart's offer above all.
 */
const SEND_PROBE_MS = 5000;
/** The same wait after the media path died under us (`suspect`): the socket most likely went with it. */
const SUSPECT_PROBE_MS = 2000;

/**
 * Speaks the signaling protocol (docs/protocol.md, version 1, and 2 for the SFU) over one WebSocket and nothing else:
 * join, resume with replay, ping/pong and sending frames. It knows no peer connections.
 *
 * After a drop it resumes; when the server says the session is gone (4008, e.g. the grace period
 * ran out while we were away) it joins afresh with the same access token and emits `rejoined`.
 * When the server restarts (a `reconnect` frame, close 1012 or 1001), or stays away past the resume
 * window, it joins afresh too, with backoff, for up to 5 minutes and while the token is accepted.
 *
 * Emits (internal): `message` (frame), `reconnecting` (reason: 'connectionLost' | 'serverRestart'),
 * `resumed` (frame), `rejoined` (join frame), `closed` (reason: string, code: number, resumeFailed: boolean).
 * @internal
 */
export class SignalClient extends Emitter {
  /** @type {WebSocket | null} */
  #ws = null;
  #url;
  #token;
  /** @type {string | null} */
  #resumeToken = null;
  #lastSeen = 0;
  #pingInterval = 5000;
  #pingTimeout = 15000;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #pingTimer;
  #lastReceived = 0;
  /** @type {object[]} */
  #queue = [];
  #closing = false;
  #resuming = false;
  #nextId = 1;
  /** True when the last `reconnect` frame asked us to resume (the room's node died: a live node makes the session again). */
  #resumeNext = false;
  /** @type {number | null} the delay hint of a `reconnect` frame, until the close that follows it */
  #restartDelay = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} the check that the server answered since our last send */
  #probeTimer;
  #probeDeadline = 0;

  /**
   * @param {string} url WebSocket URL of /rtc.
   * @param {string} token Access token.
   */
  constructor(url, token) {
    super();
    this.#url = url;
    this.#token = token;
  }

  /** True while the socket is open and the session is live. */
  get isOpen() { return !!this.#ws && this.#ws.readyState === WebSocket.OPEN && !this.#resuming; }

  /**
   * Opens the socket and resolves with the `join` frame.
   * @returns {Promise<any>}
   */
  async join() {
    const frame = await this.#open(false);
    if (frame.type !== 'join') throw new ConferError('server_error', `Expected join, got ${frame.type}.`);
    return frame;
  }

  /**
   * Sends a client frame. While resuming, frames wait and are sent after `resumed`.
   * @param {string} type
   * @param {Record<string, unknown>} [fields]
   * @returns {number} the frame's id (an `error` about it echoes it as `re`)
   */
  send(type, fields = {}) {
    const frame = { v: 1, id: this.#nextId++, type, ...fields };
    if (this.isOpen) {
      this.#ws?.send(JSON.stringify(frame));
      this.#probe();
    } else if (!this.#closing) this.#queue.push(frame);
    return frame.id;
  }

  /**
   * Makes sure the socket we just sent on still reaches the server: unless the server spoke in the last
   * moment, a ping goes out, and when nothing at all comes back within SEND_PROBE_MS the socket is dropped
   * and the session resumed (the frames sent into it are resent by whoever waits for their answer).
   */
  #probe(wait = SEND_PROBE_MS) {
    const now = Date.now();
    if (this.#probeTimer !== undefined) {
      // A probe already runs: only an earlier deadline replaces it (repeated suspicions must not push it back).
      if (now + wait >= this.#probeDeadline) return;
      clearTimeout(this.#probeTimer); // a shorter wait from now, with a ping of its own
    }
    const ws = this.#ws;
    const sentAt = now;
    if (ws && sentAt - this.#lastReceived > 1000) ws.send(JSON.stringify({ v: 1, type: 'ping', timestamp: sentAt }));
    this.#probeDeadline = now + wait;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      if (this.#closing || this.#ws !== ws || !ws || ws.readyState !== WebSocket.OPEN) return;
      if (this.#lastReceived >= sentAt) return;
      this.#ws = null;
      this.#stopPing();
      ws.close(4000, 'no answer'); // not 1000: should it still reach the server, the session waits to be resumed
      this.#onDrop(1006, 'no answer from the server');
    }, wait);
  }

  /**
   * The media path just died (a network change, most likely): the socket may have died with it, though the browser
   * still says open. A ping goes out now, and unless something comes back within SUSPECT_PROBE_MS the session is
   * resumed on a new socket, so what the engine sends to bring the media back is not lost in the dead one.
   */
  suspect() {
    if (this.isOpen && !this.#closing) this.#probe(SUSPECT_PROBE_MS);
  }

  /** Sends `leave` and closes. */
  leave() {
    if (this.#closing) return;
    if (this.isOpen) this.#ws?.send(JSON.stringify({ v: 1, type: 'leave' }));
    this.#shutdown('left', 1000, false);
  }

  /**
   * @param {boolean} resume
   * @returns {Promise<any>} the first frame (join or resumed)
   */
  #open(resume) {
    // Protocol 2: the server may put us in a room whose media goes through its SFU (join's `topology`).
    let url = `${this.#url}${this.#url.includes('?') ? '&' : '?'}protocol=2&access_token=${encodeURIComponent(this.#token)}`;
    if (resume && this.#resumeToken) url += `&resume=${encodeURIComponent(this.#resumeToken)}&lastSeen=${this.#lastSeen}`;
    return new Promise((resolve, reject) => {
      let first = true;
      let ws;
      try { ws = new WebSocket(url); } catch (e) {
        reject(new ConferError('connection_failed', `Could not open ${this.#url}.`, { cause: e }));
        return;
      }
      this.#ws = ws;
      // A reconnection attempt that brings no first frame (nor fails) in time is given up (the caller tries again).
      const timer = resume || this.#resuming ? setTimeout(() => {
        console.debug(`confer: reconnection attempt not answered after ${REOPEN_TIMEOUT_MS} ms (${first ? 'giving up' : 'answered'})`);
        if (!first) return;
        first = false;
        if (this.#ws === ws) this.#ws = null;
        ws.close();
        reject(new ConferError('connection_failed', 'Could not reach the server in time.', { closeCode: 1006 }));
      }, REOPEN_TIMEOUT_MS) : undefined;
      // Not cleared on open: a socket opened from an address that went away the moment after (a network change under
      // the attempt) stays open with nothing coming, and only the server's first frame says the attempt worked.
      ws.onmessage = (ev) => {
        this.#lastReceived = Date.now();
        let frame;
        try { frame = JSON.parse(typeof ev.data === 'string' ? ev.data : ''); } catch { return; }
        if (!frame || typeof frame.type !== 'string') return;
        if (first) {
          if (frame.type === 'join' || frame.type === 'resumed') {
            first = false;
            clearTimeout(timer);
            this.#startSession(frame);
            resolve(frame);
            return;
          }
          if (frame.type === 'leave') return; // refused: the close that follows says why, and rejects
          first = false;
        }
        if (frame.type === 'reconnect') {
          // The server is going away (docs/protocol.md, "reconnect"): the close that follows starts a fresh join, or a
          // resume when the frame says so.
          this.#restartDelay = Math.min(Math.max(Number(frame.delay) || 0, 0), 30000);
          this.#resumeNext = frame.resume === true;
          return;
        }
        if (frame.type === 'session') {
          // A fresh resume token for this session (its sealed state changed or ages); id 0, never replayed.
          if (typeof frame.resumeToken === 'string') this.#resumeToken = frame.resumeToken;
          return;
        }
        if (frame.id > 0) {
          if (frame.id <= this.#lastSeen) return; // already processed before a resume
          this.#lastSeen = frame.id;
        }
        if (frame.type === 'pong') return;
        this.emit('message', frame);
      };
      ws.onclose = (ev) => {
        if (this.#ws !== ws) return;
        this.#stopPing();
        if (first) {
          first = false;
          clearTimeout(timer);
          reject(closeError(ev.code, ev.reason));
          return;
        }
        this.#onDrop(ev.code, ev.reason);
      };
    });
  }

  /** @param {any} frame join or resumed */
  #startSession(frame) {
    this.#resumeToken = frame.resumeToken ?? this.#resumeToken;
    if (frame.type === 'join' && frame.id > 0) this.#lastSeen = frame.id;
    if (frame.pingInterval > 0) this.#pingInterval = frame.pingInterval * 1000;
    if (frame.pingTimeout > 0) this.#pingTimeout = frame.pingTimeout * 1000;
    this.#lastReceived = Date.now();
    this.#resuming = false;
    // A new session, or one made again on another node (`rebuilt`): frames meant for the old one are void.
    if (frame.type === 'join' || frame.rebuilt === true) this.#queue = [];
    const queued = this.#queue;
    this.#queue = [];
    for (const f of queued) this.#ws?.send(JSON.stringify(f));
    this.#stopPing();
    this.#pingTimer = setInterval(() => {
      const ws = this.#ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      if (Date.now() - this.#lastReceived > this.#pingTimeout) {
        // The server went silent: treat it as a dropped connection and resume.
        this.#ws = null;
        ws.close();
        this.#onDrop(1006, 'ping timeout');
        return;
      }
      ws.send(JSON.stringify({ v: 1, type: 'ping', timestamp: Date.now() }));
    }, this.#pingInterval);
  }

  #stopPing() {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  /**
   * @param {number} code
   * @param {string} reason
   */
  async #onDrop(code, reason) {
    if (this.#closing) return;
    const restart = this.#restartDelay !== null || RESTART.has(code);
    const hint = this.#restartDelay ?? 0;
    const resumeAsked = this.#resumeNext && !!this.#resumeToken;
    this.#restartDelay = null;
    this.#resumeNext = false;
    // After a restart the server has no session of ours: join afresh, as after 4008; unless it asked us to resume.
    let fresh = code === SESSION_GONE || (restart && !resumeAsked);
    // A close that is not resumable ends the session here, unless the server asked for a resume before it (1012 after a
    // `reconnect` with `resume`: the room's node died and a live node makes the session again).
    if (!fresh && !resumeAsked && (!RESUMABLE.has(code) || !this.#resumeToken)) {
      this.#shutdown(reason || `closed (${code})`, code, false);
      return;
    }
    this.#resuming = true;
    console.debug(`confer: signaling lost (${code}${reason ? ` ${reason}` : ''}); ${fresh ? 'joining again' : 'resuming'}`);
    this.emit('reconnecting', restart ? 'serverRestart' : 'connectionLost');
    const started = Date.now();
    let delay = restart ? 250 : 100;
    if (hint > 0) await sleep(hint);
    while (!this.#closing && Date.now() - started < REJOIN_WINDOW_MS) {
      // Past the grace period the server has ended the session, wherever it is: stop asking to resume it.
      if (!fresh && Date.now() - started >= RESUME_WINDOW_MS) fresh = true;
      try {
        console.debug(`confer: reconnecting (${fresh ? 'join' : 'resume'})`);
        const frame = await this.#open(!fresh);
        if (this.#closing) return;
        this.emit(frame.type === 'resumed' ? 'resumed' : 'rejoined', frame);
        return;
      } catch (e) {
        const closeCode = e instanceof ConferError ? e.closeCode : undefined;
        console.debug(`confer: reconnecting failed (${closeCode ?? 'no code'}: ${e instanceof Error ? e.message : e})`);
        if (closeCode === SESSION_GONE && !fresh) {
          fresh = true; // no session to resume: join again at once
          continue;
        }
        if (closeCode !== undefined && !TRY_LATER.has(closeCode) && !RESUMABLE.has(closeCode)) {
          this.#shutdown(e instanceof Error ? e.message : 'resume failed', closeCode, closeCode === SESSION_GONE);
          return;
        }
      }
      await sleep(delay * (0.75 + Math.random() / 2)); // jittered, so a room's clients spread out
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
    if (!this.#closing) this.#shutdown('could not reconnect to the server', 1006, true);
  }

  /**
   * @param {string} reason
   * @param {number} code
   * @param {boolean} resumeFailed
   */
  #shutdown(reason, code, resumeFailed) {
    if (this.#closing) return;
    this.#closing = true;
    this.#stopPing();
    const ws = this.#ws;
    this.#ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
    this.emit('closed', reason, code, resumeFailed);
  }
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * @param {number} code
 * @param {string} reason
 */
function closeError(code, reason) {
  const text = reason || `connection closed (${code})`;
  if (code === 4001) return new ConferError('token_rejected', `The server refused the token: ${text}.`, { closeCode: code });
  if (code === 4003) return new ConferError('permission_denied', `Not allowed to join: ${text}.`, { closeCode: code });
  if (code === 4004) return new ConferError('room_full', 'The room is full.', { closeCode: code });
  if (code === 4008) return new ConferError('resume_failed', text, { closeCode: code });
  return new ConferError('connection_failed', `Could not connect to the server: ${text}.`, { closeCode: code });
}
