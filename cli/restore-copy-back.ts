// `npm run restore:copy-back`: the entry point of the restore procedure's copy-back step (see cli/ledger-copy-back.ts).
import { runRestoreCopyBack } from './ledger-copy-back';

process.exitCode = await runRestoreCopyBack(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
