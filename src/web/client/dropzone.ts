/** A drop target that is also a keyboard-operable button opening its hidden file input. */
export function setupDropzone(zone: HTMLElement, picker: HTMLInputElement, onFiles: (files: File[]) => void): void {
  const open = (): void => picker.click();
  zone.addEventListener('click', (e) => {
    if (e.target !== picker) open();
  });
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  });
  picker.addEventListener('change', () => {
    const files = Array.from(picker.files ?? []);
    picker.value = ''; // picking the same file again must fire change again
    if (files.length) onFiles(files);
  });
  let depth = 0; // dragenter/leave fire for every child; count them so the highlight does not flicker
  zone.addEventListener('dragenter', (e) => {
    e.preventDefault();
    depth++;
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => {
    if (--depth <= 0) {
      depth = 0;
      zone.classList.remove('over');
    }
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    e.stopPropagation();
    depth = 0;
    zone.classList.remove('over');
    const files = Array.from(e.dataTransfer?.files ?? []);
    if (files.length) onFiles(files);
  });
}

/** Files dropped anywhere else on the page are taken as queries instead of the browser navigating to them. */
export function catchPageDrops(onFiles: (files: File[]) => void): void {
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    const files = Array.from(e.dataTransfer?.files ?? []);
    if (files.length) onFiles(files);
  });
}
