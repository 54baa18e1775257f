/**
 * A local stand-in for WhatsApp Web's chat server (`wss://web.whatsapp.com/ws/chat`), enough for
 * a Baileys socket to reach the QR stage: a WebSocket server on 127.0.0.1 that speaks the Noise
 * XX handshake WhatsApp uses (Noise_XX_25519_AESGCM_SHA256, the "WA" intro header, 3-byte
 * length-prefixed frames), presents a certificate chain signed by its OWN root key (Baileys
 * checks the chain against WhatsApp's key: the driver's test-only `trustServerKey` option makes
 * the worker trust `rootPublicKey` instead), decodes the client's registration payload, then
 * talks WhatsApp's binary XML (Baileys' own codec) over the transport keys: it sends the
 * `pair-device` iq whose refs become QR codes, and records every node the client sends.
 *
 * Scenarios (`mode`): `qr` (default: handshake, then pair-device with `refs`), `drop` (close the
 * socket as soon as the client connects), `silent` (accept, never answer). Pairing itself
 * (pair-success signed by a phone), login and message delivery are not implemented.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Curve, decodeBinaryNode, encodeBinaryNode, proto, type BinaryNode } from 'baileys';

const NOISE_MODE = Buffer.from('Noise_XX_25519_AESGCM_SHA256\0\0\0\0');
const WA_HEADER = Buffer.from([87, 65, 6, 3]);

export type BaileysFakeMode = 'qr' | 'drop' | 'silent';

export type BaileysFake = {
  /** ws://127.0.0.1:<port>/ws/chat — the driver's `wsUrl`. */
  url: string;
  /** The root key the certificate chain is signed with — the driver's `trustServerKey`. */
  rootPublicKey: Uint8Array;
  /** How many sockets connected, and which finished the handshake. */
  connections: number;
  handshakes: { clientPayload: proto.IClientPayload; clientStaticKey: Buffer }[];
  /** Every binary node the clients sent after the handshake. */
  received: BinaryNode[];
  mode: BaileysFakeMode;
  /** The pair-device refs (each becomes one QR). */
  refs: string[];
  /** Close every open client socket (a server-side drop). */
  dropAll(): void;
  close(): Promise<void>;
};

const sha = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const iv = (n: number) => {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(n, 8);
  return b;
};
function gcm(enc: boolean, key: Buffer, counter: number, data: Buffer, aad: Buffer): Buffer {
  if (enc) {
    const c = createCipheriv('aes-256-gcm', key, iv(counter));
    c.setAAD(aad);
    return Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
  }
  const d = createDecipheriv('aes-256-gcm', key, iv(counter));
  d.setAAD(aad);
  d.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]);
}

/** The server's half of WhatsApp's Noise XX. */
class ServerNoise {
  h = NOISE_MODE;
  salt = NOISE_MODE;
  key = NOISE_MODE;
  counter = 0;
  send?: { key: Buffer; n: number };
  recv?: { key: Buffer; n: number };
  mixHash(d: Uint8Array) {
    this.h = sha(this.h, d);
  }
  mixKey(ikm: Uint8Array) {
    const out = Buffer.from(hkdfSync('sha256', ikm, this.salt, Buffer.alloc(0), 64));
    this.salt = out.subarray(0, 32);
    this.key = out.subarray(32);
    this.counter = 0;
  }
  encrypt(p: Buffer) {
    const c = gcm(true, this.key, this.counter++, p, this.h);
    this.mixHash(c);
    return c;
  }
  decrypt(c: Buffer) {
    const p = gcm(false, this.key, this.counter++, c, this.h);
    this.mixHash(c);
    return p;
  }
  split() {
    const out = Buffer.from(hkdfSync('sha256', Buffer.alloc(0), this.salt, Buffer.alloc(0), 64));
    // The client encrypts with the first half and decrypts with the second.
    this.recv = { key: out.subarray(0, 32), n: 0 };
    this.send = { key: out.subarray(32), n: 0 };
  }
}

const frame = (data: Buffer) => Buffer.concat([Buffer.from([(data.length >> 16) & 0xff, (data.length >> 8) & 0xff, data.length & 0xff]), data]);

function certChain(root: { private: Uint8Array; public: Uint8Array }) {
  const signer = Curve.generateKeyPair();
  const interDetails = proto.CertChain.NoiseCertificate.Details.encode({ serial: 1, issuerSerial: 0, key: signer.public }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({ serial: 2, issuerSerial: 1, key: Curve.generateKeyPair().public }).finish();
  return proto.CertChain.encode({
    intermediate: { details: interDetails, signature: Buffer.from(Curve.sign(root.private, interDetails)) },
    leaf: { details: leafDetails, signature: Buffer.from(Curve.sign(signer.private, leafDetails)) },
  }).finish();
}

export async function startBaileysFake(opts: { mode?: BaileysFakeMode; refs?: string[] } = {}): Promise<BaileysFake> {
  const root = Curve.generateKeyPair();
  const serverStatic = Curve.generateKeyPair();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const sockets = new Set<WebSocket>();
  const fake: BaileysFake = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/chat`,
    rootPublicKey: new Uint8Array(root.public),
    connections: 0,
    handshakes: [],
    received: [],
    mode: opts.mode ?? 'qr',
    refs: opts.refs ?? ['2@fake-ref-one', '2@fake-ref-two', '2@fake-ref-three'],
    dropAll: () => sockets.forEach((s) => s.terminate()),
    close: async () => {
      sockets.forEach((s) => s.terminate());
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };

  wss.on('connection', (ws) => {
    fake.connections++;
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    if (fake.mode === 'drop') return void ws.terminate();
    if (fake.mode === 'silent') return;
    const noise = new ServerNoise();
    const eph = Curve.generateKeyPair();
    const ephPub = Buffer.from(eph.public);
    let buf = Buffer.alloc(0);
    let introSeen = false;
    let step: 'hello' | 'finish' | 'transport' = 'hello';

    const sendNode = (node: BinaryNode) => {
      const s = noise.send!;
      ws.send(frame(gcm(true, s.key, s.n++, encodeBinaryNode(node), Buffer.alloc(0))));
    };

    const onFrame = async (data: Buffer) => {
      if (step === 'hello') {
        const hello = proto.HandshakeMessage.decode(data).clientHello;
        const clientEph = Buffer.from(hello?.ephemeral ?? []);
        noise.mixHash(WA_HEADER);
        noise.mixHash(clientEph);
        noise.mixHash(ephPub);
        noise.mixKey(Curve.sharedKey(eph.private, clientEph));
        const staticEnc = noise.encrypt(Buffer.from(serverStatic.public));
        noise.mixKey(Curve.sharedKey(serverStatic.private, clientEph));
        const payload = noise.encrypt(Buffer.from(certChain(root)));
        ws.send(frame(Buffer.from(proto.HandshakeMessage.encode({ serverHello: { ephemeral: eph.public, static: staticEnc, payload } }).finish())));
        step = 'finish';
        return;
      }
      if (step === 'finish') {
        const fin = proto.HandshakeMessage.decode(data).clientFinish;
        const clientStaticKey = noise.decrypt(Buffer.from(fin?.static ?? []));
        noise.mixKey(Curve.sharedKey(eph.private, clientStaticKey));
        const clientPayload = proto.ClientPayload.decode(noise.decrypt(Buffer.from(fin?.payload ?? [])));
        noise.split();
        step = 'transport';
        fake.handshakes.push({ clientPayload, clientStaticKey });
        if (!clientPayload.username) {
          // A new device registering: offer pairing refs (each one a QR).
          sendNode({
            tag: 'iq',
            attrs: { from: 's.whatsapp.net', type: 'set', id: `pair-${fake.connections}`, xmlns: 'md' },
            content: [{ tag: 'pair-device', attrs: {}, content: fake.refs.map((r) => ({ tag: 'ref', attrs: {}, content: Buffer.from(r) })) }],
          });
        }
        return;
      }
      const r = noise.recv!;
      fake.received.push(await decodeBinaryNode(gcm(false, r.key, r.n++, data, Buffer.alloc(0))));
    };

    let chain = Promise.resolve();
    ws.on('message', (raw: Buffer) => {
      buf = Buffer.concat([buf, raw]);
      if (!introSeen) {
        if (buf.length < 4) return;
        if (!buf.subarray(0, 4).equals(WA_HEADER)) return void ws.terminate();
        buf = buf.subarray(4);
        introSeen = true;
      }
      while (buf.length >= 3) {
        const size = (buf[0]! << 16) | (buf[1]! << 8) | buf[2]!;
        if (buf.length < size + 3) break;
        const data = Buffer.from(buf.subarray(3, size + 3));
        buf = buf.subarray(size + 3);
        chain = chain.then(() => onFrame(data)).catch(() => ws.terminate());
      }
    });
  });
  return fake;
}
