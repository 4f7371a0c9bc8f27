// The start page: a fresh meeting, or join one by name (or pasted link).
import { randomRoomName, roomFromInput } from './names.js';

document.getElementById('new-meeting')?.addEventListener('click', () => {
  location.href = `/room/${randomRoomName()}`;
});

document.getElementById('join-form')?.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ (document.getElementById('room-name'));
  const room = roomFromInput(input.value);
  const error = /** @type {HTMLElement} */ (document.getElementById('start-error'));
  if (!room) {
    error.textContent = 'A room name uses letters, digits, "-" and "_" (up to 128).';
    error.hidden = false;
    return;
  }
  location.href = `/room/${encodeURIComponent(room)}`;
});
