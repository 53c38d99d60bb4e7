// The chart libraries inlined into the HTML report (from node_modules, never a CDN), so it renders offline.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

export interface VendorScript { name: string; version: string; code: string }

const require = createRequire(import.meta.url);

/** The package folder of an installed package (some packages do not export package.json). */
function packageDir(name: string): string {
  const entry = require.resolve(name);
  const marker = `${sep}node_modules${sep}${name}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`report: cannot find the package folder of ${name} (resolved ${entry})`);
  return entry.slice(0, at + marker.length - 1);
}

/** vega, vega-lite and vega-embed (UMD builds, in load order: each defines a global the next uses). */
export function vendorScripts(): VendorScript[] {
  return [['vega', 'build/vega.min.js'], ['vega-lite', 'build/vega-lite.min.js'], ['vega-embed', 'build/vega-embed.min.js']].map(([name, file]) => {
    const dir = packageDir(name);
    const code = readFileSync(join(dir, file), 'utf8');
    // Inside <script>, only "</script" (and "<!--" before a "<script") can end the element early.
    if (/<\/script|<!--/i.test(code)) throw new Error(`report: ${name}/${file} contains "</script" or "<!--" and cannot be inlined as is`);
    return { name, version: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version as string, code };
  });
}
