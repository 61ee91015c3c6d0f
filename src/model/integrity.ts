/**
 * Checks a file's bytes against the size and SHA-256 that manifest.json gives it. Shared by the page
 * (worker and sample images) and the CLI, so both refuse a corrupt or tampered file with the same words.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** What manifest.json says about one file the page or CLI loads. */
export interface FileIntegrity {
  /** Name relative to the models folder, e.g. "unet.onnx" or "samples/rocket.png". */
  file: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex SHA-256. */
  sha256: string;
}

/** A file that differs from manifest.json (wrong size or hash). */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/**
 * Lower-case hex SHA-256 of `bytes`. Uses WebCrypto where it exists (secure contexts, Node) and
 * @noble/hashes where it does not (a page served over plain http has no `crypto.subtle`): the check is
 * never skipped. `subtle` is a parameter so tests can take the fallback path (null: none).
 */
export async function sha256Hex(bytes: Uint8Array, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<string> {
  if (!subtle) return bytesToHex(sha256(bytes));
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return bytesToHex(digest);
}

/** Throws IntegrityError unless `bytes` has the manifest's size; cheap, so call it before hashing. */
export function checkSize(spec: FileIntegrity, size: number): void {
  if (size !== spec.bytes) {
    throw new IntegrityError(`${spec.file}: expected ${spec.bytes} bytes (manifest.json), got ${size} (truncated, stale or wrong file?)`);
  }
}

/** Throws IntegrityError unless `digest` (hex SHA-256 of the file) is the manifest's. */
export function checkDigest(spec: FileIntegrity, digest: string): void {
  if (digest !== spec.sha256) {
    throw new IntegrityError(
      `${spec.file}: SHA-256 ${digest.slice(0, 12)}... does not match manifest.json's ${spec.sha256.slice(0, 12)}... (corrupt or tampered file)`,
    );
  }
}

/** Checks size and SHA-256 of `bytes` against `spec`; resolves to `bytes`, or throws IntegrityError. */
export async function verifyBytes(
  spec: FileIntegrity,
  bytes: Uint8Array,
  subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null,
): Promise<Uint8Array> {
  checkSize(spec, bytes.length);
  checkDigest(spec, await sha256Hex(bytes, subtle));
  return bytes;
}
