/**
 * Runs searches: debounced while sliders move, the previous request aborted when a new one starts,
 * and the grid switched between welcome, loading, results, empty and error states.
 */
import { ApiError, type Hit } from './api.ts';
import { renderNotice, renderResults, type ResultActions } from './results.ts';
import { runSearch } from './search-request.ts';
import type { LocalMode } from './local-mode.ts';
import type { QueryInput, QueryState } from './state.ts';

export interface SearchView {
  grid: HTMLElement;
  status: HTMLElement;
  textBox: HTMLInputElement;
  actions: ResultActions;
  onUnauthorized: () => void;
  local?: LocalMode;
}

export class SearchController {
  private timer = 0;
  private inflight: AbortController | null = null;
  private hasResults = false;

  constructor(
    private readonly state: QueryState,
    private readonly v: SearchView,
  ) {}

  /** The text box counts as one more input (weight 1) so plain text search needs no chip. */
  inputs(): QueryInput[] {
    const text = this.v.textBox.value.trim();
    const typed: QueryInput[] = text ? [{ key: 0, kind: 'text', label: text, text, weight: 1, negate: false }] : [];
    return [...typed, ...this.state.inputs];
  }

  schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.run(), delayMs);
  }

  welcome(): void {
    this.hasResults = false;
    this.v.status.textContent = '';
    renderNotice(
      this.v.grid,
      'welcome',
      'Search across images, sounds, video, depth, thermal and motion',
      'Type a description and press Enter, drop a file, or record a sound. Add several inputs and weigh them to compose a query.',
    );
  }

  async run(): Promise<void> {
    clearTimeout(this.timer);
    const inputs = this.inputs();
    this.inflight?.abort();
    if (inputs.length === 0) return this.welcome();
    if (inputs.every((i) => i.negate || i.weight === 0)) {
      this.v.status.textContent = '';
      this.hasResults = false;
      return renderNotice(
        this.v.grid,
        'empty',
        'Nothing to search for',
        'Every input is subtracted or weighted 0. Give at least one input a positive weight.',
      );
    }
    if (this.state.modalities.size === 0) {
      this.hasResults = false;
      return renderNotice(
        this.v.grid,
        'empty',
        'No kinds selected',
        'Tick at least one kind under “Show results of kind”.',
      );
    }
    const ctrl = new AbortController();
    this.inflight = ctrl;
    const t0 = performance.now();
    this.v.grid.setAttribute('aria-busy', 'true');
    if (!this.hasResults) renderNotice(this.v.grid, 'loading', 'Searching…');
    this.v.status.textContent = 'Searching…';
    let hits: Hit[];
    let embeddedHere: number;
    try {
      ({ hits, embeddedHere } = await runSearch(
        { inputs, modalities: [...this.state.modalities], k: this.state.k },
        ctrl.signal,
        this.v.local,
      ));
    } catch (e) {
      if (ctrl.signal.aborted) return;
      this.v.grid.setAttribute('aria-busy', 'false');
      this.hasResults = false;
      this.v.status.textContent = '';
      if (e instanceof ApiError && e.status === 401) this.v.onUnauthorized();
      const code = e instanceof ApiError ? e.code : 'ERROR';
      renderNotice(this.v.grid, 'error', 'The search failed', `${(e as Error).message} (${code})`);
      return;
    }
    if (ctrl.signal.aborted) return;
    this.v.grid.setAttribute('aria-busy', 'false');
    const secs = ((performance.now() - t0) / 1000).toFixed(2);
    this.hasResults = hits.length > 0;
    if (hits.length === 0) {
      this.v.status.textContent = '';
      renderNotice(
        this.v.grid,
        'empty',
        'No matches',
        'Nothing of the selected kinds is indexed yet. Add files under “Add files to the index”, or widen the kinds shown.',
      );
      return;
    }
    const where = embeddedHere > 0 ? ' · embedded in this browser' : '';
    this.v.status.textContent = `${hits.length} result${hits.length === 1 ? '' : 's'} · ${secs} s${where}`;
    renderResults(this.v.grid, hits, this.v.actions);
  }
}
