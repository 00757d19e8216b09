/** Entry point: wires the header, composer, recorder, results and upload panel to one QueryState. */
import { ApiError, countsOf, displayName, getInfo, mediaSrc, type Counts, type Hit } from './api.ts';
import { renderChips } from './composer.ts';
import { byId } from './dom.ts';
import { catchPageDrops, setupDropzone } from './dropzone.ts';
import { renderFilters, renderInfo, renderOffline } from './header.ts';
import { icon } from './icons.ts';
import { LocalMode } from './local-mode.ts';
import { setupGenerate } from './generate.ts';
import { guessKind } from './kinds.ts';
import { recordingName, setupRecorder } from './recorder.ts';
import { SearchController } from './search-controller.ts';
import { setJsonBodyLimit } from './search-request.ts';
import { QueryState } from './state.ts';
import { setupTokenDialog } from './token-dialog.ts';
import { captureTokenFromUrl } from './token.ts';
import { uploadAll } from './uploader.ts';

captureTokenFromUrl();

const state = new QueryState();
const textBox = byId<HTMLInputElement>('q');
const chips = byId<HTMLUListElement>('chips');
const message = byId<HTMLParagraphElement>('composer-msg');
const clearButton = byId<HTMLButtonElement>('clear');
const uploadPanel = byId<HTMLDetailsElement>('upload-panel');
let counts: Counts = {};

function say(text: string): void {
  message.textContent = text;
  message.hidden = !text;
}

async function refreshInfo(): Promise<void> {
  try {
    const info = await getInfo();
    counts = countsOf(info);
    if (info.limits?.bodyBytes) setJsonBodyLimit(info.limits.bodyBytes);
    renderInfo(info, byId('model-line'), byId('counts'));
    renderFilters(byId('filters'), state, counts);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) askToken();
    renderOffline(
      byId('model-line'),
      e instanceof ApiError && e.status === 401 ? 'Access token needed' : 'Server unreachable',
    );
    renderFilters(byId('filters'), state, counts);
  }
}

const askToken = setupTokenDialog(byId('token-dialog'), byId('token-input'), () => {
  void refreshInfo();
  controller.schedule(0);
});

const local = new LocalMode({
  toggle: byId<HTMLInputElement>('local-mode'),
  status: byId('local-status'),
  onChange: () => {
    if (controller.inputs().length > 0) controller.schedule(0);
  },
});

const controller = new SearchController(state, {
  local,
  grid: byId('results'),
  status: byId('results-status'),
  textBox,
  onUnauthorized: () => askToken(),
  actions: {
    useAsQuery: (hit: Hit) => {
      if (hit.modality === 'text') return;
      state.add({ kind: hit.modality, label: displayName(hit), itemId: hit.id, preview: mediaSrc(hit) });
      textBox.scrollIntoView({ block: 'nearest' });
    },
  },
});

function addQueryFiles(files: File[]): void {
  say('');
  for (const file of files) {
    const kind = guessKind(file.name, file.type);
    if (!kind) {
      say(`${file.name}: not an image, sound, video, depth, thermal or IMU file.`);
      continue;
    }
    state.add({ kind, label: file.name, file, preview: URL.createObjectURL(file) });
  }
}

state.onChange((reason) => {
  if (reason === 'inputs') {
    renderChips(chips, state);
    clearButton.hidden = state.inputs.length === 0;
  }
  controller.schedule(reason === 'weights' ? 350 : 0);
});

byId<HTMLFormElement>('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void controller.run();
});

function textToChip(): void {
  const text = textBox.value.trim();
  if (!text) return;
  textBox.value = '';
  state.add({ kind: 'text', label: text, text });
}

byId('add-text').append(icon('plus'));
byId('add-text').addEventListener('click', textToChip);
textBox.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && e.altKey) {
    e.preventDefault();
    textToChip();
  }
});
document.addEventListener('keydown', (e) => {
  const typing =
    e.target instanceof HTMLInputElement ||
    e.target instanceof HTMLTextAreaElement ||
    e.target instanceof HTMLSelectElement;
  if (e.key === '/' && !typing) {
    e.preventDefault();
    textBox.focus();
  }
});

clearButton.addEventListener('click', () => {
  textBox.value = '';
  state.clear();
  say('');
  textBox.focus();
});

byId<HTMLSelectElement>('k').addEventListener('change', (e) => {
  state.k = Number((e.target as HTMLSelectElement).value);
  state.emit('filters');
});

setupDropzone(byId('dropzone'), byId('query-files'), addQueryFiles);
catchPageDrops(addQueryFiles);
setupRecorder({
  button: byId('mic'),
  timer: byId('rec-timer'),
  message: say,
  onRecording: (blob, ms) => {
    say('');
    const name = recordingName(blob, ms);
    state.add({
      kind: 'audio',
      label: name,
      file: new File([blob], name, { type: blob.type }),
      preview: URL.createObjectURL(blob),
    });
  },
});

async function indexFiles(files: File[]): Promise<void> {
  uploadPanel.open = true;
  const kind = byId<HTMLSelectElement>('upload-kind').value;
  const summary = await uploadAll(files, kind, byId('upload-list'));
  await refreshInfo();
  if (summary.ok > 0 && controller.inputs().length > 0) controller.schedule(0);
}

setupDropzone(byId('upload-drop'), byId('upload-files'), (files) => void indexFiles(files));
byId('upload-toggle').prepend(icon('upload', 16));
byId('upload-toggle').addEventListener('click', () => {
  uploadPanel.open = true;
  uploadPanel.scrollIntoView({ behavior: 'smooth', block: 'start' });
  byId('upload-drop').focus({ preventScroll: true });
});
byId('token-button').append(icon('key'));
byId('token-button').addEventListener('click', () => askToken());
for (const el of Array.from(document.querySelectorAll('.dropzone-icon'))) el.append(icon('upload', 22));
document.querySelector('.searchbar-icon')?.append(icon('search'));
byId('mic').prepend(icon('mic', 16));

setupGenerate({
  button: byId<HTMLButtonElement>('generate'),
  panel: byId('generated'),
  inputs: () => controller.inputs(),
  onUnauthorized: () => askToken(),
});

controller.welcome();
void refreshInfo();
