// A real OpenSSH server on 127.0.0.1 for DOCKER_HOST=ssh:// tests: its own host key, one
// authorized client key, run in the foreground by the test and stopped afterwards. Needs root
// (sshd drops privileges) and /usr/sbin/sshd (scripts/test-setup.sh installs openssh-server).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';

export const SSHD = '/usr/sbin/sshd';
export const SSHD_REASON = 'no /usr/sbin/sshd, or not root (scripts/test-setup.sh installs openssh-server)';
export const SKIP_SSHD = (!existsSync(SSHD) || process.getuid?.() !== 0) && process.env.CI !== 'true';

export interface Sshd {
  port: number;
  /** A HOME whose ~/.ssh/id_ed25519 the server accepts (for root), and whose known_hosts lists the server's host key. */
  clientHome: string;
  /** The server's host key, as a known_hosts line's type and key fields. */
  hostKey: string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startSshd(): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error(SSHD_REASON);
  // Not the per-test temp dirs: sshd reads its host key on every connection, so both must
  // outlive each test, until stop().
  const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-sshd-'));
  const clientHome = mkdtempSync(path.join(os.tmpdir(), 'repro-sshhome-'));
  mkdirSync(path.join(clientHome, '.ssh'), { mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(clientHome, '.ssh', 'id_ed25519')]);
  await fs.copyFile(path.join(clientHome, '.ssh', 'id_ed25519.pub'), path.join(dir, 'authorized_keys'));
  await fs.chmod(dir, 0o755);
  const port = await freePort();
  // As `ssh` leaves it after the user accepted the key once: the test host is known.
  const hostKey = (await fs.readFile(path.join(dir, 'host_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  await fs.writeFile(path.join(clientHome, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`, { mode: 0o600 });
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'LogLevel ERROR',
  ].join('\n');
  await fs.writeFile(path.join(dir, 'sshd_config'), `${config}\n`);
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d) => (log += d));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true))).on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null) throw new Error(`sshd exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    clientHome,
    hostKey,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      rmSync(clientHome, { recursive: true, force: true });
    },
  };
}
