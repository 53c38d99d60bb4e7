// Stage embed: track descriptors from each track's best faces → tables embeddings, tracks.
// Usage: npx tsx pipeline/stages/embed.ts  (params: embed, faces.descriptor, kinds)
import { createRequire } from 'node:module';
import { embedTracks, type FaceRow, type VideoFacesRow } from '../lib/faces/embed.ts';
import { embeddingsSchema, faceDescriptorsSchema, facesSchema, tracksSchema, videoFacesSchema } from '../lib/faces/schema.ts';
import { loadParams, summarise } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable } from '../lib/warehouse/index.ts';

const { embed: p, faces: faceParams, kinds } = loadParams(['embed', 'faces', 'kinds']);
const faceApiVersion: string = createRequire(import.meta.url)('@vladmandic/face-api/package.json').version;
// Vectors of different descriptor modes are not comparable, so the mode is part of the model's name.
const model = { name: `face-api faceRecognitionNet (ResNet-34, 128-d), descriptor ${faceParams.descriptor}`, version: faceApiVersion };

const faces = await readTable<FaceRow>(parquetPath(facesSchema.name));
const descriptors = await readTable<{ face_id: string; vector: number[] }>(parquetPath(faceDescriptorsSchema.name));
const videoFaces = await readTable<VideoFacesRow>(parquetPath(videoFacesSchema.name));

const { embeddings, tracks } = embedTracks(faces, new Map(descriptors.map((d) => [d.face_id, d.vector])), videoFaces, p.faces_per_track, model, kinds);
await writeTable(embeddingsSchema, embeddings);
await writeTable(tracksSchema, tracks);
const byKind = Object.fromEntries(['live', 'depicted', 'overlay'].map((k) => [k, tracks.filter((t) => t.kind === k).length]));
await summarise('embed', `${tracks.length} tracks (${Object.entries(byKind).map(([k, n]) => `${n} ${k}`).join(', ')}), ${embeddings.length} embeddings (≤ ${p.faces_per_track} per track)`,
  { tracks: tracks.length, embeddings: embeddings.length, kinds: byKind });
