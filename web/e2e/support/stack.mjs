// Starts what the end-to-end tests and the web benchmark run against: a fresh Azurite (blob
// service only) and `cerulean serve`, each on a free loopback port, with all their state in one
// temporary directory. Shared by web/e2e/global-setup.ts and bench/web/run.mjs.
//
// Plain JavaScript (with stack.d.mts for TypeScript) so that `node bench/web/run.mjs` can import
// it without a TypeScript loader.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, closeSync, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** web/ */
export const webDir = resolve(here, '..', '..');
/** The repository's root. */
export const repoRoot = resolve(webDir, '..');

/** Azurite's well-known development account. */
export const emulatorAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

/** A free TCP port on 127.0.0.1 (the kernel picks it; released before it is used). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(address.port));
    });
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function tcpOpen(port) {
  return new Promise((resolveOpen) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

function readLog(path) {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > 20000 ? '…' + text.slice(-20000) : text;
  } catch {
    return '(no log)';
  }
}

/** Runs a process with stdout and stderr in a log file; `exited` is set when it ends. */
function launch(command, args, options, logPath) {
  const fd = openSync(logPath, 'a');
  const child = spawn(command, args, { ...options, stdio: ['ignore', fd, fd], detached: false });
  closeSync(fd);
  const state = { child, exited: null, logPath };
  child.on('exit', (code, signal) => {
    state.exited = { code, signal };
  });
  child.on('error', (error) => {
    state.exited = { code: null, signal: null, error };
  });
  return state;
}

async function stopProcess(state, name) {
  if (!state || state.exited) return;
  const done = new Promise((r) => state.child.once('exit', r));
  state.child.kill('SIGTERM');
  const timeout = sleep(5000).then(() => 'timeout');
  if ((await Promise.race([done, timeout])) === 'timeout') {
    process.stderr.write(`[stack] ${name} did not stop on SIGTERM within 5 s; killing it\n`);
    state.child.kill('SIGKILL');
    await done;
  }
}

function fail(what, state, detail) {
  const exit = state.exited
    ? state.exited.error
      ? ` (could not start: ${state.exited.error.message})`
      : ` (exited with code ${state.exited.code}${state.exited.signal ? `, signal ${state.exited.signal}` : ''})`
    : '';
  return new Error(`${what}${exit}: ${detail}\n----- ${state.logPath} -----\n${readLog(state.logPath)}\n-----`);
}

/**
 * Starts Azurite and `cerulean serve`. Options (all optional):
 *   ceruleanBin  the server binary (default: env CERULEAN_BIN, else ../build/cerulean from web/)
 *   webRoot      the built UI (default: env CERULEAN_E2E_WEB_ROOT, else web/dist; must hold index.html)
 *   log          a function for progress lines (default: none)
 *   accounts     names of extra, empty storage accounts in the same Azurite (besides
 *                devstoreaccount1), for tests that need an account of their own
 * Returns { baseURL, emulatorEndpoint, accounts: [{name, key, endpoint}], tmpDir, syncRoot,
 * serverLog, azuriteLog, stop() }.
 * Throws, with the server's log, when something does not start.
 */
export async function startStack(options = {}) {
  const log = options.log ?? (() => {});
  const bin = resolve(webDir, options.ceruleanBin ?? process.env.CERULEAN_BIN ?? '../build/cerulean');
  const webRoot = resolve(options.webRoot ?? process.env.CERULEAN_E2E_WEB_ROOT ?? join(webDir, 'dist'));
  const azuriteBin = resolve(repoRoot, 'node_modules/.bin/azurite-blob');

  if (!existsSync(join(webRoot, 'index.html'))) {
    throw new Error(
      `The built web UI is missing (${join(webRoot, 'index.html')}).\n` +
        `Build it first:  cd ${webDir} && npx vite build`,
    );
  }
  if (!existsSync(bin)) {
    throw new Error(
      `The server binary is missing (${bin}).\n` +
        `Build it (make build) or point CERULEAN_BIN at it (a path relative to web/ or absolute).`,
    );
  }
  if (!existsSync(azuriteBin)) {
    throw new Error(`Azurite is missing (${azuriteBin}); run scripts/setup (npm ci at the repository root).`);
  }

  const tmpDir = mkdtempSync(join(tmpdir(), 'cerulean-e2e-'));
  const azuriteDir = join(tmpDir, 'azurite');
  const dataDir = join(tmpDir, 'data');
  const syncRoot = join(tmpDir, 'sync');
  for (const d of [azuriteDir, dataDir, syncRoot]) mkdirSync(d, { recursive: true });

  let azurite = null;
  let server = null;
  // Should this process end without calling stop() (Ctrl-C, a crash, a closed pipe), the
  // children must not outlive it: kill them and remove the directory synchronously on exit.
  const onExit = () => {
    for (const state of [server, azurite]) if (state && !state.exited) state.child.kill('SIGKILL');
    if (!process.env.CERULEAN_E2E_KEEP_TMP) rmSync(tmpDir, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stop = async () => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopProcess(server, 'cerulean serve');
    await stopProcess(azurite, 'azurite');
    if (!process.env.CERULEAN_E2E_KEEP_TMP) rmSync(tmpDir, { recursive: true, force: true });
  };

  try {
    // Azurite
    const blobPort = await freePort();
    const extra = (options.accounts ?? []).map((name) => ({ name, key: randomBytes(64).toString('base64') }));
    const azuriteEnv = { ...process.env };
    if (extra.length) {
      azuriteEnv.AZURITE_ACCOUNTS = [emulatorAccount, ...extra].map((a) => `${a.name}:${a.key}`).join(';');
    }
    azurite = launch(
      azuriteBin,
      [
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        String(blobPort),
        '--location',
        azuriteDir,
        '--disableTelemetry',
        '--skipApiVersionCheck',
        '--loose',
        '--silent',
      ],
      { cwd: tmpDir, env: azuriteEnv },
      join(tmpDir, 'azurite.log'),
    );
    const azuriteDeadline = Date.now() + 30_000;
    while (!(await tcpOpen(blobPort))) {
      if (azurite.exited) throw fail('Azurite did not start', azurite, `port ${blobPort}`);
      if (Date.now() > azuriteDeadline) throw fail('Azurite did not listen within 30 s', azurite, `port ${blobPort}`);
      await sleep(100);
    }
    const emulatorEndpoint = `http://127.0.0.1:${blobPort}/${emulatorAccount.name}`;
    log(`azurite listening at ${emulatorEndpoint}`);

    // cerulean serve
    const serverPort = await freePort();
    const baseURL = `http://127.0.0.1:${serverPort}`;
    server = launch(
      bin,
      ['serve'],
      {
        cwd: tmpDir, // no stray .env from the checkout
        env: {
          ...process.env,
          CERULEAN_LISTEN: `127.0.0.1:${serverPort}`,
          CERULEAN_DATA_DIR: dataDir,
          CERULEAN_DATABASE_URL: `sqlite://${dataDir}/c.db`,
          CERULEAN_ALLOW_LOOPBACK_ENDPOINTS: 'true',
          CERULEAN_WEB_ROOT: webRoot,
          CERULEAN_LOCAL_EMULATOR: emulatorEndpoint,
          CERULEAN_SYNC_ROOT: syncRoot,
        },
      },
      join(tmpDir, 'server.log'),
    );
    const serverDeadline = Date.now() + 30_000;
    let lastAnswer = 'no answer';
    for (;;) {
      if (server.exited) throw fail('cerulean serve did not start', server, `listening on ${baseURL}`);
      try {
        const response = await fetch(`${baseURL}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (response.ok) break;
        lastAnswer = `HTTP ${response.status} ${await response.text()}`;
      } catch (error) {
        lastAnswer = String(error?.cause?.code ?? error?.message ?? error);
      }
      if (Date.now() > serverDeadline) {
        throw fail('cerulean serve was not ready within 30 s', server, `GET ${baseURL}/readyz: ${lastAnswer}`);
      }
      await sleep(100);
    }
    log(`cerulean serve ready at ${baseURL}`);

    return {
      baseURL,
      emulatorEndpoint,
      accounts: extra.map((a) => ({ ...a, endpoint: `http://127.0.0.1:${blobPort}/${a.name}` })),
      tmpDir,
      syncRoot,
      serverLog: server.logPath,
      azuriteLog: azurite.logPath,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
