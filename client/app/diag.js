// The connection check page, /diag. Built only on the public SDK's runConnectionCheck.
// A token comes from #token=…, from the room page (#room=name: the token it keeps for that room), or, on a server
// that hands tokens to the page (--dev, --open-rooms), from /api/token. Nothing is joined either way.
import { runConnectionCheck } from '/sdk/confer.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const fragment = new URLSearchParams(location.hash.slice(1));
const roomName = fragment.get('room');
if (roomName) $('back').href = `/room/${encodeURIComponent(roomName)}`;

async function token() {
  const given = fragment.get('token') ?? (roomName ? sessionStorage.getItem(`confer.token:${roomName}`) : null);
  if (given) return given;
  const res = await fetch('/api/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ room: roomName ?? 'connection-check', name: 'check' }) });
  if (!res.ok) throw new Error('This server checks connections for people with an invitation link: open the check from your meeting\'s page.');
  return (await res.json()).token;
}

/** @param {import('/sdk/confer.js').CheckResult} check */
function row(check) {
  const tr = document.createElement('tr');
  tr.dataset.check = check.id;
  tr.dataset.status = check.status;
  const cells = [check.label, check.status === 'ok' ? 'Works' : check.status === 'failed' ? 'Blocked' : 'Not tried', check.detail];
  for (const text of cells) { const td = document.createElement('td'); td.textContent = text; tr.append(td); }
  /** @type {HTMLElement} */ (tr.children[1]).className = `diag-${check.status}`;
  return tr;
}

async function run() {
  $('run').disabled = true;
  $('rows').replaceChildren();
  $('summary').textContent = 'Checking…';
  $('summary').dataset.best = '';
  try {
    const report = await runConnectionCheck('/rtc', await token(), { onCheck: (c) => $('rows').append(row(c)) });
    $('summary').replaceChildren(...report.summary.map((s) => Object.assign(document.createElement('p'), { textContent: s })));
    $('summary').dataset.best = report.best;
  } catch (e) {
    $('summary').textContent = e instanceof Error ? e.message : String(e);
    $('summary').dataset.best = 'error';
  } finally {
    $('run').disabled = false;
  }
}

$('run').onclick = () => run();
run();
