/**
 * Fuses batch-norm and ReLU6 into the convolutions of a MobileNet-style tfjs graph model, in
 * memory, at load time: `Conv2D → Add(bias) → Relu → Minimum(6) → Maximum(0)` becomes one
 * `_FusedConv2D` (BiasAdd + Relu6), and `DepthwiseConv2dNative → Mul(scale) → Add(bias) → Relu →
 * Minimum(6) → Maximum(0)` becomes one `FusedDepthwiseConv2dNative` with the scale folded into the
 * kernel. Same arithmetic (to float rounding), four or five fewer passes over each activation map.
 *
 * Human's age/descriptor model (faceres.json, a MobileNet v1 at 224 px) was converted without
 * this fusion: 27 convolutions followed by 121 element-wise ops, which on the WASM backend cost
 * about as much as the convolutions themselves. The other models Human ships are already fused.
 */
import type { io, NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';

type Node = { name: string; op: string; input?: string[]; attr?: Record<string, unknown>; device?: string };
export type ModelJson = {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: unknown;
  modelTopology: { node: Node[]; [k: string]: unknown };
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
};
/** The part of tfjs-core used here (Human's `tf`, so the same instance Human loads models with). */
export type TfForFusion = {
  io: Pick<typeof io, 'decodeWeights' | 'encodeWeights'>;
  tensor: (values: Float32Array, shape: number[], dtype: 'float32') => Tensor;
};

const b64 = (s: string) => Buffer.from(s, 'ascii').toString('base64');
const inputName = (i: string) => i.replace(/^\^/, '').split(':')[0]!;

/** The model's artifacts as shipped (no fusion). */
export function asShipped(json: ModelJson, weightData: ArrayBuffer): io.ModelArtifacts {
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    signature: json.signature as object,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData,
  };
}

export type FusionResult = { artifacts: io.ModelArtifacts; fused: number; nodesBefore: number; nodesAfter: number };

/** Returns the fused model's artifacts (topology + float32 weights); the input is left as it is. */
export async function fuseConvBnRelu6(tf: TfForFusion, json: ModelJson, weightData: ArrayBuffer): Promise<FusionResult> {
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const tensors: NamedTensorMap = tf.io.decodeWeights(weightData, specs);
  const values = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype === 'float32') values.set(name, { data: t.dataSync() as Float32Array, shape: t.shape });
  }
  const nodes = json.modelTopology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const consumers = new Map<string, Node[]>();
  for (const n of nodes) for (const i of n.input ?? []) consumers.set(inputName(i), [...(consumers.get(inputName(i)) ?? []), n]);

  /** The sole consumer of `n`, when it has op `op` and takes `n` plus (optionally) one constant. */
  const next = (n: Node, op: string, withConst: boolean): { node: Node; constant?: string } | undefined => {
    const c = consumers.get(n.name);
    if (!c || c.length !== 1 || c[0]!.op !== op) return undefined;
    const node = c[0]!;
    const inputs = (node.input ?? []).map(inputName);
    if (!withConst) return inputs.length === 1 ? { node } : undefined;
    const other = inputs.length === 2 && inputs.includes(n.name) ? inputs.find((i) => i !== n.name) : undefined;
    return other && byName.get(other)?.op === 'Const' && values.has(other) ? { node, constant: other } : undefined;
  };
  const scalar = (name: string | undefined) => {
    const v = name ? values.get(name) : undefined;
    return v && v.data.length === 1 ? v.data[0] : undefined;
  };

  const removed = new Set<string>();
  const replaced = new Map<string, Node>();
  const newWeights = new Map<string, { data: Float32Array; shape: number[] }>();
  let fused = 0;
  for (const conv of nodes) {
    const depthwise = conv.op === 'DepthwiseConv2dNative';
    if (conv.op !== 'Conv2D' && !depthwise) continue;
    const kernelName = inputName(conv.input?.[1] ?? '');
    const kernel = values.get(kernelName);
    if (!kernel || (consumers.get(kernelName)?.length ?? 0) !== 1) continue;
    const mul = depthwise ? next(conv, 'Mul', true) : undefined;
    if (depthwise && !mul) continue;
    const add = next(mul?.node ?? conv, 'Add', true) ?? next(mul?.node ?? conv, 'AddV2', true) ?? next(mul?.node ?? conv, 'BiasAdd', true);
    const relu = add && next(add.node, 'Relu', false);
    const min = relu && next(relu.node, 'Minimum', true);
    const max = min && next(min.node, 'Maximum', true);
    if (!add || !relu || !min || !max || scalar(min.constant) !== 6 || scalar(max.constant) !== 0) continue;
    const channels = kernel.shape[kernel.shape.length - 1]! * (depthwise ? kernel.shape[2]! : 1);
    const bias = values.get(add.constant!)!;
    if (bias.data.length !== channels) continue;
    let kernelOut = kernel;
    if (mul) {
      // Depthwise kernel [h, w, in, multiplier]: output channel = in * multiplier + m, scaled by scale[channel].
      const scale = values.get(mul.constant!)!;
      if (scale.data.length !== channels) continue;
      const data = Float32Array.from(kernel.data);
      for (let i = 0; i < data.length; i++) data[i]! *= scale.data[i % channels]!;
      kernelOut = { data, shape: kernel.shape };
    }
    newWeights.set(kernelName, kernelOut);
    newWeights.set(add.constant!, bias);
    for (const n of [conv, mul?.node, add.node, relu.node, min.node]) if (n) removed.add(n.name);
    const attr = { ...conv.attr, num_args: { i: '1' }, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } } } as Record<string, unknown>;
    if (!depthwise) attr.epsilon = { f: 0 };
    replaced.set(max.node.name, {
      name: max.node.name,
      op: depthwise ? 'FusedDepthwiseConv2dNative' : '_FusedConv2D',
      input: [conv.input![0]!, kernelName, add.constant!],
      attr,
      ...(conv.device ? { device: conv.device } : {}),
    });
    fused++;
  }
  const kept = nodes.filter((n) => !removed.has(n.name)).map((n) => replaced.get(n.name) ?? n);
  // Constants nothing reads any more (the Minimum/Maximum bounds, the folded scales) are dropped.
  const used = new Set(kept.flatMap((n) => (n.input ?? []).map(inputName)));
  const outNodes = kept.filter((n) => n.op !== 'Const' || used.has(n.name));
  const outTensors: NamedTensorMap = {};
  const made: Tensor[] = [];
  for (const n of outNodes) {
    if (n.op !== 'Const' || !tensors[n.name]) continue;
    const w = newWeights.get(n.name);
    if (w) {
      const t = tf.tensor(w.data, w.shape, 'float32');
      made.push(t);
      outTensors[n.name] = t;
    } else {
      outTensors[n.name] = tensors[n.name]!;
    }
  }
  const encoded = await tf.io.encodeWeights(outTensors);
  for (const t of [...Object.values(tensors), ...made]) t.dispose();
  const artifacts: io.ModelArtifacts = {
    ...asShipped(json, encoded.data),
    modelTopology: { ...json.modelTopology, node: outNodes },
    weightSpecs: encoded.specs,
  };
  return { artifacts, fused, nodesBefore: nodes.length, nodesAfter: outNodes.length };
}
