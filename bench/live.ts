// Benchmark: are the credited people live presenters? Runs the real stages (ingest → cluster) on the
// real replica (../shared/data/fuelgrowth) and scores them against the hand-checked labels in
// test/fixtures/replica-kinds.json (how they were made: its "about").
//
//   ./run bench live [--work DIR] [--engine onnx|faceapi]   (DIR keeps the run and its caches; a rerun only reclassifies)
//
// A pipeline face matches a labelled face of the same video and sampled second whose box overlaps it
// (IoU ≥ 0.3); a track's truth is the majority label of its matched faces. Prints:
//   - precision: credited (video, person) appearances whose tracks are live people / all credited;
//   - recall: labelled presenters (live, presenter) credited in their video / all presenters, and the
//     same over presenters the detector found a usable face of;
//   - depicted and overlay tracks kept out of the people; the track confusion matrix.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { iou } from '../pipeline/lib/tracks/index.ts';
import { readTable } from '../pipeline/lib/warehouse/index.ts';
import { replicaParams, ROOT, runStage } from '../test/helpers/project.ts';

interface LabelFace { t_s: number; x: number; y: number; w: number; h: number; kind: string; person: string | null }
interface LabelVideo { video_id: string; media: string; live_people: { person: string; presenter: boolean; missed_seconds?: string }[]; faces: LabelFace[] }

const { values: args } = parseArgs({ options: { work: { type: 'string' }, engine: { type: 'string' } } });
const dir = args.work ?? mkdtempSync(join(tmpdir(), 'bench-live-'));
mkdirSync(dir, { recursive: true });
replicaParams(dir, (p) => { if (args.engine) p.faces.engine = args.engine; });
const stageTimes: string[] = [];
for (const s of ['ingest', 'dedup', 'extract', 'embed', 'cluster']) {
  if (['ingest', 'dedup'].includes(s) && existsSync(join(dir, 'data/processed/videos.parquet'))) continue;
  const t0 = performance.now();
  runStage(s, dir);
  stageTimes.push(`${s} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const table = <T>(name: string) => readTable<T>(join(dir, 'data/processed', `${name}.parquet`));
const faces = await table<{ face_id: string; video_id: string; t_s: number; x: number; y: number; w: number; h: number; frame_width: number; frame_height: number; track_id: string | null }>('faces');
const tracks = await table<{ track_id: string; video_id: string; kind: string; kind_evidence: string }>('tracks');
const appearances = await table<{ video_id: string; influencer_id: string; credited: boolean }>('appearances');
const trackPeople = await table<{ track_id: string; influencer_id: string | null }>('track_people');
const labels: LabelVideo[] = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/replica-kinds.json'), 'utf8')).videos;
const labelOf = new Map(labels.map((v) => [v.video_id, v]));

const inRange = (t: number, range: string) => { const [a, b] = range.split('-').map(Number); return t >= a && t <= (b ?? a); };

// Truth per track: majority of its matched faces' labels ('live:A', 'depicted', 'overlay').
const votes = new Map<string, Map<string, number>>();
for (const f of faces) {
  if (!f.track_id) continue;
  const box = { x: f.x / f.frame_width, y: f.y / f.frame_height, w: f.w / f.frame_width, h: f.h / f.frame_height };
  const cands = (labelOf.get(f.video_id)?.faces ?? []).filter((l) => l.t_s === f.t_s).map((l) => ({ l, o: iou(box, l) })).filter((c) => c.o >= 0.3);
  const best = cands.sort((a, b) => b.o - a.o)[0]?.l;
  // A face the labeller saw but the detector then missed (e.g. a close-up) is labelled by its seconds only.
  const missed = labelOf.get(f.video_id)?.live_people.find((p) => p.missed_seconds && inRange(f.t_s, p.missed_seconds));
  const key = best ? (best.kind === 'live' ? `live:${best.person}` : best.kind) : missed ? `live:${missed.person}` : 'unlabelled';
  const m = votes.get(f.track_id) ?? new Map<string, number>();
  m.set(key, (m.get(key) ?? 0) + 1);
  votes.set(f.track_id, m);
}
const truthOf = (trackId: string) => [...(votes.get(trackId) ?? new Map([['unlabelled', 1]])).entries()].sort((a, b) => b[1] - a[1])[0][0];

const personOfTrack = new Map(trackPeople.map((t) => [t.track_id, t.influencer_id]));
const credited = appearances.filter((a) => a.credited);
const truthsOf = (a: { video_id: string; influencer_id: string }) =>
  tracks.filter((t) => t.video_id === a.video_id && personOfTrack.get(t.track_id) === a.influencer_id).map((t) => truthOf(t.track_id));
const correct = credited.filter((a) => truthsOf(a).some((t) => t.startsWith('live:')));
const presenters = labels.flatMap((v) => v.live_people.filter((p) => p.presenter).map((p) => ({ video: v.video_id, person: p.person })));
const creditedTruths = new Set(credited.flatMap((a) => truthsOf(a).map((t) => `${a.video_id} ${t}`)));
const found = presenters.filter((p) => creditedTruths.has(`${p.video} live:${p.person}`));
const detectable = presenters.filter((p) => tracks.some((t) => t.video_id === p.video && truthOf(t.track_id) === `live:${p.person}`));

// Detector recall: labelled faces (≥ gates.min_size_px tall in the pipeline's frames, as usable faces must be)
// that a detected face of the same video and second overlaps (IoU ≥ 0.3), live faces counted apart.
const minPx = (parse(readFileSync(join(dir, 'params.yaml'), 'utf8')) as any).faces.gates.min_size_px as number;
const facesAt = new Map<string, typeof faces>();
for (const f of faces) facesAt.set(`${f.video_id} ${f.t_s}`, [...(facesAt.get(`${f.video_id} ${f.t_s}`) ?? []), f]);
const frameHeightOf = new Map(faces.map((f) => [f.video_id, f.frame_height]));
const labelled = labels.flatMap((v) => v.faces.map((l) => ({ v, l })))
  .filter(({ v, l }) => l.h * (frameHeightOf.get(v.video_id) ?? 640) >= minPx);
const detected = labelled.filter(({ v, l }) => (facesAt.get(`${v.video_id} ${l.t_s}`) ?? [])
  .some((f) => iou({ x: f.x / f.frame_width, y: f.y / f.frame_height, w: f.w / f.frame_width, h: f.h / f.frame_height }, l) >= 0.3));
const liveLabelled = labelled.filter(({ l }) => l.kind === 'live');

const kinds = ['live', 'depicted', 'overlay'];
const truthKind = (t: string) => t.split(':')[0];
const confusion = ['live', 'depicted', 'overlay', 'unlabelled'].map((truth) => {
  const row = tracks.filter((t) => truthKind(truthOf(t.track_id)) === truth);
  return `  truth ${truth.padEnd(10)} ${String(row.length).padStart(3)} tracks → ${kinds.map((k) => `${k} ${row.filter((t) => t.kind === k).length}`).join(', ')}`;
});
const notLive = tracks.filter((t) => ['depicted', 'overlay'].includes(truthKind(truthOf(t.track_id))));
const keptOut = notLive.filter((t) => !personOfTrack.get(t.track_id));
const pct = (a: number, b: number) => `${a}/${b} = ${b ? (a / b).toFixed(3) : '-'}`;

console.log(`replica: ${labels.length} labelled videos, ${tracks.length} tracks; stages: ${stageTimes.join(', ') || 'cached'}`);
console.log(`detector recall (labelled faces ≥ ${minPx} px found): ${pct(detected.length, labelled.length)}; live faces ${pct(detected.filter(({ l }) => l.kind === 'live').length, liveLabelled.length)}`);
console.log(`precision (credited appearances that are live people): ${pct(correct.length, credited.length)}`);
console.log(`recall (presenters credited): ${pct(found.length, presenters.length)}; of presenters with a usable detected face: ${pct(found.length, detectable.length)}`);
console.log(`depicted/overlay tracks kept out of people: ${pct(keptOut.length, notLive.length)}`);
console.log('tracks, hand label → kind:');
console.log(confusion.join('\n'));
const wrong = [...credited.filter((a) => !correct.includes(a)).map((a) => `  credited but not live: ${a.video_id} ${a.influencer_id} (${truthsOf(a).join(', ')})`),
  ...presenters.filter((p) => !found.includes(p)).map((p) => `  presenter not credited: ${p.video} ${p.person}${detectable.includes(p) ? '' : ' (no usable face detected)'} ` +
    tracks.filter((t) => t.video_id === p.video && truthOf(t.track_id) === `live:${p.person}`).map((t) => `[${t.kind}: ${t.kind_evidence}]`).join(' '))];
console.log(wrong.join('\n'));
