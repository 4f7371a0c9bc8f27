#!/usr/bin/python3
"""A WHIP publisher that is not a browser (RFC 9725): GStreamer's webrtcbin sends a VP8 test pattern and an Opus tone.

Usage: whip_publish.py URL TOKEN SECONDS
Builds videotestsrc ! vp8enc ! rtpvp8pay and audiotestsrc ! opusenc ! rtpopuspay into webrtcbin (max-bundle, sendonly),
creates the offer, waits for ICE gathering, POSTs it to URL with the bearer token, applies the answer, streams for
SECONDS (or until SIGTERM/SIGINT) and DELETEs the session resource. Prints "location <url>" once the answer is applied
and "deleted <status>" at the end; exits non-zero on any failure.
"""
import os
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

PIPELINE = (
    "webrtcbin name=send bundle-policy=max-bundle "
    "videotestsrc is-live=true pattern=smpte ! video/x-raw,width=320,height=240,framerate=15/1 ! videoconvert ! "
    "vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=400000 ! rtpvp8pay pt=96 ! "
    "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! send. "
    "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 ! "
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! send."
)


class Publisher:
    def __init__(self, url, token, seconds):
        self.url, self.token, self.seconds = url, token, seconds
        self.location = None
        self.failed = None
        self.loop = GLib.MainLoop()
        self.pipeline = Gst.parse_launch(PIPELINE)
        self.webrtc = self.pipeline.get_by_name("send")
        # libnice leaves loopback out of its candidates; the test's server is on loopback.
        # Keep the Python wrappers of webrtcbin's own objects alive: dropping them here unrefs them once too often.
        self.ice = self.webrtc.get_property("ice-agent")
        self.ice.emit("add-local-ip-address", "127.0.0.1")
        # WHIP offers sendonly sections (RFC 9725 §4.2): the request pads' transceivers only send.
        self.transceivers = [pad.get_property("transceiver") for pad in self.webrtc.sinkpads]
        for transceiver in self.transceivers:
            transceiver.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering)
        self.offered = False

    def fail(self, message):
        if self.failed is None:
            self.failed = message
            print("error " + message, flush=True)
        self.loop.quit()

    def on_negotiation_needed(self, element):
        promise = Gst.Promise.new_with_change_func(self.on_offer, element, None)
        element.emit("create-offer", None, promise)

    def on_offer(self, promise, element, _):
        promise.wait()
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply is not None and reply.has_field("offer") else None
        if offer is None:
            GLib.idle_add(lambda: self.fail("no offer: " + (reply.to_string() if reply is not None else "no reply")) or False)
            return
        element.emit("set-local-description", offer, Gst.Promise.new())

    def on_gathering(self, element, _):
        if element.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE and not self.offered:
            self.offered = True
            GLib.idle_add(self.post_offer)

    def post_offer(self):
        sdp = self.webrtc.get_property("local-description").sdp.as_text()
        if os.environ.get("WHIP_DEBUG"):
            print(sdp, file=sys.stderr, flush=True)
        request = urllib.request.Request(self.url, data=sdp.encode(), method="POST", headers={
            "Content-Type": "application/sdp", "Authorization": "Bearer " + self.token})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status != 201:
                    self.fail(f"POST answered {response.status}")
                    return False
                self.location = urllib.parse.urljoin(self.url, response.headers["Location"])
                answer_text = response.read().decode()
        except urllib.error.HTTPError as e:
            self.fail(f"POST answered {e.code}: {e.read().decode(errors='replace')}")
            return False
        except OSError as e:
            self.fail(f"POST failed: {e}")
            return False
        ok, message = GstSdp.SDPMessage.new_from_text(answer_text)
        if ok != GstSdp.SDPResult.OK:
            self.fail("the answer is not SDP")
            return False
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, message)
        self.webrtc.emit("set-remote-description", answer, Gst.Promise.new())
        print("location " + self.location, flush=True)
        GLib.timeout_add_seconds(self.seconds, self.stop)
        return False

    def stop(self):
        self.loop.quit()
        return False

    def delete(self):
        if self.location is None:
            return
        request = urllib.request.Request(self.location, method="DELETE", headers={"Authorization": "Bearer " + self.token})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                print(f"deleted {response.status}", flush=True)
        except urllib.error.HTTPError as e:
            print(f"deleted {e.code}", flush=True)
        except OSError as e:
            print(f"error DELETE failed: {e}", flush=True)

    def run(self):
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", lambda _, m: self.fail("pipeline: " + m.parse_error()[0].message))
        for signum in (signal.SIGTERM, signal.SIGINT):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, self.stop)
        GLib.timeout_add_seconds(self.seconds + 30, lambda: self.fail("timed out") or False)  # bound the whole run
        self.pipeline.set_state(Gst.State.PLAYING)
        self.loop.run()
        self.delete()
        self.pipeline.set_state(Gst.State.NULL)
        return 1 if self.failed else 0


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    Gst.init(None)
    return Publisher(sys.argv[1], sys.argv[2], int(sys.argv[3])).run()


if __name__ == "__main__":
    sys.exit(main())
