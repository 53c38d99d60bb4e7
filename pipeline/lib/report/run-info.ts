// Run info for the report: the data version (hash of the sheet), the code version (git commit) and
// the time. The one place in the outputs where wall-clock time appears.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import type { RunInfo } from './html.ts';

/** params.yaml `report:` (a missing section or key takes these values). */
export interface ReportParams {
  title: string;
  /** Face thumbnails embedded in the HTML: JPEG, this many pixels square. */
  thumb_px: number;
  /** Faces shown per person in the gallery; the rest are counted. */
  gallery_max_faces: number;
  /** Example crops shown per quality gate among the rejected faces. */
  gate_examples: number;
  contact_sheet: { face_px: number; max_faces: number };
  /** Print reports/influencers.pdf with headless Chromium (false where no browser is installed). */
  pdf: boolean;
  chromium: string;
}

export const REPORT_DEFAULTS: ReportParams = {
  title: 'Influencer report', thumb_px: 96, gallery_max_faces: 200, gate_examples: 12,
  contact_sheet: { face_px: 96, max_faces: 16 }, pdf: true, chromium: '/usr/bin/chromium',
};

export function reportParams(p: Partial<ReportParams> | undefined): ReportParams {
  return { ...REPORT_DEFAULTS, ...(p ?? {}), contact_sheet: { ...REPORT_DEFAULTS.contact_sheet, ...(p?.contact_sheet ?? {}) } };
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function git(dir: string, args: string[]): string | null {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The commit of the code in `codeDir`, noting uncommitted changes to tracked files of the pipeline. */
export function codeVersion(codeDir: string): string | null {
  const head = git(codeDir, ['rev-parse', 'HEAD']);
  if (!head) return null;
  const dirty = git(codeDir, ['status', '--porcelain', '--untracked-files=no', '--', 'pipeline']);
  return dirty ? `${head} (with uncommitted changes to pipeline/)` : head;
}

/**
 * `sheet`: the input sheet, or the batch files. With several batches the data version is the
 * sha256 of their "name<TAB>sha256" lines (any file added, removed or changed changes it).
 */
export async function runInfo(sheet: string | string[] | null, codeDir: string, tables: Record<string, number>, now = new Date()): Promise<RunInfo> {
  const files = sheet === null ? [] : Array.isArray(sheet) ? sheet : [sheet];
  let dataVersion: string | null = null;
  if (files.length === 1) dataVersion = existsSync(files[0]) ? await sha256File(files[0]) : null;
  else if (files.length > 1 && files.every((f) => existsSync(f))) {
    const lines = await Promise.all(files.map(async (f) => `${f}\t${await sha256File(f)}\n`));
    dataVersion = createHash('sha256').update(lines.join('')).digest('hex');
  }
  return {
    generated_at: now.toISOString(),
    data_version: dataVersion,
    sheet: files.length ? files.join(', ') : null,
    code_version: codeVersion(codeDir),
    node: process.version,
    tables,
  };
}
