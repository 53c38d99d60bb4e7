// A binary min-heap of candidate merges (key, a, b) with the cluster versions they were computed at,
// so entries made stale by a later merge are skipped when popped (lazy deletion). Ties are broken
// by a, then b: the order of merges depends only on the items, not on the order pairs were found.

export class MergeHeap {
  private key: number[] = [];
  private a: number[] = [];
  private b: number[] = [];
  private va: number[] = [];
  private vb: number[] = [];
  get size() { return this.key.length; }

  private less(i: number, j: number): boolean {
    const k = this.key;
    return k[i] < k[j] || (k[i] === k[j] && (this.a[i] < this.a[j] || (this.a[i] === this.a[j] && this.b[i] < this.b[j])));
  }
  private swap(i: number, j: number) {
    const { key, a, b, va, vb } = this;
    let t = key[i]; key[i] = key[j]; key[j] = t;
    t = a[i]; a[i] = a[j]; a[j] = t;
    t = b[i]; b[i] = b[j]; b[j] = t;
    t = va[i]; va[i] = va[j]; va[j] = t;
    t = vb[i]; vb[i] = vb[j]; vb[j] = t;
  }
  push(key: number, a: number, b: number, va: number, vb: number) {
    if (a > b) { [a, b, va, vb] = [b, a, vb, va]; }
    let i = this.key.length;
    this.key.push(key); this.a.push(a); this.b.push(b); this.va.push(va); this.vb.push(vb);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  /** Removes and returns the smallest entry. */
  pop(): { key: number; a: number; b: number; va: number; vb: number } | undefined {
    const n = this.key.length;
    if (!n) return undefined;
    const top = { key: this.key[0], a: this.a[0], b: this.b[0], va: this.va[0], vb: this.vb[0] };
    this.swap(0, n - 1);
    this.key.pop(); this.a.pop(); this.b.pop(); this.va.pop(); this.vb.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n - 1 && this.less(l, m)) m = l;
      if (r < n - 1 && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m); i = m;
    }
    return top;
  }
}
