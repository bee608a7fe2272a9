/**
 * The cryptography of `tandem cluster join`: a one-time join token that
 * both ends know, and never send. Each session derives its keys from the
 * token (scrypt, so a captured transcript is expensive to guess from),
 * a per-session salt and both ends' nonces (HKDF-SHA256):
 *   - an authentication key: each end proves it knows the token with an
 *     HMAC over both nonces (the joiner first, so a stranger learns nothing);
 *   - an encryption key: the config and the cluster key travel sealed with
 *     AES-256-GCM, the nonces as associated data.
 * Pure functions over node:crypto; no I/O.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { TandemError, ExitCode } from '../../errors.js';

const tokenPrefix = 'tdmj-';
const tokenBytes = 18;

/** A new one-time token: 144 random bits, printable, safe to paste in a shell. */
export function newJoinToken(): string {
  return tokenPrefix + randomBytes(tokenBytes).toString('base64url');
}

/**
 * Checks a token's shape (not its value: only the serving peer knows that).
 * @throws TandemError E_JOIN_TOKEN (exit 64) when it cannot be a token.
 */
export function checkTokenShape(token: string): void {
  if (!token.startsWith(tokenPrefix) || Buffer.from(token.slice(tokenPrefix.length), 'base64url').length !== tokenBytes) {
    throw new TandemError('E_JOIN_TOKEN', `'${token.slice(0, 12)}...' is not a join token (expected ${tokenPrefix} followed by 24 characters, as printed by 'tandem cluster serve-join')`, { exitCode: ExitCode.usage });
  }
}

export interface SessionKeys { authKey: Buffer; encKey: Buffer }

/** The keys of one join session. scrypt N=2^14: ~50 ms, once per session. */
export function deriveSessionKeys(token: string, salt: Buffer, clientNonce: Buffer, serverNonce: Buffer): SessionKeys {
  const master = scryptSync(token, salt, 32, { N: 1 << 14, r: 8, p: 1 });
  const nonces = Buffer.concat([clientNonce, serverNonce]);
  return {
    authKey: Buffer.from(hkdfSync('sha256', master, nonces, 'tandem join auth v1', 32)),
    encKey: Buffer.from(hkdfSync('sha256', master, nonces, 'tandem join enc v1', 32)),
  };
}

/** The proof of one side ('client' or 'server') over both nonces. */
export function joinProof(keys: SessionKeys, side: 'client' | 'server', clientNonce: Buffer, serverNonce: Buffer): Buffer {
  return createHmac('sha256', keys.authKey).update(side).update(clientNonce).update(serverNonce).digest();
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

export interface SealedBox { iv: string; data: string; tag: string }

/** Encrypts `plain` (AES-256-GCM, random IV, `aad` authenticated). */
export function seal(keys: SessionKeys, plain: Buffer, aad: Buffer): SealedBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.encKey, iv);
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/**
 * Decrypts and authenticates a sealed box.
 * @throws TandemError E_JOIN_TAMPERED when it was altered or sealed under another key.
 */
export function open(keys: SessionKeys, box: SealedBox, aad: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encKey, Buffer.from(box.iv, 'base64'));
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]);
  } catch (cause) {
    throw new TandemError('E_JOIN_TAMPERED', 'the configuration sent by the peer does not decrypt: altered in transit, or not sealed with this token', { exitCode: ExitCode.protocol, cause });
  }
}

/** The associated data binding a sealed payload to its session. */
export function sessionAad(clientNonce: Buffer, serverNonce: Buffer): Buffer {
  return Buffer.concat([Buffer.from('tandem-join-v1'), clientNonce, serverNonce]);
}
