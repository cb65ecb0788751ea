// What a run shows while it goes: the charts, the sample strip of T-CoTs over training, the teaching notes.
import { useMemo } from 'react';
import type { FinetuneSample, FinetuneSnapshot } from '../../../engine/types';
import { VOCAB } from '../../../tcot/default';
import { renderSegments, renderTokens } from '../../../tcot/render';
import { Chart, type ChartSeries } from '../../components/Chart';
import { ItemThumb } from '../../components/Pixels';
import { boxesOf } from '../../trace-layout';
import { fmt, pct } from './format';

export function Charts({ ft, height }: { ft: FinetuneSnapshot; height: number }) {
  const charts = useMemo(() => {
    // One chart line: a value of every step log (or held-out evaluation).
    const line =
      <T,>(rows: T[]) =>
      (label: string, color: string, value: (r: T) => number, dash?: number[]): ChartSeries => ({
        label,
        color,
        values: rows.map(value),
        ...(dash ? { dash } : {}),
      });
    const log = line(ft.logs);
    const held = line(ft.evals);
    const x = ft.logs.map((l) => l.step + 1);
    return [
      {
        title: 'Reward (mean, spread) and its parts',
        testId: 'chart-reward',
        x,
        series: [
          log('reward mean', '#4f7cff', (l) => l.reward.mean),
          log('reward std', '#9aa3c7', (l) => l.reward.std, [4, 4]),
          log('ORM', '#3ccf91', (l) => l.orm),
          log('PRM', '#f4b740', (l) => l.prm),
        ],
      },
      {
        title: 'Format rate and KL to the start',
        testId: 'chart-format',
        x,
        series: [log('format rate', '#c77dff', (l) => l.formatRate), log('KL ×100', '#ff6b6b', (l) => 100 * l.kl)],
      },
      {
        title: 'Held-out retrieval (every N steps)',
        testId: 'chart-heldout',
        x: ft.evals.map((e) => e.step),
        series: [held('held-out Hit@1', '#3ccf91', (e) => e.hit1), held('MRR', '#4f7cff', (e) => e.mrr)],
        yRange: [0, 1] as [number, number],
      },
    ];
  }, [ft.logs, ft.evals]);
  return (
    <div className="ft-charts">
      {charts.map((c) => (
        <Chart key={c.testId} {...c} height={height} />
      ))}
    </div>
  );
}

/** A thumbnail with the T-CoT's boxes drawn on it (0–1000 coordinates). */
export function BoxedThumb({ id, label, tokens }: { id: string; label: string; tokens: number[] }) {
  const boxes = useMemo(() => boxesOf(VOCAB, tokens, renderSegments(VOCAB, tokens)), [tokens]);
  return (
    <div className="boxed-thumb">
      <ItemThumb id={id} label={label} />
      <svg viewBox="0 0 1000 1000" preserveAspectRatio="none" aria-hidden="true">
        {boxes.map((b, i) => (
          <rect
            key={i}
            x={b.box[0]}
            y={b.box[1]}
            width={Math.max(0, b.box[2]! - b.box[0]!)}
            height={Math.max(0, b.box[3]! - b.box[1]!)}
            fill="none"
            stroke="#f4b740"
            strokeWidth={24}
          />
        ))}
      </svg>
    </div>
  );
}

export function SampleStrip({ ft }: { ft: FinetuneSnapshot }) {
  const p = ft.samplePair;
  if (!p || ft.samples.length === 0) return null;
  return (
    <section className="card ft-samples" aria-labelledby="samples-heading">
      <h3 id="samples-heading">
        How one pair’s T-CoTs change: “{p.queryLabel}” → {p.targetName}
      </h3>
      <p className="hint">
        The Reasoner’s greedy T-CoT for the query and for its target, each time it is evaluated. Boxes are the evidence
        the Embedder then reads.
      </p>
      <ol className="sample-strip" data-testid="ft-samples">
        {ft.samples.map((s: FinetuneSample) => (
          <li key={s.step} data-testid="ft-sample" data-step={s.step}>
            <div className="sample-step">step {s.step}</div>
            <div className="sample-side">
              {p.queryItemId && <BoxedThumb id={p.queryItemId} label={p.queryLabel} tokens={s.query} />}
              <code>{renderTokens(VOCAB, s.query)}</code>
            </div>
            <div className="sample-side">
              <BoxedThumb id={p.targetId} label={p.targetName} tokens={s.target} />
              <code>{renderTokens(VOCAB, s.target)}</code>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function Teaching({ ft }: { ft: FinetuneSnapshot | null }) {
  const last = ft?.logs.at(-1);
  const lastEval = ft?.evals.at(-1);
  const w = ft?.settings?.weights;
  return (
    <aside className="card ft-teach" aria-labelledby="teach-heading" data-testid="ft-teach">
      <h3 id="teach-heading">What is going on</h3>
      <p>
        <strong>The Reasoner</strong> reads a query or an item and writes a short note, the T-CoT: what matters and{' '}
        <em>where</em> (boxes on an image, frames of a clip, key words of a text). It is the only thing that learns
        here.
      </p>
      <p>
        <strong>The Embedder</strong> turns an input plus the evidence the T-CoT points at into a list of numbers (a
        vector); similar vectors mean “these match”. It stays frozen: it is the judge.
      </p>
      <p>
        <strong>The reward</strong> scores each sampled T-CoT: does it have the right form (<em>format</em>, now{' '}
        {pct(last?.formatRate)}), does the Embedder then put your pair closer together than the other pairs in the batch
        (<em>ORM</em>, now {fmt(last?.orm)}), and can a text-only reader of the T-CoTs alone pick the right partner (
        <em>PRM</em>, now {fmt(last?.prm)}). Together, weighted{' '}
        {w ? `${w.format} / ${w.orm} / ${w.prm}` : '0.05 / 0.8 / 0.2'}: <strong>{fmt(last?.reward.mean)}</strong>. The
        Reasoner is nudged towards the T-CoTs that scored above their siblings’ average.
      </p>
      <p>
        <strong>The KL term</strong> measures how far the Reasoner has drifted from where it started (now{' '}
        {fmt(last?.kl, 4)}; 0 at the first step). A small penalty on it keeps the Reasoner from forgetting how to write
        sensible T-CoTs while it chases the reward.
      </p>
      <p>
        <strong>Did it help?</strong> Only the held-out pairs can say — they were never trained on. Hit@1 = how often
        the right target comes first: now {pct(lastEval?.hit1)}
        {ft?.before && Number.isFinite(ft.before.hit1) ? `, ${pct(ft.before.hit1)} before training` : ''}. With a
        handful of pairs, one pair moves it a lot.
      </p>
    </aside>
  );
}
