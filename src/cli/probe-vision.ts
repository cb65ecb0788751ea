// `npm run probe:vision -- [--steps 800] [--lr 2e-3] [--eval-every 200] [--seed 1] [--config '{"width4":32,"width8":96,"convs8":2}']`
// A short vision-stage probe (one WASM thread): trains a stem of the given shape on the dense per-cell targets
// and prints the loss parts every 20 steps and the held-out figures every --eval-every steps.
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/backend/platform-node';
import { VisionModel, type VisionConfig } from '../models/vision';
import { HEAD_OUT } from '../models/stem-head';
import { DEFAULT_MIX } from '../train/vision-data';
import { trainVision } from '../train/vision-trainer';
import { cliArgs } from './args';

const { values } = cliArgs(
  `npm run probe:vision -- [--steps 800] [--lr 2e-3] [--eval-every 200] [--seed 1] [--config '{"width4":32,"width8":96,"convs8":2}']`,
  {
    steps: { type: 'string', default: '800', value: 'N', help: 'training steps' },
    lr: { type: 'string', default: '2e-3', value: 'X', help: 'learning rate' },
    'eval-every': { type: 'string', default: '200', value: 'N', help: 'held-out figures every N steps' },
    seed: { type: 'string', default: '1', value: 'S', help: 'training seed' },
    config: {
      type: 'string',
      default: '{"width4":32,"width8":96,"convs8":2}',
      value: 'JSON',
      help: 'the stem shape (VisionConfig)',
    },
  },
);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const config = JSON.parse(values.config) as VisionConfig;
const model = new VisionModel({ ...config, headOut: HEAD_OUT, seed: 3 });
console.log(`vision probe: ${model.params.count()} parameters, ${JSON.stringify(config)}`);
const round = (o: object) =>
  JSON.stringify(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, +(+v).toFixed(3)])));
const t0 = performance.now();
await trainVision(
  model,
  {
    steps: Number(values.steps),
    lr: Number(values.lr),
    warmup: 20,
    mix: DEFAULT_MIX,
    evalEvery: Number(values['eval-every']),
    evalSteps: 4,
  },
  Number(values.seed),
  {
    onStep: (l) => {
      if (l.step % 20 === 0 || l.heldout)
        console.log(
          `${l.step} loss ${l.loss.toFixed(3)} ${round(l.parts)} ${l.dt.toFixed(2)} s${l.heldout ? ` held-out ${round(l.heldout)}` : ''}`,
        );
    },
  },
);
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
