// Test HTTP servers live on 127.0.0.1 only (nothing else is reachable, nor should be).
import type { Server } from 'node:http';

/** Starts `server` on a free port of 127.0.0.1; its port and base URL (`http://127.0.0.1:<port>`). */
export async function listenLocal(server: Server): Promise<{ port: number; base: string }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { port, base: `http://127.0.0.1:${port}` };
}
