// Input buffers reused from frame to frame: a fresh 1–3 MB Float32Array per net run costs page faults
// and garbage collection. A buffer is handed out per net and frame
// size, and each input writer writes the same pixels for the same size, so its black padding stays
// black. onnxruntime reads an input after `run` returns to the event loop: a buffer must not be asked
// for again before its run has finished (the onnx engine runs one net at a time per thread).
const buffers = new Map<string, Float32Array>();
/** Sizes kept, least recently used dropped first (SSD: the frame and its two padded copies; spares). */
const KEEP = 6;

/** A zeroed buffer the first time `key` (a net and frame size) is asked for, the same buffer after. */
export function scratch(key: string, length: number): Float32Array {
  let b = buffers.get(key);
  buffers.delete(key);
  if (b?.length !== length) {
    if (buffers.size >= KEEP) buffers.delete(buffers.keys().next().value!);
    b = new Float32Array(length);
  }
  buffers.set(key, b); // the most recently used last
  return b;
}
