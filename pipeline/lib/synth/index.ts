// Synthetic social-style videos for tests and the demo data: stills with pan/zoom, two-up
// segments, faceless segments, a shared title card, and near-duplicate re-encodes.
export { mulberry32, seedOf, uniform, randInt, pick, shuffle, type Rng } from './prng.ts';
export {
  photoStill, pairStill, colorStill, noiseStill, titleCard, titleCardSvg, randomColor,
  type RawImage, type Rect, type PhotoSource, type Rgb, type PairLayout,
} from './stills.ts';
export {
  composeVideo, plannedDuration, randomMotion, zoompanFilter, segmentFrames, STILL, DEFAULT_SIZE,
  type Segment, type PhotoSegment, type PairSegment, type ColorSegment, type NoiseSegment, type CardSegment,
  type KenBurns, type IntroSpec, type ComposeOptions,
} from './compose.ts';
export { reencode, type ReencodeOptions } from './reencode.ts';
export { type VideoFile } from './encode.ts';
export { sha256File } from '../media/download.ts';
