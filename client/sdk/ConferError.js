// @ts-check
/**
 * The one error type the SDK throws or rejects with. `code` is stable and machine readable;
 * `message` is a sentence for people.
 *
 * Codes: `invalid_argument`, `connection_failed`, `token_rejected`, `permission_denied`
 * (server grant), `device_denied` (camera/microphone permission), `device_not_found`,
 * `device_error`, `not_connected`, `publish_failed`, `server_error`, `closed`; on the `serverError`
 * event, the server's own error code (`sdp_refused`, `permission_denied`…).
 */
export class ConferError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ cause?: unknown, closeCode?: number }} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ConferError';
    /** @readonly */
    this.code = code;
    /** WebSocket close code when the error came from the server closing the connection. @readonly */
    this.closeCode = extra.closeCode;
  }
}

/**
 * Turns a getUserMedia / getDisplayMedia failure into a ConferError.
 * @param {unknown} e
 * @returns {ConferError}
 */
export function deviceError(e) {
  const name = e instanceof Error ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return new ConferError('device_denied', 'Permission to use the camera or microphone was denied.', { cause: e });
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return new ConferError('device_not_found', 'No camera or microphone was found.', { cause: e });
  return new ConferError('device_error', `The camera or microphone could not be started (${name || String(e)}).`, { cause: e });
}
