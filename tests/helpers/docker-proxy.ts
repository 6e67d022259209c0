// A unix-socket stand-in for the Docker engine, in front of the real one: it forwards every
// byte (optionally late), can stop answering, or can vanish with every connection cut, so a
// test can make "the daemon is slow / hung / gone mid-run" happen on demand without touching
// the daemon other tests share.
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './project.js';

export interface DockerProxy {
  /** DOCKER_HOST for repro. */
  host: string;
  /** Requests seen so far (first bytes of each connection). */
  requests: string[];
  /** Cuts every connection and stops listening: the engine is gone. */
  vanish(): Promise<void>;
}

export interface ProxyMode {
  /** Delay each forwarded chunk by this much (a slow engine). */
  delayMs?: number;
  /** Accept connections and never answer (a hung engine). */
  hang?: boolean;
}

const REAL = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');

export async function dockerProxy(mode: ProxyMode = {}): Promise<DockerProxy> {
  const socket = path.join(tempDir('repro-dproxy-'), 'docker.sock');
  const open = new Set<net.Socket>();
  const requests: string[] = [];
  const later = (fn: () => void) => (mode.delayMs ? setTimeout(fn, mode.delayMs) : fn());
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    client.once('data', (d) => requests.push(d.toString('latin1').split('\r\n')[0] ?? ''));
    if (mode.hang) return;
    const upstream = net.connect(REAL);
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (d) => later(() => upstream.write(d)));
    upstream.on('data', (d) => later(() => client.write(d)));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    host: `unix://${socket}`,
    requests,
    vanish: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
