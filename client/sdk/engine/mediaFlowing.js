// @ts-check

/**
 * Whether media flows through a received track now: a decoded video frame, or audio packets received (by the
 * receiver's `inbound-rtp` statistics); without a receiver, whether the track is unmuted.
 * @param {MediaStreamTrack} track
 * @param {RTCRtpReceiver | null} receiver
 * @returns {Promise<boolean>}
 */
export async function mediaFlowing(track, receiver) {
  if (!receiver) return !track.muted;
  let flowing = false;
  (await receiver.getStats().catch(() => null))?.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (track.kind === 'video' ? (s.framesDecoded ?? 0) > 0 : (s.packetsReceived ?? 0) > 0) flowing = true;
  });
  return flowing;
}
