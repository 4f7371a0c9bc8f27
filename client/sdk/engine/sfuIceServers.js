// @ts-check

/**
 * The ICE servers for the two connections to Confer's SFU: the server's list without STUN, and without TURN over UDP
 * on the STUN port.
 *
 * The SFU's UDP candidate is the STUN/TURN port itself (one port for TURN and media, docs/protocol.md). Chromium gathers
 * its host, server-reflexive and TURN-over-UDP candidates on one shared socket, and takes every packet that comes from a
 * STUN or TURN server's address and port for an answer to its own STUN or TURN requests: the answers to its ICE checks
 * of the SFU's UDP candidate would be dropped there as unknown, and the connection would fall back to TCP or a relay.
 * Neither is of use here anyway: the SFU learns a browser's address from its checks (a server-reflexive candidate adds
 * nothing), and a browser that reaches the port over UDP reaches the SFU's candidate on it directly. TURN over TCP and
 * TLS, and over UDP on another port (`--turn-udp-port 443`), stay: they carry a browser whose network blocks that port.
 * @param {RTCIceServer[]} servers
 * @returns {RTCIceServer[]}
 */
export function sfuIceServers(servers) {
  /** @type {Set<string>} */
  const stunPorts = new Set();
  for (const s of servers) for (const url of urlsOf(s)) if (/^stun:/i.test(url)) stunPorts.add(portOf(url));
  return servers.map((s) => {
    const kept = urlsOf(s).filter((url) => !/^stun:/i.test(url) && !(/^turn:/i.test(url) && !/transport=tcp/i.test(url) && stunPorts.has(portOf(url))));
    return kept.length === urlsOf(s).length ? s : { ...s, urls: kept };
  }).filter((s) => urlsOf(s).length > 0);
}

/** @param {RTCIceServer} s */
function urlsOf(s) {
  return Array.isArray(s.urls) ? s.urls : [s.urls];
}

/** The port of a stun:/turn: URL (RFC 7064, RFC 7065), "3478" when it has none. @param {string} url */
function portOf(url) {
  const hostPort = url.replace(/^[a-z]+:/i, '').split('?')[0];
  const m = /:(\d+)$/.exec(hostPort);
  return m ? m[1] : '3478';
}
