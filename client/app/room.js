// @ts-check
// The meeting page, /room/{name}: pre-join, then the call. Built only on the public SDK.
import { connect, RoomEvent } from '/sdk/confer.js';
import { Prejoin } from './prejoin.js';
import { Tiles } from './tiles.js';
import { Panels, quality } from './panels.js';
import { Social, REACTIONS } from './social.js';
import { installShortcuts } from './keys.js';
import { setSink } from './prejoin.js';
import { admission, Cancelled } from './lobby.js';
import { JoinRefused } from './host.js';
import { Moderation } from './moderation.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const roomName = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const urlToken = takeToken();

document.title = `${roomName} · Confer`;
$('room-name-label').textContent = roomName;
$('call-room').textContent = roomName;
$('lobby-room').textContent = roomName;
$('display-name').value = localStorage.getItem('confer.name') ?? '';
$('check-link').href = `/diag#room=${encodeURIComponent(roomName)}`;

const prejoin = new Prejoin();
prejoin.start().catch((e) => console.warn(e));
const tiles = new Tiles($('grid'));
const panels = new Panels();
prejoin.onSpeaker = () => { for (const el of $('call').querySelectorAll('audio')) setSink(el, prejoin.speaker).catch(() => {}); };
/** @type {import('/sdk/confer.js').Room | null} */
let room = null;
/** @type {Social | null} */
let social = null;
/** @type {Moderation | null} */
let moderation = null;
tiles.onChange = () => renderPeople();
/** @type {ReturnType<typeof setInterval> | undefined} */
let statsTimer;

$('join').onclick = () => join().catch((e) => showJoinError(e));
$('display-name').onkeydown = (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter') $('join').click(); };

async function join() {
  $('join').disabled = true;
  $('join-error').hidden = true;
  const name = $('display-name').value.trim() || 'Guest';
  localStorage.setItem('confer.name', name);
  const { url, token } = await admission(roomName, name, urlToken);
  room = await connect(url, token);
  /** @type {any} */ (window).conferRoom = room; // for the browser console (and the tests' diagnostics)
  wire(room);
  moderation = new Moderation(room, toast, () => { renderPeople(); renderControls(); });
  social = new Social(room);
  social.onHands = () => { tiles.hands(social?.hands ?? []); renderPeople(); renderControls(); };
  social.onReaction = (identity, emoji) => tiles.react(identity, emoji);
  // Publish what the preview already opened: no second camera start, no second prompt.
  const lp = room.localParticipant;
  const work = [];
  if (prejoin.video && prejoin.camOn) work.push(lp.publishTrack(prejoin.video, { source: 'camera' }));
  else prejoin.video?.stop();
  if (prejoin.audio) { prejoin.audio.enabled = prejoin.micOn; work.push(lp.publishTrack(prejoin.audio, { source: 'microphone' })); }
  await Promise.all(work);
  $('prejoin').hidden = true;
  $('call').hidden = false;
  // The device lists (and the level meter) move into the call's settings panel; a choice there switches the
  // published device.
  $('settings-panel').append($('devices'));
  prejoin.onDevice = (kind, deviceId) => control(async () => {
    const lp2 = /** @type {import('/sdk/confer.js').Room} */ (room).localParticipant;
    if (kind === 'video') await lp2.setCameraEnabled(true, { deviceId });
    else await lp2.setMicrophoneEnabled(true, { deviceId });
    prejoin.meter(lp2.getTrackPublication('microphone')?.track?.mediaStreamTrack ?? null);
  }, kind === 'video' ? 'Camera' : 'Microphone');
  navigator.mediaDevices?.addEventListener?.('devicechange', () => { if (room) prejoin.fillDevices(localTracks()).catch(() => {}); });
  tiles.upsert(lp);
  for (const p of room.remoteParticipants.values()) { tiles.upsert(p); tiles.screen(p); }
  renderPeople();
  renderControls();
  if (prejoin.deviceProblem) toast(`${prejoin.deviceProblem}. You joined to watch and listen.`, 6000);
  statsTimer = setInterval(refreshStats, 1000);
}

/**
 * An invitation's token comes in the URL fragment (`#token=…`), which browsers never send to a server or in a
 * Referer. Once read it leaves the address bar (and history); this tab keeps it for Rejoin, which reloads the page.
 * @returns {string | null}
 */
function takeToken() {
  const key = `confer.token:${roomName}`;
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');
  if (token === null) return sessionStorage.getItem(key);
  fragment.delete('token');
  const rest = fragment.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  sessionStorage.setItem(key, token);
  return token;
}

/** @param {unknown} e */
function showJoinError(e) {
  $('join').disabled = false;
  if (e instanceof JoinRefused && e.status === 403) {
    // Denied from the lobby, the room locked: a page of its own, in plain words.
    prejoin.stop();
    $('prejoin').hidden = true;
    showEnd("You can't join this meeting", e.message);
    return;
  }
  $('join-error').textContent = e instanceof Cancelled ? 'You stopped asking to join. Press Join now to ask again.'
    : e instanceof Error ? e.message : String(e);
  $('join-error').hidden = false;
}

/** @param {import('/sdk/confer.js').Room} r */
function wire(r) {
  const refresh = (/** @type {any} */ p) => { if (p) { tiles.upsert(p); tiles.screen(p); } renderPeople(); renderControls(); };
  r.on(RoomEvent.ParticipantConnected, (p) => { refresh(p); toast(`${p.name} joined`); });
  r.on(RoomEvent.ParticipantDisconnected, (p) => { tiles.remove(p); renderPeople(); toast(`${p.name} left`); });
  r.on(RoomEvent.TrackSubscribed, (track, pub, p) => {
    if (track.kind === 'audio') {
      const el = track.attach();
      el.dataset.identity = p.identity;
      $('call').append(el);
      setSink(el, prejoin.speaker).catch(() => {});
    }
    refresh(p);
  });
  r.on(RoomEvent.TrackUnsubscribed, (track, pub, p) => { for (const el of track.detach()) el.remove(); refresh(p); });
  r.on(RoomEvent.TrackPublished, (pub, p) => refresh(p));
  r.on(RoomEvent.TrackUnpublished, (pub, p) => refresh(p));
  r.on(RoomEvent.TrackMuted, (pub, p) => refresh(p));
  r.on(RoomEvent.TrackUnmuted, (pub, p) => refresh(p));
  r.on(RoomEvent.ParticipantUpdated, (p) => refresh(p));
  r.on(RoomEvent.LocalTrackPublished, (pub, p) => refresh(p));
  r.on(RoomEvent.LocalTrackUnpublished, (pub, p) => refresh(p));
  r.on(RoomEvent.ActiveSpeakersChanged, (speakers) => tiles.speakers(new Set(speakers.map((/** @type {any} */ s) => s.identity))));
  r.on(RoomEvent.ChatMessage, (msg, p) => panels.addChat(msg, !!p?.isLocal));
  r.on(RoomEvent.Reconnecting, (reason) => banner(reason === 'serverRestart' ? 'The server is restarting. Rejoining…' : 'Connection lost. Reconnecting…'));
  r.on(RoomEvent.Reconnected, () => banner(''));
  r.on(RoomEvent.Disconnected, (reason) => ended(reason));
}

function renderControls() {
  if (!room) return;
  const lp = room.localParticipant;
  const set = (/** @type {string} */ id, /** @type {boolean} */ on, /** @type {string} */ title) => {
    $(id).classList.toggle('off', !on); $(id).classList.toggle('on', on);
    $(id).setAttribute('aria-pressed', String(on)); $(id).title = title;
  };
  set('mic', lp.isMicrophoneEnabled, lp.isMicrophoneEnabled ? 'Turn off microphone (M)' : 'Turn on microphone (M)');
  set('cam', lp.isCameraEnabled, lp.isCameraEnabled ? 'Turn off camera (V)' : 'Turn on camera (V)');
  $('screen').classList.toggle('active', lp.isScreenShareEnabled);
  $('screen').title = lp.isScreenShareEnabled ? 'Stop presenting (S)' : 'Share your screen (S)';
  $('screen').setAttribute('aria-label', lp.isScreenShareEnabled ? 'Stop presenting' : 'Share your screen');
  const hand = !!social?.handRaised;
  $('hand').classList.toggle('active', hand);
  $('hand').setAttribute('aria-pressed', String(hand));
  $('hand').setAttribute('aria-label', hand ? 'Lower hand' : 'Raise hand');
  $('hand').title = hand ? 'Lower hand (H)' : 'Raise hand (H)';
}

function renderPeople() {
  if (room) panels.renderPeople(room, social?.hands ?? [], tiles.pinned, (key) => tiles.pin(key), (p, li) => moderation?.decorate(p, li));
}

/** The camera and microphone tracks the call publishes now. */
function localTracks() {
  const lp = /** @type {import('/sdk/confer.js').Room} */ (room).localParticipant;
  return { video: lp.getTrackPublication('camera')?.track?.mediaStreamTrack ?? null, audio: lp.getTrackPublication('microphone')?.track?.mediaStreamTrack ?? null };
}

/** @param {() => Promise<unknown>} action @param {string} what */
async function control(action, what) {
  try {
    await action();
  } catch (e) {
    const err = /** @type {any} */ (e);
    // Closing the screen picker is a choice, not an error.
    if (!(what === 'Screen sharing' && err?.code === 'device_denied')) toast(`${what}: ${err?.message ?? err}`, 5000);
  }
  renderControls();
  if (room) { tiles.upsert(room.localParticipant); tiles.screen(room.localParticipant); renderPeople(); }
}

$('mic').onclick = () => control(() => room?.localParticipant.setMicrophoneEnabled(!room.localParticipant.isMicrophoneEnabled) ?? Promise.resolve(), 'Microphone');
$('cam').onclick = () => control(() => room?.localParticipant.setCameraEnabled(!room.localParticipant.isCameraEnabled) ?? Promise.resolve(), 'Camera');
$('screen').onclick = () => control(() => room?.localParticipant.setScreenShareEnabled(!room.localParticipant.isScreenShareEnabled) ?? Promise.resolve(), 'Screen sharing');
$('leave').onclick = () => { room?.disconnect(); };
$('chat').onclick = () => panels.toggle('chat');
$('people').onclick = () => panels.toggle('people');
$('diag').onclick = () => panels.toggle('diag');
$('settings').onclick = () => panels.toggle('settings');
$('hand').onclick = () => control(() => social?.setHand(!social.handRaised) ?? Promise.resolve(), 'Raise hand');
$('help').onclick = () => $('help-dialog').showModal();
$('react-menu').replaceChildren(...REACTIONS.map((emoji, i) => {
  const b = document.createElement('button');
  b.className = 'icon';
  b.setAttribute('role', 'menuitem');
  b.setAttribute('aria-label', `React ${emoji} (${i + 1})`);
  b.dataset.emoji = emoji;
  b.textContent = emoji;
  b.onclick = () => { reactMenu(false); social?.react(emoji).catch((e) => toast(e.message)); };
  return b;
}));
/** @param {boolean} open */
function reactMenu(open) {
  $('react-menu').hidden = !open;
  $('react').setAttribute('aria-expanded', String(open));
  $('react').classList.toggle('active', open);
  if (open) $('react-menu').querySelector('button')?.focus();
}
$('react').onclick = () => reactMenu($('react-menu').hidden);
$('react-menu').onkeydown = (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Escape') { reactMenu(false); $('react').focus(); } };
installShortcuts({
  inCall: () => !!room && !$('call').hidden,
  unpin: () => tiles.pin(null),
  react: (i) => { if ($('react-menu').hidden) return false; $('react-menu').children[i]?.click(); return true; },
});
panels.onChange = () => { if (room && panels.open === 'diag') panels.renderDiagnostics(room); };
$('chat-form').onsubmit = (/** @type {Event} */ ev) => {
  ev.preventDefault();
  const text = $('chat-input').value.trim();
  if (!text || !room) return;
  room.localParticipant.sendChatMessage(text).then(() => { $('chat-input').value = ''; }, (e) => toast(e.message));
};
$('invite').onclick = async () => {
  const link = `${location.origin}/room/${encodeURIComponent(roomName)}`;
  try { await navigator.clipboard.writeText(link); toast('Invite link copied'); }
  catch { toast(`Invite link: ${link}`, 8000); }
};
$('rejoin').onclick = () => location.reload();

function refreshStats() {
  if (!room) return;
  for (const p of room.remoteParticipants.values()) {
    const s = p.connectionStats;
    const q = s && s.connectionType !== 'unknown' ? quality(s) : '';
    tiles.quality(p.identity, q && q !== 'Good' ? `${q} connection` : '');
  }
  if (panels.open === 'diag') panels.renderDiagnostics(room);
}

/** @param {string} reason */
function ended(reason) {
  clearInterval(statsTimer);
  tiles.clear();
  for (const d of document.querySelectorAll('dialog[open]')) /** @type {HTMLDialogElement} */ (d).close();
  $('call').hidden = true;
  const why = /** @type {Record<string, string>} */ ({
    clientInitiated: '', duplicateIdentity: 'You joined this meeting from another tab or device.',
    removed: "A host removed you. This link lets you back in only if a host admits you.",
    roomDeleted: 'A host ended the meeting for everyone.', permissionDenied: 'A host removed you, or the meeting is locked.',
    serverShutdown: 'The server is restarting.', tokenRejected: 'Your invitation is no longer valid.',
  });
  const title = /** @type {Record<string, string>} */ ({
    clientInitiated: 'You left the meeting', removed: 'You were removed from the meeting', roomDeleted: 'The meeting has ended',
  });
  showEnd(title[reason] ?? 'You were disconnected', why[reason] ?? 'The connection to the meeting was lost.');
  if (reason === 'removed' || reason === 'permissionDenied') $('rejoin').textContent = 'Ask to join again';
}

/** @param {string} title @param {string} reason */
function showEnd(title, reason) {
  $('left').hidden = false;
  $('left-title').textContent = title;
  $('left-reason').textContent = reason;
}

/** @param {string} text */
function banner(text) { $('banner').textContent = text; $('banner').hidden = !text; }

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;
/** @param {string} text @param {number} [ms] */
function toast(text, ms = 3000) {
  // The toast has its own row between the stage and the controls: it never covers a name.
  $('toast').textContent = text;
  $('toast').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $('toast').hidden = true; }, ms);
}

window.addEventListener('pagehide', () => { if (!room) prejoin.stop(); });
