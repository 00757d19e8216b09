/** Asks for the bearer token when the server answers 401 (or when the key button is pressed). */
import { getToken, setToken } from './token.ts';

export function setupTokenDialog(dialog: HTMLDialogElement, input: HTMLInputElement, onSaved: () => void): () => void {
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'save') return;
    setToken(input.value.trim());
    onSaved();
  });
  return () => {
    if (dialog.open) return;
    input.value = getToken();
    dialog.showModal();
    input.focus();
  };
}
