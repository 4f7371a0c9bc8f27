// @ts-check
// What hosts see and do in the call (the people panel: who waits in the lobby with Admit / Deny, a menu per person,
// Lock room, End meeting for all), and what everyone sees of it: a host's request to unmute is a prompt, never a
// switch; a track a host turned off is said in a toast. The server enforces all of it; this only shows it.
import { RoomEvent } from '/sdk/confer.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/** @typedef {import('/sdk/confer.js').Room} Room */
/** @typedef {import('/sdk/confer.js').Participant} Participant */
/** @typedef {import('/sdk/confer.js').RemoteParticipant} RemoteParticipant */

export class Moderation {
  /** The identity whose menu is open (kept across re-renders). @type {string | null} */
  #menuFor = null;
  #room;
  #toast;
  #changed;

  /**
   * @param {Room} room
   * @param {(text: string, ms?: number) => void} toast
   * @param {() => void} changed re-render the people list and the controls
   */
  constructor(room, toast, changed) {
    this.#room = room;
    this.#toast = toast;
    this.#changed = changed;
    room.on(RoomEvent.LobbyChanged, (waiting) => {
      const before = new Set([...$('lobby-list').children].map((/** @type {HTMLElement} */ li) => li.dataset.guest));
      const arrived = waiting.filter((g) => !before.has(g.id));
      this.render();
      if (arrived.length) toast(`${arrived.map((g) => g.name).join(', ')} ${arrived.length > 1 ? 'want' : 'wants'} to join. Open People to let them in.`, 6000);
    });
    room.on(RoomEvent.RoomUpdated, () => { this.render(); toast(room.isLocked ? 'The room is locked' : 'The room is unlocked'); });
    room.on(RoomEvent.HostChanged, (p, isHost) => {
      if (p.isLocal && isHost) toast('You are now a host of this meeting', 5000);
      else if (isHost) toast(`${p.name} is now a host`);
      this.render();
      changed();
    });
    room.on(RoomEvent.UnmuteRequested, (request) => this.#askToUnmute(request));
    room.on(RoomEvent.LocalTrackStoppedByHost, (pub, action) => {
      toast(pub.source === 'camera' ? 'A host turned off your camera' : pub.source === 'microphone' ? 'A host muted your microphone'
        : action === 'unpublished' ? 'A host stopped your screen share' : 'A host turned off one of your tracks', 5000);
      changed();
    });
    $('lock-room').onclick = () => this.#act(() => room.setLocked(!room.isLocked));
    $('end-meeting').onclick = () => $('end-dialog').showModal();
    $('end-cancel').onclick = () => $('end-dialog').close();
    $('end-confirm').onclick = () => { $('end-dialog').close(); this.#act(() => room.endMeeting()); };
    this.render();
  }

  /** The host tools and the lobby list; nothing for those who are not hosts. */
  render() {
    const room = this.#room;
    const host = room.localParticipant.isHost;
    $('host-tools').hidden = !host;
    $('lock-room').textContent = room.isLocked ? 'Unlock room' : 'Lock room';
    $('lock-room').setAttribute('aria-pressed', String(room.isLocked));
    $('lock-room').title = room.isLocked ? 'Let guests with the link ask to join again' : 'Only hosts and guests you admit may join';
    const waiting = host ? room.lobby : [];
    $('lobby-box').hidden = waiting.length === 0;
    $('lobby-dot').hidden = waiting.length === 0;
    $('lobby-count').textContent = String(waiting.length);
    $('lobby-list').replaceChildren(...waiting.map((g) => {
      const li = document.createElement('li');
      li.dataset.guest = g.id;
      const name = document.createElement('span');
      name.className = 'person';
      name.textContent = g.name;
      const buttons = document.createElement('div');
      buttons.className = 'row';
      buttons.append(
        button('Admit', `Admit ${g.name}`, 'admit', 'primary small', () => this.#act(() => room.admit(g.id))),
        button('Deny', `Deny ${g.name}`, 'deny', 'secondary small', () => this.#act(() => room.deny(g.id))));
      li.append(name, buttons);
      return li;
    }));
  }

  /**
   * A person's row in the people list: a host mark for everyone; for hosts, a menu of what they may do to others.
   * @param {Participant} p
   * @param {HTMLLIElement} li
   */
  decorate(p, li) {
    if (p.isHost) {
      const badge = document.createElement('span');
      badge.className = 'host-badge';
      badge.textContent = 'Host';
      li.querySelector('.person')?.after(badge);
    }
    if (p.isLocal || !this.#room.localParticipant.isHost) return;
    const r = /** @type {RemoteParticipant} */ (p);
    const open = this.#menuFor === p.identity;
    const more = button('⋮', `More actions for ${p.name}`, 'person-more', 'secondary small', () => {
      this.#menuFor = open ? null : p.identity;
      this.#changed();
    });
    more.setAttribute('aria-expanded', String(open));
    more.setAttribute('aria-haspopup', 'true');
    li.append(more);
    if (!open) return;
    li.classList.add('menu-open');
    const menu = document.createElement('div');
    menu.className = 'person-menu';
    menu.setAttribute('role', 'menu');
    menu.setAttribute('aria-label', `Actions for ${p.name}`);
    const cam = r.getTrackPublication('camera');
    const screen = r.getTrackPublication('screen_share');
    const items = [
      r.isMicrophoneEnabled
        ? button('Mute', `Mute ${p.name}`, 'mute', 'secondary small', () => this.#act(() => r.mute(), `${p.name} is muted`))
        : button('Ask to unmute', `Ask ${p.name} to unmute`, 'ask-unmute', 'secondary small', () => this.#act(() => r.askToUnmute(), `Asked ${p.name} to unmute`)),
      cam && !cam.isMuted ? button('Stop video', `Stop ${p.name}'s video`, 'stop-video', 'secondary small', () => this.#act(() => r.stopTrack(cam))) : null,
      screen ? button('Stop screen share', `Stop ${p.name}'s screen share`, 'stop-screen', 'secondary small', () => this.#act(() => r.stopTrack(screen))) : null,
      p.isHost ? null : button('Make host', `Make ${p.name} a host`, 'make-host', 'secondary small', () => this.#act(() => r.makeHost())),
      button('Remove from meeting', `Remove ${p.name} from the meeting`, 'remove', 'stop small', () => this.#act(() => r.remove(), `${p.name} was removed`)),
    ];
    for (const item of items) if (item) { item.setAttribute('role', 'menuitem'); menu.append(item); }
    li.append(menu);
  }

  /** @param {import('/sdk/confer.js').UnmuteRequest} request */
  #askToUnmute(request) {
    const lp = this.#room.localParticipant;
    const camera = request.source === 'camera';
    if (camera ? lp.isCameraEnabled : lp.isMicrophoneEnabled) return; // already on
    $('unmute-title').textContent = camera ? `${request.fromName} asks you to turn on your camera` : 'The host asks you to unmute';
    $('unmute-text').textContent = `${request.fromName} asked. ${camera ? 'Your camera' : 'Your microphone'} stays off unless you turn it on.`;
    $('unmute-accept').textContent = camera ? 'Turn on camera' : 'Unmute';
    $('unmute-decline').textContent = camera ? 'Keep it off' : 'Stay muted';
    const dialog = $('unmute-dialog');
    $('unmute-accept').onclick = () => {
      dialog.close();
      this.#act(() => (camera ? lp.setCameraEnabled(true) : lp.setMicrophoneEnabled(true)));
    };
    $('unmute-decline').onclick = () => dialog.close();
    if (!dialog.open) dialog.showModal();
    $('unmute-decline').focus();
  }

  /** @param {() => Promise<unknown>} action @param {string} [done] said when it worked */
  async #act(action, done) {
    try {
      await action();
      if (done) this.#toast(done);
    } catch (e) {
      this.#toast(/** @type {any} */ (e)?.message ?? String(e), 5000);
    }
    this.#menuFor = null;
    this.#changed();
  }
}

/**
 * @param {string} text @param {string} label @param {string} testid @param {string} className @param {() => void} onclick
 */
function button(text, label, testid, className, onclick) {
  const b = document.createElement('button');
  b.className = className;
  b.textContent = text;
  b.dataset.testid = testid;
  b.setAttribute('aria-label', label);
  b.onclick = onclick;
  return b;
}
