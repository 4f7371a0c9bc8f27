// @ts-check
// The start page: a fresh meeting, or join one by name (or pasted link). With hosts set up on the server, "New meeting"
// asks a host to sign in first, then opens the meeting on the server and shows its link to share.
import { randomRoomName, roomFromInput } from './names.js';
import { hostSession, openMeeting, signIn, signOut } from './host.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/** @type {'off' | 'signedOut' | 'host' | 'unknown'} */
let state = 'unknown';
const ready = hostSession().then((s) => show(s.state, s.name), () => show('off'));

/** @param {'off' | 'signedOut' | 'host'} next @param {string} [name] */
function show(next, name) {
  state = next;
  $('host-bar').hidden = next !== 'host';
  $('host-error').hidden = true;
  $('lobby-option').hidden = next !== 'host';
  if (name) $('host-name').textContent = name;
  if (next !== 'host') $('meeting-ready').hidden = true;
}

$('new-meeting').addEventListener('click', async () => {
  await ready;
  if (state === 'off') { location.href = `/room/${randomRoomName()}`; return; }
  if (state === 'signedOut') {
    $('host-form').hidden = false;
    $('new-meeting').hidden = true;
    $('host-account').focus();
    return;
  }
  await startMeeting();
});

$('host-form').addEventListener('submit', async (/** @type {Event} */ ev) => {
  ev.preventDefault();
  $('host-error').hidden = true;
  try {
    const name = await signIn($('host-account').value.trim(), $('host-password').value);
    $('host-password').value = '';
    $('host-form').hidden = true;
    $('new-meeting').hidden = false;
    show('host', name);
    await startMeeting();
  } catch (e) {
    $('host-error').textContent = e instanceof Error ? e.message : String(e);
    $('host-error').hidden = false;
  }
});

$('host-cancel').addEventListener('click', () => { $('host-form').hidden = true; $('new-meeting').hidden = false; });

$('sign-out').addEventListener('click', async () => {
  await signOut().catch(() => {});
  show('signedOut');
});

async function startMeeting() {
  try {
    const meeting = await openMeeting($('lobby-choice').checked);
    const link = new URL(meeting.url, location.origin).toString();
    $('meeting-url').value = link;
    $('meeting-join').href = meeting.url;
    $('meeting-note').textContent = meeting.lobby ? 'Guests wait in the lobby until you or another host let them in.' : 'Anyone with the link joins at once.';
    $('meeting-ready').hidden = false;
    await copy(link);
  } catch (e) {
    if (/** @type {any} */ (e)?.status === 401) show('signedOut');
    $('host-error').textContent = e instanceof Error ? e.message : String(e);
    $('host-error').hidden = false;
    if (state === 'signedOut') { $('host-form').hidden = false; $('new-meeting').hidden = true; }
  }
}

/** @param {string} link */
async function copy(link) {
  try {
    await navigator.clipboard.writeText(link);
    $('copy-status').textContent = 'Link copied.';
  } catch {
    $('meeting-url').select();
  }
}

$('copy-link').addEventListener('click', () => copy($('meeting-url').value));

document.getElementById('join-form')?.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ (document.getElementById('room-name'));
  const room = roomFromInput(input.value);
  const error = /** @type {HTMLElement} */ (document.getElementById('start-error'));
  if (!room) {
    error.textContent = 'A room name uses letters, digits, "-" and "_" (up to 128).';
    error.hidden = false;
    return;
  }
  location.href = `/room/${encodeURIComponent(room)}`;
});
