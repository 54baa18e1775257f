/**
 * A small fake S3 server (node:http on 127.0.0.1, port 0) speaking the documented REST API, so the
 * real AWS SDK code in src/platform/storage/s3.ts is exercised. Path-style addressing only
 * (`/<bucket>/<key>`), one bucket. Operations: PutObject, GetObject, HeadObject, DeleteObject,
 * HeadBucket, ListObjectsV2 (prefix, continuation-token, start-after, max-keys ≤ 1000),
 * DeleteObjects (POST ?delete, ≤ 1000 keys, Quiet), and presigned GET/HEAD URLs.
 *
 * Signatures are not verified, but every request must be signed: an `Authorization:
 * AWS4-HMAC-SHA256 …` header, or the presigned query (`X-Amz-Algorithm`, `X-Amz-Signature`, …)
 * whose `X-Amz-Date` + `X-Amz-Expires` is checked against `now()`. Payload hashes, Content-MD5 and
 * CRC32 checksums are checked when sent. Errors are S3's `<Error><Code>…</Code>…</Error>` XML.
 * `fail()` injects errors or delays; `denyDelete` makes DeleteObjects report per-key errors.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { AddressInfo } from 'node:net';

export type FakeS3Object = { body: Buffer; contentType: string; etag: string; lastModified: Date };
export type FakeS3Op = 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'HeadBucket' | 'ListObjectsV2' | 'DeleteObjects' | 'Unknown';
export type FakeS3Request = {
  op: FakeS3Op; method: string; path: string; key: string | undefined;
  query: Record<string, string>; headers: IncomingHttpHeaders; body: Buffer; presigned: boolean; status: number;
};
export type FakeS3Fault = {
  /** Only requests of this operation (default: any). */
  op?: FakeS3Op;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer with this error instead of the normal response. */
  error?: { status: number; code: string; message?: string; extra?: Record<string, string> };
};
export type FakeS3 = {
  endpoint: string;
  bucket: string;
  objects: Map<string, FakeS3Object>;
  requests: FakeS3Request[];
  /** Keys DeleteObjects refuses (reported in the response's <Error> elements). */
  denyDelete: Set<string>;
  fail: (fault: FakeS3Fault) => void;
  /** Forget objects, recorded requests, pending faults and denied keys. */
  reset: () => void;
  close: () => Promise<void>;
};

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const unesc = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-f]+|#\d+);/gi, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()] ?? '');
const md5 = (b: Buffer) => createHash('md5').update(b).digest();
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

class S3Err extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly extra: Record<string, string> = {}) {
    super(message);
  }
}

export async function startFakeS3(opts: { bucket?: string; now?: () => number; requireContentMd5?: boolean } = {}): Promise<FakeS3> {
  const bucket = opts.bucket ?? 'probador-test';
  const now = opts.now ?? Date.now;
  const objects = new Map<string, FakeS3Object>();
  const requests: FakeS3Request[] = [];
  const denyDelete = new Set<string>();
  const faults: (FakeS3Fault & { left: number })[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const checkAuth = (method: string, q: Record<string, string>, h: IncomingHttpHeaders): boolean => {
    if (q['X-Amz-Signature'] !== undefined) {
      if (method !== 'GET' && method !== 'HEAD') throw new S3Err(403, 'AccessDenied', 'Presigned URLs are served for GET and HEAD only');
      const date = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(q['X-Amz-Date'] ?? '');
      const expires = Number(q['X-Amz-Expires']);
      if (q['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256' || !q['X-Amz-Credential'] || !q['X-Amz-SignedHeaders'] || !date
        || !Number.isInteger(expires) || expires < 1 || expires > 604_800) {
        throw new S3Err(400, 'AuthorizationQueryParametersError', 'Query-string authentication requires X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders and -Signature');
      }
      const [, y, mo, d, hh, mi, ss] = date.map(Number) as number[];
      const signedAt = Date.UTC(y!, mo! - 1, d!, hh!, mi!, ss!);
      if (now() > signedAt + expires * 1000) throw new S3Err(403, 'AccessDenied', 'Request has expired');
      return true;
    }
    const auth = h.authorization ?? '';
    if (!auth.startsWith('AWS4-HMAC-SHA256 ') || !auth.includes('Credential=') || !auth.includes('Signature=') || !h['x-amz-date']) {
      throw new S3Err(403, 'AccessDenied', 'Access Denied (requests must be signed with AWS4-HMAC-SHA256)');
    }
    return false;
  };

  const checkBody = (h: IncomingHttpHeaders, body: Buffer) => {
    const sha = h['x-amz-content-sha256'];
    if (typeof sha === 'string' && sha.startsWith('STREAMING-')) throw new S3Err(501, 'NotImplemented', 'aws-chunked uploads are not supported by the fake');
    if (typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha) && createHash('sha256').update(body).digest('hex') !== sha) {
      throw new S3Err(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    const contentMd5 = h['content-md5'];
    if (typeof contentMd5 === 'string' && contentMd5 !== md5(body).toString('base64')) {
      throw new S3Err(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    const crc = h['x-amz-checksum-crc32'];
    if (typeof crc === 'string') {
      const expected = Buffer.alloc(4);
      expected.writeUInt32BE(crc32(body));
      if (crc !== expected.toString('base64')) throw new S3Err(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
    }
  };

  const opOf = (method: string, key: string | undefined, q: Record<string, string>): FakeS3Op => {
    if (key !== undefined) {
      return ({ PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' } as Record<string, FakeS3Op>)[method] ?? 'Unknown';
    }
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'GET' && q['list-type'] === '2') return 'ListObjectsV2';
    if (method === 'POST' && 'delete' in q) return 'DeleteObjects';
    return 'Unknown';
  };

  const list = (q: Record<string, string>) => {
    const prefix = q.prefix ?? '';
    const maxKeys = q['max-keys'] === undefined ? 1000 : Number(q['max-keys']);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Err(400, 'InvalidArgument', 'max-keys must be a non-negative integer');
    let after = q['start-after'] ?? '';
    const token = q['continuation-token'];
    if (token !== undefined) {
      const decoded = Buffer.from(token, 'base64url').toString('utf8');
      if (!decoded.startsWith('ct:')) throw new S3Err(400, 'InvalidArgument', 'The continuation token provided is incorrect');
      after = decoded.slice(3);
    }
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && byUtf8(k, after) > 0).sort(byUtf8);
    const page = keys.slice(0, Math.min(maxKeys, 1000));
    const truncated = keys.length > page.length;
    const last = page.at(-1);
    const contents = page.map((k) => {
      const o = objects.get(k)!;
      return `<Contents><Key>${esc(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${esc(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    });
    return `<ListBucketResult xmlns="${NS}"><Name>${esc(bucket)}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount>`
      + `<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>`
      + (token !== undefined ? `<ContinuationToken>${esc(token)}</ContinuationToken>` : '')
      + (truncated && last !== undefined ? `<NextContinuationToken>${Buffer.from(`ct:${last}`).toString('base64url')}</NextContinuationToken>` : '')
      + `${contents.join('')}</ListBucketResult>`;
  };

  const deleteMany = (h: IncomingHttpHeaders, body: Buffer) => {
    const hasChecksum = Object.keys(h).some((k) => k.startsWith('x-amz-checksum-'));
    if (opts.requireContentMd5 && !h['content-md5']) throw new S3Err(400, 'MissingContentMD5', 'Missing required header for this request: Content-Md5.');
    if (!h['content-md5'] && !hasChecksum) throw new S3Err(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
    const xml = body.toString('utf8');
    if (!/<Delete[\s>]/.test(xml)) throw new S3Err(400, 'MalformedXML', 'The XML you provided was not well-formed');
    const keys = [...xml.matchAll(/<Object>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map((m) => unesc(m[1] ?? ''));
    if (keys.length === 0 || keys.length > 1000) throw new S3Err(400, 'MalformedXML', 'A Delete request holds 1 to 1000 keys');
    const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(xml);
    let out = '';
    for (const k of keys) {
      if (denyDelete.has(k)) {
        out += `<Error><Key>${esc(k)}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`;
      } else {
        objects.delete(k);
        if (!quiet) out += `<Deleted><Key>${esc(k)}</Key></Deleted>`;
      }
    }
    return `<DeleteResult xmlns="${NS}">${out}</DeleteResult>`;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer, rec: FakeS3Request) => {
    const { method, key, query: q, headers: h } = rec;
    rec.presigned = checkAuth(method, q, h);
    checkBody(h, body);
    const xml = (status: number, doc: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${doc}`);
    };
    switch (rec.op) {
      case 'PutObject': {
        const etag = `"${md5(body).toString('hex')}"`;
        const contentType = h['content-type'] ?? 'binary/octet-stream';
        objects.set(key!, { body, contentType, etag, lastModified: new Date(now()) });
        return void res.writeHead(200, { etag }).end();
      }
      case 'GetObject':
      case 'HeadObject': {
        const o = objects.get(key!);
        if (!o) throw new S3Err(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key! });
        const headers: Record<string, string | number> = {
          'content-type': q['response-content-type'] ?? o.contentType, 'content-length': o.body.length,
          etag: o.etag, 'last-modified': o.lastModified.toUTCString(), 'accept-ranges': 'bytes',
        };
        if (q['response-content-disposition']) headers['content-disposition'] = q['response-content-disposition'];
        res.writeHead(200, headers);
        return void res.end(rec.op === 'GetObject' ? o.body : undefined);
      }
      case 'DeleteObject':
        objects.delete(key!);
        return void res.writeHead(204).end();
      case 'HeadBucket':
        return void res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1' }).end();
      case 'ListObjectsV2':
        return xml(200, list(q));
      case 'DeleteObjects':
        return xml(200, deleteMany(h, body));
      default:
        throw new S3Err(501, 'NotImplemented', `The fake does not implement ${method} ${req.url ?? ''}`);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake.local');
      const [, rawBucket = '', ...rest] = url.pathname.split('/');
      const rawKey = rest.join('/');
      const key = rawKey === '' ? undefined : decodeURIComponent(rawKey);
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
      const method = req.method ?? 'GET';
      const rec: FakeS3Request = {
        op: opOf(method, key, query), method, path: url.pathname, key, query, headers: req.headers,
        body: Buffer.concat(chunks), presigned: false, status: 0,
      };
      requests.push(rec);
      const fault = faults.find((f) => f.left > 0 && (f.op === undefined || f.op === rec.op));
      if (fault) fault.left -= 1;
      const respond = () => {
        const requestId = randomBytes(8).toString('hex').toUpperCase();
        res.setHeader('x-amz-request-id', requestId);
        try {
          if (fault?.error) throw new S3Err(fault.error.status, fault.error.code, fault.error.message ?? fault.error.code, fault.error.extra);
          if (decodeURIComponent(rawBucket) !== bucket) throw new S3Err(404, 'NoSuchBucket', 'The specified bucket does not exist');
          handle(req, res, rec.body, rec);
        } catch (e) {
          const err = e instanceof S3Err ? e : new S3Err(500, 'InternalError', 'We encountered an internal error. Please try again.');
          const extra = Object.entries(err.extra).map(([k, v]) => `<${k}>${esc(v)}</${k}>`).join('');
          res.writeHead(err.status, { 'content-type': 'application/xml' });
          res.end(method === 'HEAD' ? undefined
            : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(err.code)}</Code><Message>${esc(err.message)}</Message>${extra}<Resource>${esc(url.pathname)}</Resource><RequestId>${requestId}</RequestId></Error>`);
        }
        rec.status = res.statusCode;
      };
      if (fault?.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          if (!res.destroyed) respond();
        }, fault.delayMs);
        timers.add(t);
      } else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    objects,
    requests,
    denyDelete,
    fail: (fault) => void faults.push({ ...fault, left: fault.times ?? 1 }),
    reset: () => {
      objects.clear();
      requests.length = 0;
      faults.length = 0;
      denyDelete.clear();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
