// @ts-check
// The side panel: chat, participants, connection diagnostics and settings (one open at a time).

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/** @typedef {'chat' | 'people' | 'diag' | 'settings'} PanelName */

export class Panels {
  /** @type {PanelName | null} */
  open = null;
  /** @type {() => void} */
  onChange = () => {};

  constructor() {
    $('panel-close').onclick = () => this.show(null);
  }

  /** @param {PanelName | null} name */
  toggle(name) { this.show(this.open === name ? null : name); }

  /** @param {PanelName | null} name */
  show(name) {
    this.open = name;
    $('panel').hidden = !name;
    $('chat-panel').hidden = name !== 'chat';
    $('people-panel').hidden = name !== 'people';
    $('diag-panel').hidden = name !== 'diag';
    $('settings-panel').hidden = name !== 'settings';
    $('panel-title').textContent = name === 'chat' ? 'In-call messages' : name === 'people' ? 'People'
      : name === 'diag' ? 'Connection diagnostics' : name === 'settings' ? 'Settings' : '';
    for (const id of ['chat', 'people', 'diag', 'settings']) {
      $(id).classList.toggle('active', id === name);
      $(id).setAttribute('aria-expanded', String(id === name));
    }
    if (name === 'chat') { $('chat-unread').hidden = true; $('chat-input').focus(); }
    this.onChange();
  }

  /**
   * @param {{ text: string, timestamp: number, fromName?: string, fromIdentity?: string }} msg
   * @param {boolean} mine
   */
  addChat(msg, mine) {
    const li = document.createElement('li');
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = mine ? 'You' : (msg.fromName || msg.fromIdentity || 'Server');
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = new Date(msg.timestamp || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const text = document.createElement('div');
    text.className = 'text';
    text.textContent = msg.text;
    li.append(who, when, text);
    const log = $('chat-log');
    log.append(li);
    log.scrollTop = log.scrollHeight;
    if (this.open !== 'chat' && !mine) $('chat-unread').hidden = false;
  }

  /**
   * Everyone, raised hands first in the order raised; each with a pin action (local to this viewer).
   * @param {import('/sdk/confer.js').Room} room
   * @param {string[]} hands identities, first raised first
   * @param {string | null} pinned the pinned tile's key
   * @param {(key: string | null) => void} pin
   * @param {(p: import('/sdk/confer.js').Participant, li: HTMLLIElement) => void} [decorate] adds to a person's row (a host's menu)
   */
  renderPeople(room, hands, pinned, pin, decorate) {
    const all = [room.localParticipant, ...room.remoteParticipants.values()];
    const rank = (/** @type {string} */ id) => { const i = hands.indexOf(id); return i < 0 ? Infinity : i; };
    const sorted = all.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p.identity) - rank(b.p.identity) || a.i - b.i).map((x) => x.p);
    $('people-count').textContent = String(all.length);
    $('people-list').replaceChildren(...sorted.map((p) => {
      const li = document.createElement('li');
      li.dataset.identity = p.identity;
      const who = document.createElement('div');
      const name = document.createElement('span');
      name.className = 'person';
      name.textContent = p.isLocal ? `${p.name} (you)` : p.name;
      const hand = rank(p.identity);
      if (hand !== Infinity) {
        const badge = document.createElement('span');
        badge.className = 'hand-badge';
        badge.textContent = `✋ ${hand + 1}`;
        badge.setAttribute('aria-label', `hand raised, number ${hand + 1}`);
        li.dataset.hand = String(hand + 1);
        who.append(badge, ' ');
      }
      const state = document.createElement('div');
      state.className = 'states';
      state.textContent = [p.isMicrophoneEnabled ? 'mic on' : 'muted', p.isCameraEnabled ? 'camera on' : 'camera off', p.isScreenShareEnabled ? 'presenting' : ''].filter(Boolean).join(' · ');
      who.append(name, state);
      const key = `${p.identity}/camera`;
      const button = document.createElement('button');
      button.className = 'secondary small';
      button.dataset.testid = 'people-pin';
      button.textContent = pinned === key ? 'Unpin' : 'Pin';
      button.setAttribute('aria-label', `${pinned === key ? 'Unpin' : 'Pin'} ${p.isLocal ? 'yourself' : p.name}`);
      button.setAttribute('aria-pressed', String(pinned === key));
      button.onclick = () => pin(pinned === key ? null : key);
      li.append(who, button);
      decorate?.(p, li);
      return li;
    }));
  }

  /** @param {import('/sdk/confer.js').Room} room */
  renderDiagnostics(room) {
    const peers = [...room.remoteParticipants.values()];
    if (!peers.length) { $('diag-panel').textContent = 'Nobody else is here yet.'; return; }
    $('diag-panel').replaceChildren(...peers.flatMap((p) => {
      const h = document.createElement('h3');
      h.textContent = p.name;
      const table = document.createElement('table');
      table.dataset.identity = p.identity;
      for (const [k, v] of describe(p)) {
        const tr = table.insertRow();
        const th = document.createElement('th');
        th.textContent = k;
        tr.append(th);
        tr.insertCell().textContent = v;
      }
      return [h, table];
    }));
  }
}

/**
 * How a person is connected, in words.
 * @param {import('/sdk/confer.js').RemoteParticipant} p
 * @returns {[string, string][]}
 */
export function describe(p) {
  const s = p.connectionStats;
  if (!s || s.connectionType === 'unknown') return [['Path', p.connectionState === 'failed' ? 'Failed — retrying' : 'Connecting…']];
  const path = s.via === 'sfu'
    ? `Through Confer's SFU over ${s.localCandidateType === 'relay' ? 'TURN' : (s.protocol ?? 'udp').toUpperCase()}`
    : s.connectionType === 'relay'
    ? `Relayed via TURN (${(s.relayProtocol ?? s.protocol ?? '?').toUpperCase()} to the relay)`
    : `Direct (${s.localCandidateType} ↔ ${s.remoteCandidateType}, ${(s.protocol ?? '?').toUpperCase()})`;
  return [
    ['Path', path],
    ['Quality', quality(s)],
    ['Round trip', s.roundTripTime !== undefined ? `${s.roundTripTime} ms` : '—'],
    ['Receiving', kbps(s.inboundBitrate)],
    ['Sending', kbps(s.outboundBitrate)],
    ['Packet loss', `${(s.packetLoss * 100).toFixed(1)} %`],
    ['Video', s.framesPerSecond ? `${Math.round(s.framesPerSecond)} fps` : '—'],
    ['Local ↔ remote', `${s.localAddress ?? '?'} ↔ ${s.remoteAddress ?? '?'}`],
  ];
}

/** @param {import('/sdk/confer.js').ConnectionStats} s */
export function quality(s) {
  if (s.packetLoss > 0.1 || (s.roundTripTime ?? 0) > 500) return 'Poor';
  if (s.packetLoss > 0.03 || (s.roundTripTime ?? 0) > 250) return 'Fair';
  return 'Good';
}

/** @param {number} bps */
function kbps(bps) { return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bps / 1000)} kbit/s`; }
