// The pre-join screen: camera preview, mic and camera toggles, device pickers. It owns the preview
// tracks until Join, then hands them over to be published (no second camera start).

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

export class Prejoin {
  /** @type {MediaStreamTrack | null} */ video = null;
  /** @type {MediaStreamTrack | null} */ audio = null;
  camOn = true;
  micOn = true;
  /** Why a device is unavailable, for the message and for after Join. */
  deviceProblem = '';

  async start() {
    $('pre-mic').onclick = () => this.#toggleMic();
    $('pre-cam').onclick = () => this.#toggleCam();
    $('cam-select').onchange = () => this.#restart('video');
    $('mic-select').onchange = () => this.#restart('audio');
    await this.#open({ video: true, audio: true });
    await this.#fillDevices();
    navigator.mediaDevices.addEventListener?.('devicechange', () => this.#fillDevices());
  }

  /** @param {{ video: boolean, audio: boolean }} want */
  async #open(want) {
    const video = want.video ? this.#constraints('video') : false;
    const audio = want.audio ? this.#constraints('audio') : false;
    try {
      const s = await navigator.mediaDevices.getUserMedia({ video, audio });
      if (want.video) this.#setVideo(s.getVideoTracks()[0] ?? null);
      if (want.audio) this.audio = s.getAudioTracks()[0] ?? null;
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
  async #restart(kind) {
    if (kind === 'video') { if (this.camOn) { this.#setVideo(null); await this.#open({ video: true, audio: false }); } }
    else { this.audio?.stop(); this.audio = null; await this.#open({ video: false, audio: true }); }
  }

  async #fillDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    for (const [kind, id, current] of /** @type {const} */ ([['videoinput', 'cam-select', this.video], ['audioinput', 'mic-select', this.audio]])) {
      const select = $(id);
      const list = devices.filter((d) => d.kind === kind && d.deviceId);
      const active = current?.getSettings().deviceId;
      select.replaceChildren(...list.map((d, i) => new Option(d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}`, d.deviceId, false, d.deviceId === active)));
      if (!list.length) select.replaceChildren(new Option(kind === 'videoinput' ? 'No camera' : 'No microphone', ''));
      select.disabled = !list.length;
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
  stop() { this.video?.stop(); this.audio?.stop(); }
}
