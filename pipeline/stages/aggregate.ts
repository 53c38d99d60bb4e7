// Stage aggregate: the numbers → tables influencer_stats, reliability, the final row ledger `rows`,
// DVC metrics data/metrics.json and plot data under data/plots/. Usage: npx tsx pipeline/stages/aggregate.ts
import { mkdir } from 'node:fs/promises';
import { aggregate, reliabilityCurve, type Appearance, type VideoScore } from '../lib/aggregate/index.ts';
import { appearancesSchema, influencersSchema, influencerStatsSchema, reliabilitySchema, videoFacesSchema } from '../lib/faces/schema.ts';
import { finalLedger, type VideoFaceSummary } from '../lib/ledger/final.ts';
import { dedupRowsSchema, rowsSchema, videosSchema } from '../lib/ledger/schema.ts';
import { summarise, writeFileAtomic } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable, type Row } from '../lib/warehouse/index.ts';

const rows = await readTable<Row & { video_id: string | null; performance: number | null; status: string }>(parquetPath(dedupRowsSchema.name));
const videos = await readTable<VideoScore>(parquetPath(videosSchema.name));
const videoFaces = await readTable<VideoFaceSummary>(parquetPath(videoFacesSchema.name));
const appearances = await readTable<Appearance>(parquetPath(appearancesSchema.name));
const people = (await readTable<{ influencer_id: string }>(parquetPath(influencersSchema.name))).map((p) => p.influencer_id);

const postings = rows.filter((r) => r.status === 'ok' || r.status === 'duplicate');
const { stats, reliability, influencerIcc, metricIcc } = aggregate(videos, appearances, people, postings);
const ledger = finalLedger(rows, videoFaces, new Set(appearances.filter((a) => a.credited).map((a) => a.video_id)));
await writeTable(influencerStatsSchema, stats);
await writeTable(reliabilitySchema, reliability);
await writeTable(rowsSchema, ledger);

const byStatus = Object.fromEntries([...new Set(ledger.map((r) => r.status as string))].sort().map((s) => [s, ledger.filter((r) => r.status === s).length]));
const metrics = {
  people: people.length,
  people_ranked: stats.filter((s) => s.rank !== null).length,
  videos: videos.length,
  videos_no_face: videoFaces.filter((v) => v.n_usable_faces === 0).length,
  rows: ledger.length,
  rows_by_status: byStatus,
  influencer_icc1: influencerIcc.icc,
  influencer_icc1_ci: [influencerIcc.ciLow, influencerIcc.ciHigh],
  metric_test_retest_icc1: metricIcc.icc,
  metric_test_retest_icc1_ci: [metricIcc.ciLow, metricIcc.ciHigh],
};
await mkdir('data/plots', { recursive: true });
// Temp file + rename: `dvc metrics/plots` and a crashed run's rerun never read a half-written file.
await writeFileAtomic('data/metrics.json', JSON.stringify(metrics, null, 1) + '\n');
const csv = (rs: Row[], cols: string[]) => [cols.join(','), ...rs.map((r) => cols.map((c) => r[c] ?? '').join(','))].join('\n') + '\n';
await writeFileAtomic('data/plots/influencer_means.csv', csv([...stats].sort((a, b) => ((a.rank as number) ?? 1e9) - ((b.rank as number) ?? 1e9)), ['influencer_id', 'rank', 'n_videos', 'mean', 'ci_low', 'ci_high', 'shrunken_mean', 'reliability']));
await writeFileAtomic('data/plots/reliability_curve.csv', csv(reliabilityCurve(influencerIcc.icc), ['n_videos', 'reliability']));

const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
await summarise('aggregate', `${people.length} people (${metrics.people_ranked} ranked); influencer ICC(1) ${f(influencerIcc.icc)}, metric test-retest ICC(1) ${f(metricIcc.icc)}; rows: ${Object.entries(byStatus).map(([k, n]) => `${k} ${n}`).join(', ')}`, metrics);
