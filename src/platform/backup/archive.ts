/**
 * The backup archive: one gzipped tar (POSIX ustar, pax headers for long names) holding
 *   database/…        the database dump (PGlite's data directory as its own .tar.gz, or pg_dump's custom format)
 *   blobs/<key>       every blob's bytes (local storage), or
 *   s3-keys.json      the bucket's keys with their sizes and ETags (S3: the bytes stay in the bucket)
 *   manifest.json     written last: format and versions, what the archive holds, and the size and
 *                     sha256 of every other member
 * Written as a stream (no member is staged twice, a blob is read once), file mode 0600: an archive
 * holds everything the database does (key hashes, sealed credentials, and on the embedded default
 * the key they are sealed with). Read back by `readArchive`, which stages every member in a folder
 * and checks it against the manifest before anything is restored.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Header, Parser, Pax, type ReadEntry } from 'tar';
import { isSafeKey } from '../storage/keys.js';
import { BackupArchiveError, BackupError } from './errors.js';

export const ARCHIVE_FORMAT = 'probador-backup';
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST = 'manifest.json';
export const S3_KEYS_MEMBER = 's3-keys.json';
export const BLOBS_DIR = 'blobs/';
export const DATABASE_MEMBERS = { pglite: 'database/pglite-datadir.tar.gz', postgres: 'database/postgres.dump' } as const;

export type MemberInfo = { size: number; sha256: string; content_type?: string };

export type Manifest = {
  format: typeof ARCHIVE_FORMAT;
  format_version: number;
  server_version: string;
  created_at: string;
  database: { kind: 'pglite' | 'postgres'; member: string; engine_version: string };
  /** Rows of drizzle's migrations table, and the tag of the last one (migrations/meta/_journal.json). */
  migrations: { applied: number; latest: string | null };
  blobs: { storage: 'fs' | 's3'; count: number; bytes: number; bucket?: string; prefix?: string | null };
  members: Record<string, MemberInfo>;
};

export type S3KeysMember = { bucket: string; prefix: string | null; keys: { key: string; size: number; etag?: string }[] };


const BLOCK = 512;
const ZEROS = Buffer.alloc(2 * BLOCK);
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export type ArchiveWriter = {
  /** A member from bytes in memory. */
  addBuffer: (name: string, data: Buffer, extra?: { contentType?: string | undefined }) => Promise<void>;
  /** A member from a file (streamed). */
  addFile: (name: string, path: string) => Promise<void>;
  /** Write the manifest (with every member's size and sha256), end the archive and flush it to disk. */
  finish: (manifest: Omit<Manifest, 'members'>) => Promise<{ bytes: number; manifest: Manifest }>;
  /** Stop and remove the file. */
  abort: () => Promise<void>;
};

/** Start an archive at `path` (which must not exist). */
export async function createArchiveWriter(path: string): Promise<ArchiveWriter> {
  await mkdir(dirname(path), { recursive: true });
  const gzip = createGzip({ level: 6 });
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  await once(file, 'open');
  const done = pipeline(gzip, file);
  done.catch(() => undefined); // observed in finish/abort
  const members: Record<string, MemberInfo> = {};

  const write = async (chunk: Buffer) => {
    if (!gzip.write(chunk)) await Promise.race([once(gzip, 'drain'), done]);
  };
  const header = async (name: string, size: number) => {
    if (members[name] || name === MANIFEST) throw new Error(`member ${name} written twice`);
    const mtime = new Date();
    const h = new Header({ path: name, mode: 0o600, size, mtime, type: 'File', uid: 0, gid: 0 });
    if (h.encode()) await write(new Pax({ path: name, size, mtime }).encode());
    await write(h.block!);
  };
  const pad = (size: number) => (size % BLOCK === 0 ? Promise.resolve() : write(ZEROS.subarray(0, BLOCK - (size % BLOCK))));

  const addBuffer = async (name: string, data: Buffer, extra: { contentType?: string | undefined } = {}) => {
    await header(name, data.length);
    await write(data);
    await pad(data.length);
    members[name] = { size: data.length, sha256: createHash('sha256').update(data).digest('hex'), ...(extra.contentType ? { content_type: extra.contentType } : {}) };
  };
  return {
    addBuffer,
    addFile: async (name, path) => {
      const { size } = await stat(path);
      await header(name, size);
      const hash = createHash('sha256');
      let seen = 0;
      for await (const chunk of createReadStream(path)) {
        const b = chunk as Buffer;
        seen += b.length;
        if (seen > size) break;
        hash.update(b);
        await write(b);
      }
      if (seen !== size) throw new Error(`${path} changed while it was archived`);
      await pad(size);
      members[name] = { size, sha256: hash.digest('hex') };
    },
    finish: async (partial) => {
      const manifest: Manifest = { ...partial, members };
      const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      // Not through addBuffer: the manifest does not list itself.
      const h = new Header({ path: MANIFEST, mode: 0o600, size: json.length, mtime: new Date(), type: 'File', uid: 0, gid: 0 });
      h.encode();
      await write(h.block!);
      await write(json);
      await pad(json.length);
      await write(ZEROS);
      gzip.end();
      await done;
      const fh = await open(path, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { bytes: (await stat(path)).size, manifest };
    },
    abort: async () => {
      gzip.destroy();
      file.destroy();
      await done.catch(() => undefined);
      await rm(path, { force: true });
    },
  };
}

/** Where a member is staged under the staging folder (its archive name, checked to stay inside). */
function stagedName(name: string): string | undefined {
  if (name === MANIFEST || name === S3_KEYS_MEMBER || Object.values(DATABASE_MEMBERS).includes(name as never)) return name;
  if (name.startsWith(BLOBS_DIR) && isSafeKey(name.slice(BLOBS_DIR.length))) return name;
  return undefined;
}

export type ReadArchive = {
  manifest: Manifest;
  /** The staged file of a member. */
  pathOf: (member: string) => string;
};

/**
 * Unpack an archive into `stagingDir` (which must exist and be empty) and check it: every member
 * one this format knows, the manifest ours and of a format this version reads, and every member
 * present with the manifest's size and sha256 (nothing more, nothing less). Throws
 * BackupArchiveError when the file is not such an archive, is damaged or truncated.
 */
export async function readArchive(file: string, stagingDir: string): Promise<ReadArchive> {
  const seen = new Map<string, { size: number; sha256: string }>();
  let manifestText: string | undefined;
  const writes: Promise<void>[] = [];
  let problem: string | undefined;
  const fail = (why: string) => {
    problem ??= why;
  };

  const parser = new Parser({
    strict: true,
    noResume: true, // each entry is consumed below (or resumed to skip it)
    onReadEntry: (entry: ReadEntry) => {
      const name = entry.path;
      if (problem) return void entry.resume();
      if (entry.type !== 'File') {
        fail(`unexpected ${entry.type} entry ${JSON.stringify(name)}`);
        return void entry.resume();
      }
      const staged = stagedName(name);
      if (!staged) {
        fail(`unexpected member ${JSON.stringify(name.slice(0, 200))}`);
        return void entry.resume();
      }
      if (seen.has(name) || (name === MANIFEST && manifestText !== undefined)) {
        fail(`member ${name} appears twice`);
        return void entry.resume();
      }
      const hash = createHash('sha256');
      let size = 0;
      if (name === MANIFEST) {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_MANIFEST_BYTES) chunks.push(c);
        });
        writes.push(
          new Promise<void>((resolve) =>
            entry.on('end', () => {
              if (size > MAX_MANIFEST_BYTES) fail('the manifest is too large');
              else manifestText = Buffer.concat(chunks).toString('utf8');
              resolve();
            }),
          ),
        );
        return;
      }
      const target = join(stagingDir, staged);
      writes.push(
        (async () => {
          await mkdir(dirname(target), { recursive: true });
          const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
          await pipeline(
            entry,
            async function* (source: AsyncIterable<Buffer>) {
              for await (const c of source) {
                size += c.length;
                hash.update(c);
                yield c;
              }
            },
            out,
          );
          seen.set(name, { size, sha256: hash.digest('hex') });
        })().catch((e: unknown) => {
          entry.resume();
          fail(`cannot stage ${name}: ${(e as Error).message}`);
        }),
      );
    },
  });

  try {
    await pipeline(createReadStream(file), parser as unknown as NodeJS.WritableStream);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') throw new BackupError(`cannot read ${file}: ${err.message}`);
    throw new BackupArchiveError(`${file} is not a readable Probador backup (${describeReadError(err)})`);
  }
  await Promise.all(writes);
  if (problem) throw new BackupArchiveError(`${file} is not a Probador backup archive as this version writes them: ${problem}`);
  if (manifestText === undefined) throw new BackupArchiveError(`${file} has no ${MANIFEST}: not a Probador backup, or cut short`);
  const manifest = parseManifest(manifestText, file);

  const listed = Object.keys(manifest.members);
  const missing = listed.filter((m) => !seen.has(m));
  if (missing.length > 0) throw new BackupArchiveError(`${file} is incomplete: ${missing.length} member(s) listed in its manifest are missing (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`);
  const extra = [...seen.keys()].filter((m) => !manifest.members[m]);
  if (extra.length > 0) throw new BackupArchiveError(`${file} holds member(s) its manifest does not list (${extra.slice(0, 3).join(', ')})`);
  const bad = listed.filter((m) => seen.get(m)!.sha256 !== manifest.members[m]!.sha256 || seen.get(m)!.size !== manifest.members[m]!.size);
  if (bad.length > 0) throw new BackupArchiveError(`${file} is damaged: the checksum of ${bad.length} member(s) does not match its manifest (${bad.slice(0, 3).join(', ')})`);
  if (!manifest.members[manifest.database.member]) throw new BackupArchiveError(`${file} holds no database dump`);
  return { manifest, pathOf: (member) => join(stagingDir, member) };
}

function describeReadError(e: NodeJS.ErrnoException & { tarCode?: string }): string {
  if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) return 'the file is cut short';
  if (e.code?.startsWith('Z_')) return 'its compressed data is damaged';
  if (e.tarCode === 'TAR_BAD_ARCHIVE' || e.code === 'TAR_BAD_ARCHIVE') return /truncated/i.test(e.message) ? 'the file is cut short' : 'not a tar.gz archive';
  return e.message.slice(0, 200);
}

function parseManifest(text: string, file: string): Manifest {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text) as Partial<Manifest>;
  } catch {
    throw new BackupArchiveError(`${file}: its ${MANIFEST} is not JSON`);
  }
  if (m?.format !== ARCHIVE_FORMAT) throw new BackupArchiveError(`${file} is not a Probador backup (its ${MANIFEST} is not one)`);
  if (m.format_version !== ARCHIVE_FORMAT_VERSION) {
    throw new BackupArchiveError(`${file} is a backup of format ${String(m.format_version)}, this Probador reads format ${ARCHIVE_FORMAT_VERSION}${Number(m.format_version) > ARCHIVE_FORMAT_VERSION ? ': restore it with a newer Probador' : ''}`);
  }
  const db = m.database;
  if (!db || (db.kind !== 'pglite' && db.kind !== 'postgres') || db.member !== DATABASE_MEMBERS[db.kind] || typeof m.members !== 'object' || m.members === null || !m.blobs || !m.migrations) {
    throw new BackupArchiveError(`${file}: its ${MANIFEST} is incomplete`);
  }
  return m as Manifest;
}
