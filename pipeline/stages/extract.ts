// Stage extract: faces in sampled frames of every distinct video → tables faces, face_descriptors,
// video_faces, and JPEG crops in data/faces/. Usage: npx tsx pipeline/stages/extract.ts  (params: faces)
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { JsonCache } from '../lib/cache/index.ts';
import { DESCRIPTOR_MODES } from '../lib/faces/detect.ts';
import { clearHandoff } from '../lib/frames/handoff.ts';
import { detectAll, extractJob, faceTables, type CachedVideo, type VideoInput } from '../lib/faces/extract.ts';
import { faceDescriptorsSchema, facesSchema, videoFacesSchema } from '../lib/faces/schema.ts';
import { videosSchema } from '../lib/ledger/schema.ts';
import { loadParams, progress, removeStaleTemps, summarise, writeFileAtomic } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable } from '../lib/warehouse/index.ts';

const { faces: p } = loadParams(['faces']);
if (!DESCRIPTOR_MODES.includes(p.descriptor)) throw new Error(`params.yaml: faces.descriptor must be one of ${DESCRIPTOR_MODES.join(', ')}, got ${p.descriptor}`);
const CACHE = 'data/cache/extract';
const CROPS = 'data/faces';
await Promise.all([mkdir(CACHE, { recursive: true }), mkdir(CROPS, { recursive: true })]);

const videos = await readTable<VideoInput>(parquetPath(videosSchema.name));
const job = extractJob(p);
const cache = new JsonCache<CachedVideo>(CACHE, job);
const bar = progress('extract: videos', videos.length);
const t0 = performance.now();
const { byVideo, computed, fromFiles, nets } = await detectAll(videos, cache, job, { backend: p.backend, workers: p.workers }, () => bar.tick());
const seconds = (performance.now() - t0) / 1000;

const gates = { minSizePx: p.gates.min_size_px, minScore: p.gates.min_score, minFrontal: p.gates.min_frontal, minBlur: p.gates.min_blur };
const tracking = { maxGapFrames: p.tracks.max_gap_frames, minIou: p.tracks.min_iou, maxDistance: p.tracks.max_distance };
const { faces, descriptors, perVideo, rejected } = faceTables(videos, byVideo, gates, tracking);

// Crops are written from the cache, so a cached video's crops come back if data/faces was cleared.
// Each one to a temp file renamed into place (a killed run leaves whole crops or none); a crop
// already there with the right size is kept. Temp files of a killed run are swept first.
await removeStaleTemps(CROPS);
for (const v of videos) {
  const rec = byVideo.get(v.video_id)!;
  const ids = faces.filter((f) => f.video_id === v.video_id);
  await Promise.all(rec.faces.map((f, i) => {
    const path = ids[i].crop_path as string | null;
    if (!f.crop || !path) return null;
    const jpeg = Buffer.from(f.crop, 'base64');
    return existsSync(path) && statSync(path).size === jpeg.length ? null : writeFileAtomic(path, jpeg);
  }));
}
await clearHandoff(); // frames dedup left and extract did not use (duplicates, cached videos) are not kept
await writeTable(facesSchema, faces);
await writeTable(faceDescriptorsSchema, descriptors);
await writeTable(videoFacesSchema, perVideo);

const frames = perVideo.reduce((n, v) => n + (v.n_frames as number), 0);
const withFace = perVideo.filter((v) => (v.n_usable_faces as number) > 0).length;
const failed = perVideo.filter((v) => v.error).length;
const rej = Object.entries(rejected).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
// Where the time went: each net's runs and the seconds awaiting them (FaceEngine.nets), summed over the workers.
// null: the engine does not count them (faceapi); {}: nothing ran (every video cached).
const netRuns = nets && Object.fromEntries(Object.entries(nets).map(([net, u]) => [net, { runs: u.runs, seconds: Math.round(u.ms) / 1000 }]));
const netText = Object.entries(netRuns ?? {}).map(([net, u]) => `${net} ${u.runs} runs ${u.seconds.toFixed(1)} s`).join(', ');
await summarise('extract', `${videos.length} videos (${computed} decoded, ${videos.length - computed} cached, ${failed} undecodable; frames of ${fromFiles} from dedup's decode), ${frames} frames, ${faces.length} faces, ${descriptors.length} usable; rejected: ${rej}; ${withFace} videos with a usable face; ${seconds.toFixed(1)} s${netText ? ` (awaiting the nets: ${netText})` : ''}`,
  { videos: videos.length, decoded: computed, frames_from_dedup: fromFiles, failed, frames, faces: faces.length, usable_faces: descriptors.length, rejected, videos_with_face: withFace, seconds, net_runs: netRuns });
