// Input buffers reused from frame to frame: a fresh 1–3 MB Float32Array per net run costs page faults
// and garbage collection (a fifth of extract's CPU before). A buffer is handed out per frame size, and
// each input writer writes the same pixels for the same size, so its black padding stays black.
const buffers = new Map<string, Float32Array>();
/** Sizes kept (the frame, its close-up and second-look copies, a spare). */
const KEEP = 4;

/** A zeroed buffer the first time `key` (a frame size) is asked for, the same buffer after: use it
 *  before asking for the same key again. */
export function scratch(key: string, length: number): Float32Array {
  let b = buffers.get(key);
  if (b?.length !== length) {
    if (buffers.size >= KEEP) buffers.delete(buffers.keys().next().value!);
    b = new Float32Array(length);
    buffers.set(key, b);
  }
  return b;
}
