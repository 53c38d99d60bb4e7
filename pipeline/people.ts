// Corrections without a text editor: edits people.yaml, checks it, says what the next run changes.
//   npx tsx pipeline/people.ts name inf-0004 "Priya S."
//   npx tsx pipeline/people.ts merge inf-0002 inf-0007 [...]      (the first ID survives)
//   npx tsx pipeline/people.ts split inf-0011 --tracks vid-…-t001 [...]
//   npx tsx pipeline/people.ts same|not-same REF REF [...]         (IDs or track ids)
//   npx tsx pipeline/people.ts not-a-person REF
//   npx tsx pipeline/people.ts check                              (validates the file as it is)
// Options: --file people.yaml, --registry models/registry.json. Nothing is written when the check fails.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { applyEdit, validate, type Edit } from './lib/corrections/edit.ts';
import { CORRECTIONS_FILE, CorrectionError } from './lib/corrections/file.ts';
import { loadRegistry, REGISTRY_FILE } from './lib/registry/index.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { file: { type: 'string', default: CORRECTIONS_FILE }, registry: { type: 'string', default: REGISTRY_FILE }, tracks: { type: 'string', multiple: true } } });
const [verb, ...args] = positionals;
const usage = () => { process.stderr.write(readFileSync(import.meta.filename, 'utf8').split('\n').slice(1, 9).map((l) => l.slice(3)).join('\n') + '\n'); process.exit(2); };

function edit(): Edit | null {
  switch (verb) {
    case 'name': return args.length === 2 ? { kind: 'name', id: args[0], name: args[1] } : usage();
    case 'merge': case 'same': case 'not-same': return args.length >= 2 ? { kind: verb === 'not-same' ? 'not_same' : verb, refs: args } : usage();
    case 'split': {
      const tracks = [...(values.tracks ?? []), ...args.slice(1)].flatMap((t) => t.split(',')).filter(Boolean);
      return args.length >= 1 && tracks.length ? { kind: 'split', id: args[0], tracks } : usage();
    }
    case 'not-a-person': return args.length === 1 ? { kind: 'not_a_person', ref: args[0] } : usage();
    case 'check': return null;
    default: return usage();
  }
}

const before = existsSync(values.file) ? readFileSync(values.file, 'utf8') : '';
const e = edit();
const after = e ? applyEdit(before, e) : before;
const registry = loadRegistry(values.registry);
try {
  const changes = validate(after, e ? before : '', registry, values.file);
  if (e) writeFileSync(values.file, after);
  process.stdout.write(changes.length ? `${values.file}: the next run (./run repro) will apply\n${changes.map((c) => `  ${c}`).join('\n')}\n` : `${values.file}: nothing new\n`);
} catch (err) {
  if (!(err instanceof CorrectionError)) throw err;
  process.stderr.write(`${err.message}\n${e ? `${values.file} left unchanged\n` : ''}`);
  process.exit(1);
}
