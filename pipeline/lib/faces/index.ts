// Faces: detection, landmarks, descriptors, quality, crops, and a worker pool for whole videos.
//
//   const det = await createDetector({ engine: 'onnx' });            // this thread
//   const faces = await det.detect({ data, width, height }, { minScore: 0.5 });
//
//   const pool = new FacePool({ workers: 2, engine: 'onnx' });        // worker threads, one engine each
//   const r = await pool.run({ path, sampling: { fps: 1, longSide: 640 }, detect: { minScore: 0.5 }, crops: { size: 112 } });
//   await pool.close();
//
// Measured on the 2-core dev machine (bench/faces-speed.ts): SSD+landmarks+descriptors ≈ 310–340 ms per
// 360x640 frame (+≈ 40–70 ms per face with face-api's own descriptor), tiny416 ≈ 80 ms. LFW distances
// (bench/verify.ts, the default 'flip' descriptor): same person 0.42 ± 0.07, different people 0.80 ± 0.09.
export { loadEngine, ENGINES, ENGINE_VERSION } from './engine.ts';
export type { EngineName, EngineOptions, FaceEngine, Detection } from './engine.ts';
export { loadFaceEngine, defaultModelDir, wasmDir, NET_WEIGHTS } from './faceapi/backend.ts';
export type { BackendOptions, FaceApiRuntime, NetName } from './faceapi/backend.ts';
export { createDetector, detectFaces, chipDescriptor, descriptorDistance, netsFor, DEFAULT_DETECT, DESCRIPTOR_MODES } from './detect.ts';
export type { DescriptorMode, DetectOptions, DetectedFace, DetectorName, FaceDetector, FaceQuality, RgbFrame } from './detect.ts';
export { dlibChip, mirrorChip, CHIP, CHIP_PADDING, DLIB_MEAN_X, DLIB_MEAN_Y } from './align.ts';
export { poseFromLandmarks, blurScore, laplacianVariance, greyPatch, clipBox, fivePoints } from './quality.ts';
export type { Box, Point, PoseEstimate, RawImage } from './quality.ts';
export { faceCrop, alignedPixels, fitSimilarity, alignTemplate, plainCropRegion, ARCFACE_112 } from './crop.ts';
export type { CropOptions, Similarity } from './crop.ts';
export { processVideo } from './video.ts';
export type { VideoJob, VideoFaces, FrameFaces, FaceInFrame, ProgressFn } from './video.ts';
export { FacePool, processVideos } from './pool.ts';
export type { PoolOptions, VideoOutcome } from './pool.ts';
