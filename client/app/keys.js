// @ts-check
// Keyboard shortcuts for the call. Single keys act only when the focus is not in a text field (typing a chat
// message never toggles the microphone); each key clicks the same button a mouse would. The list is in the
// help dialog (room.html) and in each button's aria-keyshortcuts.

/** @type {Record<string, string>} key → button id */
const KEYS = {
  m: 'mic', v: 'cam', s: 'screen', h: 'hand', e: 'react', c: 'chat', p: 'people', d: 'diag', ',': 'settings',
  i: 'invite', '?': 'help', '[': 'page-prev', ']': 'page-next',
};

/**
 * @param {{ inCall: () => boolean, unpin: () => void, react: (index: number) => boolean }} hooks
 */
export function installShortcuts(hooks) {
  document.addEventListener('keydown', (ev) => {
    if (!hooks.inCall() || ev.defaultPrevented || ev.isComposing) return;
    const el = /** @type {HTMLElement | null} */ (ev.target instanceof HTMLElement ? ev.target : null);
    const typing = !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    if (ev.ctrlKey && ev.shiftKey && !ev.altKey && ev.key.toLowerCase() === 'l') {
      ev.preventDefault();
      click('leave');
      return;
    }
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (document.querySelector('dialog[open]')) return; // the shortcut list, a host's unmute request, End meeting
    const key = ev.key.toLowerCase();
    if (/^[1-6]$/.test(key) && hooks.react(Number(key) - 1)) { ev.preventDefault(); return; }
    if (key === 'u') { ev.preventDefault(); hooks.unpin(); return; }
    const id = KEYS[key];
    if (!id) return;
    ev.preventDefault();
    click(id);
  });
}

/** @param {string} id */
function click(id) {
  const b = /** @type {HTMLButtonElement | null} */ (document.getElementById(id));
  if (b && !b.disabled) b.click();
}
