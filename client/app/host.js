// @ts-check
// The app's way in when the operator sets up hosts (docs/protocol.md, "Hosts, the lobby and moderation"): host sign-in,
// opening a meeting, and asking to join one. The server mints every token; the page never holds a secret (the host
// session is an HttpOnly cookie the page cannot read).

/**
 * @typedef {{ token: string, identity: string, url: string, host?: boolean }} Admission a token to join with
 * @typedef {{ wait: string, message?: string }} Waiting a lobby ticket to ask again with
 */

/** A refusal in words a person can read, with the HTTP status it came with. */
export class JoinRefused extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<{ status: number, json: any }>}
 */
async function call(method, path, body) {
  const res = await fetch(path, {
    method, credentials: 'same-origin',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const json = res.status === 204 ? null : await res.json().catch(() => null);
  return { status: res.status, json };
}

/**
 * Whether this server has hosts, and whether this browser is signed in as one.
 * @returns {Promise<{ state: 'off' | 'signedOut' | 'host', name?: string }>}
 */
export async function hostSession() {
  const { status, json } = await call('GET', '/api/host/session');
  if (status === 200) return { state: 'host', name: json?.name };
  if (status === 401) return { state: 'signedOut' };
  return { state: 'off' };
}

/**
 * @param {string} account an account name, or with the shared host password the name to show
 * @param {string} password
 * @returns {Promise<string>} the host's name
 */
export async function signIn(account, password) {
  const { status, json } = await call('POST', '/api/host/session', { ...(account ? { account } : {}), password });
  if (status === 200) return json.name;
  if (status === 401) throw new JoinRefused('That name or password is not right.', status);
  if (status === 429) throw new JoinRefused('Too many tries. Wait a minute and try again.', status);
  throw new JoinRefused(json?.error ?? `Signing in failed (${status}).`, status);
}

export async function signOut() { await call('DELETE', '/api/host/session'); }

/**
 * Opens a new meeting (we must be a signed-in host).
 * @param {boolean} lobby guests wait until a host lets them in
 * @returns {Promise<{ room: string, url: string, lobby: boolean }>}
 */
export async function openMeeting(lobby) {
  const { status, json } = await call('POST', '/api/meetings', { lobby });
  if (status === 200) return json;
  throw new JoinRefused(status === 401 ? 'Your host session ended. Sign in again.' : json?.error ?? `The meeting could not be opened (${status}).`, status);
}

/**
 * Asks to join a room: a token at once (hosts, open rooms), or a lobby ticket to wait with.
 * @param {string} room @param {string} name
 * @returns {Promise<Admission | Waiting>}
 */
export async function askToJoin(room, name) {
  const { status, json } = await call('POST', '/api/join', { room, name });
  if (status === 200 || status === 202) return json;
  throw refusal(status, json);
}

/**
 * Asks again while waiting in the lobby.
 * @param {string} room @param {string} ticket
 * @returns {Promise<Admission | Waiting>}
 */
export async function askAgain(room, ticket) {
  const { status, json } = await call('POST', `/api/join/${encodeURIComponent(ticket)}`, { room });
  if (status === 200 || status === 202) return json;
  throw refusal(status, json);
}

/**
 * Stops waiting: hosts no longer see us in the lobby (best effort; the server forgets us anyway when we stop asking).
 * @param {string} room @param {string} ticket
 */
export async function leaveLobby(room, ticket) {
  try { await call('DELETE', `/api/join/${encodeURIComponent(ticket)}`, { room }); } catch { /* gone either way */ }
}

/** @param {number} status @param {any} json */
function refusal(status, json) {
  const text = /** @type {Record<number, string>} */ ({
    403: 'A host did not let you into this meeting.',
    404: 'This meeting has not started yet. The host starts it by opening the link; try again then.',
    410: 'You are no longer waiting to join. Ask again.',
    429: 'Too many people are asking to join right now. Try again in a minute.',
  })[status];
  return new JoinRefused(json?.error ?? text ?? `The server refused to let you in (${status}).`, status);
}
