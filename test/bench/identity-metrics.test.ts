// Clustering metrics of the identity benchmark against hand-computed values: the Bagga & Baldwin
// (1998) coreference example, Amigó et al. (2009)'s formal constraints, the conventions for
// missed/unlabelled items, the timeline → person mapping and the video-level items.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  appearanceItems, backgroundTracks, bcubed, creditPerson, evaluate, figuresByGroup, fscore, identityAt, pairwise, trackIdentity,
  twoPersonAccuracy, videoItems, type Credit, type Label, type TimelineSegment,
} from '../../bench/identity-metrics.ts';
import { mulberry32 } from '../../pipeline/lib/synth/index.ts';

const close = (actual: number, expected: number, what = '') =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what} ${actual} ≠ ${expected}`);

/** Labels for items listed cluster by cluster: [['a','b'],['c']] → a,b get 0; c gets 1. */
function labelsOf(clusters: string[][], items: string[]): number[] {
  const of = new Map<string, number>();
  clusters.forEach((c, i) => c.forEach((x) => of.set(x, i)));
  return items.map((x) => { const l = of.get(x); if (l === undefined) throw new Error(`item ${x} in no cluster`); return l; });
}

// Bagga & Baldwin (1998), also Amigó et al. (2009) §3: 12 items, three true entities.
const ITEMS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C'];
const TRUTH = labelsOf([['1', '2', '3', '4', '5'], ['6', '7'], ['8', '9', 'A', 'B', 'C']], ITEMS);
const RESPONSE_1 = labelsOf([['1', '2', '3', '4', '5'], ['6', '7', '8', '9', 'A', 'B', 'C']], ITEMS);
const RESPONSE_2 = labelsOf([['1', '2', '3', '4', '5', '8', '9', 'A', 'B', 'C'], ['6', '7']], ITEMS);

describe('BCubed and pairwise on the Bagga & Baldwin example', () => {
  test('response 1 (two small entities merged): BCubed P = 16/21, R = 1', () => {
    const b = bcubed(TRUTH, RESPONSE_1);
    // Items 1-5: 5/5 each; 6,7: 2/7 each; 8-C: 5/7 each → (5 + 4/7 + 25/7) / 12 = 64/84.
    close(b.precision, 64 / 84, 'P');
    close(b.recall, 1, 'R');
    close(b.f, 32 / 37, 'F');
  });
  test('response 2 (two big entities merged): BCubed P = 7/12, R = 1, worse than response 1', () => {
    const b = bcubed(TRUTH, RESPONSE_2);
    close(b.precision, (10 * 0.5 + 2) / 12, 'P');
    close(b.recall, 1, 'R');
    assert.ok(b.precision < bcubed(TRUTH, RESPONSE_1).precision);
  });
  test('pairwise: response 1 links 31 pairs, 21 right; response 2 links 46, 21 right', () => {
    const p1 = pairwise(TRUTH, RESPONSE_1);
    close(p1.precision, 21 / 31, 'P1');
    close(p1.recall, 1, 'R1');
    close(p1.f, (2 * 21 / 31) / (21 / 31 + 1), 'F1');
    const p2 = pairwise(TRUTH, RESPONSE_2);
    close(p2.precision, 21 / 46, 'P2');
    close(p2.recall, 1, 'R2');
  });
  test('swapping truth and prediction swaps precision and recall', () => {
    const a = bcubed(TRUTH, RESPONSE_1);
    const b = bcubed(RESPONSE_1, TRUTH);
    close(b.precision, a.recall);
    close(b.recall, a.precision);
    const c = pairwise(TRUTH, RESPONSE_2);
    const d = pairwise(RESPONSE_2, TRUTH);
    close(d.precision, c.recall);
    close(d.recall, c.precision);
  });
  test('the perfect clustering scores 1 under any label names', () => {
    const renamed = TRUTH.map((l) => `p${7 - l}`);
    for (const m of [bcubed(TRUTH, renamed), pairwise(TRUTH, renamed)]) {
      close(m.precision, 1); close(m.recall, 1); close(m.f, 1);
    }
  });
});

describe("Amigó et al. (2009) constraints", () => {
  test('cluster homogeneity: splitting a mixed cluster into pure parts raises precision', () => {
    const items = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'];
    const t = labelsOf([['a1', 'a2'], ['b1', 'b2'], ['c1', 'c2']], items);
    const mixed = labelsOf([['a1', 'a2', 'b1', 'b2'], ['c1', 'c2']], items);
    const pure = labelsOf([['a1', 'a2'], ['b1', 'b2'], ['c1', 'c2']], items);
    assert.ok(bcubed(t, pure).precision > bcubed(t, mixed).precision);
    assert.ok(pairwise(t, pure).precision > pairwise(t, mixed).precision);
    // Hand: mixed → a,b items 2/4 each, c items 1 → (4·0.5 + 2) / 6 = 2/3.
    close(bcubed(t, mixed).precision, 2 / 3);
  });
  test('cluster completeness: merging two clusters of the same class raises recall', () => {
    const items = ['a1', 'a2', 'a3', 'a4', 'b1'];
    const t = labelsOf([['a1', 'a2', 'a3', 'a4'], ['b1']], items);
    const split = labelsOf([['a1', 'a2'], ['a3', 'a4'], ['b1']], items);
    const merged = labelsOf([['a1', 'a2', 'a3', 'a4'], ['b1']], items);
    assert.ok(bcubed(t, merged).recall > bcubed(t, split).recall);
    // Hand: split → a items 2/4 each, b 1 → (4·0.5 + 1) / 5 = 3/5; pairs: 2 of 6 true pairs found.
    close(bcubed(t, split).recall, 3 / 5);
    close(pairwise(t, split).recall, 2 / 6);
  });
  test('rag bag: a stray item hurts less in a cluster of miscellaneous items than in a clean one', () => {
    const items = ['x1', 'x2', 'x3', 'x4', 'x5', 'm1', 'm2', 'm3', 'm4', 'm5'];
    // x is one person; m1..m5 are five different people.
    const t = labelsOf([['x1', 'x2', 'x3', 'x4', 'x5'], ['m1'], ['m2'], ['m3'], ['m4'], ['m5']], items);
    const intoClean = labelsOf([['x1', 'x2', 'x3', 'x4', 'x5', 'm5'], ['m1', 'm2', 'm3', 'm4']], items);
    const intoRagBag = labelsOf([['x1', 'x2', 'x3', 'x4', 'x5'], ['m1', 'm2', 'm3', 'm4', 'm5']], items);
    // Hand: clean → (5·5/6 + 1/6 + 4·1/4) / 10 = 16/30; rag bag → (5 + 5·1/5) / 10 = 6/10.
    close(bcubed(t, intoClean).precision, 16 / 30);
    close(bcubed(t, intoRagBag).precision, 6 / 10);
  });
  test('size vs quantity: one small error in a big cluster beats many in small ones (BCubed; pairwise ties)', () => {
    const items = ['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2', 'c1', 'c2', 'd1', 'd2', 'e1', 'e2'];
    const classes = [['a1', 'a2', 'a3', 'a4', 'a5'], ['b1', 'b2'], ['c1', 'c2'], ['d1', 'd2'], ['e1', 'e2']];
    const t = labelsOf(classes, items);
    const oneBig = labelsOf([['a1', 'a2', 'a3', 'a4'], ['a5'], ...classes.slice(1)], items);
    const manySmall = labelsOf([classes[0], ...classes.slice(1).flatMap((c) => c.map((x) => [x]))], items);
    // Hand: one big → (4·4/5 + 1/5 + 8) / 13 = 11.4/13; many small → (5 + 8·1/2) / 13 = 9/13.
    close(bcubed(t, oneBig).recall, 11.4 / 13);
    close(bcubed(t, manySmall).recall, 9 / 13);
    // Counting pairs cannot tell them apart: both find 10 of 14 true pairs.
    close(pairwise(t, oneBig).recall, 10 / 14);
    close(pairwise(t, manySmall).recall, 10 / 14);
  });
});

describe('degenerate clusterings', () => {
  const t = ['x', 'x', 'x', 'y', 'y', 'z'];
  test('all singletons: precision 1 by convention, BCubed recall = classes / items, pairwise recall 0', () => {
    const p = t.map((_, i) => i);
    const b = bcubed(t, p);
    close(b.precision, 1); close(b.recall, 3 / 6);
    const q = pairwise(t, p);
    close(q.precision, 1); close(q.recall, 0); close(q.f, 0);
  });
  test('one cluster for all: recall 1, precision = Σ|class|² / n² (BCubed)', () => {
    const p = t.map(() => 'all');
    close(bcubed(t, p).precision, (9 + 4 + 1) / 36);
    close(bcubed(t, p).recall, 1);
    close(pairwise(t, p).precision, 4 / 15);
  });
  test('fscore is the harmonic mean, 0 for (0, 0)', () => {
    close(fscore(0.5, 1), 2 / 3);
    close(fscore(0, 0), 0);
  });
  test('arrays of different lengths are an error', () => {
    assert.throws(() => bcubed(['a'], ['a', 'b']), RangeError);
  });
});

describe('evaluate: maps, missed and unlabelled items', () => {
  test('a missed item is a predicted singleton: no precision cost', () => {
    const truth = new Map([['a', 'X'], ['b', 'X'], ['c', 'Y']]);
    const pred = new Map([['a', 'p1'], ['b', 'p1']]);
    const e = evaluate(truth, pred);
    close(e.bcubed.precision, 1); close(e.bcubed.recall, 1);
    close(e.pairwise.precision, 1); close(e.pairwise.recall, 1);
    assert.deepEqual({ nItems: e.nItems, nTrue: e.nTrue, nPred: e.nPred, nFound: e.nFound, nUnassigned: e.nUnassigned, nUnlabeled: e.nUnlabeled },
      { nItems: 3, nTrue: 2, nPred: 1, nFound: 1, nUnassigned: 1, nUnlabeled: 0 });
  });
  test('a missed item of a person with other items costs recall', () => {
    const truth = new Map([['a', 'X'], ['b', 'X'], ['c', 'X']]);
    const e = evaluate(truth, new Map([['a', 'p'], ['b', 'p'], ['c', null]]));
    // BCubed R: a, b 2/3, c 1/3 → 5/9; pairs: 1 of 3.
    close(e.bcubed.recall, 5 / 9);
    close(e.pairwise.recall, 1 / 3);
    assert.equal(e.nUnassigned, 1);
  });
  test('an extra (unlabelled) item merged into a cluster costs precision; drop removes it', () => {
    const truth = new Map<string, string | null>([['a', 'X'], ['b', 'X'], ['c', 'Y']]);
    const pred = new Map([['a', 'p'], ['b', 'p'], ['c', 'p'], ['d', 'p']]);
    const e = evaluate(truth, pred);
    // Items a,b,c,d (d: its own true class): P = (2/4 + 2/4 + 1/4 + 1/4) / 4.
    close(e.bcubed.precision, 1.5 / 4);
    close(e.bcubed.recall, 1);
    close(e.pairwise.precision, 1 / 6);
    assert.equal(e.nUnlabeled, 1);
    assert.equal(e.nItems, 4);
    const d = evaluate(truth, pred, { unlabeled: 'drop' });
    close(d.bcubed.precision, (2 / 3 + 2 / 3 + 1 / 3) / 3);
    close(d.pairwise.precision, 1 / 3);
    assert.equal(d.nItems, 3);
    assert.equal(d.nUnlabeled, 1);
  });
  test('people found: the plurality person of each predicted cluster', () => {
    // p1 is mostly X, p2 mostly X too (a split), p3 is Z: Y is never a plurality → 2 found of 3.
    const truth = new Map([['1', 'X'], ['2', 'X'], ['3', 'Y'], ['4', 'X'], ['5', 'Z'], ['6', 'X']]);
    const pred = new Map([['1', 'p1'], ['2', 'p1'], ['3', 'p1'], ['4', 'p2'], ['5', 'p3'], ['6', 'p2']]);
    const e = evaluate(truth, pred);
    assert.equal(e.nTrue, 3);
    assert.equal(e.nPred, 3);
    assert.equal(e.nFound, 2);
  });
  test('evaluate equals the array functions on the same items, and numeric keys work', () => {
    const truth = new Map(ITEMS.map((x, i) => [i, TRUTH[i]] as [number, Label]));
    const pred = new Map(ITEMS.map((x, i) => [i, `c${RESPONSE_1[i]}`] as [number, Label]));
    const e = evaluate(truth, pred);
    close(e.bcubed.precision, 64 / 84);
    close(e.pairwise.precision, 21 / 31);
  });
});

describe('agreement with the textbook definitions on random clusterings', () => {
  // Naive O(n²) versions written straight from the definitions.
  function naive(t: number[], p: number[]) {
    const n = t.length;
    let bp = 0, br = 0, tp = 0, pp = 0, tt = 0;
    for (let i = 0; i < n; i++) {
      let c = 0, l = 0, both = 0;
      for (let j = 0; j < n; j++) {
        const sc = p[i] === p[j], sl = t[i] === t[j];
        if (sc) c++; if (sl) l++; if (sc && sl) both++;
        if (j > i) { if (sc) pp++; if (sl) tt++; if (sc && sl) tp++; }
      }
      bp += both / c; br += both / l;
    }
    return { bp: bp / n, br: br / n, pp: pp ? tp / pp : 1, pr: tt ? tp / tt : 1 };
  }
  test('200 random cases agree to 1e-12', () => {
    const rng = mulberry32(42);
    for (let k = 0; k < 200; k++) {
      const n = 1 + Math.floor(rng() * 40);
      const nt = 1 + Math.floor(rng() * 8), np = 1 + Math.floor(rng() * 8);
      const t = Array.from({ length: n }, () => Math.floor(rng() * nt));
      const p = Array.from({ length: n }, () => Math.floor(rng() * np));
      const want = naive(t, p);
      const b = bcubed(t, p), q = pairwise(t, p);
      close(b.precision, want.bp, `case ${k} bcubed P`);
      close(b.recall, want.br, `case ${k} bcubed R`);
      close(q.precision, want.pp, `case ${k} pairwise P`);
      close(q.recall, want.pr, `case ${k} pairwise R`);
    }
  });
});

describe('timeline → true person', () => {
  const still = { zoomFrom: 1, zoomTo: 1, panFrom: [0.5, 0.5] as const, panTo: [0.5, 0.5] as const };
  const T: TimelineSegment[] = [
    { start_s: 0, end_s: 1, kind: 'card', identities: [] },
    { start_s: 1, end_s: 4, kind: 'photo', identities: ['Ann'], motion: still, frames: 75, fps: 25 },
    { start_s: 4, end_s: 8, kind: 'pair', identities: ['Ann', 'Bob'], layout: 'stack', split: 0.5, motion: still, frames: 100, fps: 25 },
    { start_s: 8, end_s: 10, kind: 'pair', identities: ['Cid', 'Bob'], layout: 'side', split: 0.5, frames: 50, fps: 25 },
  ];
  test('faceless segments and times outside the file give null; a one-person segment its person anywhere', () => {
    assert.equal(identityAt(T, 0.5, 0.5, 0.5), null);
    assert.equal(identityAt(T, 10, 0.5, 0.5), null);
    assert.equal(identityAt(T, -1, 0.5, 0.5), null);
    assert.equal(identityAt(T, 1, 0.1, 0.9), 'Ann');
    assert.equal(identityAt(T, 3.99, 0.9, 0.1), 'Ann');
  });
  test('a pair: stacked splits on y, side by side on x', () => {
    assert.equal(identityAt(T, 5, 0.9, 0.3), 'Ann');
    assert.equal(identityAt(T, 5, 0.1, 0.7), 'Bob');
    assert.equal(identityAt(T, 9, 0.3, 0.9), 'Cid');
    assert.equal(identityAt(T, 9, 0.7, 0.1), 'Bob');
  });
  test('the pan/zoom is undone: zoomed into the top half, the bottom of the screen is still the top person', () => {
    const zoomTop: TimelineSegment = { start_s: 0, end_s: 2, kind: 'pair', identities: ['Top', 'Bottom'], layout: 'stack', split: 0.5,
      motion: { zoomFrom: 2, zoomTo: 2, panFrom: [0, 0], panTo: [0, 0] }, frames: 50, fps: 25 };
    // Window [0, 0.5] of the still: screen y 0.9 → still 0.45 (top).
    assert.equal(identityAt([zoomTop], 1, 0.5, 0.9), 'Top');
    const zoomBottom = { ...zoomTop, motion: { zoomFrom: 2, zoomTo: 2, panFrom: [0, 1] as const, panTo: [0, 1] as const } };
    // Window [0.5, 1]: screen y 0.1 → still 0.55 (bottom).
    assert.equal(identityAt([zoomBottom], 1, 0.5, 0.1), 'Bottom');
  });
  test('the zoom is interpolated over the frames', () => {
    // Zoom 1 → 2 over frames 0..10 at 10 fps, window anchored at the top (pan 0).
    const s: TimelineSegment = { start_s: 0, end_s: 1.1, kind: 'pair', identities: ['Top', 'Bottom'], layout: 'stack', split: 0.5,
      motion: { zoomFrom: 1, zoomTo: 2, panFrom: [0, 0], panTo: [0, 0] }, frames: 11, fps: 10 };
    assert.equal(identityAt([s], 0, 0.5, 0.7), 'Bottom'); // zoom 1: still 0.7
    assert.equal(identityAt([s], 0.5, 0.5, 0.7), 'Top');  // zoom 1.5: still 0.7/1.5 ≈ 0.467
    // A trimmed repost: the segment's frame 0 was 0.3 s before the file starts.
    const trimmed = { ...s, start_s: 0, end_s: 0.8, motion_start_s: -0.3 };
    assert.equal(identityAt([trimmed], 0.2, 0.5, 0.7), 'Top'); // progress 0.5 again
  });
  test('a track takes the plurality of its faces; ties prefer a person, then the smaller name', () => {
    assert.equal(trackIdentity(T, [{ tS: 5, cx: 0.5, cy: 0.2 }, { tS: 6, cx: 0.5, cy: 0.8 }, { tS: 7, cx: 0.5, cy: 0.9 }]), 'Bob');
    assert.equal(trackIdentity(T, [{ tS: 0.2, cx: 0.5, cy: 0.5 }, { tS: 0.6, cx: 0.5, cy: 0.5 }, { tS: 2, cx: 0.5, cy: 0.5 }]), null);
    assert.equal(trackIdentity(T, [{ tS: 0.2, cx: 0.5, cy: 0.5 }, { tS: 2, cx: 0.5, cy: 0.5 }]), 'Ann');
    assert.equal(trackIdentity(T, [{ tS: 5, cx: 0.5, cy: 0.8 }, { tS: 5, cx: 0.5, cy: 0.2 }]), 'Ann');
    assert.equal(trackIdentity(T, []), null);
  });
});

describe('video-level items', () => {
  const truth = new Map<string, string[]>([
    ['v1', ['Ann']], ['v2', ['Ann']], ['v3', ['Bob']], ['v4', ['Bob']],
    ['v5', []], ['v6', ['Ann', 'Bob']], ['v7', ['Ann', 'Bob']],
  ]);
  const pred = new Map([
    ['v1', [{ id: 'inf-1', weight: 0.4 }]],
    ['v2', [{ id: 'inf-2', weight: 0.1 }, { id: 'inf-1', weight: 0.3 }]],
    ['v3', [{ id: 'inf-2', weight: 0.5 }]],
    // v4: nobody found
    ['v5', [{ id: 'inf-3', weight: 0.2 }]],
    ['v6', [{ id: 'inf-1' }, { id: 'inf-2' }]],
    ['v7', [{ id: 'inf-1' }]],
    ['v9', [{ id: 'inf-1' }]],
  ]);
  const items = videoItems(truth, pred);
  test('one item per one-person video, labelled by the top-weighted predicted ID', () => {
    assert.deepEqual([...items.truth], [['v1', 'Ann'], ['v2', 'Ann'], ['v3', 'Bob'], ['v4', 'Bob']]);
    assert.deepEqual([...items.predicted], [['v1', 'inf-1'], ['v2', 'inf-1'], ['v3', 'inf-2'], ['v4', null]]);
  });
  test('counts of missed, extra and multi-person videos', () => {
    assert.deepEqual(items.counts, {
      videos: 7, byTruePeople: { none: 1, one: 4, two: 2, more: 0 }, missed: 1, extra: 2, falseVideos: 1,
      multi: { zero: 0, one: 1, two: 1, more: 0 }, unknownVideos: 1,
    });
  });
  test('evaluated: Ann perfect, Bob split by the miss', () => {
    const e = evaluate(items.truth, items.predicted);
    close(e.bcubed.precision, 1);
    close(e.bcubed.recall, (1 + 1 + 0.5 + 0.5) / 4);
    close(e.pairwise.recall, 1 / 2);
    assert.equal(e.nPred, 2);
    assert.equal(e.nFound, 2);
  });
});

test('background tracks: a larger face of the same label in every frame of the track', () => {
  const faces = [
    // Frame 1: main face of A (track m), a smaller background face labelled A (track bg), a face of B (track b).
    { track: 'm', frame: 'v/1', h: 100, label: 'A' }, { track: 'bg', frame: 'v/1', h: 40, label: 'A' }, { track: 'b', frame: 'v/1', h: 30, label: 'B' },
    // Frame 2: the background face alone in one frame would make it a main face; here the main face is there too.
    { track: 'm', frame: 'v/2', h: 90, label: 'A' }, { track: 'bg', frame: 'v/2', h: 45, label: 'A' },
    // Track 'once': behind a larger face in one frame, alone in the next: not background.
    { track: 'x', frame: 'w/1', h: 80, label: 'C' }, { track: 'once', frame: 'w/1', h: 20, label: 'C' }, { track: 'once', frame: 'w/2', h: 20, label: 'C' },
    // Faces on faceless segments (null label) are never background; untracked faces count as larger faces.
    { track: 'n', frame: 'u/1', h: 10, label: null }, { track: null, frame: 'u/1', h: 50, label: null },
    { track: null, frame: 'z/1', h: 70, label: 'D' }, { track: 'd', frame: 'z/1', h: 60, label: 'D' },
  ];
  assert.deepEqual([...backgroundTracks(faces)].sort(), ['bg', 'd']);
});

describe('every credited appearance (what a user sees)', () => {
  test('a credit\'s person: plurality of its tracks, nulls ignored, ties to the smaller name', () => {
    assert.equal(creditPerson(['Bo', 'Al', 'Bo', null, null, null]), 'Bo');
    assert.equal(creditPerson(['Bo', 'Al']), 'Al');
    assert.equal(creditPerson([null, null]), null);
    assert.equal(creditPerson([]), null);
  });

  // v1: Al alone, credited twice (two cuts clustered apart: i1 and i2); v2: Al and Bo, right; v3: Bo, missed;
  // v4: nobody, a stranger credited (i4).
  const TRUE = new Map<string, string[]>([['v1', ['Al']], ['v2', ['Al', 'Bo']], ['v3', ['Bo']], ['v4', []]]);
  const CREDITS: Credit[] = [
    { video: 'v1', id: 'i1', person: 'Al' }, { video: 'v1', id: 'i2', person: 'Al' }, { video: 'v2', id: 'i1', person: 'Al' },
    { video: 'v2', id: 'i3', person: 'Bo' }, { video: 'v4', id: 'i4', person: null },
  ];
  const items = appearanceItems(TRUE, CREDITS);

  test('items: one per credit, one per uncredited true appearance; counts', () => {
    assert.deepEqual(items.counts, { trueAppearances: 4, credits: 5, missed: 1, unlabelled: 1, repeated: 1, wrongVideo: 0 });
    assert.equal(items.truth.get('v3\t~Bo'), 'Bo');
    assert.equal(items.predicted.get('v3\t~Bo'), null);
    assert.equal(items.truth.get('v4\ti4'), null);
    assert.equal(items.truth.size, 6);
  });

  test('BCubed by hand: the split inside v1 and the miss cost recall only', () => {
    // Al: v1i1, v2i1 (i1 = both Al: P 1, R 2/3), v1i2 (P 1, R 1/3); Bo: v2i3 (P 1, R 1/2), v3~Bo (singleton: P 1, R 1/2).
    const all = figuresByGroup(items.truth, items.predicted, () => 'all').get('all')!;
    close(all.bcubed.precision, 1, 'P');
    close(all.bcubed.recall, (2 / 3 + 2 / 3 + 1 / 3 + 1 / 2 + 1 / 2) / 5, 'R');
    assert.deepEqual({ items: all.items, people: all.people, found: all.found, ids: all.ids }, { items: 5, people: 2, found: 2, ids: 3 });
    close(all.idsPerPerson, (2 + 1) / 2, 'IDs per person');
    // The same as evaluate's BCubed with the unlabelled credit dropped.
    const e = evaluate(items.truth, items.predicted, { unlabeled: 'drop' });
    close(e.bcubed.precision, all.bcubed.precision);
    close(e.bcubed.recall, all.bcubed.recall);
  });

  test('per group: each group averages its own items over the whole clustering', () => {
    const g = figuresByGroup(items.truth, items.predicted, (p) => (p === 'Al' ? 'src-a' : 'src-b'));
    assert.deepEqual([...g.keys()], ['src-a', 'src-b']);
    close(g.get('src-a')!.bcubed.recall, 5 / 9, 'Al R');
    close(g.get('src-b')!.bcubed.recall, 1 / 2, 'Bo R');
    assert.equal(g.get('src-a')!.idsPerPerson, 2);
    assert.equal(g.get('src-b')!.idsPerPerson, 1);
  });

  test('a merge of two people costs precision in both groups', () => {
    // v5 shows Cy, credited under Al's i1: i1 = {Al, Al, Cy}.
    const t = new Map([...TRUE, ['v5', ['Cy']]]);
    const m = appearanceItems(t, [...CREDITS, { video: 'v5', id: 'i1', person: 'Cy' }]);
    const g = figuresByGroup(m.truth, m.predicted, (p) => (p === 'Cy' ? 'c' : 'ab'));
    // Al's i1 items: P 2/3 each; v1i2 P 1; Bo's two items P 1 → ab: (2/3 + 2/3 + 1 + 1 + 1) / 5. Cy: P 1/3, R 1.
    close(g.get('ab')!.bcubed.precision, (2 / 3 + 2 / 3 + 3) / 5, 'ab P');
    close(g.get('c')!.bcubed.precision, 1 / 3, 'c P');
    close(g.get('c')!.bcubed.recall, 1, 'c R');
    assert.equal(g.get('c')!.found, 0, 'Cy is the plurality of no ID');
    assert.equal(g.get('c')!.people, 1);
  });

  test('unlabelled credits kept as singletons when asked', () => {
    const g = figuresByGroup(items.truth, items.predicted, () => 'all', { unlabeled: 'singleton' }).get('all')!;
    assert.equal(g.items, 5, 'the stranger is in no group');
    const e = evaluate(items.truth, items.predicted);
    assert.equal(e.nItems, 6);
  });

  test('two-person videos: exactly the two people\'s own IDs', () => {
    const t = new Map<string, string[]>([...TRUE,
      ['v6', ['Al', 'Bo']], // only Al credited: a miss
      ['v7', ['Al', 'Bo']], // right, plus a stranger
      ['v8', ['Al', 'Bo']], // Al under his second ID i2
      ['v9', ['Bo', 'Al']], // both under i1 (a merge; the credit is Al's)
      ['v10', ['Al', 'Al', 'Bo']], // right (a repeated name in the truth is one person)
      ['v11', ['Al', 'Bo', 'Cy']], // three people: not counted
    ]);
    const c: Credit[] = [...CREDITS,
      { video: 'v6', id: 'i1', person: 'Al' },
      { video: 'v7', id: 'i1', person: 'Al' }, { video: 'v7', id: 'i3', person: 'Bo' }, { video: 'v7', id: 'i9', person: null },
      { video: 'v8', id: 'i2', person: 'Al' }, { video: 'v8', id: 'i3', person: 'Bo' },
      { video: 'v9', id: 'i1', person: 'Al' },
      { video: 'v10', id: 'i3', person: 'Bo' }, { video: 'v10', id: 'i1', person: 'Al' },
      { video: 'v11', id: 'i1', person: 'Al' },
    ];
    const strict = twoPersonAccuracy(t, c);
    assert.equal(strict.own.get('Al'), 'i1');
    assert.equal(strict.own.get('Bo'), 'i3');
    assert.deepEqual({ videos: strict.videos, right: strict.right, wrong: strict.wrong }, { videos: 6, right: 2, wrong: ['v6', 'v7', 'v8', 'v9'] });
    assert.equal(twoPersonAccuracy(t, c, { ignoreUnlabelled: true }).right, 3, 'v7 right without the stranger');
    const none = twoPersonAccuracy(t, c, { inGroup: (p) => p === 'Cy' });
    assert.equal(none.videos, 0);
  });

  test('one group over random credits agrees with evaluate (BCubed, people, found)', () => {
    const rng = mulberry32(11);
    for (let k = 0; k < 100; k++) {
      const truth = new Map<string, string | null>(), pred = new Map<string, string | null>();
      const n = 1 + Math.floor(rng() * 30);
      for (let i = 0; i < n; i++) {
        truth.set(`x${i}`, rng() < 0.15 ? null : `p${Math.floor(rng() * 5)}`);
        pred.set(`x${i}`, rng() < 0.15 ? null : `c${Math.floor(rng() * 6)}`);
      }
      const e = evaluate(truth, pred, { unlabeled: 'drop' });
      const g = figuresByGroup(truth, pred, () => 'all').get('all');
      if (!g) { assert.equal(e.nItems, 0); continue; }
      close(g.bcubed.precision, e.bcubed.precision, 'P');
      close(g.bcubed.recall, e.bcubed.recall, 'R');
      assert.equal(g.people, e.nTrue);
      assert.equal(g.found, e.nFound);
      assert.equal(g.items, e.nItems);
    }
  });
});
