// Stage embed: track descriptors from each track's best faces → tables embeddings, tracks.
// Usage: npx tsx pipeline/stages/embed.ts  (params: embed)
import { createRequire } from 'node:module';
import { embedTracks, type FaceRow, type VideoFacesRow } from '../lib/faces/embed.ts';
import { embeddingsSchema, faceDescriptorsSchema, facesSchema, tracksSchema, videoFacesSchema } from '../lib/faces/schema.ts';
import { loadParams, summarise } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable } from '../lib/warehouse/index.ts';

const { embed: p } = loadParams(['embed']);
const faceApiVersion: string = createRequire(import.meta.url)('@vladmandic/face-api/package.json').version;
const model = { name: 'face-api faceRecognitionNet (ResNet-34, 128-d)', version: faceApiVersion };

const faces = await readTable<FaceRow>(parquetPath(facesSchema.name));
const descriptors = await readTable<{ face_id: string; vector: number[] }>(parquetPath(faceDescriptorsSchema.name));
const videoFaces = await readTable<VideoFacesRow>(parquetPath(videoFacesSchema.name));

const { embeddings, tracks } = embedTracks(faces, new Map(descriptors.map((d) => [d.face_id, d.vector])), videoFaces, p.faces_per_track, model);
await writeTable(embeddingsSchema, embeddings);
await writeTable(tracksSchema, tracks);
await summarise('embed', `${tracks.length} tracks, ${embeddings.length} embeddings (≤ ${p.faces_per_track} per track)`,
  { tracks: tracks.length, embeddings: embeddings.length });
