// @ts-check
// How the meeting page gets its token: an invitation's token from the link; with hosts set up, POST /api/join (a host
// at once; a guest at once or after waiting in the lobby: "Waiting for the host to let you in", polled about every
// second, with Cancel); without hosts, /api/token as in --dev. Refusals come back as JoinRefused in plain words.
import { askAgain, askToJoin, hostSession, JoinRefused, leaveLobby } from './host.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/** How long to wait between asks while in the lobby (the server forgets a guest after 30 s without asking). */
const POLL_MS = 1000;
/** A bound on the lobby wait: after this long the page stops asking and says so. */
const MAX_WAIT_MS = 30 * 60 * 1000;

/** The person pressed Cancel on the waiting page. */
export class Cancelled extends Error {}

/**
 * A token for this room, waiting in the lobby if the room says so.
 * @param {string} room
 * @param {string} name
 * @param {string | null} urlToken an invitation's token from the link
 * @returns {Promise<{ url: string, token: string, host?: boolean }>}
 */
export async function admission(room, name, urlToken) {
  if (urlToken) return { url: '/rtc', token: urlToken };
  const session = await hostSession();
  if (session.state === 'off') return openToken(room, name);
  const answer = await askToJoin(room, name);
  if ('token' in answer) return answer;
  return waitInLobby(room, answer.wait);
}

/** @param {string} room @param {string} name */
async function openToken(room, name) {
  const res = await fetch('/api/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ room, name }) });
  if (res.status === 404) throw new Error('This server does not hand out tokens to the page. Ask the organiser for an invitation link.');
  if (!res.ok) throw new Error(`The server refused to let you in (${res.status}).`);
  return /** @type {{ url: string, token: string }} */ (await res.json());
}

/**
 * Shows the waiting page and asks again until a host decides, the person cancels, or the wait is too long.
 * @param {string} room @param {string} ticket
 * @returns {Promise<{ url: string, token: string }>}
 */
async function waitInLobby(room, ticket) {
  showWaiting(true);
  let cancelled = false;
  /** @type {() => void} */
  let wake = () => {};
  $('lobby-cancel').onclick = () => { cancelled = true; wake(); leaveLobby(room, ticket); };
  const started = Date.now();
  try {
    for (let asks = 0; Date.now() - started < MAX_WAIT_MS && asks < MAX_WAIT_MS / POLL_MS; asks++) {
      await new Promise((resolve) => { wake = () => resolve(undefined); setTimeout(resolve, POLL_MS); });
      if (cancelled) throw new Cancelled('You stopped asking to join.');
      let answer;
      try {
        answer = await askAgain(room, ticket);
      } catch (e) {
        if (e instanceof JoinRefused) throw e;
        $('lobby-status').textContent = 'Cannot reach the server. Still trying…'; // a network blip: keep asking
        continue;
      }
      if (cancelled) throw new Cancelled('You stopped asking to join.');
      if ('token' in answer) {
        $('lobby-status').textContent = 'A host let you in. Joining…';
        return answer;
      }
      $('lobby-status').textContent = 'You will join as soon as a host lets you in.';
    }
    throw new JoinRefused('Nobody let you in for a long time. Ask again when the host is there.', 408);
  } finally {
    showWaiting(false);
  }
}

/** @param {boolean} on */
function showWaiting(on) {
  $('prejoin').hidden = on;
  $('lobby').hidden = !on;
  // The camera preview comes along, as people check their hair while they wait.
  const preview = /** @type {MediaStream | null} */ ($('preview').srcObject);
  $('lobby-preview').srcObject = on && preview?.getVideoTracks().some((t) => t.readyState === 'live' && t.enabled) ? preview : null;
  $('lobby-preview').hidden = !$('lobby-preview').srcObject;
  if (on) { $('lobby-status').textContent = 'You will join as soon as a host lets you in.'; $('lobby-cancel').focus(); }
}
