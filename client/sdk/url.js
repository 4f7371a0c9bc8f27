// @ts-check
/**
 * Turns what the app passes to connect() into the WebSocket URL of /rtc:
 * `/rtc` → `ws(s)://<this page's host>/rtc`, `https://h` → `wss://h/rtc`, `wss://h/rtc` as is.
 * @param {string} url
 */
export function toSignalUrl(url) {
  const u = new URL(url, location.href);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (!u.pathname.endsWith('/rtc')) u.pathname = u.pathname.replace(/\/?$/, '/rtc');
  return u.toString();
}

/** Close codes (docs/protocol.md) → the reason `disconnected` reports. */
const REASONS = /** @type {Record<number, string>} */ ({
  1000: 'clientInitiated', 1001: 'serverShutdown', 1006: 'connectionLost', 1009: 'frameTooLarge',
  4001: 'tokenRejected', 4003: 'permissionDenied', 4004: 'roomFull', 4005: 'duplicateIdentity',
  4006: 'removed', 4007: 'roomDeleted', 4008: 'resumeFailed', 4009: 'rateLimited', 4010: 'pingTimeout',
  4011: 'slowConsumer', 4012: 'tooManyErrors', 1012: 'serverRestart', 1013: 'serverUnavailable',
});

/** @param {number} code */
export function closeReason(code) {
  return REASONS[code] ?? 'connectionLost';
}
