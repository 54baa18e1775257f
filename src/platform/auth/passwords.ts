/**
 * Passwords, shared by every kind of person who signs in (staff in the tenants module, a tenant's
 * end users in the accounts module): argon2id hashing, verification that takes the same time whether
 * or not the account exists, and the strength rule.
 */
import { hash as nodeRsArgonHash, verify as argonVerify, type Options as ArgonOptions } from '@node-rs/argon2';
import { AppError } from '../errors.js';

/**
 * argon2id at 7 MiB × 5 passes, one lane: one of OWASP's equivalent settings (Password Storage
 * Cheat Sheet: 46 MiB × 1, 19 MiB × 2, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5 "provide an equal level of
 * defense"). The smallest memory of those: each hash or verify holds its memory in the API process
 * while it runs, and the allocator keeps the peak (19 MiB with the library's default). Verifying
 * reads the settings from the stored hash, so older hashes keep working.
 */
export const ARGON2_OPTIONS: ArgonOptions = { memoryCost: 7168, timeCost: 5, parallelism: 1 };

export const hashPassword = (password: string) => nodeRsArgonHash(password, ARGON2_OPTIONS);

/** false for a wrong password or a malformed stored hash (never throws for those). */
export const verifyPassword = (storedHash: string, password: string) => argonVerify(storedHash, password).catch(() => false);

// A real argon2 hash to verify against when the account is unknown, so timing does not tell.
let dummyHash: Promise<string> | undefined;

/** Spend what a real verification spends, for an account that does not exist; always false. */
export async function verifyNobody(password: string): Promise<false> {
  dummyHash ??= hashPassword('probador-timing-equaliser');
  await verifyPassword(await dummyHash, password);
  return false;
}

const COMMON = new Set(['password', 'password1', 'password123', '1234567890', 'qwertyuiop', '0123456789', 'letmein123', 'administrator']);

/** Throws WEAK_PASSWORD: 10–256 characters, not a common one, at least 4 distinct characters. */
export function checkPasswordStrength(pw: string) {
  if (pw.length < 10) throw new AppError('WEAK_PASSWORD', 'Use at least 10 characters.');
  if (pw.length > 256) throw new AppError('WEAK_PASSWORD', 'Use at most 256 characters.');
  if (COMMON.has(pw.toLowerCase()) || new Set(pw).size < 4) throw new AppError('WEAK_PASSWORD', 'This password is too easy to guess.');
}
