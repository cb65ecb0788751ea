// Gradient utilities shared by the trainers.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Global-norm clipping: g ← g · min(1, maxNorm / ‖g‖₂) with ‖g‖₂ = sqrt(Σ_i Σ g_i²) over all tensors.
 * Returns new tensors (the caller disposes both maps) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  const norm = tf.tidy(() => Math.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k]!)))).dataSync()[0]!));
  const scale = Number.isFinite(norm) && norm > maxNorm ? maxNorm / norm : 1;
  const clipped: Record<string, tf.Tensor> = {};
  for (const k of names) clipped[k] = tf.tidy(() => tf.mul(grads[k]!, scale));
  return { grads: clipped, norm };
}

/** clipByGlobalNorm with the norm read asynchronously (same formula, same values). */
export async function clipByGlobalNormAsync(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): Promise<{ grads: Record<string, tf.Tensor>; norm: number }> {
  const names = Object.keys(grads);
  const squares = tf.tidy(() => tf.addN(names.map((k) => tf.sum(tf.square(grads[k]!)))));
  const norm = Math.sqrt((await squares.data())[0]!);
  squares.dispose();
  const scale = Number.isFinite(norm) && norm > maxNorm ? maxNorm / norm : 1;
  const clipped: Record<string, tf.Tensor> = {};
  for (const k of names) clipped[k] = tf.tidy(() => tf.mul(grads[k]!, scale));
  return { grads: clipped, norm };
}

/** Adam whose learning rate is set per step (the schedule lives outside the optimizer). */
export class ScheduledAdam {
  readonly optimizer: tf.AdamOptimizer;
  constructor(
    lr: number,
    readonly weightDecay = 0,
  ) {
    this.optimizer = tf.train.adam(lr, 0.9, 0.98, 1e-8);
  }

  /**
   * One update; `vars` maps gradient names to the variables they update. tfjs' Adam keys its moments by
   * the *position* of a gradient in the list, so every variable is passed, always in `vars` order, with a
   * zero gradient where the batch did not reach it (e.g. patch weights on a text-only batch).
   */
  step(grads: Record<string, tf.Tensor>, vars: Map<string, tf.Variable>, lr: number): void {
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    const zeros: tf.Tensor[] = [];
    const named = [...vars].map(([name, variable]) => {
      let tensor = grads[name];
      if (!tensor) zeros.push((tensor = tf.zerosLike(variable)));
      return { name: variable.name, tensor };
    });
    this.optimizer.applyGradients(named);
    tf.dispose(zeros);
  }

  /**
   * Clip `grads` to global norm `maxNorm`, apply them at `lr`, and free both gradient maps (the trainers'
   * one update). Returns the norm before clipping.
   */
  applyClipped(grads: Record<string, tf.Tensor>, vars: Map<string, tf.Variable>, lr: number, maxNorm: number): number {
    const clipped = clipByGlobalNorm(grads, maxNorm);
    this.step(clipped.grads, vars, lr);
    tf.dispose(Object.values(grads));
    tf.dispose(Object.values(clipped.grads));
    return clipped.norm;
  }

  /**
   * applyClipped with the norm read asynchronously: the same update, for GPU backends (WebGPU has no cheap
   * synchronous read; its canvas-based readSync can lose the device on software adapters).
   */
  async applyClippedAsync(
    grads: Record<string, tf.Tensor>,
    vars: Map<string, tf.Variable>,
    lr: number,
    maxNorm: number,
  ): Promise<number> {
    const clipped = await clipByGlobalNormAsync(grads, maxNorm);
    this.step(clipped.grads, vars, lr);
    tf.dispose(Object.values(grads));
    tf.dispose(Object.values(clipped.grads));
    return clipped.norm;
  }

  /**
   * The optimizer's state as plain arrays — the step count and both moments of every variable — so a
   * checkpoint can hold it and a resumed run continues exactly where it stopped (not from fresh moments).
   */
  async getState(): Promise<OptimizerState> {
    const weights = await this.optimizer.getWeights();
    try {
      return await Promise.all(
        weights.map(async (w) => ({
          name: w.name,
          shape: w.tensor.shape,
          values: (await w.tensor.data()) as Float32Array,
        })),
      );
    } finally {
      weights[0]?.tensor.dispose(); // the iteration counter: a fresh scalar per call (the moments are the optimizer's own)
    }
  }

  /** Restore a state from getState(); the variables it refers to must exist (same model, same names). */
  async setState(state: OptimizerState): Promise<void> {
    // tfjs replaces the moment variables without freeing the old ones, and keeps its inputs alive: free both.
    const adam = this.optimizer as unknown as {
      accumulatedFirstMoment?: { variable: tf.Variable }[];
      accumulatedSecondMoment?: { variable: tf.Variable }[];
    };
    const old = [...(adam.accumulatedFirstMoment ?? []), ...(adam.accumulatedSecondMoment ?? [])].map(
      (m) => m.variable,
    );
    const tensors = state.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
    try {
      await this.optimizer.setWeights(tensors);
    } finally {
      tf.dispose(tensors.map((t) => t.tensor)); // each moment variable holds its own reference to the data
    }
    tf.dispose(old);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Adam's state: the iteration counter first, then per variable its first and second moments. */
export type OptimizerState = { name: string; shape: number[]; values: Float32Array }[];

/** Gradients keyed by parameter name, and the loss scalar (not yet read). */
function gradsByParam(
  params: Map<string, tf.Variable>,
  loss: () => tf.Scalar,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const names = [...params.keys()];
  const list = names.map((n) => params.get(n)!);
  const { value, grads } = tf.variableGrads(loss, list);
  const byParam: Record<string, tf.Tensor> = {};
  const byVarName = new Map(list.map((v, i) => [v.name, names[i]!]));
  for (const [varName, g] of Object.entries(grads)) byParam[byVarName.get(varName)!] = g;
  return { value, grads: byParam };
}

/** paramGrads with the loss value read asynchronously (GPU backends). */
export async function paramGradsAsync(
  params: Map<string, tf.Variable>,
  loss: () => tf.Scalar,
): Promise<{ value: number; grads: Record<string, tf.Tensor> }> {
  const { value, grads } = gradsByParam(params, loss);
  const v = (await value.data())[0]!;
  value.dispose();
  return { value: v, grads };
}

/** Gradients of `loss` w.r.t. a ParamStore's variables, keyed by parameter name; tensors made by `loss` are freed. */
export function paramGrads(
  params: Map<string, tf.Variable>,
  loss: () => tf.Scalar,
): { value: number; grads: Record<string, tf.Tensor> } {
  const { value, grads } = gradsByParam(params, loss);
  const v = value.dataSync()[0]!;
  value.dispose();
  return { value: v, grads };
}
