// @ts-check
// The pre-join screen: camera preview, mic and camera toggles, device pickers, a microphone level meter and
// a speaker test. It owns the preview tracks until Join, then hands them over to be published (no second
// camera start). The device pickers move into the call's settings panel and keep working there.

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

export class Prejoin {
  /** @type {MediaStreamTrack | null} */ video = null;
  /** @type {MediaStreamTrack | null} */ audio = null;
  camOn = true;
  micOn = true;
  /** Why a device is unavailable, for the message and for after Join. */
  deviceProblem = '';
  /** The chosen speakers ('' = the system's default). */
  speaker = '';
  /**
   * Set once in the call: a device picked from the lists goes to the meeting instead of the preview.
   * @type {((kind: 'audio' | 'video', deviceId: string) => Promise<void>) | null}
   */
  onDevice = null;
  /** Called when the chosen speakers change (remote audio elements follow). */
  onSpeaker = () => {};
  /** @type {AudioContext | null} */ #audioContext = null;
  /** @type {MediaStreamAudioSourceNode | null} */ #source = null;
  /** @type {AnalyserNode | null} */ #analyser = null;
  /** @type {ReturnType<typeof setInterval> | undefined} */ #meterTimer;

  async start() {
    $('pre-mic').onclick = () => this.#toggleMic();
    $('pre-cam').onclick = () => this.#toggleCam();
    $('cam-select').onchange = () => this.#pick('video');
    $('mic-select').onchange = () => this.#pick('audio');
    $('speaker-select').onchange = () => { this.speaker = $('speaker-select').value; this.onSpeaker(); };
    $('speaker-test').onclick = () => this.#testSpeakers();
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) { this.#insecure(); return; }
    await this.#open({ video: true, audio: true });
    await this.fillDevices();
    navigator.mediaDevices.addEventListener?.('devicechange', () => { this.fillDevices().catch(() => {}); });
    // Browsers start an AudioContext suspended until the person interacts with the page.
    document.addEventListener('pointerdown', () => this.#audioContext?.resume(), { once: true });
    document.addEventListener('keydown', () => this.#audioContext?.resume(), { once: true });
  }

  /** Camera and microphone exist only on secure origins; say so, and how the operator fixes it. */
  #insecure() {
    this.camOn = false;
    this.micOn = false;
    this.deviceProblem = 'Camera and microphone need HTTPS';
    const msg = $('device-message');
    msg.dataset.insecure = 'true';
    msg.textContent = `This page was opened over plain HTTP (${location.origin}), and browsers only allow the camera and `
      + 'microphone on secure (HTTPS) pages. You can still join to watch and listen. To fix it, the person who runs this '
      + 'server serves Confer over HTTPS: start it with --https-port and a certificate (--tls-cert and --tls-key), or with '
      + '--domain to get one automatically over ACME (see "HTTPS and certificates" in docs/configuration.md), then open '
      + 'the https:// address.';
    msg.hidden = false;
    for (const id of ['cam-select', 'mic-select', 'speaker-select', 'speaker-test', 'pre-mic', 'pre-cam']) $(id).disabled = true;
    for (const id of ['cam-select', 'mic-select', 'speaker-select']) $(id).replaceChildren(new Option('Needs HTTPS', ''));
    this.#render();
  }

  /** @param {{ video: boolean, audio: boolean }} want */
  async #open(want) {
    const video = want.video ? this.#constraints('video') : false;
    const audio = want.audio ? this.#constraints('audio') : false;
    try {
      const s = await navigator.mediaDevices.getUserMedia({ video, audio });
      if (want.video) this.#setVideo(s.getVideoTracks()[0] ?? null);
      if (want.audio) this.#setAudio(s.getAudioTracks()[0] ?? null);
    } catch (e) {
      if (want.video && want.audio) {
        // One of them is the problem: try each alone so the other still works.
        await this.#open({ video: false, audio: true });
        await this.#open({ video: true, audio: false });
        return;
      }
      this.#problem(want.video ? 'camera' : 'microphone', e);
    }
    this.#render();
  }

  /** @param {'audio' | 'video'} kind */
  #constraints(kind) {
    const id = $(kind === 'video' ? 'cam-select' : 'mic-select').value;
    const base = kind === 'video' ? { width: { ideal: 1280 }, height: { ideal: 720 } } : { echoCancellation: true, noiseSuppression: true };
    return id ? { ...base, deviceId: { exact: id } } : base;
  }

  /** @param {string} which @param {unknown} e */
  #problem(which, e) {
    const name = e instanceof Error ? e.name : '';
    const what = name === 'NotAllowedError' ? `Permission to use your ${which} was denied`
      : name === 'NotFoundError' ? `No ${which} was found`
      : `Your ${which} could not be started`;
    this.deviceProblem = this.deviceProblem ? `${this.deviceProblem}. ${what}` : what;
    if (which === 'camera') this.camOn = false;
    else this.micOn = false;
    const msg = $('device-message');
    msg.textContent = `${this.deviceProblem}. You can still join to watch and listen.`;
    msg.hidden = false;
  }

  /** @param {MediaStreamTrack | null} t */
  #setVideo(t) {
    this.video?.stop();
    this.video = t;
    $('preview').srcObject = t ? new MediaStream([t]) : null;
  }

  /** The level meter listens to the preview's microphone (and, in the call, to the published one). @param {MediaStreamTrack | null} t */
  #setAudio(t) {
    this.audio = t;
    this.meter(t);
  }

  /** Points the level meter at a microphone track (null: stops it). @param {MediaStreamTrack | null} t */
  meter(t) {
    this.#source?.disconnect();
    this.#source = null;
    clearInterval(this.#meterTimer);
    $('mic-level').value = 0;
    if (!t || typeof AudioContext === 'undefined') return;
    this.#audioContext ??= new AudioContext();
    this.#analyser ??= Object.assign(this.#audioContext.createAnalyser(), { fftSize: 1024 });
    this.#source = this.#audioContext.createMediaStreamSource(new MediaStream([t]));
    this.#source.connect(this.#analyser);
    const samples = new Float32Array(this.#analyser.fftSize);
    let shown = 0;
    this.#meterTimer = setInterval(() => {
      if (!this.#analyser) return;
      this.#analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const x of samples) sum += x * x;
      // RMS, scaled so speech reaches the middle; falls back slowly so the bar is readable.
      const level = t.enabled && t.readyState === 'live' ? Math.min(1, Math.sqrt(sum / samples.length) * 4) : 0;
      shown = Math.max(level, shown * 0.8);
      $('mic-level').value = shown;
      $('mic-level').dataset.peak = String(Math.max(Number($('mic-level').dataset.peak ?? 0), level));
    }, 100);
  }

  /** A one-second tone through the chosen speakers. */
  async #testSpeakers() {
    const msg = $('speaker-message');
    try {
      this.#audioContext ??= new AudioContext();
      const ctx = this.#audioContext;
      await ctx.resume();
      const dest = ctx.createMediaStreamDestination();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 440;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + 0.05);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 1);
      osc.connect(gain).connect(dest);
      const el = new Audio();
      el.srcObject = dest.stream;
      const sinkNote = await setSink(el, this.speaker);
      await el.play();
      osc.start();
      osc.stop(ctx.currentTime + 1);
      msg.textContent = `Playing a tone${sinkNote}. Did you hear it? If not, pick other speakers or turn the volume up.`;
      msg.hidden = false;
      $('speaker-test').dataset.played = 'true';
      setTimeout(() => { el.pause(); el.srcObject = null; }, 1200);
    } catch (e) {
      msg.textContent = `The tone could not be played (${e instanceof Error ? e.message : e}).`;
      msg.hidden = false;
    }
  }

  async #toggleCam() {
    this.camOn = !this.camOn;
    if (this.camOn && (!this.video || this.video.readyState !== 'live')) await this.#open({ video: true, audio: false });
    else if (!this.camOn) this.#setVideo(null); // camera light off
    this.#render();
  }

  #toggleMic() {
    this.micOn = !this.micOn;
    if (this.audio) this.audio.enabled = this.micOn;
    this.#render();
  }

  /** @param {'audio' | 'video'} kind */
  async #pick(kind) {
    const id = $(kind === 'video' ? 'cam-select' : 'mic-select').value;
    if (this.onDevice) { await this.onDevice(kind, id); return; }
    if (kind === 'video') { if (this.camOn) { this.#setVideo(null); await this.#open({ video: true, audio: false }); } }
    else { this.audio?.stop(); this.#setAudio(null); await this.#open({ video: false, audio: true }); }
  }

  /**
   * Fills the camera, microphone and speaker lists (again after a device is plugged in or out), keeping
   * the current choice selected.
   * @param {{ video?: MediaStreamTrack | null, audio?: MediaStreamTrack | null }} [current] the tracks in use (the call's, once joined)
   */
  async fillDevices(current) {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const devices = await navigator.mediaDevices.enumerateDevices();
    const lists = /** @type {const} */ ([
      ['videoinput', 'cam-select', current?.video ?? this.video, 'Camera'],
      ['audioinput', 'mic-select', current?.audio ?? this.audio, 'Microphone'],
      ['audiooutput', 'speaker-select', null, 'Speakers'],
    ]);
    for (const [kind, id, track, word] of lists) {
      const select = $(id);
      const list = devices.filter((d) => d.kind === kind && d.deviceId);
      const active = kind === 'audiooutput' ? this.speaker : track?.getSettings().deviceId ?? select.value;
      select.replaceChildren(...list.map((d, i) => new Option(d.label || `${word} ${i + 1}`, d.deviceId, false, d.deviceId === active)));
      if (!list.length) select.replaceChildren(new Option(kind === 'audiooutput' ? 'System default' : `No ${word.toLowerCase()}`, ''));
      select.disabled = !list.length && kind !== 'audiooutput';
      select.dataset.count = String(list.length);
    }
  }

  #render() {
    const cam = $('pre-cam'), mic = $('pre-mic');
    const camLive = this.camOn && !!this.video;
    cam.classList.toggle('off', !camLive); cam.classList.toggle('on', camLive);
    cam.setAttribute('aria-pressed', String(camLive)); cam.title = camLive ? 'Turn camera off' : 'Turn camera on';
    const micLive = this.micOn && !!this.audio;
    mic.classList.toggle('off', !micLive); mic.classList.toggle('on', micLive);
    mic.setAttribute('aria-pressed', String(micLive)); mic.title = micLive ? 'Turn microphone off' : 'Turn microphone on';
    $('preview-off').hidden = camLive;
    $('preview-off').textContent = this.video || this.camOn ? 'Camera is off' : 'No camera';
  }

  /** Stops the preview when leaving the page without joining. */
  stop() { this.video?.stop(); this.audio?.stop(); this.meter(null); }
}

/**
 * Routes an audio element to the chosen speakers where the browser can (setSinkId); says so when it cannot.
 * @param {HTMLMediaElement} el @param {string} deviceId
 * @returns {Promise<string>} a note for the person
 */
export async function setSink(el, deviceId) {
  const withSink = /** @type {HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> }} */ (el);
  if (!deviceId) return '';
  if (typeof withSink.setSinkId !== 'function') return ' (this browser plays it on its default speakers)';
  await withSink.setSinkId(deviceId);
  return '';
}
