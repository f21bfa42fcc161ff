import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Bytes at or above this would make `% 62` favour the first characters. */
const UNBIASED_BELOW = 248;

/** Letters and digits only, so a double click selects the whole secret. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_BELOW) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const SECRET_PREFIX = "sk-gw-";
/** 40 base-62 characters: about 238 random bits. */
const SECRET_RANDOM_CHARS = 40;

export const generateSecret = (): string => `${SECRET_PREFIX}${randomBase62(SECRET_RANDOM_CHARS)}`;

/**
 * Secrets are long and random, so a fast unsalted hash is enough: nothing to brute-force, and a
 * lookup by hash compares no secret bytes, so an unknown key and a wrong one take the same path.
 */
export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/** Enough of a secret to tell keys apart; for an imported (shorter, human-made) secret, very little. */
export function visiblePrefix(secret: string): string {
  return secret.startsWith(SECRET_PREFIX) && secret.length >= SECRET_PREFIX.length + SECRET_RANDOM_CHARS
    ? secret.slice(0, SECRET_PREFIX.length + 6)
    : secret.slice(0, 4);
}

/** A base-36 millisecond timestamp first (8 characters until 2059), so ids sort by creation. */
export const newKeyId = (now = Date.now()): string => `key_${now.toString(36).padStart(8, "0")}${randomBase62(12)}`;
