// A content-keyed cache of JSON results (one file per key), kept by DVC between runs
// (`persist: true`). Writes are atomic (temp file + rename), so a crash never leaves a torn entry.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../run/index.ts';

export const hashOf = (value: unknown) => createHash('sha256').update(typeof value === 'string' ? value : JSON.stringify(value)).digest('hex');

export class JsonCache<T> {
  /** @param namespace folds the params that affect the cached work into every key. */
  constructor(readonly dir: string, readonly namespace: unknown = '') {}

  private file(key: string) {
    const k = hashOf([this.namespace, key]);
    return join(this.dir, k.slice(0, 2), `${k}.json`);
  }

  async get(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.file(key), 'utf8')) as T;
    } catch {
      return undefined; // missing or unreadable entries are recomputed
    }
  }

  async put(key: string, value: T): Promise<void> {
    const f = this.file(key);
    await mkdir(join(f, '..'), { recursive: true });
    await writeFileAtomic(f, JSON.stringify(value)); // temp names are unique: two writers of one key may overlap
  }

  /** Returns the cached value or computes, stores and returns it; `computed` tells which. */
  async getOrCompute(key: string, compute: () => Promise<T>): Promise<{ value: T; computed: boolean }> {
    const hit = await this.get(key);
    if (hit !== undefined) return { value: hit, computed: false };
    const value = await compute();
    await this.put(key, value);
    return { value, computed: true };
  }
}
