// Making a tfjs backend active, with the failure reason captured (tf.setBackend only returns false and
// prints the cause to the console).
import * as tf from '@tensorflow/tfjs-core';
import type { ProbeResult } from './backend';
import { errorMessage } from '../../media/errors';
import { label } from './backend';
import type { BackendName } from '../types';

export async function activateBackend(name: BackendName): Promise<ProbeResult> {
  if (tf.findBackendFactory(name) == null) return { ok: false, reason: `${label(name)}: not bundled` };
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => errorMessage(a)).join(' '));
  };
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    if (ok) await tf.ready();
  } catch (err) {
    warnings.push(errorMessage(err));
    ok = false;
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const cause = warnings.find((w) => !/^Initialization of backend/.test(w)) ?? warnings[0] ?? 'failed to initialise';
    return { ok: false, reason: `${label(name)}: ${cause.split('\n')[0].slice(0, 200)}` };
  }
  return { ok: true };
}
