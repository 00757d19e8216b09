/**
 * Microphone capture with MediaRecorder. The recording becomes an ordinary audio input; failures
 * (no secure context, permission denied, no device) become a message, never an exception.
 */
import { formatDuration } from './dom.ts';

export interface RecorderView {
  button: HTMLButtonElement;
  timer: HTMLElement;
  message: (text: string) => void;
  onRecording: (blob: Blob, durationMs: number) => void;
}

const MAX_MS = 30_000; // the audio encoder only looks at a few seconds; long takes just cost upload time

function explain(e: unknown): string {
  const name = (e as { name?: string }).name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'Microphone access was blocked. Allow it in the site settings, or drop an audio file instead.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'No microphone was found. Plug one in, or drop an audio file instead.';
  if (name === 'NotReadableError') return 'The microphone is busy in another application.';
  return `Recording failed: ${(e as Error).message || name || 'unknown error'}`;
}

export function recordingSupported(): boolean {
  return typeof MediaRecorder !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;
}

export function setupRecorder(v: RecorderView): void {
  if (!recordingSupported()) {
    v.button.disabled = true;
    v.button.title = window.isSecureContext ? 'This browser cannot record audio' : 'Recording needs HTTPS or localhost';
    return;
  }
  let recorder: MediaRecorder | null = null;
  let started = 0;
  let tick = 0;

  const setRecording = (on: boolean): void => {
    v.button.setAttribute('aria-pressed', String(on));
    v.button.classList.toggle('recording', on);
    v.button.setAttribute('aria-label', on ? 'Stop recording' : 'Record from microphone');
    v.timer.hidden = !on;
    v.timer.textContent = '0:00';
  };

  const stop = (): void => {
    if (recorder && recorder.state !== 'inactive') recorder.stop();
  };

  const start = async (): Promise<void> => {
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      v.message(explain(e));
      return;
    }
    const chunks: Blob[] = [];
    const rec = new MediaRecorder(stream);
    recorder = rec;
    rec.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    rec.onstop = () => {
      clearInterval(tick);
      for (const t of stream.getTracks()) t.stop();
      const ms = Date.now() - started;
      setRecording(false);
      recorder = null;
      const blob = new Blob(chunks, { type: rec.mimeType || 'audio/webm' });
      if (blob.size > 0) v.onRecording(blob, ms);
      else v.message('The recording was empty.');
    };
    rec.start(250);
    started = Date.now();
    setRecording(true);
    tick = window.setInterval(() => {
      const ms = Date.now() - started;
      v.timer.textContent = formatDuration(ms);
      if (ms >= MAX_MS) stop();
    }, 250);
  };

  v.button.addEventListener('click', () => {
    if (recorder) stop();
    else void start();
  });
}

export function recordingName(blob: Blob, ms: number): string {
  const ext = blob.type.includes('ogg') ? 'ogg' : blob.type.includes('mp4') ? 'm4a' : 'webm';
  return `recording-${formatDuration(ms).replace(':', 'm')}s.${ext}`;
}
