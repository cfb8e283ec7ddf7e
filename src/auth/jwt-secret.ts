import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

/** HS256 keys shorter than the hash (256 bits) are guessable offline from one token. */
export const MIN_SECRET_LENGTH = 32;

/** Placeholders that have appeared in docs and compose files: never accepted as a real secret. */
const KNOWN_PLACEHOLDERS = ['dev-secret-change-me', 'change-me', 'changeme', 'secret', 'your-secret', 'jwt-secret'];

const HOW_TO_MAKE_ONE = `Make one with: openssl rand -base64 48  (or: node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))")`;

export interface SecretContext {
  /** JWT_SECRET as configured, if at all. */
  configured?: string;
  /** Runs beside other processes (api / worker roles): they must share a real secret. */
  split: boolean;
  production: boolean;
  host: string;
  dataDir: string;
}

export interface ResolvedSecret {
  secret: string;
  /** Set when the development secret is used: where it is kept (the banner says so, loudly). */
  devSecretFile?: string;
}

/**
 * The secret that signs every token. A configured one must be real (long enough, not a known
 * placeholder). Without one, only the all-in-one process listening on loopback may run, with a
 * random development secret kept in DATA_DIR: nothing publicly known ever guards a network.
 */
export function resolveJwtSecret(ctx: SecretContext): ResolvedSecret {
  if (ctx.configured !== undefined) {
    if (ctx.configured.length < MIN_SECRET_LENGTH || KNOWN_PLACEHOLDERS.includes(ctx.configured.toLowerCase())) {
      throw new Error(
        `JWT_SECRET is too weak: it must be a random secret of at least ${MIN_SECRET_LENGTH} characters. ${HOW_TO_MAKE_ONE}`,
      );
    }
    return { secret: ctx.configured };
  }
  const why = ctx.split
    ? 'this role runs beside other processes, which must share it'
    : ctx.production
      ? 'NODE_ENV is production'
      : !isLoopback(ctx.host)
        ? `HOST ${ctx.host} is reachable from the network`
        : undefined;
  if (why) throw new Error(`JWT_SECRET is required: ${why}. ${HOW_TO_MAKE_ONE}`);
  return devSecret(ctx.dataDir);
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** A random secret created once per DATA_DIR, so tokens survive a restart of the dev process. */
function devSecret(dataDir: string): ResolvedSecret {
  const file = join(dataDir, 'dev-jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
  return { secret: readFileSync(file, 'utf8').trim(), devSecretFile: file };
}
