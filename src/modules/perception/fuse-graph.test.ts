/**
 * The load-time fusion of batch-norm + ReLU6 into convolutions (fuse-graph.ts): on Human's age
 * model as shipped, the fused graph gives the same outputs with far fewer nodes; on small graphs,
 * only the exact pattern (a clip to [0, 6]) is fused.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { beforeAll, describe, expect, it } from 'vitest';
import { asShipped, fuseConvBnRelu6, type ModelJson } from './fuse-graph.js';

const require = createRequire(import.meta.url);
const MODELS = join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
const FIXTURE = new URL('../../../test/fixtures/astronaut.png', import.meta.url);

beforeAll(async () => {
  let dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  if (!dist.endsWith('dist')) dist = join(dist, 'dist');
  setWasmPaths(dist + '/');
  await tf.setBackend('wasm');
  await tf.ready();
}, 60_000);

const arrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const run = (m: GraphModel, x: tf.Tensor) => {
  const out = m.execute(x);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => t.dataSync() as Float32Array);
  list.forEach((t) => t.dispose());
  return values;
};
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('fusing the age model (faceres) as Human ships it', () => {
  it('fuses all 27 convolutions and gives the same age, gender and descriptor', async () => {
    const json = JSON.parse(readFileSync(join(MODELS, 'faceres.json'), 'utf8')) as ModelJson;
    const weights = arrayBuffer(readFileSync(join(MODELS, 'faceres.bin')));
    const r = await fuseConvBnRelu6(tf, json, weights);
    expect(r.fused).toBe(27);
    expect(r.nodesAfter).toBeLessThan(r.nodesBefore - 150);
    const ops = (r.artifacts.modelTopology as ModelJson['modelTopology']).node.map((n) => n.op);
    expect(ops).not.toContain('Minimum');
    expect(ops).not.toContain('Maximum');

    const [shipped, fused] = await Promise.all([loadGraphModel(tf.io.fromMemory(asShipped(json, weights))), loadGraphModel(tf.io.fromMemory(r.artifacts))]);
    // A real face-sized input: the fixture's upper centre at 224 px, 0–1.
    const { data } = await sharp(readFileSync(FIXTURE)).extract({ left: 128, top: 20, width: 256, height: 256 }).resize(224, 224).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const x = tf.tensor4d(Float32Array.from(data, (v) => v / 255), [1, 224, 224, 3]);
    const a = run(shipped, x);
    const b = run(fused, x);
    x.dispose();
    expect(b.map((v) => v.length)).toEqual(a.map((v) => v.length));
    for (let i = 0; i < a.length; i++) expect(maxDiff(a[i]!, b[i]!)).toBeLessThan(1e-4);
    // The age distribution (100 bins) peaks in the same bin.
    const age = a.findIndex((v) => v.length === 100);
    const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
    expect(argmax(b[age]!)).toBe(argmax(a[age]!));
    shipped.dispose();
    fused.dispose();
  }, 60_000);
});

/** A one-convolution graph: conv (1×1, 2→2 channels) → Add(bias) → Relu → Minimum(clip) → Maximum(0). */
async function tinyGraph(clip: number, depthwise: boolean) {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const convAttr = { T: { type: 'DT_FLOAT' }, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') }, dilations: { list: { i: ['1', '1', '1', '1'] } } };
  const f = { type: 'DT_FLOAT' };
  const weights: tf.NamedTensorMap = {
    kernel: depthwise ? tf.tensor4d([0.5, -4], [1, 1, 2, 1]) : tf.tensor4d([1, -2, 3, 0.5], [1, 1, 2, 2]),
    ...(depthwise ? { scale: tf.tensor1d([3, 1.5]) } : {}),
    bias: tf.tensor1d([0.25, 1]),
    clip: tf.scalar(clip),
    zero: tf.scalar(0),
  };
  const node = [
    { name: 'x', op: 'Placeholder', attr: { dtype: f, shape: { shape: { dim: [{ size: '1' }, { size: '2' }, { size: '2' }, { size: '2' }] } } } },
    ...Object.keys(weights).map((name) => ({ name, op: 'Const', attr: { dtype: f, value: { tensor: { dtype: 'DT_FLOAT' } } } })),
    { name: 'conv', op: depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', input: ['x', 'kernel'], attr: convAttr },
    ...(depthwise ? [{ name: 'bn_mul', op: 'Mul', input: ['conv', 'scale'], attr: { T: f } }] : []),
    { name: 'bn_add', op: 'Add', input: [depthwise ? 'bn_mul' : 'conv', 'bias'], attr: { T: f } },
    { name: 'relu', op: 'Relu', input: ['bn_add'], attr: { T: f } },
    { name: 'min', op: 'Minimum', input: ['relu', 'clip'], attr: { T: f } },
    { name: 'out', op: 'Maximum', input: ['min', 'zero'], attr: { T: f } },
  ];
  const encoded = await tf.io.encodeWeights(weights);
  Object.values(weights).forEach((t) => t.dispose());
  const json: ModelJson = { format: 'graph-model', modelTopology: { node, library: {}, versions: {} }, weightsManifest: [{ paths: ['x.bin'], weights: encoded.specs }] };
  return { json, weights: encoded.data as ArrayBuffer };
}

describe('fusing small graphs', () => {
  const x = () => tf.tensor4d([1, 2, -3, 4, 0.5, -0.5, 4, 2], [1, 2, 2, 2]);
  for (const depthwise of [false, true]) {
    it(`${depthwise ? 'depthwise' : 'regular'} convolution + batch-norm + ReLU6: fused, same values`, async () => {
      const { json, weights } = await tinyGraph(6, depthwise);
      const r = await fuseConvBnRelu6(tf, json, weights);
      expect(r.fused).toBe(1);
      const ops = (r.artifacts.modelTopology as ModelJson['modelTopology']).node.filter((n) => n.op !== 'Const' && n.op !== 'Placeholder').map((n) => n.op);
      expect(ops).toEqual([depthwise ? 'FusedDepthwiseConv2dNative' : '_FusedConv2D']);
      const input = x();
      const [a] = run(await loadGraphModel(tf.io.fromMemory(asShipped(json, weights))), input);
      const [b] = run(await loadGraphModel(tf.io.fromMemory(r.artifacts)), input);
      input.dispose();
      expect(Array.from(b!)).toEqual(Array.from(a!));
      // Some values were clipped at 6 and some at 0: the activation is really there.
      expect(a).toContain(6);
      expect(a).toContain(0);
    });
  }

  it('leaves a clip other than [0, 6] alone', async () => {
    const { json, weights } = await tinyGraph(5, false);
    const r = await fuseConvBnRelu6(tf, json, weights);
    expect(r.fused).toBe(0);
    expect((r.artifacts.modelTopology as ModelJson['modelTopology']).node.map((n) => n.op)).toContain('Minimum');
  });
});
