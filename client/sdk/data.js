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
