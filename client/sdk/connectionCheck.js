// @ts-check
/**
 * A connection check a person can act on: tries each way this browser could reach Confer (WebSocket, STUN,
 * TURN over UDP, TCP and TLS) and a media round trip, then says in plain words what is blocked and what a
 * call will use instead. Joins no room: the STUN/TURN servers come from `GET /rtc/ice-servers`.
 *
 * @typedef {'ok' | 'failed' | 'skipped'} CheckStatus
 * @typedef {Object} CheckResult
 * @property {string} id `websocket`, `iceServers`, `stun`, `turn-udp`, `turn-tcp`, `turn-tls`, `media`
 * @property {string} label what was tried, for a person
 * @property {CheckStatus} status
 * @property {string} detail what happened, in words
 * @property {number} durationMs
 * @property {string} [url] the STUN/TURN URL tried
 *
 * @typedef {Object} ConnectionCheckReport
 * @property {CheckResult[]} checks in the order they are shown
 * @property {'udp' | 'turn-udp' | 'turn-tcp' | 'turn-tls' | 'none'} best the best way media can travel
 * @property {string[]} summary plain sentences: what works, what is blocked, what a call will use
 *
 * @typedef {Object} ConnectionCheckOptions
 * @property {number} [timeoutMs] per check (default 6000)
 * @property {(check: CheckResult) => void} [onCheck] called as each check finishes
 */
import { toSignalUrl } from './url.js';

/**
 * Runs every check; never throws for a network that blocks something (that is a result, not an error).
 * @param {string} url the server (`https://meet.example.org`) or the `/rtc` path, as for `connect`
 * @param {string} token an access token for any room (nothing is joined)
 * @param {ConnectionCheckOptions} [options]
 * @returns {Promise<ConnectionCheckReport>}
 */
export async function runConnectionCheck(url, token, options = {}) {
  const timeoutMs = options.timeoutMs ?? 6000;
  /** @type {CheckResult[]} */
  const checks = [];
  const done = (/** @type {CheckResult} */ c) => { checks.push(c); options.onCheck?.(c); return c; };
  const signalUrl = toSignalUrl(url);

  const ws = done(await checkWebSocket(signalUrl, timeoutMs));
  const servers = await fetchIceServers(signalUrl, token, timeoutMs);
  done(servers.result);
  /** @type {Promise<CheckResult>[]} */
  const ice = [];
  for (const server of servers.iceServers) {
    for (const u of asList(server.urls)) {
      const kind = turnKind(u);
      if (kind === 'stun') ice.push(checkStun(u, timeoutMs));
      else if (kind) ice.push(checkTurn(u, kind, server, timeoutMs));
    }
  }
  const iceResults = await Promise.all(ice);
  // No server-reflexive candidate and no error: either no NAT (Chromium drops a reflexive address equal to a host
  // one) or no answer yet. TURN over UDP shares the STUN port, so its relay candidate settles which.
  const udpRelay = iceResults.some((c) => c.id === 'turn-udp' && c.status === 'ok');
  for (const c of iceResults) {
    if (c.id !== 'stun' || c.status !== 'skipped') continue;
    c.status = udpRelay ? 'ok' : 'failed';
    c.detail = udpRelay ? 'UDP reaches the server, with no address translation in between.'
      : `No answer over UDP to port ${portOf(c.url ?? '')}: UDP is blocked on this network.`;
  }
  // One row per kind: the first URL of a kind that worked, else the first that was tried.
  for (const id of ['stun', 'turn-udp', 'turn-tcp', 'turn-tls']) {
    const tried = iceResults.filter((c) => c.id === id);
    done(tried.find((c) => c.status === 'ok') ?? tried[0] ?? skipped(id, labelOf(id), servers.iceServers.length ? 'This server offers none.' : 'No servers to try.'));
  }
  const relayWorks = iceResults.some((c) => c.id.startsWith('turn-') && c.status === 'ok');
  done(await checkMedia(servers.iceServers, relayWorks, timeoutMs));

  const ok = (/** @type {string} */ id) => checks.some((c) => c.id === id && c.status === 'ok');
  /** @type {ConnectionCheckReport['best']} */
  const best = ok('stun') ? 'udp' : ok('turn-udp') ? 'turn-udp' : ok('turn-tls') ? 'turn-tls' : ok('turn-tcp') ? 'turn-tcp' : 'none';
  return { checks, best, summary: summarize(ws.status === 'ok', ok, best, checks) };
}

/** @param {string | string[]} urls */
const asList = (urls) => (Array.isArray(urls) ? urls : [urls]);

/** @param {string} u @returns {'stun' | 'turn-udp' | 'turn-tcp' | 'turn-tls' | null} */
function turnKind(u) {
  if (u.startsWith('stun:')) return 'stun';
  if (u.startsWith('turns:')) return 'turn-tls';
  if (u.startsWith('turn:')) return /transport=tcp/i.test(u) ? 'turn-tcp' : 'turn-udp';
  return null;
}

/** @param {string} id */
function labelOf(id) {
  return /** @type {Record<string, string>} */ ({
    websocket: 'Signaling (WebSocket)', iceServers: 'Relay credentials', stun: 'Direct UDP (STUN)',
    'turn-udp': 'Relay over UDP (TURN)', 'turn-tcp': 'Relay over TCP (TURN)', 'turn-tls': 'Relay over TLS (TURN)',
    media: 'Media round trip',
  })[id] ?? id;
}

/** @param {string} id @param {string} label @param {string} detail @returns {CheckResult} */
const skipped = (id, label, detail) => ({ id, label, status: 'skipped', detail, durationMs: 0 });

/** @param {string} url a URL's port, for the sentences ("port 443") */
function portOf(url) {
  const m = /:(\d+)(?:\?|$)/.exec(url);
  return m ? m[1] : '';
}

/**
 * WebSocket reachability without joining: /rtc with no token accepts the upgrade, then closes with 4001.
 * An open event is proof enough that WebSockets get through (proxies that strip Upgrade fail here).
 * @param {string} signalUrl @param {number} timeoutMs @returns {Promise<CheckResult>}
 */
function checkWebSocket(signalUrl, timeoutMs) {
  const started = performance.now();
  const result = (/** @type {CheckStatus} */ status, /** @type {string} */ detail) =>
    ({ id: 'websocket', label: labelOf('websocket'), status, detail, durationMs: Math.round(performance.now() - started) });
  return new Promise((resolve) => {
    let socket;
    try { socket = new WebSocket(signalUrl); } catch (e) { resolve(result('failed', `The address is not usable: ${e}`)); return; }
    const timer = setTimeout(() => { socket.close(); resolve(result('failed', 'No answer: something between you and the server blocks WebSockets.')); }, timeoutMs);
    socket.onopen = () => { clearTimeout(timer); socket.close(); resolve(result('ok', `Connected to ${new URL(signalUrl).host}.`)); };
    socket.onerror = () => { clearTimeout(timer); resolve(result('failed', 'The connection was refused or cut: a proxy or firewall may block WebSockets.')); };
  });
}

/**
 * @param {string} signalUrl @param {string} token @param {number} timeoutMs
 * @returns {Promise<{ result: CheckResult, iceServers: RTCIceServer[] }>}
 */
async function fetchIceServers(signalUrl, token, timeoutMs) {
  const started = performance.now();
  const u = new URL(signalUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = u.pathname.replace(/\/rtc$/, '/rtc/ice-servers');
  const result = (/** @type {CheckStatus} */ status, /** @type {string} */ detail) =>
    ({ id: 'iceServers', label: labelOf('iceServers'), status, detail, durationMs: Math.round(performance.now() - started) });
  try {
    const res = await fetch(u, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      return { result: result('failed', `The server refused: ${body.error ?? res.status}.`), iceServers: [] };
    }
    const { iceServers } = await res.json();
    const count = iceServers.reduce((/** @type {number} */ n, /** @type {RTCIceServer} */ s) => n + asList(s.urls).length, 0);
    return { result: result('ok', `${count} STUN/TURN address${count === 1 ? '' : 'es'} to try.`), iceServers };
  } catch (e) {
    return { result: result('failed', `Could not ask the server: ${e instanceof Error ? e.message : e}.`), iceServers: [] };
  }
}

/**
 * Gathers candidates with one ICE server and resolves with those of the wanted type, or the errors, at the
 * end of gathering or the timeout.
 * @param {RTCConfiguration} config @param {number} timeoutMs
 * @returns {Promise<{ candidates: RTCIceCandidate[], errors: string[] }>}
 */
async function gather(config, timeoutMs) {
  const pc = new RTCPeerConnection(config);
  /** @type {RTCIceCandidate[]} */
  const candidates = [];
  /** @type {string[]} */
  const errors = [];
  try {
    pc.createDataChannel('check');
    const finished = new Promise((resolve) => {
      pc.onicecandidate = (e) => { if (e.candidate?.candidate) candidates.push(e.candidate); else resolve(undefined); };
      pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') resolve(undefined); };
      setTimeout(resolve, timeoutMs);
    });
    pc.onicecandidateerror = (e) => { const err = /** @type {RTCPeerConnectionIceErrorEvent} */ (e); errors.push(`${err.errorCode} ${err.errorText}`.trim()); };
    await pc.setLocalDescription(await pc.createOffer());
    await finished;
  } finally {
    pc.close();
  }
  return { candidates, errors };
}

/** @param {string} url @param {number} timeoutMs @returns {Promise<CheckResult>} */
async function checkStun(url, timeoutMs) {
  const started = performance.now();
  const { candidates, errors } = await gather({ iceServers: [{ urls: url }] }, timeoutMs);
  const srflx = candidates.find((c) => c.type === 'srflx' && c.protocol === 'udp');
  const ms = Math.round(performance.now() - started);
  const base = { id: 'stun', label: labelOf('stun'), url, durationMs: ms };
  if (srflx) return { ...base, status: 'ok', detail: `UDP reaches the server; it sees you as ${srflx.address}:${srflx.port}.` };
  if (errors.length) return { ...base, status: 'failed', detail: `No answer over UDP to port ${portOf(url)}: UDP is blocked on this network.` };
  return { ...base, status: 'skipped', detail: 'undecided' }; // settled by the TURN over UDP check
}

/**
 * @param {string} url @param {'turn-udp' | 'turn-tcp' | 'turn-tls'} kind @param {RTCIceServer} server
 * @param {number} timeoutMs @returns {Promise<CheckResult>}
 */
async function checkTurn(url, kind, server, timeoutMs) {
  const started = performance.now();
  const { candidates, errors } = await gather({
    iceServers: [{ urls: url, username: server.username, credential: server.credential }],
    iceTransportPolicy: 'relay',
  }, timeoutMs);
  const relay = candidates.find((c) => c.type === 'relay');
  const base = { id: kind, label: labelOf(kind), url, durationMs: Math.round(performance.now() - started) };
  const how = kind === 'turn-udp' ? 'UDP' : kind === 'turn-tcp' ? 'TCP' : 'TLS';
  if (relay) return { ...base, status: 'ok', detail: `The relay answers over ${how} on port ${portOf(url)}.` };
  const why = errors.some((e) => e.startsWith('401')) ? 'the relay refused the credentials' : `nothing answered over ${how} on port ${portOf(url)}`;
  return { ...base, status: 'failed', detail: `No relay: ${why}.` };
}

/**
 * A media round trip: two peer connections in this page echo a message over a data channel, through the
 * server's relay when one answered (two connections in one page would otherwise meet directly and prove
 * nothing about the server); the selected candidate pair tells the path.
 * @param {RTCIceServer[]} iceServers @param {boolean} viaRelay @param {number} timeoutMs @returns {Promise<CheckResult>}
 */
async function checkMedia(iceServers, viaRelay, timeoutMs) {
  const started = performance.now();
  const result = (/** @type {CheckStatus} */ status, /** @type {string} */ detail) =>
    ({ id: 'media', label: labelOf('media'), status, detail, durationMs: Math.round(performance.now() - started) });
  /** @type {RTCConfiguration} */
  const config = { iceServers, iceTransportPolicy: viaRelay ? 'relay' : 'all' };
  const a = new RTCPeerConnection(config), b = new RTCPeerConnection(config);
  try {
    a.onicecandidate = (e) => { if (e.candidate) b.addIceCandidate(e.candidate).catch(() => {}); };
    b.onicecandidate = (e) => { if (e.candidate) a.addIceCandidate(e.candidate).catch(() => {}); };
    const channel = a.createDataChannel('round-trip');
    b.ondatachannel = (e) => { e.channel.onmessage = (m) => e.channel.send(m.data); };
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(/** @type {RTCSessionDescriptionInit} */ (a.localDescription));
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(/** @type {RTCSessionDescriptionInit} */ (b.localDescription));
    const rtt = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      channel.onopen = () => { const sent = performance.now(); channel.onmessage = () => { clearTimeout(timer); resolve(performance.now() - sent); }; channel.send('ping'); };
    });
    const path = await selectedPath(a);
    return result('ok', `A message went out and back in ${Math.round(rtt)} ms, ${path}.`);
  } catch {
    return result('failed', 'No path carried media within the time allowed.');
  } finally {
    a.close(); b.close();
  }
}

/** @param {RTCPeerConnection} pc */
async function selectedPath(pc) {
  const report = await pc.getStats();
  /** @type {any} */
  let pair;
  report.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId); });
  const local = pair ? report.get(pair.localCandidateId) : undefined;
  if (!local) return 'by an unknown path';
  if (local.candidateType === 'relay') return `through the relay over ${(local.relayProtocol ?? 'udp').toUpperCase()}`;
  return `directly over ${(local.protocol ?? 'udp').toUpperCase()}`;
}

/**
 * @param {boolean} signaling @param {(id: string) => boolean} ok @param {ConnectionCheckReport['best']} best
 * @param {CheckResult[]} checks
 */
function summarize(signaling, ok, best, checks) {
  const lines = [];
  if (!signaling) lines.push('The server could not be reached over a WebSocket: a proxy or firewall is in the way, so no call can start from this network.');
  if (!ok('iceServers')) lines.push('The server did not hand out its STUN/TURN addresses, so only the signaling could be checked.');
  else if (best === 'udp') lines.push('UDP works: calls take the most direct path.');
  else {
    lines.push('UDP is blocked on this network.');
    const tls = checks.find((c) => c.id === 'turn-tls' && c.status === 'ok');
    const tcp = checks.find((c) => c.id === 'turn-tcp' && c.status === 'ok');
    if (best === 'turn-udp') lines.push('Calls will go through Confer\'s relay over UDP.');
    else if (tls) lines.push(`Calls will go through Confer's relay over TLS on port ${portOf(tls.url ?? '')}, which works where only web traffic gets out.`);
    else if (tcp) lines.push(`Calls will go through Confer's relay over TCP on port ${portOf(tcp.url ?? '')}.`);
    else lines.push('No relay could be reached either: ask your network administrator to allow TCP to port 443 of this server.');
  }
  if (ok('iceServers') && !checks.some((c) => c.id === 'media' && c.status === 'ok')) lines.push('The media round trip failed: video may not get through.');
  return lines;
}
