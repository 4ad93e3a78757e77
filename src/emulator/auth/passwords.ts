/**
 * Password hashing with scrypt (node:crypto), stored as `scrypt$<N>$<salt>$<hash>`.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";

// The emulator holds development data only; a moderate cost keeps sign-ups fast in tests.
const COST = 4096;

function scrypt(password: string, salt: Buffer, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, 32, { N: cost, r: 8, p: 1 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Hashes a password with a fresh salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, COST);
  return `scrypt$${COST}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** True when `password` matches `stored` (false for hashes in other formats). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, cost, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !cost || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scrypt(password, Buffer.from(salt, "base64"), Number(cost));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
