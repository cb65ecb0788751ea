// How fast the active tfjs backend runs the models' own kind of work: a [128×256]·[256×256] matmul, a bias
// and a softmax (the shape of an attention or MLP block at the shipped width), timed after a warm-up that
// compiles its shaders. The engine's automatic choice picks the backend that measures fastest.
import * as tf from '@tensorflow/tfjs-core';

const M = 128;
const K = 256;
const N = 256;
const FLOPS = 2 * M * K * N + 6 * M * N;

/** GFLOP/s of the active backend (median of `runs` timed runs, each awaited to the data). */
export async function measureActiveBackend(runs = 3, now: () => number = () => performance.now()): Promise<number> {
  const a = tf.randomUniform([M, K], -1, 1, 'float32', 1);
  const b = tf.randomUniform([K, N], -0.1, 0.1, 'float32', 2);
  const bias = tf.randomUniform([N], -0.1, 0.1, 'float32', 3);
  const once = async () => {
    const out = tf.tidy(() => tf.softmax(tf.add(tf.matMul(a, b), bias)));
    try {
      await out.data();
    } finally {
      out.dispose();
    }
  };
  try {
    await once(); // compile / warm up
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = now();
      await once();
      times.push(now() - t0);
    }
    times.sort((x, y) => x - y);
    const ms = Math.max(times[Math.floor(times.length / 2)]!, 1e-3);
    return FLOPS / (ms / 1000) / 1e9;
  } finally {
    tf.dispose([a, b, bias]);
  }
}
