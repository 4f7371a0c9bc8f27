// @ts-check
/**
 * Encodes data for the signaling `data` message: strings travel as text, bytes as base64.
 * @param {Uint8Array | string} data
 * @returns {{ payload: string, encoding: 'text' | 'base64' }}
 */
export function toPayload(data) {
  if (typeof data === 'string') return { payload: data, encoding: 'text' };
  let binary = '';
  for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return { payload: btoa(binary), encoding: 'base64' };
}

/**
 * @param {string} payload
 * @param {string | undefined} encoding
 * @returns {Uint8Array}
 */
export function fromPayload(payload, encoding) {
  if (encoding === 'base64') {
    const binary = atob(payload);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }
  return new TextEncoder().encode(payload);
}

/**
 * A `publishData` message on a peer data channel (between browsers; the server never sees it):
 *
 *   0      1      3            3+n
 *   +------+------+------------+----------------+
 *   | 0x01 | n    | topic      | payload        |
 *   +------+------+------------+----------------+
 *   version, n = topic length (uint16, big endian), topic (UTF-8), payload (the rest).
 * @param {string | undefined} topic
 * @param {Uint8Array} payload
 */
export function toChannelMessage(topic, payload) {
  const t = new TextEncoder().encode(topic ?? '');
  if (t.length > 0xffff) throw new RangeError('topic too long');
  const out = new Uint8Array(3 + t.length + payload.length);
  out[0] = 1;
  out[1] = t.length >> 8;
  out[2] = t.length & 0xff;
  out.set(t, 3);
  out.set(payload, 3 + t.length);
  return out;
}

/**
 * @param {Uint8Array} bytes
 * @returns {{ topic: string | undefined, payload: Uint8Array } | undefined} undefined when malformed
 */
export function fromChannelMessage(bytes) {
  if (bytes.length < 3 || bytes[0] !== 1) return undefined;
  const n = (bytes[1] << 8) | bytes[2];
  if (bytes.length < 3 + n) return undefined;
  const topic = n ? new TextDecoder().decode(bytes.subarray(3, 3 + n)) : undefined;
  return { topic, payload: bytes.slice(3 + n) };
}
