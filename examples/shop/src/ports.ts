import { createServer } from 'node:net';

/** `preferred` if nothing listens on it, else a free port the system picks. */
export async function freePort(preferred = 0, host = '127.0.0.1'): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, host, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : undefined));
      });
    });
  return (preferred !== 0 ? await tryPort(preferred) : undefined) ?? ((await tryPort(0)) as number);
}
