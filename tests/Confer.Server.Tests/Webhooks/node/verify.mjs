// Verifies webhooks Confer posted with LiveKit's own server SDK (the test's compatibility proof).
// stdin: a JSON array of {"body": "...", "auth": "..."}; env WEBHOOK_API_KEY, WEBHOOK_API_SECRET.
// stdout: a JSON array, one entry per input: {"ok": true, "event": {...}} or {"ok": false, "error": "..."}.
import { webcrypto } from 'node:crypto';
import { WebhookReceiver } from 'livekit-server-sdk';

// The SDK hashes with globalThis.crypto.subtle, which Node 18 (Debian 12's) has only as node:crypto's webcrypto.
if (!globalThis.crypto?.subtle) globalThis.crypto = webcrypto;

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const receiver = new WebhookReceiver(process.env.WEBHOOK_API_KEY, process.env.WEBHOOK_API_SECRET);

const str = (v) => (v === undefined || v === null ? null : String(v));
const results = [];
for (const { body, auth } of requests) {
  try {
    const e = await receiver.receive(body, auth);
    results.push({
      ok: true,
      event: {
        event: e.event,
        id: e.id,
        createdAt: str(e.createdAt),
        numDropped: e.numDropped,
        room: e.room && { sid: e.room.sid, name: e.room.name, emptyTimeout: e.room.emptyTimeout, creationTime: str(e.room.creationTime), numParticipants: e.room.numParticipants },
        participant: e.participant && { sid: e.participant.sid, identity: e.participant.identity, name: e.participant.name, metadata: e.participant.metadata, state: e.participant.state, joinedAt: str(e.participant.joinedAt), tracks: e.participant.tracks.length },
        track: e.track && { sid: e.track.sid, type: e.track.type, source: e.track.source, name: e.track.name, muted: e.track.muted },
      },
    });
  } catch (err) {
    results.push({ ok: false, error: String(err && err.message ? err.message : err) });
  }
}
process.stdout.write(JSON.stringify(results));
