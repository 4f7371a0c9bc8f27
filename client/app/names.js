// Room names: fresh ones for "New meeting", and what a person typed or pasted.

const LETTERS = 'abcdefghijkmnopqrstuvwxyz';

/** A fresh, hard-to-guess room name like `kfw-qbzr-tme`. */
export function randomRoomName() {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const chars = [...bytes].map((b) => LETTERS[b % LETTERS.length]);
  return `${chars.slice(0, 3).join('')}-${chars.slice(3, 7).join('')}-${chars.slice(7).join('')}`;
}

/**
 * The room name in what a person typed: a bare name or a whole invite link.
 * @param {string} text
 * @returns {string | null}
 */
export function roomFromInput(text) {
  let name = text.trim();
  const m = name.match(/\/room\/([^/?#]+)/);
  if (m) name = decodeURIComponent(m[1]);
  return /^[A-Za-z0-9_-]{1,128}$/.test(name) ? name : null;
}

/** Initials for an avatar. @param {string} name */
export function initials(name) {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}
