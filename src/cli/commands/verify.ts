import type { Command } from 'commander';
import { StoreError } from '../../core/errors.ts';
import { corrupt } from '../../store/integrity.ts';
import { verifyStore } from '../../store/verify.ts';

export function register(program: Command): void {
  program
    .command('verify')
    .description('check an index file fully (SQLite, duplicates, vectors, HNSW graphs); --rebuild repairs what it can')
    .option('--db <file>', 'SQLite index file', 'imagebind.db')
    .option('--rebuild', 'drop duplicate rows, rebuild every index, remove orphans and the saved HNSW graphs')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Opening a store already runs a quick check of its items table (every command refuses a damaged
store with STORE_CORRUPT); verify checks everything, vectors included, whatever the size.
Exit 0 when the store is sound (or was repaired), 2 when problems remain. Damage to the tables
themselves cannot be repaired in place: restore a backup, or re-index into a new --db.`,
    )
    .action((flags: { db: string; rebuild?: boolean; json?: boolean }) => {
      const report = verifyStore(flags.db, { rebuild: flags.rebuild });
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        process.stdout.write(`${report.file}: ${report.items} items, ${report.problems.length} problems found\n`);
        for (const p of report.problems) process.stdout.write(`  ${p.check}: ${p.detail}\n`);
        for (const r of report.repaired) process.stdout.write(`  repaired: ${r}\n`);
        if (report.repaired.length > 0)
          process.stdout.write(`after the rebuild: ${report.remaining.length} problems remain\n`);
      }
      if (report.remaining.length === 0) return;
      if (!flags.rebuild)
        throw corrupt(
          report.file,
          report.remaining.map((p) => p.detail),
        );
      throw new StoreError(
        'STORE_CORRUPT',
        `${report.file} is still damaged after the rebuild (${report.remaining[0].detail}): its tables themselves ` +
          'are damaged. Restore it from a backup, or re-index your folders into a new --db.',
      );
    });
}
