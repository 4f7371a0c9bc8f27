// @ts-check
// Raised hands and reactions, carried as the SDK's data messages on their own topics:
//   confer.hand      {"raised": true|false, "at": <ms since epoch when raised>}
//   confer.reaction  {"emoji": "<one of REACTIONS>"}
// Hands are listed in the order raised (by the raiser's `at`). Someone joining late learns who has a hand up
// because each raiser announces it again to them; a hand goes down when its owner lowers it or leaves.

export const HAND_TOPIC = 'confer.hand';
export const REACTION_TOPIC = 'confer.reaction';
export const REACTIONS = ['👍', '❤️', '😂', '🎉', '👏', '😮'];

/** @typedef {import('/sdk/confer.js').Room} Room */

export class Social {
  /** identity → when raised. @type {Map<string, number>} */
  #raised = new Map();
  #room;
  /** Called when the list of raised hands changes. */
  onHands = () => {};
  /** Called for each reaction to show (ours too). @type {(identity: string, emoji: string) => void} */
  onReaction = () => {};

  /** @param {Room} room */
  constructor(room) {
    this.#room = room;
    room.on('dataReceived', (payload, p, topic) => {
      if (!p || (topic !== HAND_TOPIC && topic !== REACTION_TOPIC)) return;
      const msg = parse(payload);
      if (!msg) return;
      if (topic === HAND_TOPIC && typeof msg.raised === 'boolean') {
        const at = typeof msg.at === 'number' && Number.isFinite(msg.at) ? msg.at : Date.now();
        this.#set(p.identity, msg.raised ? at : null);
      } else if (topic === REACTION_TOPIC && typeof msg.emoji === 'string' && REACTIONS.includes(msg.emoji)) {
        this.onReaction(p.identity, msg.emoji);
      }
    });
    room.on('participantConnected', (p) => {
      const mine = this.#raised.get(room.localParticipant.identity);
      if (mine !== undefined) this.#send(HAND_TOPIC, { raised: true, at: mine }, [p.identity]);
    });
    room.on('participantDisconnected', (p) => this.#set(p.identity, null));
  }

  /** Identities with a raised hand, first raised first. */
  get hands() { return [...this.#raised].sort((a, b) => a[1] - b[1]).map(([id]) => id); }

  get handRaised() { return this.#raised.has(this.#room.localParticipant.identity); }

  /** @param {boolean} raised */
  async setHand(raised) {
    const at = Date.now();
    this.#set(this.#room.localParticipant.identity, raised ? at : null);
    await this.#send(HAND_TOPIC, { raised, at });
  }

  /** @param {string} emoji */
  async react(emoji) {
    if (!REACTIONS.includes(emoji)) return;
    this.onReaction(this.#room.localParticipant.identity, emoji);
    await this.#send(REACTION_TOPIC, { emoji });
  }

  /** @param {string} identity @param {number | null} at */
  #set(identity, at) {
    const had = this.#raised.get(identity);
    if (at === null ? had === undefined : had === at) return;
    if (at === null) this.#raised.delete(identity); else this.#raised.set(identity, at);
    this.onHands();
  }

  /** @param {string} topic @param {object} body @param {string[]} [to] */
  async #send(topic, body, to) {
    if (this.#room.remoteParticipants.size === 0) return;
    await this.#room.localParticipant.publishData(JSON.stringify(body), { topic, reliable: true, ...(to ? { destinationIdentities: to } : {}) });
  }
}

/** @param {Uint8Array} payload @returns {Record<string, unknown> | null} */
function parse(payload) {
  if (payload.length > 1024) return null;
  try {
    const v = JSON.parse(new TextDecoder().decode(payload));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch { return null; }
}
