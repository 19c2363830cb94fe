/** web/ */
export const webDir: string;
/** The repository's root. */
export const repoRoot: string;
/** Azurite's well-known development account. */
export const emulatorAccount: { name: string; key: string };
/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>;

export interface Stack {
  /** The server's base URL, e.g. http://127.0.0.1:41234 */
  baseURL: string;
  /** Azurite's blob endpoint with the account, e.g. http://127.0.0.1:41235/devstoreaccount1 */
  emulatorEndpoint: string;
  /** Extra, empty accounts in the same Azurite (StackOptions.accounts). */
  accounts: EmulatorAccount[];
  tmpDir: string;
  /** The server's CERULEAN_SYNC_ROOT (local folders of sync jobs are under it). */
  syncRoot: string;
  serverLog: string;
  azuriteLog: string;
  /** Stops both processes and removes the temporary directory. */
  stop(): Promise<void>;
}

export interface EmulatorAccount {
  name: string;
  /** Shared Key, base64. */
  key: string;
  /** Blob endpoint with the account, e.g. http://127.0.0.1:41235/screenshots */
  endpoint: string;
}

export interface StackOptions {
  ceruleanBin?: string;
  webRoot?: string;
  log?: (line: string) => void;
  /** Names of extra, empty storage accounts (3..24 lowercase letters and digits). */
  accounts?: string[];
}

/** Starts Azurite and `cerulean serve` on free loopback ports; throws with the server's log when one does not start. */
export function startStack(options?: StackOptions): Promise<Stack>;
