// `npm run restore:compare`: the entry point of the restore procedure's compare step (see cli/restore-comparison.ts).
import { runRestoreCompare } from './restore-comparison';

process.exitCode = await runRestoreCompare(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
