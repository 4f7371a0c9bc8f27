namespace Confer.Sfu.Sdp;

/// <summary>Checks a browser's answer to a subscriber offer and extracts its transport parameters.</summary>
internal static class SubscriberAnswerReader
{
    public static bool TryRead(SessionDescription offer, SessionDescription answer, out SubscriberAnswer result, out SdpError error)
    {
        result = new SubscriberAnswer("", "", default, SdpSetup.None, [], [], []);
        // RFC 3264 §6: the answer has exactly the offer's m= sections, in order.
        if (answer.Media.Count != offer.Media.Count)
        {
            error = new SdpError(SdpErrorKind.NotAnAnswer, 0, $"{answer.Media.Count} m= sections for an offer of {offer.Media.Count}");
            return false;
        }
        var accepted = new List<string>();
        var rejected = new List<string>();
        MediaDescription? first = null;
        for (int i = 0; i < offer.Media.Count; i++)
        {
            var offered = offer.Media[i];
            var answered = answer.Media[i];
            if (answered.Kind != offered.Kind || (answered.Mid is not null && answered.Mid != offered.Mid))
            {
                error = new SdpError(SdpErrorKind.NotAnAnswer, 0, $"m= section {i} is {answered.Kind} mid {answered.Mid}, offered {offered.Kind} mid {offered.Mid}");
                return false;
            }
            if (offered.Port == 0) continue;
            if (answered.Port == 0)
            {
                rejected.Add(offered.Mid ?? "");
                continue;
            }
            accepted.Add(offered.Mid ?? "");
            first ??= answered;
        }
        if (first is null)
        {
            result = new SubscriberAnswer("", "", default, SdpSetup.None, accepted, rejected, []);
            error = SdpError.None;
            return true;   // nothing accepted: no transport to check
        }

        // RFC 8843 §7.3.1: the transport attributes of the BUNDLE tag's section count; media level over session level.
        string? ufrag = first.IceUfrag ?? answer.IceUfrag;
        string? pwd = first.IcePwd ?? answer.IcePwd;
        if (string.IsNullOrEmpty(ufrag) || string.IsNullOrEmpty(pwd))
        {
            error = new SdpError(SdpErrorKind.MissingIceCredentials, 0, "the answer has no ice-ufrag/ice-pwd");
            return false;
        }
        var fingerprints = first.Fingerprints.Count > 0 ? first.Fingerprints : answer.Fingerprints;
        if (fingerprints.Count == 0)
        {
            error = new SdpError(SdpErrorKind.MissingFingerprint, 0, "the answer has no a=fingerprint");
            return false;
        }
        var setup = first.Setup != SdpSetup.None ? first.Setup : answer.Setup;
        if (setup != SdpSetup.Active)
        {
            error = new SdpError(SdpErrorKind.BadSetup, 0, $"a=setup:{SdpEnums.Name(setup) ?? "(none)"}, the SFU is passive so the answer must be active");
            return false;
        }
        var candidates = answer.Media.Where(m => m.Port != 0).SelectMany(m => m.Candidates).Distinct().ToList();
        result = new SubscriberAnswer(ufrag, pwd, fingerprints[0], setup, accepted, rejected, candidates);
        error = SdpError.None;
        return true;
    }
}
