// Dedup with the pipeline's own settings (params.yaml), and re-posts of the replica's footage made by
// ffmpeg (for test/dedup and bench/dedup).
import { join } from 'node:path';
import { fingerprintOptions, fingerprintVideo, matchOptions } from '../../pipeline/lib/fingerprint/index.ts';
import { probe, runProgram } from '../../pipeline/lib/frames/index.ts';
import { loadParams } from '../../pipeline/lib/run/index.ts';
import { FUELGROWTH, ROOT } from '../helpers/project.ts';

const { dedup } = loadParams(['dedup'], join(ROOT, 'params.yaml'));
export const opts = matchOptions(dedup);
export const fpOptions = fingerprintOptions(dedup);
export const fp = async (path: string) => fingerprintVideo(path, (await probe(path)).durationS, fpOptions);

export const MEDIA = join(FUELGROWTH, 'media/facebook-assets');
const x264 = (rate: string[]) => ['-c:v', 'libx264', '-preset', 'veryfast', ...rate, '-threads', '1', '-an', '-f', 'mp4'];

/**
 * The replica's files were rebuilt from 1-fps stills, so their pictures change exactly on whole
 * seconds; real footage cuts at any time. This is the replica video `src` re-timed (×`speed`) and
 * re-encoded at 25 fps, so its cuts fall between any grid's sample times.
 */
export async function retimed(src: string, speed: number, out: string): Promise<string> {
  await runProgram('ffmpeg', ['-v', 'error', '-y', '-i', src, '-vf', `setpts=PTS/${speed},fps=25,format=yuv420p`, ...x264(['-crf', '20']), out], 120_000);
  return out;
}

export interface Repost { trimS: number; size: '540x960' | '480x854'; fps: number }

/** A re-post of `src`: `trimS` cut from the start (frame-accurate), rescaled, another frame rate, 900 kb/s. */
export async function repost(src: string, r: Repost): Promise<string> {
  const out = `${src}-${r.trimS}s-${r.size}-${r.fps}fps.mp4`;
  await runProgram('ffmpeg', ['-v', 'error', '-y', '-ss', String(r.trimS), '-i', src,
    '-vf', `scale=${r.size.replace('x', ':')}:flags=bicubic,setsar=1,fps=${r.fps},format=yuv420p`, ...x264(['-b:v', '900k']), out], 120_000);
  return out;
}
