// Building blocks shared by the Embedder and the Reasoner, written once: a named parameter store
// with seeded init, dense / layer norm / MLP / masked multi-head attention with an optional KV cache,
// and a gather-based embedding lookup whose gradient works on WASM (token plans: plan.ts).
// Functional ops only (tf.add(a, b), never a.add(b)): chained ops need a registration step that the
// Node CLI under tsx cannot import, so forward passes stay host-independent.
import * as tf from '@tensorflow/tfjs-core';
import { normalArray, type RandomSource } from './rng';

export type Init = { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' };

/** How one parameter is stored. channelAxis: int8 per-channel axis, or null to keep it float32. */
export interface ParamSpec {
  name: string;
  shape: number[];
  channelAxis: number | null;
}

/** Trainable weights by name (name → tf.Variable). Insertion order = init order = save order. */
export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();
  readonly specs = new Map<string, ParamSpec>();
  constructor(private readonly rng: RandomSource) {}

  /** Rank-2 tensors quantise per output column (last axis) unless told otherwise; rank-1 stay float. */
  add(name: string, shape: number[], init: Init, channelAxis?: number | null): tf.Variable {
    if (this.vars.has(name)) throw new Error(`duplicate parameter ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    let values: Float32Array;
    if (init.kind === 'normal') values = normalArray(size, init.std, this.rng);
    else values = new Float32Array(size).fill(init.kind === 'ones' ? 1 : 0);
    // Unnamed tf variables: two models (or two copies of one) may coexist without name clashes.
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, true);
    initial.dispose(); // the variable holds its own reference to the data
    this.vars.set(name, variable);
    this.specs.set(name, {
      name,
      shape,
      channelAxis: channelAxis !== undefined ? channelAxis : shape.length >= 2 ? shape.length - 1 : null,
    });
    return variable;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Total number of scalar weights. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/**
 * x·W + b for x [N, in], W [in, out], with a hand-written gradient:
 *   dx = dy · Wᵀ,  dW = xᵀ · dy,  db = Σ_rows dy,
 * each product a fused (non-transposing) matMul of explicitly transposed operands. tfjs' own matMul
 * gradient uses BatchMatMul with transpose flags, which on WASM runs a naive loop ~30–80× slower than
 * the XNNPACK kernel behind _FusedMatMul (measured: [1760,192]ᵀ·[1760,768] 290 ms vs 5 ms).
 */
export function dense(x: tf.Tensor2D, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xIn, wIn, bIn] = args.slice(0, -1) as tf.Tensor2D[];
    save([xIn!, wIn!]);
    return {
      value: tf.fused.matMul({ a: xIn!, b: wIn!, bias: bIn }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const dx = tf.fused.matMul({ a: dy as tf.Tensor2D, b: tf.transpose(ws!) }); // [N, out]·[out, in]
        const dw = tf.fused.matMul({ a: tf.transpose(xs!), b: dy as tf.Tensor2D }); // [in, N]·[N, out]
        return bIn ? [dx, dw, tf.sum(dy, 0)] : [dx, dw];
      },
    };
  });
  return (bias ? op(x, weight, bias) : op(x, weight)) as tf.Tensor2D;
}

/** A reading head's gates softplus(x · W + b + offset) ≥ 0 [N, out], W and b the store's `<name>_w`, `<name>_b`. */
export function softGate(store: ParamStore, name: string, x: tf.Tensor2D, offset: number | tf.Tensor): tf.Tensor2D {
  return tf.softplus(tf.add(dense(x, store.get(`${name}_w`), store.get(`${name}_b`)), offset)) as tf.Tensor2D;
}

/** (x − mean) / sqrt(var + eps) · g + b over the last axis. */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), gain), bias) as tf.Tensor2D;
}

/** GELU approximated as x·σ(1.702x) (CLIP's "quick GELU": 3 kernels instead of ~8). */
export function quickGelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
}

// ---- embedding lookup ------------------------------------------------------------------------

/**
 * table[ids] for table [N, d], ids int32 [M] → [M, d]. Forward is a gather; the gradient is
 * scatterND(ids, dy, [N, d]), which sums repeated ids. tf.gather's own gradient needs
 * UnsortedSegmentSum, a kernel the WASM backend lacks; ScatterNd exists on every backend.
 */
export function embedLookup(table: tf.Tensor, ids: Int32Array): tf.Tensor2D {
  const [rows, width] = table.shape as [number, number];
  // Index tensors are made where they are used, never captured: the backward pass runs after the
  // forward's tf.tidy has disposed everything it did not return.
  const lookup = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.gather(inputs[0] as tf.Tensor, tf.tensor1d(ids, 'int32')),
    gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.tensor2d(ids, [ids.length, 1], 'int32'), dy, [rows, width]), // ids as [M, 1]
  }));
  return lookup(table) as tf.Tensor2D;
}

/**
 * matrix[i, cols[i]] for matrix [N, V] → [N]. Forward gathers from the flattened matrix; the gradient
 * scatters dy back with scatterND (no one-hot [N, V] temporary, no UnsortedSegmentSum).
 */
export function pickColumns(matrix: tf.Tensor2D, cols: Int32Array): tf.Tensor1D {
  const [rows, width] = matrix.shape;
  const flatIdx = Int32Array.from(cols, (c, i) => i * width + c);
  const pick = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.gather(tf.reshape(inputs[0] as tf.Tensor, [rows * width]), tf.tensor1d(flatIdx, 'int32')), // [N·V] → [N]
    gradFunc: (dy: tf.Tensor) =>
      tf.reshape(tf.scatterND(tf.tensor2d(flatIdx, [rows, 1], 'int32'), dy, [rows * width]), [rows, width]), // [N·V] → [N, V]
  }));
  return pick(matrix) as tf.Tensor1D;
}

/**
 * x[rowSource[r]] along axis 0 for x [I, …] → [R, …], no gradient. Rows in contiguous equal groups (row r reads
 * input ⌊r / n⌋, as a GRPO batch's n rollouts do) are an exact broadcast product with ones: WASM's GatherV2 copies
 * these sizes ~100× slower (measured: [12, 288, 404] → 48 rows, gather 156 ms, the product 0.8 ms). Other row
 * maps gather.
 */
export function repeatRows(x: tf.Tensor, rowSource: readonly number[], sources: number): tf.Tensor {
  const rows = rowSource.length;
  const n = rows / sources;
  if (Number.isInteger(n) && rowSource.every((i, r) => i === Math.floor(r / n))) {
    const width = x.size / Math.max(1, sources);
    const repeated = tf.mul(tf.reshape(x, [sources, 1, width]), tf.ones([1, n, 1], x.dtype)); // [I, n, W]
    return tf.reshape(repeated, [rows, ...x.shape.slice(1)]);
  }
  return tf.gather(x, tf.tensor1d(Int32Array.from(rowSource), 'int32'));
}

/**
 * x[rowSource[r]] along axis 0 for x [I, …] → [R, …] (shared prefix states → one copy per rollout).
 * Forward is `repeatRows`; the gradient sums each source's rows with one matmul, dx = Sᵀ·dy with the
 * selection matrix S [R, I] (tf.gather's own gradient needs UnsortedSegmentSum, which WASM lacks).
 */
export function expandRows(x: tf.Tensor, rowSource: readonly number[], sources: number): tf.Tensor {
  const shape = x.shape;
  const rows = rowSource.length;
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  const select = new Float32Array(sources * rows); // Sᵀ [I, R]
  rowSource.forEach((i, r) => (select[i * rows + r] = 1));
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: repeatRows(args[0] as tf.Tensor, rowSource, sources),
    gradFunc: (dy: tf.Tensor) =>
      tf.reshape(
        tf.fused.matMul({ a: tf.tensor2d(select, [sources, rows]), b: tf.reshape(dy, [rows, width]) as tf.Tensor2D }),
        shape,
      ), // [I, R]·[R, W] → x's shape
  }));
  return op(x);
}

// ---- transformer block -----------------------------------------------------------------------

export interface BlockDims {
  dModel: number;
  nHeads: number;
  mlpRatio: number;
  lnEps: number;
  nLayers: number;
}

/** A model config's transformer sizes (both models' configs carry these fields). */
export function blockDimsOf(c: BlockDims): BlockDims {
  return { dModel: c.dModel, nHeads: c.nHeads, mlpRatio: c.mlpRatio, lnEps: c.lnEps, nLayers: c.nLayers };
}

/** A tiny transformer's sizes, where both models' tiny presets (tests, browser smoke runs) start. */
export const TINY_TRANSFORMER = { vocabSize: 64, dModel: 32, nLayers: 2, nHeads: 2, mlpRatio: 2 } as const;

/** Cached keys and values of one layer: each [B, nHeads, Tk, headSize]. */
export type LayerKV = {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
};

/** Pre-LN block params under `h{layer}.`; output projections scaled by 1/sqrt(2·nLayers) (GPT-2). */
export function addBlockParams(store: ParamStore, layer: number, dims: BlockDims): void {
  const d = dims.dModel;
  const hidden = d * dims.mlpRatio;
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * dims.nLayers);
  const p = `h${layer}.`;
  store.add(p + 'ln1_g', [d], { kind: 'ones' });
  store.add(p + 'ln1_b', [d], { kind: 'zeros' });
  store.add(p + 'attn_qkv_w', [d, 3 * d], { kind: 'normal', std });
  store.add(p + 'attn_qkv_b', [3 * d], { kind: 'zeros' });
  store.add(p + 'attn_out_w', [d, d], { kind: 'normal', std: residualStd });
  store.add(p + 'attn_out_b', [d], { kind: 'zeros' });
  store.add(p + 'ln2_g', [d], { kind: 'ones' });
  store.add(p + 'ln2_b', [d], { kind: 'zeros' });
  store.add(p + 'mlp_in_w', [d, hidden], { kind: 'normal', std });
  store.add(p + 'mlp_in_b', [hidden], { kind: 'zeros' });
  store.add(p + 'mlp_out_w', [hidden, d], { kind: 'normal', std: residualStd });
  store.add(p + 'mlp_out_b', [d], { kind: 'zeros' });
}

/** Every transformer block's parameters, then the final layer norm's (ln_f). */
export function addTrunkParams(store: ParamStore, nLayers: number, dims: BlockDims): void {
  for (let layer = 0; layer < nLayers; layer++) addBlockParams(store, layer, dims);
  store.add('ln_f_g', [dims.dModel], { kind: 'ones' });
  store.add('ln_f_b', [dims.dModel], { kind: 'zeros' });
}

/**
 * [past ; new] along the key axis (2) of [B, nh, ·, hs], its gradient two slices: tfjs' own concat gradient is a
 * SplitV, several times slower on WASM than slicing the same two blocks.
 */
export function concatKeys(past: tf.Tensor4D, fresh: tf.Tensor4D): tf.Tensor4D {
  const [B, nh, P, hs] = past.shape;
  const T = fresh.shape[2];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.concat([args[0] as tf.Tensor4D, args[1] as tf.Tensor4D], 2),
    gradFunc: (dy: tf.Tensor) => [
      tf.slice(dy, [0, 0, 0, 0], [B, nh, P, hs]),
      tf.slice(dy, [0, 0, P, 0], [B, nh, T, hs]),
    ],
  }));
  return op(past, fresh) as tf.Tensor4D;
}

/**
 * Multi-head attention of the `seqLen` new tokens in x [B·T, d] over [past keys ; own keys].
 * maskBias is additive (0 or −1e9), broadcastable to [B, nHeads, T, Tpast + T].
 */
function attention(
  store: ParamStore,
  p: string,
  dims: BlockDims,
  x: tf.Tensor2D,
  at: { batch: number; seqLen: number; maskBias: tf.Tensor; past?: LayerKV },
): { out: tf.Tensor2D; kv: LayerKV } {
  const { batch, seqLen, maskBias, past } = at;
  const nh = dims.nHeads;
  const hs = dims.dModel / nh;
  // q, k and v from the weight's three column blocks: three 2-D products, where splitting one [B, 3·nh, T, hs]
  // product costs WASM more than the products (SplitV, and its concat in the backward pass).
  const d = dims.dModel;
  const w = store.get(p + 'attn_qkv_w');
  const b = store.get(p + 'attn_qkv_b');
  const [q, kNew, vNew] = [0, 1, 2].map((j) => {
    const proj = dense(x, tf.slice(w, [0, j * d], [d, d]), tf.slice(b, [j * d], [d])); // [B·T, d]
    return tf.transpose(tf.reshape(proj, [batch, seqLen, nh, hs]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, T, nh, hs] → [B, nh, T, hs]
  }) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const k = past ? concatKeys(past.k, kNew) : kNew; // [B, nh, Tk, hs]
  const v = past ? concatKeys(past.v, vNew) : vNew; // [B, nh, Tk, hs]
  const scores = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(hs)), k, false, true), maskBias); // [B, nh, T, Tk]
  const context = tf.matMul(tf.softmax(scores), v); // [B, nh, T, hs]
  const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * seqLen, dims.dModel]) as tf.Tensor2D; // [B, T, nh, hs] → [B·T, d]
  const out = dense(merged, store.get(p + 'attn_out_w'), store.get(p + 'attn_out_b'));
  return { out, kv: { k, v } };
}

/** Pre-LN transformer block: x + attn(ln1(x)), then + mlp(ln2(·)). x is [B·T, d]. */
export function transformerBlock(
  store: ParamStore,
  layer: number,
  dims: BlockDims,
  x: tf.Tensor2D,
  batch: number,
  seqLen: number,
  maskBias: tf.Tensor,
  past?: LayerKV,
): { out: tf.Tensor2D; kv: LayerKV } {
  const p = `h${layer}.`;
  const normed = layerNorm(x, store.get(p + 'ln1_g'), store.get(p + 'ln1_b'), dims.lnEps);
  const attn = attention(store, p, dims, normed, { batch, seqLen, maskBias, past });
  const afterAttn = tf.add(x, attn.out) as tf.Tensor2D;
  const normed2 = layerNorm(afterAttn, store.get(p + 'ln2_g'), store.get(p + 'ln2_b'), dims.lnEps);
  const hidden = quickGelu(dense(normed2, store.get(p + 'mlp_in_w'), store.get(p + 'mlp_in_b')));
  const out = tf.add(afterAttn, dense(hidden, store.get(p + 'mlp_out_w'), store.get(p + 'mlp_out_b'))) as tf.Tensor2D;
  return { out, kv: attn.kv };
}

/**
 * Additive attention bias [B, 1, Tq, Tk] (or [B, 1, 1, Tk] when `causalFrom` is null: every query
 * sees the same keys). Key j is visible to query i iff keyValid[b, j] and (j < causalFrom or
 * j ≤ queryOffset + i): bidirectional over the first `causalFrom` keys (prefix-LM), causal after.
 */
export function attentionBias(
  keyValid: Uint8Array,
  batch: number,
  tk: number,
  tq: number,
  causalFrom: number | null,
  queryOffset = 0,
): tf.Tensor4D {
  const NEG = -1e9; // not −∞: a fully masked (padding) row then softmaxes to uniform, never NaN
  if (causalFrom === null) {
    const bias = new Float32Array(batch * tk);
    for (let i = 0; i < bias.length; i++) bias[i] = keyValid[i] ? 0 : NEG;
    return tf.tensor4d(bias, [batch, 1, 1, tk]);
  }
  const bias = new Float32Array(batch * tq * tk);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < tq; i++) {
      const row = (b * tq + i) * tk;
      for (let j = 0; j < tk; j++) {
        const visible = keyValid[b * tk + j] === 1 && (j < causalFrom || j <= queryOffset + i);
        bias[row + j] = visible ? 0 : NEG;
      }
    }
  }
  return tf.tensor4d(bias, [batch, 1, tq, tk]);
}
